"""The interface every patch prior implements."""
from __future__ import annotations

from abc import ABC, abstractmethod


class PatchPrior(ABC):
    """A density over image patches, usable as the z-step of EPLL.

    Patches are rows of length ``d = patch_size**2 * channels``. Each prior
    documents what its density is of (for example the zero-mean part of a
    patch), so that the likelihoods of two priors compare the same thing.
    """

    patch_size: int

    @abstractmethod
    def log_prob(self, patches):
        """Log density of each patch: ``(n, d) -> (n,)``."""

    @abstractmethod
    def denoise(self, patches, noise_var):
        """Estimate clean patches from patches with white Gaussian noise of
        variance ``noise_var``: ``(n, d) -> (n, d)``."""

    def fast_denoiser(self):
        """An object with ``patch_size`` and an approximate, faster ``denoise``;
        by default the prior itself (no approximation)."""
        return self
