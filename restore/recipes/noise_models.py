"""The noise model of :func:`restore.denoise`, checked and sent to the denoising recipe.

====================================  ==========================================
``sigma`` a number                    white Gaussian noise of that level
``sigma`` an ``(H, W)`` array          white Gaussian noise, a level per pixel (a noise map)
``sigma`` None                        white Gaussian noise, its level estimated
``noise`` PoissonGaussian or a name   signal-dependent (shot) noise
``noise`` CorrelatedNoise             stationary correlated Gaussian noise
====================================  ==========================================
"""
from __future__ import annotations

import logging

import numpy as np

from restore.core.anscombe import resolve_noise
from restore.core.correlated_noise import CorrelatedNoise
from restore.core.noise_estimate import estimate_sigma
from restore.core.validation import SIGMA_MIN, check_noise_map, check_sigma, to_channels_last

logger = logging.getLogger("restore")


def restore_under_noise(recipe, image, sigma, noise, prior, *, channel_axis=None, **options):
    """Denoise ``image`` with ``recipe`` (a :class:`~restore.recipes.DenoiseRecipe`) under the
    noise model that ``sigma`` and ``noise`` describe (the table above); ``prior`` a prior
    object, ``options`` those of :meth:`~restore.recipes.DenoiseRecipe.restore`."""
    options["channel_axis"] = channel_axis
    if np.ndim(sigma) > 0:
        return recipe.restore(image, _noise_map(sigma, image, channel_axis, noise, prior), prior,
                              **options)
    if isinstance(noise, CorrelatedNoise):
        if sigma is not None:
            raise ValueError("give either sigma= (white noise) or noise=CorrelatedNoise(...), "
                             "whose level is its .sigma, not both")
        check_sigma(noise.sigma)
        return recipe.restore_correlated(image, noise, prior, **options)
    if noise is not None:
        noise, sigma = resolve_noise(noise, sigma, image, channel_axis)
        if noise is not None:
            return recipe.restore_poisson_gaussian(image, noise, prior, **options)
    if sigma is None:
        sigma = estimate_sigma(image, channel_axis=channel_axis)
        logger.info("estimated noise sigma = %.4f (%.2f on the 0-255 scale)", sigma, sigma * 255)
        if sigma < SIGMA_MIN:
            raise ValueError(f"the estimated noise level {sigma:.2g} is below {SIGMA_MIN:g}: the "
                             "image looks noise-free; pass sigma= if it is noisy")
    return recipe.restore(image, check_sigma(sigma), prior, **options)


def _noise_map(sigma, image, channel_axis, noise, prior):
    """``sigma`` checked as a noise map of ``image``'s pixels, for a patch prior."""
    from priors.protocols import is_patch_prior

    if noise is not None:
        raise ValueError("give either a noise map sigma= or noise=, not both")
    if not is_patch_prior(prior):
        raise ValueError(f"a noise map needs a patch prior (gmm, gmm-untied, vae), not "
                         f"{type(prior).__name__}")
    return check_noise_map(sigma, to_channels_last(image, channel_axis).shape[:2])
