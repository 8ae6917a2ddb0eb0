"""Denoising stationary correlated noise (a :class:`restore.core.correlated_noise.
CorrelatedNoise`) with a Gaussian mixture prior.

The noise covariance is ``sigma^2 Chat``; the data term is
``lambda/2 (x - y)^T Chat^-1 (x - y)``. EPLL keeps the denoising schedule
(``lambda = lambda_factor / sigma^2``, ``beta_t = factor_t / sigma^2``) and half-quadratic
splitting weights its coupling of ``x`` to the patch estimates by the same inverse
correlation, ``beta/2 sum_i (P_i x - z_i)^T Chat_p^-1 (P_i x - z_i)`` (``Chat_p``: the
correlation of a patch's noise). Then

* z-step: each patch is denoised under noise ``Chat_p / beta_t`` instead of ``I / beta_t``
  (:class:`priors.gmm_correlated.CorrelatedMixture`: the Wiener filters of ``S_k + C``);
  at the start, ``x = y``, that is exactly the data's noise;
* x-step: with the circular approximation ``sum_i P_i^T Chat_p^-1 P_i ~ p^2 Chat^-1``,
  ``Chat^-1`` multiplies both terms and cancels: the x-step of white noise
  (:class:`restore.operators.Identity`).

``coupling="white"`` (the recipe's ``correlated_coupling``) keeps the plain coupling
instead: the x-step weights the data term alone, in Fourier
(:class:`restore.operators.CorrelatedData`). On Train400 the weighted coupling scored
higher (docs/tuning.md#correlated-noise).

Colour images: the same correlation in each RGB channel, independently, stays that
correlation in every orthonormal opponent plane (at the plane's own level); a plane
restored at half resolution gets the correlation of the 2x2 block means
(:meth:`CorrelatedNoise.half_resolution`).
"""
from __future__ import annotations

import numpy as np

from restore.recipes import colour
from restore.solvers.epll import epll


#: The couplings :func:`restore_correlated_window` accepts (module docstring).
COUPLINGS = ("noise", "white")


def check_prior(prior):
    """A clear error for a prior that cannot take correlated noise (all but the mixtures)."""
    from priors.gmm import GaussianMixturePrior

    if not isinstance(prior, GaussianMixturePrior):
        raise ValueError(f"correlated noise needs a Gaussian mixture prior ('gmm' or "
                         f"'gmm-untied'), not {type(prior).__name__}")


def correlated_denoiser(prior, noise):
    """The patch denoiser of ``prior`` under ``noise``'s correlation."""
    from priors.gmm_correlated import CorrelatedMixture

    check_prior(prior)
    return CorrelatedMixture(prior, noise.patch_covariance(prior.patch_size))


def restore_correlated_window(recipe, image, noise, prior, *, rng, exact, progress,
                              stopwatch, device=None):
    """EPLL on one window under correlated ``noise``, grey or channels-last colour; float32
    clipped to [0, 1]. ``recipe`` gives the schedule, the fast path and the coupling."""
    from restore.operators import CorrelatedData, Identity

    if device is not None and str(device) != "cpu":
        raise ValueError("correlated noise runs on the CPU only; drop device=")
    coupling = recipe.correlated_coupling
    if coupling not in COUPLINGS:
        raise ValueError(f"correlated_coupling must be one of {COUPLINGS}, got {coupling!r}")

    def restore_plane(plane, plane_noise, clip):
        operator = Identity() if coupling == "noise" else CorrelatedData(plane_noise)
        return epll(np.ascontiguousarray(plane), operator, plane_noise.sigma,
                    correlated_denoiser(prior, plane_noise), recipe.schedule_for(prior),
                    exact=exact, fast=recipe.fast, patch_window=recipe.patch_window, rng=rng,
                    progress=progress, clip=clip, stopwatch=stopwatch)

    if image.ndim == 2:
        return restore_plane(image, noise, True)
    half = recipe.chroma_half_resolution and min(image.shape[:2]) >= 4 * prior.patch_size
    return colour.restore_planes(image, noise, restore_plane, chroma_half_resolution=half)
