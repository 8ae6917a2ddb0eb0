"""Public library functions: denoise (deblur and inpaint follow the same shape)."""
from __future__ import annotations

import logging

import numpy as np

from restore._validate import as_float_image, check_sigma, to_channels_last, from_channels_last
from restore.colour import rgb_to_opponent, opponent_to_rgb

logger = logging.getLogger("restore")


def estimate_sigma(image, *, channel_axis=None) -> float:
    """Estimate the standard deviation of additive white Gaussian noise.

    Uses the robust wavelet (MAD) estimator of Donoho & Johnstone as in
    ``skimage.restoration.estimate_sigma``; for colour images the channels'
    estimates are averaged. Returns sigma on the image's [0, 1] scale.
    """
    from skimage.restoration import estimate_sigma as _skimage_sigma

    image = as_float_image(image, name="image")
    return float(_skimage_sigma(image, channel_axis=channel_axis, average_sigmas=True))


def denoise(image, sigma=None, *, prior="gmm", channel_axis=None, rng=None,
            exact=False, progress=False):
    """Remove additive white Gaussian noise with EPLL (Zoran & Weiss 2011).

    Solves ``min_x lambda/2 ||x - y||^2 - sum_i log p(P_i x)`` by
    half-quadratic splitting, ``p`` being the learned patch prior.

    Parameters
    ----------
    image : ndarray, (H, W) or with a channel axis
        Noisy image, floats in [0, 1] (integers are scaled to [0, 1]).
    sigma : float, optional
        Noise standard deviation on the [0, 1] scale (25/255 for the papers'
        "sigma 25"). ``None`` estimates it (see :func:`estimate_sigma`) and
        logs the estimate on the ``restore`` logger.
    prior : str or PatchPrior
        A registered prior name (``"gmm"``) or a prior object.
    channel_axis : int, optional
        Axis of the colour channels; ``None`` means a grey image. RGB images
        are denoised per channel in an orthonormal opponent colour space,
        where the noise stays white with the same sigma.
    rng : int or numpy.random.Generator, optional
        Seed for the random patch grids of the fast path.
    exact : bool
        ``False`` (default): the fast path (random patch grids of stride 2,
        flat-tail spectra; see :class:`restore.epll.FastSettings`).
        ``True``: the reference EPLL, every patch and every component.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    ndarray
        The restored image, same shape, clipped to [0, 1]; float32 input
        stays float32, anything else comes back as float64.
    """
    from restore.epll import epll_denoise
    from priors.registry import get_prior

    image = as_float_image(image, name="image")
    if sigma is None:
        sigma = estimate_sigma(image, channel_axis=channel_axis)
        logger.info("estimated noise sigma = %.4f (%.2f on the 0-255 scale)", sigma, sigma * 255)
    sigma = check_sigma(sigma)
    patch_prior = get_prior(prior)

    channels_last = to_channels_last(image, channel_axis)
    if channels_last.ndim == 2:
        restored = epll_denoise(channels_last, sigma, patch_prior, rng=rng, exact=exact,
                                progress=progress)
    else:
        decorrelated = rgb_to_opponent(channels_last) if channels_last.shape[2] == 3 else channels_last
        planes = [epll_denoise(np.ascontiguousarray(decorrelated[..., c]), sigma, patch_prior,
                               rng=rng, exact=exact, progress=progress, clip=False)
                  for c in range(decorrelated.shape[2])]
        restored = np.stack(planes, axis=-1)
        if channels_last.shape[2] == 3:
            restored = opponent_to_rgb(restored)
        restored = np.clip(restored, 0.0, 1.0)
    return from_channels_last(restored.astype(image.dtype, copy=False), channel_axis, image.ndim)
