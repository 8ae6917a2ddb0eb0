"""Public library functions: denoise, deblur and inpaint, all by EPLL.

Each one validates its input, moves colour channels last, restores grey
images directly and colour ones plane by plane in an orthonormal opponent
colour space (where white noise stays white with the same sigma, and a blur
or a mask shared by the channels acts on every plane alike), then hands the
plane to :func:`restore.epll.epll_restore` with the task's operator,
schedule and starting point.

``prior="dip"`` (or a :class:`priors.dip.DeepImagePrior`) takes another path:
Deep Image Prior restores the whole image, colour channels together, through
the same operator (:mod:`restore.image_restore`); ``exact`` and ``tile_size``
do not apply to it, ``rng`` seeds its network and input noise.
"""
from __future__ import annotations

import logging

import numpy as np

from restore.core.validation import as_float_image, check_sigma, to_channels_last, from_channels_last
from restore.colour import PLANE_SCALES, planes_to_rgb, restore_at_half_resolution, rgb_to_planes

logger = logging.getLogger("restore")

#: Default noise level of :func:`inpaint`: about the rounding error of 8-bit images.
INPAINT_DEFAULT_SIGMA = 1 / 255

#: The Wiener deconvolution that starts :func:`deblur` has the balance
#: ``DEBLUR_WIENER_FACTOR * sigma**2`` (see :data:`restore.epll.DEBLUR_SCHEDULE`
#: for how it was chosen).
DEBLUR_WIENER_FACTOR = 30.0

BOUNDARIES = ("reflect", "circular")

#: RGB images are denoised per plane in the opponent colour space
#: (:mod:`restore.colour`): the luminance (the mean of R, G, B) at ``sigma / sqrt(3)``, both
#: orthonormal chrominance planes at half resolution
#: (:func:`restore.colour.restore_at_half_resolution`, their 2x2 block means at ``sigma / 2``).
#: Chosen on BSDS500-test images (training data, never CBSD68) by benchmarks/tune_colour.py;
#: see benchmarks/results/colour_tuning.json.
COLOUR_CHROMA = "half resolution"

#: :func:`estimate_sigma` looks at most at a centre crop of this many pixels a side.
SIGMA_ESTIMATE_SIDE = 2048

DEFAULT_PRIORS = {"denoise": "gmm", "deblur": "gmm-untied", "inpaint": "gmm"}


def estimate_sigma(image, *, channel_axis=None) -> float:
    """Estimate the standard deviation of additive white Gaussian noise.

    Uses the robust wavelet (MAD) estimator of Donoho & Johnstone as in
    ``skimage.restoration.estimate_sigma``; for colour images the channels'
    estimates are averaged. Returns sigma on the image's [0, 1] scale.
    Images over :data:`SIGMA_ESTIMATE_SIDE` pixels a side are measured on
    their centre crop of that size (bounded memory on huge images).
    """
    from skimage.restoration import estimate_sigma as _skimage_sigma

    image = to_channels_last(as_float_image(image, name="image"), channel_axis)
    top, left = (max(0, (n - SIGMA_ESTIMATE_SIDE) // 2) for n in image.shape[:2])
    crop = image[top:top + SIGMA_ESTIMATE_SIDE, left:left + SIGMA_ESTIMATE_SIDE]
    return float(_skimage_sigma(crop, channel_axis=None if channel_axis is None else -1,
                                average_sigmas=True))


def denoise(image, sigma=None, *, prior=DEFAULT_PRIORS["denoise"], channel_axis=None, rng=None,
            exact=False, progress=False, tile_size=None):
    """Remove additive white Gaussian noise with EPLL (Zoran & Weiss 2011).

    Solves ``min_x lambda/2 ||x - y||^2 - sum_i log p(P_i x)`` by
    half-quadratic splitting, ``p`` being the learned patch prior, with
    :data:`restore.epll.DENOISE_SCHEDULE` (``lambda`` as the prior asks, see
    :func:`restore.epll.denoise_schedule`), starting from ``x = y``.

    Parameters
    ----------
    image : ndarray, (H, W) or with a channel axis
        Noisy image, floats in [0, 1] (integers are scaled to [0, 1]).
    sigma : float, optional
        Noise standard deviation on the [0, 1] scale (25/255 for the papers'
        "sigma 25"). ``None`` estimates it (see :func:`estimate_sigma`) and
        logs the estimate on the ``restore`` logger.
    prior : str or PatchPrior
        A registered prior name (``"gmm"``: the mixture tied over rotations and
        flips; ``"gmm-untied"``: 8 times fewer components, faster; ``"vae"``;
        ``"dip"``: Deep Image Prior on the whole image) or a prior object.
    channel_axis : int, optional
        Axis of the colour channels; ``None`` means a grey image. RGB images
        are denoised per plane in an opponent colour space, where the noise
        stays white (:mod:`restore.colour`): the luminance (mean of R, G, B)
        at ``sigma / sqrt(3)``, the two chrominance planes at half resolution
        (see ``COLOUR_CHROMA``).
    rng : int or numpy.random.Generator, optional
        Seed for the random patch grids of the fast path.
    exact : bool
        ``False`` (default): the fast path (random patch grids of stride 2,
        flat-tail spectra; see :class:`restore.epll.FastSettings`).
        ``True``: the reference EPLL, every patch and every component.
    progress : bool
        Show a progress bar on stderr.
    tile_size : int, optional
        Restore in overlapping tiles of this many pixels a side (plus a
        margin, cropped off; see :mod:`restore.tiling`), bounding memory.
        Default ``None``: tiles of 1024 only for images over 4 megapixels.

    Returns
    -------
    ndarray
        The restored image, same shape, clipped to [0, 1]; float32 input
        stays float32, anything else comes back as float64.
    """
    from priors.registry import get_prior
    from restore.epll import denoise_schedule
    from restore.operators import Identity

    image = as_float_image(image, name="image")
    prior = get_prior(prior)
    _check_large_enough(image, channel_axis, prior)
    if sigma is None:
        sigma = estimate_sigma(image, channel_axis=channel_axis)
        logger.info("estimated noise sigma = %.4f (%.2f on the 0-255 scale)", sigma, sigma * 255)
    sigma = check_sigma(sigma)
    return _restore_planes(image, channel_axis, Identity(), sigma, prior,
                           schedule=denoise_schedule(prior), initialise=None, rng=rng, exact=exact,
                           progress=progress, tile_size=tile_size,
                           window_task=lambda rows, cols: (Identity(), None),
                           chroma_half_resolution=True)


def deblur(image, kernel, sigma, *, prior=DEFAULT_PRIORS["deblur"], boundary="reflect", channel_axis=None,
           rng=None, exact=False, progress=False, tile_size=None):
    """Remove a known blur and white Gaussian noise with EPLL.

    The model is ``y = k * x + n``, ``n ~ N(0, sigma^2 I)``; EPLL solves

    .. math::

        \\min_x \\frac{\\lambda}{2} \\|k * x - y\\|^2 - \\sum_i \\log p(P_i x)

    by half-quadratic splitting with :data:`restore.epll.DEBLUR_SCHEDULE`
    (tuned on Train400 images, see there): ``lambda = 128 / sigma^2`` and 16
    z-steps at noise levels falling geometrically from ``10 sigma`` to
    ``sigma / 4``, starting from the Wiener deconvolution
    ``argmin ||k * x - y||^2 + 30 sigma^2 ||x||^2``
    (:func:`restore.initial.wiener_deconvolution`).

    Parameters
    ----------
    image : ndarray, (H, W) or with a channel axis
        Blurred, noisy image, floats in [0, 1] (integers are scaled).
    kernel : array_like, (kh, kw)
        The blur's point-spread function: non-negative, not all zero, no
        larger than the image; normalised here to sum 1. Its centre is
        ``(kh // 2, kw // 2)`` (the middle for odd sizes), as in
        ``scipy.ndimage.convolve`` and ``skimage.restoration.wiener``.
    sigma : float
        Noise standard deviation on the [0, 1] scale (2.55/255 = 0.01 for
        "1% noise").
    prior : str or PatchPrior
        A registered prior name (default ``"gmm-untied"``: at this task's small
        noise the tied ``"gmm"`` costs 5-10 times as much for about 0.1 dB;
        ``"vae"``; ``"dip"``: Deep Image Prior on the whole image) or a prior
        object.
    boundary : {"reflect", "circular"}
        How the blur treats the image's borders. ``"reflect"`` (default,
        for photographs): the scene is taken to continue as its mirror
        image. ``"circular"``: the image wraps around, as when the blur was
        simulated with an FFT (synthetic benchmarks); faster.
    channel_axis : int, optional
        Axis of the colour channels (every channel has the same blur);
        ``None`` means a grey image.
    rng : int or numpy.random.Generator, optional
        Seed for the random patch grids of the fast path.
    exact : bool
        ``False`` (default): the fast path; ``True``: every patch, every
        component, tight conjugate-gradient tolerance.
    progress : bool
        Show a progress bar on stderr.
    tile_size : int, optional
        As in :func:`denoise`. Tiles are deblurred with the reflect boundary
        and a margin widened by twice the kernel's size; the x-step is not
        local, so tiled results match untiled ones closely but not exactly.

    Returns
    -------
    ndarray
        The restored image, same shape, clipped to [0, 1]; float32 input
        stays float32, anything else comes back as float64.

    Raises
    ------
    ValueError, TypeError
        A bad image, sigma, kernel (empty, negative, all zero, not 2-D,
        larger than the image) or boundary.

    Examples
    --------
    >>> import numpy as np
    >>> from restore.operators.kernels import gaussian_kernel
    >>> from restore.operators import Blur
    >>> clean = np.tile(np.linspace(0, 1, 40), (40, 1))
    >>> blurred = Blur(gaussian_kernel(1.5), "circular").apply(clean)
    >>> deblur(blurred, gaussian_kernel(1.5), 0.01, boundary="circular", rng=0).shape
    (40, 40)
    """
    from restore.epll import DEBLUR_SCHEDULE
    from restore.initial import wiener_deconvolution
    from restore.operators.kernels import check_kernel
    from restore.operators import Blur

    image = as_float_image(image, name="image")
    _check_large_enough(image, channel_axis, prior)
    sigma = check_sigma(sigma)
    kernel = check_kernel(kernel)
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary must be one of {BOUNDARIES}, got {boundary!r}")
    height, width = to_channels_last(image, channel_axis).shape[:2]
    if kernel.shape[0] > height or kernel.shape[1] > width:
        raise ValueError(f"the {kernel.shape[0]}x{kernel.shape[1]} kernel is larger than the "
                         f"{height}x{width} image; give a smaller kernel or a larger image")
    blur = Blur(kernel, boundary)
    tile_blur = Blur(kernel, "reflect")
    return _restore_planes(
        image, channel_axis, blur, sigma, prior, schedule=DEBLUR_SCHEDULE,
        initialise=lambda plane: wiener_deconvolution(plane, blur,
                                                      DEBLUR_WIENER_FACTOR * sigma**2),
        rng=rng, exact=exact, progress=progress, tile_size=tile_size,
        window_task=lambda rows, cols: (tile_blur, lambda plane: wiener_deconvolution(
            plane, tile_blur, DEBLUR_WIENER_FACTOR * sigma**2)),
        extra_margin=2 * max(kernel.shape))


def inpaint(image, mask, sigma=None, *, prior=DEFAULT_PRIORS["inpaint"], channel_axis=None, rng=None,
            exact=False, progress=False, tile_size=None):
    """Fill in missing pixels with EPLL.

    The model is ``y = m . x + n`` (``m`` the mask of known pixels,
    ``n ~ N(0, sigma^2 I)`` on them); EPLL solves

    .. math::

        \\min_x \\frac{\\lambda}{2} \\|m \\odot (x - y)\\|^2 - \\sum_i \\log p(P_i x)

    by half-quadratic splitting, coarse to fine (schedules tuned on Train400
    images, see :data:`restore.epll.INPAINT_SCHEDULE`): first the 2x2-block
    averages of the known pixels, from a smooth fill of the holes
    (:func:`restore.initial.fill_missing`), 128 z-steps at noise levels
    falling geometrically from 0.1 to ``sigma``; then the full image, from
    that result upsampled, 128 steps from 0.05 to ``sigma``; ``lambda = 256 /
    sigma^2``; the denoised patches are averaged with a Gaussian window of 3
    pixels. Known pixels are denoised at ``sigma``, missing ones come from
    the prior. About 80 s for a 481x321 grey image on two cores (fast path,
    tied prior; the untied one takes about a quarter of that).

    Parameters
    ----------
    image : ndarray, (H, W) or with a channel axis
        Image with missing pixels, floats in [0, 1] (integers are scaled);
        the values at missing pixels are ignored.
    mask : array_like of bool or 0/1, (H, W)
        **True (1) where the pixel is known**, False (0) where it is missing
        and must be filled in. (This is the opposite of
        ``skimage.restoration.inpaint_biharmonic``, whose mask marks the
        missing pixels: pass ``~mask`` from there.) One mask for all
        channels.
    sigma : float, optional
        Noise standard deviation of the known pixels on the [0, 1] scale;
        default :data:`INPAINT_DEFAULT_SIGMA` (1/255, clean 8-bit images).
    prior : str or PatchPrior
        As in :func:`deblur`, but the default is the tied ``"gmm"``: here it
        gains about 0.2 dB over ``"gmm-untied"`` (see
        :data:`restore.epll.INPAINT_SCHEDULE`).
    channel_axis, rng, exact, progress, tile_size
        As in :func:`denoise`.

    Returns
    -------
    ndarray
        The restored image, same shape, clipped to [0, 1]; float32 input
        stays float32, anything else comes back as float64.

    Raises
    ------
    ValueError, TypeError
        A bad image or sigma; a mask that is not 2-D, not of the image's
        height and width, not boolean or 0/1, or with no known pixel.
    """
    from restore.epll import INPAINT_FAST, INPAINT_SCHEDULE
    from restore.operators import Mask

    image = as_float_image(image, name="image")
    _check_large_enough(image, channel_axis, prior)
    sigma = check_sigma(INPAINT_DEFAULT_SIGMA if sigma is None else sigma)
    known = _check_mask(mask, to_channels_last(image, channel_axis).shape[:2])

    def start(known_part):
        return lambda plane: _inpainting_start(plane, known_part, sigma, prior, rng, exact)

    return _restore_planes(image, channel_axis, Mask(known), sigma, prior,
                           schedule=INPAINT_SCHEDULE, initialise=start(known), rng=rng,
                           exact=exact, fast=INPAINT_FAST, progress=progress,
                           tile_size=tile_size,
                           window_task=lambda rows, cols: (Mask(known[rows, cols]),
                                                           start(known[rows, cols])))


def _inpainting_start(plane, known, sigma, prior, rng, exact):
    """Coarse to fine: EPLL on the half-resolution image (from a smooth fill), upsampled
    (:func:`restore.initial.coarse_to_fine_start`); just the smooth fill
    (:func:`restore.initial.fill_missing`) for images too small to halve, or for a
    whole-image prior."""
    from priors.registry import get_prior
    from restore.epll import INPAINT_COARSE_SCHEDULE, INPAINT_FAST, epll_restore
    from restore.initial import coarse_to_fine_start, fill_missing
    from restore.operators import Mask

    patch_size = getattr(get_prior(prior), "patch_size", None)
    if patch_size is None or min(plane.shape) < 2 * patch_size:
        return fill_missing(plane, known)

    def restore_half(half, half_known):
        return epll_restore(half, Mask(half_known), sigma, get_prior(prior),
                            schedule=INPAINT_COARSE_SCHEDULE, init=fill_missing(half, half_known),
                            rng=rng, exact=exact, fast=INPAINT_FAST, clip=False)

    return coarse_to_fine_start(plane, known, restore_half)


def _check_large_enough(image, channel_axis, prior):
    """EPLL needs at least one whole patch: refuse smaller images with a clear error."""
    from priors.registry import get_prior

    height, width = to_channels_last(image, channel_axis).shape[:2]
    size = getattr(get_prior(prior), "patch_size", None)
    if size is None:  # a whole-image prior (Deep Image Prior) takes any size
        return
    if height < size or width < size:
        raise ValueError(f"the image is only {width}x{height} pixels; EPLL works on {size}x{size} "
                         f"patches: give an image of at least {size}x{size} pixels")


def _check_mask(mask, shape):
    """The mask of known pixels as a boolean (H, W) array; clear errors otherwise."""
    array = np.asarray(mask)
    if array.dtype != bool and not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"mask must be a boolean or 0/1 array, got dtype {array.dtype}")
    if array.shape != tuple(shape):
        raise ValueError(f"mask has shape {array.shape} but the image is {shape[0]}x{shape[1]} "
                         f"(H, W); give one (H, W) mask, True where the pixel is known")
    if array.dtype != bool:
        if not np.isin(array, (0, 1)).all():
            raise ValueError("mask must hold only 0/1 (or False/True) values: 1 where the pixel "
                             "is known, 0 where it is missing")
        array = array.astype(bool)
    if not array.any():
        raise ValueError("mask has no known pixel (all False/0); True/1 marks the known pixels "
                         "to inpaint from")
    return array


def _restore_planes(image, channel_axis, operator, sigma, prior, *, schedule, initialise,
                    rng, exact, progress, fast=None, tile_size=None, window_task=None,
                    extra_margin=0, chroma_half_resolution=False):
    """Run EPLL on a grey image, or on each opponent-colour plane of a colour one,
    whole or in overlapping tiles (:mod:`restore.tiling`).

    ``initialise(plane) -> start`` gives the starting point (``None``: the plane itself).
    ``fast``: the fast path's :class:`restore.epll.FastSettings` (``None``: the defaults).
    ``window_task(rows, cols) -> (operator, initialise)`` gives them for a tile (needed
    when the image is tiled). RGB images are restored as opponent planes
    (:func:`restore.colour.rgb_to_planes`); with ``chroma_half_resolution`` (denoising only:
    ``initialise`` must be ``None``) the chrominance at half resolution.
    """
    from priors.protocols import is_patch_prior
    from priors.registry import get_prior
    from restore.core.progress import Progress
    from restore.tiling import DEFAULT_TILE, check_tile_size, needs_tiling, plan_tiles

    patch_prior = get_prior(prior)
    if not is_patch_prior(patch_prior):  # Deep Image Prior: whole images, all channels
        from restore.image_restore import restore_with_image_prior
        restored = restore_with_image_prior(to_channels_last(image, channel_axis), operator,
                                            sigma, patch_prior, initialise=initialise, rng=rng,
                                            progress=progress)
        return from_channels_last(restored, channel_axis, image.ndim)
    tile_size = check_tile_size(tile_size, patch_prior.patch_size)
    channels_last = to_channels_last(image, channel_axis)
    settings = dict(sigma=sigma, prior=patch_prior, schedule=schedule, rng=rng, exact=exact,
                    fast=fast, chroma_half_resolution=chroma_half_resolution)
    if not needs_tiling(channels_last.shape, tile_size):
        restored = _restore_window(channels_last, operator, initialise, progress=progress,
                                   **settings)
        return from_channels_last(restored.astype(image.dtype, copy=False), channel_axis,
                                  image.ndim)
    # half-resolution chrominance: the HQS reach, in full-resolution pixels, doubles
    reach_scale = 2 if chroma_half_resolution and channels_last.ndim == 3 else 1
    margin = reach_scale * _tile_margin(schedule, sigma, patch_prior.patch_size) + extra_margin
    tiles = plan_tiles(*channels_last.shape[:2], tile=tile_size or DEFAULT_TILE, margin=margin)
    restored = np.empty(channels_last.shape, dtype=image.dtype)
    logger.info("restoring %dx%d pixels in %d tiles (margin %d)", channels_last.shape[1],
                channels_last.shape[0], len(tiles), margin)
    with Progress(len(tiles), "EPLL tiles", enabled=progress) as bar:
        for tile in tiles:
            tile_operator, tile_initialise = window_task(*tile.outer)
            part = _restore_window(channels_last[tile.outer], tile_operator, tile_initialise,
                                   progress=False, **settings)
            restored[tile.core] = part[tile.inner]
            bar.update()
    return from_channels_last(restored, channel_axis, image.ndim)


def _tile_margin(schedule, sigma, patch_size):
    """Pixels restored around each tile: the reach of the HQS iterations (``p - 1`` pixels
    each, exact for per-pixel x-steps), capped at 16 patches, at least 4, made even."""
    reach = len(schedule.betas(sigma)) * (patch_size - 1)
    margin = max(4 * patch_size, min(reach, 16 * patch_size))
    return margin + margin % 2


def _restore_window(channels_last, operator, initialise, *, sigma, prior, schedule, rng, exact,
                    fast, progress, chroma_half_resolution):
    """EPLL on one (H, W) or (H, W, C) window; float32 result clipped to [0, 1]."""
    from restore.epll import FastSettings, epll_restore

    def run(plane, clip, plane_sigma):
        plane = np.ascontiguousarray(plane)
        start = None if initialise is None else initialise(plane)
        return epll_restore(plane, operator, plane_sigma, prior, schedule=schedule, init=start,
                            rng=rng, exact=exact, fast=fast or FastSettings(), progress=progress,
                            clip=clip)

    if channels_last.ndim == 2:
        return run(channels_last, True, sigma)
    rgb = channels_last.shape[2] == 3
    decorrelated = rgb_to_planes(channels_last) if rgb else channels_last
    scales = PLANE_SCALES if rgb else (1.0,) * channels_last.shape[2]
    half = chroma_half_resolution and min(channels_last.shape[:2]) >= 4 * prior.patch_size

    def run_plane(c):
        plane_sigma = sigma * scales[c]
        if half and rgb and c > 0:
            return restore_at_half_resolution(
                decorrelated[..., c], plane_sigma, lambda small, s: run(small, False, s))
        return run(decorrelated[..., c], False, plane_sigma)

    restored = np.stack([run_plane(c) for c in range(decorrelated.shape[2])], axis=-1)
    return np.clip(planes_to_rgb(restored) if rgb else restored, 0.0, 1.0)
