"""Starting points of the EPLL solver for deblurring and inpainting.

The half-quadratic splitting of :mod:`restore.epll` is a local method: its
first z-steps denoise whatever it starts from, so a blurred image or holes
of zeros are poor starting points. These give it cheap, artefact-light ones.
"""
from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter


def wiener_deconvolution(blurred, blur, balance):
    """Tikhonov-regularised deconvolution: ``argmin_x ||A x - y||^2 + balance ||x||^2``.

    That is ``(A^T A + balance I) x = A^T y``, solved by the blur's own
    x-step (:meth:`restore.operators.Blur.x_step` with unit counts and no
    patch term): for circular boundaries the Wiener filter
    ``X = conj(K) Y / (|K|^2 + balance)`` in one FFT division, for reflect
    boundaries a few preconditioned conjugate-gradient iterations on the
    exact model.

    Parameters
    ----------
    blurred : ndarray, (H, W)
    blur : restore.operators.Blur
    balance : float
        Noise-to-signal ratio, ``> 0``; larger is smoother.

    Returns
    -------
    ndarray, (H, W), float64
    """
    image = np.asarray(blurred, dtype=np.float64)
    return blur.x_step(image, np.zeros_like(image), 1.0, 1.0, float(balance), tol=1e-6)


def fill_missing(image, known, *, scales=(1.0, 2.0, 4.0, 8.0, 16.0, 32.0), min_weight=0.1):
    """Fill missing pixels by normalised convolution at growing scales.

    At scale ``s`` a missing pixel not filled yet becomes
    ``G_s * (m y) / G_s * m`` (``G_s`` a Gaussian of standard deviation
    ``s`` pixels, ``m`` the known-pixel indicator) when the known weight
    ``G_s * m`` reaches ``min_weight`` times its value on a full image;
    pixels still empty after the largest scale take the mean of the known
    ones (0.5 if none is known). Known pixels are kept.

    Parameters
    ----------
    image : ndarray, (H, W)
    known : ndarray of bool, (H, W)
        ``True`` where the pixel is observed.

    Returns
    -------
    ndarray, (H, W), float64
    """
    image = np.asarray(image, dtype=np.float64)
    weights = known.astype(np.float64)
    filled = known.copy()
    result = np.where(known, image, 0.0)
    for scale in scales:
        if filled.all():
            break
        weight = gaussian_filter(weights, scale, mode="reflect")
        value = gaussian_filter(result * weights, scale, mode="reflect")
        now = ~filled & (weight >= min_weight)
        result[now] = value[now] / weight[now]
        filled |= now
    result[~filled] = image[known].mean() if known.any() else 0.5
    return result
