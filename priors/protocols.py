"""The small protocols a prior implements (in the spirit of deepinv's Denoiser and
Reconstructor and scikit-learn's estimator verbs). A prior implements the ones it can:

=====================  ===========================================================
:class:`PatchDenoiser`  the EPLL z-step: ``denoise(patches, noise_var)``,
                        ``(n, d) -> (n, d)``, the estimate of clean patches from
                        patches with white Gaussian noise of variance ``noise_var``
:class:`FastPath`       a patch denoiser with a faster approximation of itself
:class:`Density`        ``log_prob(patches)``, ``(n, d) -> (n,)``; each density
                        says what it is a density of (for example the zero-mean
                        part of a patch), so two priors compare the same thing
:class:`Sampler`        ``sample(n, rng)``, ``-> (n, d)``, where the prior has one
:class:`ImageDenoiser`  a z-step on whole images, ``(H, W[, C]) -> same``
:class:`Reconstructor`  a whole-image method: ``restore(observed, operator, sigma,
                        task=)`` solves ``y = A x + n`` itself
=====================  ===========================================================

Patches are rows of length ``d = patch_size**2 * channels``. The GMM and the
VAE are patch denoisers and densities; Deep Image Prior is a reconstructor
and an image denoiser, with no density to fake. Solver constants (lambda,
schedules) are not here: they belong to the task recipes (:mod:`restore.recipes`).
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class PatchDenoiser(Protocol):
    patch_size: int

    def denoise(self, patches: np.ndarray, noise_var: float) -> np.ndarray:
        """``(n, d) -> (n, d)``: clean patches from noisy ones (noise variance ``noise_var``)."""


@runtime_checkable
class FastPath(Protocol):
    def fast_denoiser(self, tail_ratio: float | None = None, search: str | None = None,
                      shortlist: int | None = None) -> PatchDenoiser:
        """A faster approximate :class:`PatchDenoiser`; ``tail_ratio`` tunes a Gaussian
        mixture's flat-tail approximation, ``search`` how it finds the component and
        ``shortlist`` how many candidates that search keeps (``None``: its defaults)."""


@runtime_checkable
class Density(Protocol):
    def log_prob(self, patches: np.ndarray) -> np.ndarray:
        """``(n, d) -> (n,)``: log density of each patch."""


@runtime_checkable
class Sampler(Protocol):
    def sample(self, n: int, rng=None) -> np.ndarray:
        """``(n, d)`` patches drawn from the prior; ``rng`` a seed or Generator."""


@runtime_checkable
class ImageDenoiser(Protocol):
    def denoise(self, image: np.ndarray, noise_var: float) -> np.ndarray:
        """An ``(H, W)`` or ``(H, W, C)`` image with noise of variance ``noise_var`` -> its
        clean estimate, same shape."""


@runtime_checkable
class Reconstructor(Protocol):
    def restore(self, observed: np.ndarray, operator, sigma: float, *,
                task: str = "denoise") -> np.ndarray:
        """Solve ``y = A x + n`` for a channels-last image ``y`` (``A = operator``, noise
        standard deviation ``sigma``) as the whole-image method ``task`` asks."""


def is_patch_prior(prior) -> bool:
    """Whether ``prior`` restores through patches (the EPLL solver) rather than whole images."""
    return isinstance(prior, PatchDenoiser) and not isinstance(prior, Reconstructor)
