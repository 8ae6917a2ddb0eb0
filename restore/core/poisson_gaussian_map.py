"""Poisson-Gaussian noise as a noise map: each pixel's standard deviation from the model.

For ``y = a Poisson(x / a) + N(0, b^2)`` the variance at a pixel is ``a x + b^2``. With
a pilot ``p`` of ``x`` (``y`` smoothed by a Gaussian of :data:`PILOT_SMOOTHING` pixels,
clipped to [0, 1]) the map ``sigma(q) = sqrt(a p(q) + b^2)`` lets a Gaussian denoiser that
takes a noise map (:func:`restore.denoise` with an array ``sigma``) restore ``y``
directly, without the generalised Anscombe transform. Colour channels share one map, the
mean over channels of their variances (the variance of the luminance plane).
"""
from __future__ import annotations

import numpy as np

#: Standard deviation, in pixels, of the Gaussian that smooths ``y`` into the pilot.
#: docs/tuning.md#poisson-gaussian-noise
PILOT_SMOOTHING = 2.0


def poisson_gaussian_sigma_map(image, noise, smoothing=PILOT_SMOOTHING):
    """``sqrt(a p + b^2)``, ``(H, W)`` float64, for a channels-last ``(H, W[, C])`` image and a
    :class:`restore.core.anscombe.PoissonGaussian` ``noise``."""
    from scipy.ndimage import gaussian_filter

    planes = np.asarray(image, dtype=np.float64)
    planes = planes[..., None] if planes.ndim == 2 else planes
    pilot = np.stack([gaussian_filter(planes[..., c], smoothing, mode="reflect")
                      for c in range(planes.shape[2])], axis=-1)
    variance = noise.gain * np.clip(pilot, 0.0, 1.0).mean(axis=2) + noise.sigma ** 2
    return np.sqrt(variance)
