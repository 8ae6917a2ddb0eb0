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


def mirrored_wiener_deconvolution(observed, kernel, balance, grid, offset):
    """The Wiener deconvolution of an image mirrored outwards, on a larger grid.

    The ``(H, W)`` image is extended symmetrically to ``(2 H, 2 W)``, which makes it
    periodic without jumps; its circular Wiener deconvolution
    (:func:`wiener_deconvolution`, one FFT division) is then read on ``grid``, the
    image's pixel ``(0, 0)`` at ``offset`` of it (the periodic extension repeats where
    the grid exceeds ``(2 H, 2 W)``). For a symmetric kernel this is the Tikhonov
    solution of the reflect model (a DCT-domain deconvolution); for others, close to it,
    for two FFTs where the reflect model needs conjugate gradients.

    Parameters
    ----------
    observed : ndarray, (H, W)
    kernel : ndarray, (kh, kw), no larger than ``(2 H, 2 W)``
    balance : float
    grid : tuple of int
    offset : tuple of int, each in ``[0, H]`` and ``[0, W]``

    Returns
    -------
    ndarray, ``grid``, float64
    """
    from restore.operators import Blur

    image = np.asarray(observed, dtype=np.float64)
    (height, width), (top, left) = image.shape, offset
    periodic = np.pad(image, ((top, height - top), (left, width - left)), mode="symmetric")
    restored = wiener_deconvolution(periodic, Blur(kernel, "circular"), balance)
    rows = np.arange(grid[0]) % (2 * height)
    cols = np.arange(grid[1]) % (2 * width)
    return restored[np.ix_(rows, cols)]


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


def half_resolution(image, known):
    """Known-pixel averages over 2x2 blocks: ``(half image, half known mask)``.

    A block is known when any of its pixels is; its value is the mean of its
    known pixels (a trailing odd row or column is dropped).
    """
    height, width = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
    blocks = (height // 2, 2, width // 2, 2)
    weights = known[:height, :width].reshape(blocks).sum(axis=(1, 3))
    sums = np.where(known, image, 0.0)[:height, :width].reshape(blocks).sum(axis=(1, 3))
    half_known = weights > 0
    return np.where(half_known, sums / np.maximum(weights, 1), 0.0), half_known


def coarse_to_fine_start(image, known, restore_half):
    """Start for inpainting from the image restored at half resolution.

    ``restore_half(half_image, half_known)`` inpaints the 2x2-block averages
    (:func:`half_resolution`; 80 % of pixels missing at random leaves only
    41 % of the blocks missing); its result, upsampled bilinearly, fills the
    missing pixels, the known ones are kept.

    Returns
    -------
    ndarray, (H, W), float64
    """
    from skimage.transform import resize

    image = np.asarray(image, dtype=np.float64)
    coarse = restore_half(*half_resolution(image, known))
    upsampled = resize(np.asarray(coarse, dtype=np.float64),
                       (2 * coarse.shape[0], 2 * coarse.shape[1]), order=1, mode="edge")
    pad = [(0, image.shape[0] - upsampled.shape[0]), (0, image.shape[1] - upsampled.shape[1])]
    return np.where(known, image, np.pad(upsampled, pad, mode="edge"))


def smooth_deconvolution(observed, blur, balance, start, *, tol=1e-6, max_iterations=100):
    """Deconvolution with a smoothness penalty: ``argmin_x ||A x - y||^2 + balance ||L x||^2``.

    ``L`` is the circular 5-point Laplacian. Where ``A`` observes nothing (the border of a
    :class:`~restore.operators.CroppedBlur`'s grid) the penalty continues the image
    smoothly, where a Wiener deconvolution's ``||x||^2`` would pull it to zero. Solved by
    conjugate gradients from ``start``, preconditioned by the circular FFT division
    ``(|K|^2 + balance |L|^2)^-1`` with its diagonal set to the true one, for at most
    ``max_iterations`` (the outer pixels converge slowly, and the patch prior refines
    them anyway).

    Parameters
    ----------
    observed : ndarray, (H, W)
        ``y`` on the operator's grid.
    blur : restore.operators.CroppedBlur
        ``A`` (or any operator with ``apply``, ``adjoint``, ``normal_diagonal`` whose
        ``inner`` is a circular :class:`~restore.operators.Blur`).
    balance : float
        Weight of the smoothness penalty, ``> 0``.
    start : ndarray, (H, W)

    Returns
    -------
    ndarray, (H, W), float64
    """
    import scipy.fft as sfft
    from scipy.sparse.linalg import LinearOperator, cg

    shape, n = observed.shape, observed.size
    laplacian = np.zeros(shape)
    laplacian[0, 0] = 4.0
    laplacian[[0, 1, 0, -1], [1, 0, -1, 0]] = -1.0
    smoothing = balance * np.abs(sfft.rfft2(laplacian)) ** 2
    fourier_diagonal = np.abs(blur.inner.otf(shape)) ** 2 + smoothing
    energy = float(np.sum(blur.inner.kernel ** 2)) + 20.0 * balance
    scale = np.sqrt(energy / (blur.normal_diagonal(shape) + 20.0 * balance))

    def matvec(v):
        image = v.reshape(shape)
        smooth = sfft.irfft2(sfft.rfft2(image) * smoothing, s=shape)
        return (blur.normal(image) + smooth).ravel()

    def precondition(v):
        r = v.reshape(shape) * scale
        return (sfft.irfft2(sfft.rfft2(r) / fourier_diagonal, s=shape) * scale).ravel()

    rhs = blur.adjoint(np.asarray(observed, dtype=np.float64)).ravel()
    solution, _ = cg(LinearOperator((n, n), matvec=matvec, dtype=np.float64), rhs,
                     x0=np.asarray(start, dtype=np.float64).ravel(), rtol=tol, atol=0.0,
                     maxiter=max_iterations,
                     M=LinearOperator((n, n), matvec=precondition, dtype=np.float64))
    return solution.reshape(shape)
