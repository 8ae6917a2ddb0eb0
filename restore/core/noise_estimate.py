"""Noise estimation from one image: white Gaussian sigma, Poisson-Gaussian ``(a, b)``.

The public functions validate the image (floats in [0, 1]; integers scaled), move its
channels last, measure at most a centre crop of :data:`ESTIMATE_SIDE` pixels a side
(bounded time and memory on huge images) and run the estimators of
:mod:`restore.core.noise_level` and :mod:`restore.core.noise_poisson_gaussian`.
"""
from __future__ import annotations

import numpy as np

from restore.core import noise_level
from restore.core.noise_poisson_gaussian import estimate_poisson_gaussian
from restore.core.validation import as_float_image, to_channels_last

#: The estimators look at most at a centre crop of this many pixels a side.
ESTIMATE_SIDE = 2048
#: Images smaller than this a side have no noise estimate.
MIN_SIDE = 8
#: The methods of :func:`estimate_sigma`.
SIGMA_METHODS = ("patches", "wavelet")


def _planes(image, channel_axis):
    """The centre crop's 2-D planes (one per channel) as float64."""
    image = to_channels_last(as_float_image(image, name="image"), channel_axis)
    if min(image.shape[:2]) < MIN_SIDE:
        raise ValueError(f"the image is only {image.shape[1]}x{image.shape[0]} pixels; the noise "
                         f"level cannot be estimated below {MIN_SIDE}x{MIN_SIDE}: give sigma")
    top, left = (max(0, (n - ESTIMATE_SIDE) // 2) for n in image.shape[:2])
    crop = np.asarray(image[top:top + ESTIMATE_SIDE, left:left + ESTIMATE_SIDE],
                      dtype=np.float64)
    if not np.isfinite(crop).all():
        raise ValueError("the image holds NaN or infinite values; the noise level cannot be "
                         "estimated")
    return [crop] if crop.ndim == 2 else [crop[..., c] for c in range(crop.shape[2])]


def estimate_sigma(image, *, channel_axis=None, method="patches") -> float:
    """Estimate the standard deviation of additive white Gaussian noise.

    ``method="patches"`` (default): the covariance of weakly textured patches
    (:mod:`restore.core.noise_level`: Liu, Tanaka & Okutomi 2013's selection of low-texture
    patches, then the smallest eigenvalues of their covariance fitted to their
    Marchenko-Pastur expectations). On Train400 and BSD68 with known noise its mean
    absolute error is 0.05-0.4 times the wavelet estimator's at sigma 1-25 (0-255 scale),
    where that one overestimates by 0.5-2.6, and 0.6-0.8 times at sigma 50-75
    (``benchmarks/results/noise_estimation.md``).
    ``method="wavelet"``: the robust wavelet (MAD) estimator of Donoho & Johnstone,
    ``skimage.restoration.estimate_sigma``.

    Colour images are measured per channel and the channels' estimates averaged.
    Images over :data:`ESTIMATE_SIDE` pixels a side are measured on their centre crop of
    that size; images with fewer than about 20x20 pixels, too few patches, fall back to
    the wavelet estimator (less accurate there, biased low by about 10 %).

    Parameters
    ----------
    image : ndarray, (H, W) or with a channel axis
        Floats in [0, 1] (integers are scaled), at least :data:`MIN_SIDE` pixels a side.
    channel_axis : int, optional
        Axis of the colour channels; ``None`` means a grey image.
    method : {"patches", "wavelet"}

    Returns
    -------
    float
        Sigma on the image's [0, 1] scale.

    Raises
    ------
    ValueError
        An unknown method, non-finite values, or an image under :data:`MIN_SIDE` pixels
        a side.

    Examples
    --------
    >>> import numpy as np
    >>> noisy = 0.5 + 0.1 * np.random.default_rng(0).standard_normal((64, 64))
    >>> round(estimate_sigma(noisy), 2)
    0.1
    """
    if method not in SIGMA_METHODS:
        raise ValueError(f"method must be one of {SIGMA_METHODS}, got {method!r}")
    planes = _planes(image, channel_axis)
    return float(np.mean([_plane_sigma(plane, method) for plane in planes]))


def _plane_sigma(plane, method):
    """One plane's sigma; planes too small for the patches fall back to the wavelet."""
    if method == "patches" and noise_level.has_enough_patches(plane.shape):
        return np.sqrt(noise_level.plane_noise_variance(plane))
    from skimage.restoration import estimate_sigma as wavelet_sigma

    return wavelet_sigma(plane)


def estimate_noise_poisson_gaussian(image, *, channel_axis=None):
    """Estimate the parameters of Poisson-Gaussian noise, ``y = a Poisson(x / a) + N(0, b^2)``.

    On the [0, 1] scale, ``var(y | x) = a x + b^2``: ``a`` is the gain of the
    signal-dependent (shot) noise, ``b`` the standard deviation of the signal-independent
    part. Estimated by a line fitted to the noise variance of weakly textured patches
    against their intensity (:mod:`restore.core.noise_poisson_gaussian`). Colour channels
    are taken to share ``(a, b)`` and enter one fit. The image must not be clipped to
    [0, 1] (clipping changes the variance near 0 and 1) and should span a range of
    intensities: on an image of one grey level only ``a x + b^2`` is known.

    Parameters
    ----------
    image : ndarray, (H, W) or with a channel axis
        The noisy image, floats (integers are scaled), at least about 70x70 pixels.
    channel_axis : int, optional
        Axis of the colour channels; ``None`` means a grey image.

    Returns
    -------
    a, b : float
        Both non-negative, on the [0, 1] scale.

    Raises
    ------
    ValueError
        Non-finite values, or an image too small to measure the variance in two
        intensity bins.
    """
    return estimate_poisson_gaussian(_planes(image, channel_axis))
