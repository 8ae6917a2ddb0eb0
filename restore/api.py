"""The library: denoise, deblur, inpaint and upscale (and the noise estimators of
:mod:`restore.core.noise_estimate`, re-exported). Each validates its input, resolves the prior
once (:func:`priors.registry.get_prior`) and runs its task's recipe
(:mod:`restore.recipes`), which restores grey images directly, colour ones plane by
plane in an orthonormal opponent colour space, and large ones in tiles.

``prior="dip"`` (or a :class:`priors.dip.DeepImagePrior`) restores the whole image,
colour channels together, through the same operator; ``exact`` and ``tile_size`` do
not apply to it, ``rng`` seeds its network and input noise.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from restore.core.noise_estimate import estimate_noise_poisson_gaussian, estimate_sigma
from restore.core.validation import (as_float_image, check_mask, check_sigma, split_alpha,
                                     to_channels_last, with_alpha)
from restore.recipes.settings import DEFAULT_PRIORS, INPAINT_DEFAULT_SIGMA, UPSCALE_DEFAULT_SIGMA

#: The boundaries of :func:`deblur`, its default first (``restore.recipes.deblur.BOUNDARIES``).
BOUNDARIES = ("unknown", "reflect", "circular")
#: The boundaries of :func:`upscale`, its default first.
UPSCALE_BOUNDARIES = ("reflect", "circular")

#: The largest image :func:`upscale` makes, in pixels (the image reader's default limit).
MAX_OUTPUT_PIXELS = 250_000_000

__all__ = ["BOUNDARIES", "DEFAULT_PRIORS", "MAX_OUTPUT_PIXELS", "UPSCALE_BOUNDARIES",
           "check_large_enough", "deblur", "denoise", "estimate_noise_poisson_gaussian",
           "estimate_sigma", "inpaint", "upscale"]


def denoise(image, sigma=None, *, noise=None, prior=DEFAULT_PRIORS["denoise"], channel_axis=None,
            rng=None, exact=False, progress=False, tile_size=None, executor=None, device=None,
            oracle=True):
    """Remove additive white Gaussian noise (or Poisson-Gaussian or correlated noise) with EPLL.

    Solves ``min_x lambda/2 ||x - y||^2 - sum_i log p(P_i x)`` by
    half-quadratic splitting, ``p`` being the learned patch prior, with
    :data:`restore.recipes.settings.DENOISE_SCHEDULE` (``lambda`` as the prior asks, see
    :meth:`restore.recipes.DenoiseRecipe.schedule_for`), starting from ``x = y``.

    Parameters
    ----------
    image : ndarray, (H, W) or with a channel axis
        Noisy image, floats in [0, 1] (noisy values a little outside are fine;
        unsigned integers are divided by their maximum, signed ones scaled by
        their full range, see :func:`restore.core.validation.as_float_image`).
    sigma : float or ndarray, optional
        Noise standard deviation on the [0, 1] scale (25/255 for the papers'
        "sigma 25"), a real number in [1e-4, 1] (not a bool or a string).
        ``None`` estimates it (see :func:`estimate_sigma`) and
        logs the estimate on the ``restore`` logger. An array of the image's
        ``(H, W)`` is a noise map, each pixel's own standard deviation (the same in
        every channel): ``lambda`` and ``beta_t`` become per-pixel weights and each
        patch is denoised at the mean variance of its pixels
        (:mod:`restore.solvers.noise_levels`; patch priors only).
    noise : PoissonGaussian, "poisson-gaussian" or CorrelatedNoise, optional
        Signal-dependent noise ``y = a Poisson(x / a) + N(0, b^2)`` instead
        (``sigma`` must be None): ``PoissonGaussian(gain=a, sigma=b)`` from
        :mod:`restore.core.anscombe`, or ``"poisson-gaussian"`` to estimate ``(a, b)``
        (:func:`estimate_noise_poisson_gaussian`). The image is denoised under the
        model's noise map (:mod:`restore.core.poisson_gaussian_map`; or through the
        generalised Anscombe transform, :attr:`restore.recipes.DenoiseRecipe.poisson_gaussian`).
        Or stationary correlated Gaussian noise (camera noise after demosaicing):
        a :class:`restore.core.correlated_noise.CorrelatedNoise`, from the filter that
        made it (``CorrelatedNoise.from_kernel(kernel, sigma)``) or from its power
        spectrum in ``bm3d``'s ``sigma_psd`` convention (``CorrelatedNoise(psd=psd)``,
        ``mean(psd) = sigma^2 H W``); colour noise has that correlation in each channel,
        independently. The data term is weighted by the inverse noise covariance and each
        patch is denoised under the patch noise covariance
        (:mod:`restore.recipes.correlated`); Gaussian mixture priors only, on the CPU.
    prior : str or prior object
        A registered prior name (``"gmm"``: the mixture tied over rotations and
        flips; ``"gmm-untied"``: 8 times fewer components, faster; ``"vae"``;
        ``"dip"``: Deep Image Prior on the whole image) or a prior object.
    channel_axis : int, optional
        Axis of the colour channels; ``None`` means a grey image. With 2
        (grey+alpha) or 4 (RGBA) channels the last is alpha: it is passed
        through unchanged, as the ``restore`` command does. RGB images
        are denoised per plane in an opponent colour space, where the noise
        stays white (:mod:`restore.recipes.colour`): the luminance (mean of R, G, B)
        at ``sigma / sqrt(3)``, the two chrominance planes at half resolution
        (``CHROMA_HALF_RESOLUTION`` in :mod:`restore.recipes.settings`).
    rng : int or numpy.random.Generator, optional
        Seed for the random patch grids of the fast path.
    exact : bool
        ``False`` (default): the fast path (random patch grids of stride 2,
        flat-tail spectra; see :class:`restore.solvers.epll.FastSettings`).
        ``True``: the reference EPLL, every patch and every component.
    progress : bool
        Show a progress bar on stderr.
    tile_size : int, optional
        Restore in overlapping tiles of this many pixels a side (plus a
        margin, cropped off; see :mod:`restore.recipes.tiling`), bounding memory.
        Default ``None``: tiles of 2048 only for images over 4 megapixels.
    executor : dask.distributed.Client or concurrent.futures.Executor, optional
        Restore the tiles as tasks of this executor, so that a large image
        spreads over its workers (see :mod:`restore.cluster`). With an
        integer ``rng`` the result equals the one without an executor.
    device : {None, "cpu", "cuda"} or torch.device
        Where the z-step runs: ``None``/``"cpu"`` numpy (torch is not imported); ``"cuda"``
        (``"cuda:N"``, a ``torch.device``) the Gaussian mixture priors' torch backend
        (:mod:`priors.devices`). A ValueError if torch sees no such device.
    oracle : bool
        ``True`` (default): refine EPLL's result by the Wiener filter of block-matched groups
        (:mod:`restore.solvers.group_wiener`; not under correlated noise). ``False``: EPLL alone.

    Returns
    -------
    ndarray
        The restored image, same shape, clipped to [0, 1]; float32 input
        stays float32, anything else comes back as float64.
    """
    from restore.recipes import DENOISE
    from restore.recipes.noise_models import restore_under_noise

    image, alpha, prior = _prepared(image, channel_axis, prior)
    options = dict(channel_axis=channel_axis, rng=rng, exact=exact, progress=progress,
                   tile_size=tile_size, executor=executor, device=device)
    recipe = DENOISE if oracle else replace(DENOISE, oracle=None)
    return with_alpha(restore_under_noise(recipe, image, sigma, noise, prior, **options),
                      alpha, channel_axis)


def deblur(image, kernel, sigma, *, prior=DEFAULT_PRIORS["deblur"], boundary="unknown",
           channel_axis=None, rng=None, exact=False, progress=False, tile_size=None,
           executor=None, device=None):
    """Remove a known blur and white Gaussian noise with EPLL.

    The model is ``y = k * x + n``, ``n ~ N(0, sigma^2 I)``; EPLL solves

    .. math::

        \\min_x \\frac{\\lambda}{2} \\|k * x - y\\|^2 - \\sum_i \\log p(P_i x)

    by half-quadratic splitting with :data:`restore.recipes.settings.DEBLUR_SCHEDULE`
    (tuned on Train400 images, see there): ``lambda = 128 / sigma^2`` and 16
    z-steps at noise levels falling geometrically from ``10 sigma`` to
    ``sigma / 4``, starting from the Wiener deconvolution
    ``argmin ||k * x - y||^2 + 30 sigma^2 ||x||^2``
    (:func:`restore.recipes.starts.wiener_deconvolution`).

    With ``boundary="unknown"`` (the default) no boundary is guessed: ``x`` lives
    on a domain extended by the kernel's size, ``k * x`` is compared with ``y``
    only where the blur lies inside the image (``A = M H``, ``M`` a crop,
    :class:`restore.operators.CroppedBlur`; Almeida & Figueiredo 2013), and the
    result is cropped back. It starts from the reflect Wiener deconvolution
    mirrored outwards and refined on that model with a smoothness penalty
    (:func:`restore.recipes.starts.smooth_deconvolution`).

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
    prior : str or prior object
        A registered prior name (default ``"gmm-untied"``: at this task's small
        noise the tied ``"gmm"`` costs 5-10 times as much for about 0.1 dB;
        ``"vae"``; ``"dip"``: Deep Image Prior on the whole image) or a prior
        object.
    boundary : {"unknown", "reflect", "circular"}
        How the blur treats the image's borders. ``"unknown"`` (default, for photographs):
        nothing is assumed about the scene beyond the image, whose border pixels' blur took
        in (see above); right for any real blur, about 1.5 times as slow as ``"circular"``
        (and faster than ``"reflect"``, whose start runs conjugate gradients on the reflect
        model). ``"reflect"``: the scene continues as its mirror image. ``"circular"``: the
        image wraps around, as when the blur was simulated with an FFT (synthetic
        benchmarks); fastest, and wrong for photographs (ringing from the borders).
    channel_axis : int, optional
        Axis of the colour channels (every channel has the same blur); ``None``: grey.
    rng : int or numpy.random.Generator, optional
        Seed for the random patch grids of the fast path.
    exact : bool
        ``False`` (default): the fast path; ``True``: every patch, every
        component, tight conjugate-gradient tolerance.
    progress : bool
        Show a progress bar on stderr.
    tile_size, executor
        As in :func:`denoise`. Tiles are deblurred with the unknown boundary
        (reflect for ``"reflect"`` and ``"circular"``) and a margin widened by
        twice the kernel's size; the x-step is not local, so tiled results
        match untiled ones closely but not exactly. Deep Image Prior
        (``"dip"``) restores the image itself, not an extended domain: under
        ``"unknown"`` it uses the reflect blur.
    device : As in :func:`denoise`.

    Raises
    ------
    ValueError, TypeError
        A bad image, sigma, kernel (empty, negative, all zero, not 2-D,
        larger than the image) or boundary.

    Returns
    -------
    ndarray
        As :func:`denoise`.

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
    from restore.operators.kernels import check_kernel
    from restore.recipes import DEBLUR

    image, alpha, prior = _prepared(image, channel_axis, prior)
    sigma = check_sigma(sigma)
    kernel = check_kernel(kernel)
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary must be one of {BOUNDARIES}, got {boundary!r}")
    height, width = to_channels_last(image, channel_axis).shape[:2]
    if kernel.shape[0] > height or kernel.shape[1] > width:
        raise ValueError(f"the {kernel.shape[0]}x{kernel.shape[1]} kernel is larger than the "
                         f"{height}x{width} image; give a smaller kernel or a larger image")
    return with_alpha(DEBLUR.restore(image, kernel, sigma, prior, boundary=boundary,
                                     channel_axis=channel_axis, rng=rng, exact=exact,
                                     progress=progress, tile_size=tile_size,
                                     executor=executor, device=device), alpha, channel_axis)


def inpaint(image, mask, sigma=None, *, prior=DEFAULT_PRIORS["inpaint"], channel_axis=None, rng=None,
            exact=False, progress=False, tile_size=None, executor=None, device=None):
    """Fill in missing pixels with EPLL.

    The model is ``y = m . x + n`` (``m`` the mask of known pixels,
    ``n ~ N(0, sigma^2 I)`` on them); EPLL solves

    .. math::

        \\min_x \\frac{\\lambda}{2} \\|m \\odot (x - y)\\|^2 - \\sum_i \\log p(P_i x)

    by half-quadratic splitting, coarse to fine (schedules tuned on Train400
    images, see :data:`restore.recipes.settings.INPAINT_SCHEDULE`): first the 2x2-block
    averages of the known pixels, from a smooth fill of the holes
    (:func:`restore.recipes.starts.fill_missing`), 128 z-steps at noise levels
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
    prior : str or prior object
        As in :func:`deblur`, but the default is the tied ``"gmm"``: here it
        gains about 0.2 dB over ``"gmm-untied"`` (see
        :data:`restore.recipes.settings.INPAINT_SCHEDULE`).
    channel_axis, rng, exact, progress, tile_size, executor, device
        As in :func:`denoise`.

    Returns
    -------
    ndarray
        As :func:`denoise`.

    Raises
    ------
    ValueError, TypeError
        A bad image or sigma; a mask that is not 2-D, not of the image's
        height and width, not boolean or 0/1, or with no known pixel.
    """
    from restore.recipes import INPAINT

    image, alpha, prior = _prepared(image, channel_axis, prior)
    sigma = check_sigma(INPAINT_DEFAULT_SIGMA if sigma is None else sigma)
    known = check_mask(mask, to_channels_last(image, channel_axis).shape[:2])
    return with_alpha(INPAINT.restore(image, known, sigma, prior, channel_axis=channel_axis,
                                      rng=rng, exact=exact, progress=progress,
                                      tile_size=tile_size, executor=executor, device=device),
                      alpha, channel_axis)


def upscale(image, scale, *, kernel="bicubic", sigma=None, prior=DEFAULT_PRIORS["upscale"],
            boundary="reflect", channel_axis=None, rng=None, exact=False, progress=False,
            tile_size=None, executor=None, max_pixels=MAX_OUTPUT_PIXELS, device=None):
    """Enlarge an image ``scale`` times (super-resolution) with EPLL.

    The model is ``y = S_s H x + n``: ``H`` blurs, ``S_s`` keeps every
    ``scale``-th pixel (:class:`restore.operators.downsample.Downsample`). EPLL
    minimises ``lambda/2 ||S_s H x - y||^2 - sum_i log p(P_i x)`` by half-quadratic
    splitting from the bicubic interpolation of ``y``, with the schedule tuned on
    Train400 for the scale (:data:`restore.recipes.settings.UPSCALE_SCHEDULES`; 2, 3
    and 4 tuned, larger scales use 4's).

    Parameters
    ----------
    image : ndarray, (h, w) or with a channel axis
        The small image, floats in [0, 1] (integers are scaled).
    scale : int
        At least 2; the result is ``(scale h, scale w)``.
    kernel : "bicubic", "gaussian" or array_like
        ``H``: ``"bicubic"``, the antialiasing of MATLAB's ``imresize(x, 1/scale)``
        (:func:`~restore.operators.downsample.bicubic_kernel`), the standard
        benchmark degradation; ``"gaussian"``, a Gaussian of standard deviation
        ``scale / 2`` pixels; or a 2-D kernel of the fine grid (normalised).
        Pixel ``(r0 + scale i, c0 + scale j)`` of the blurred image is kept,
        ``r0 = c0 = (scale - 1) // 2``.
    sigma : float, optional
        Noise of ``image`` on the [0, 1] scale; default
        :data:`~restore.recipes.settings.UPSCALE_DEFAULT_SIGMA` (1/255, 8-bit rounding).
    prior, channel_axis, rng, exact, progress, tile_size, executor, device
        As in :func:`deblur` (``tile_size`` counts pixels of the result); the
        default prior is ``"gmm-untied"``. Deep Image Prior (``"dip"``) fits
        ``S_s H f(z)`` to ``y``. An alpha plane is enlarged by the bicubic spline.
    boundary : {"reflect", "circular"}
        As in :func:`deblur` (which alone has ``"unknown"``); ``"reflect"`` is ``imresize``'s.
    max_pixels : int
        Refuse results of more pixels than this (memory).

    Returns
    -------
    ndarray
        ``(scale h, scale w)`` with the input's channels, clipped to [0, 1];
        float32 input stays float32, anything else comes back as float64.

    Raises
    ------
    ValueError, TypeError
        A bad image or sigma; a scale that is not an integer of at least 2; a
        bad kernel; a result over ``max_pixels`` or smaller than one patch.
    """
    from priors.registry import get_prior
    from restore.recipes import UPSCALE
    from restore.recipes.upscale import UpscaleData, interpolate, upscale_kernel

    image, alpha = split_alpha(as_float_image(image, name="image"), channel_axis)
    kernel = upscale_kernel(kernel, scale)
    height, width = to_channels_last(image, channel_axis).shape[:2]
    if height * width * scale**2 > max_pixels:
        raise ValueError(f"enlarging the {width}x{height} image {scale} times would make "
                         f"{width * scale}x{height * scale} pixels, over the limit of "
                         f"{max_pixels / 1e6:g} megapixels; choose a smaller scale or image, or "
                         "raise max_pixels")
    if boundary not in UPSCALE_BOUNDARIES:
        raise ValueError(f"boundary must be one of {UPSCALE_BOUNDARIES}, got {boundary!r}")
    prior = get_prior(prior)
    check_large_enough(np.empty((height * scale, width * scale)), None, prior)
    sigma = check_sigma(UPSCALE_DEFAULT_SIGMA if sigma is None else sigma)
    restored = UPSCALE.restore(image, scale, kernel, sigma, prior, boundary=boundary,
                               channel_axis=channel_axis, rng=rng, exact=exact,
                               progress=progress, tile_size=tile_size, executor=executor,
                               device=device)
    if alpha is not None:
        data = UpscaleData((height * scale, width * scale), scale, kernel, boundary,
                           ((scale - 1) // 2,) * 2)
        alpha = np.clip(interpolate(UPSCALE.operator(data).lift(alpha), data), 0, 1)
    return with_alpha(restored, alpha, channel_axis)


def _prepared(image, channel_axis, prior):
    """``(image, alpha, prior)``: the image as floats without its alpha plane (passed through,
    see :func:`restore.core.validation.split_alpha`), the prior resolved once and checked
    against the image's size."""
    from priors.registry import get_prior

    image, alpha = split_alpha(as_float_image(image, name="image"), channel_axis)
    check_large_enough(image, channel_axis, prior := get_prior(prior))
    return image, alpha, prior


def check_large_enough(image, channel_axis, prior):
    """EPLL needs at least one whole patch: refuse smaller images with a clear error.
    ``prior`` a registered name or a prior object."""
    from priors.registry import get_prior

    height, width = to_channels_last(image, channel_axis).shape[:2]
    size = getattr(get_prior(prior), "patch_size", None)
    if size is None:  # a whole-image prior (Deep Image Prior) takes any size
        return
    if height < size or width < size:
        raise ValueError(f"the image is only {width}x{height} pixels; EPLL works on {size}x{size} "
                         f"patches: give an image of at least {size}x{size} pixels")
