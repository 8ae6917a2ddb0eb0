"""The interface every patch prior implements."""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


def open_prior_file(path, kind, version):
    """Open a prior's ``.npz`` (``np.load``, no pickles) after checking that it holds a
    ``kind`` prior of format ``version`` (an int, or a tuple of readable versions, the
    newest last); one-line ``ValueError`` otherwise."""
    versions = version if isinstance(version, tuple) else (version,)
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read {kind.upper()} prior from '{path}': {error}") from None
    found = int(data["format_version"]) if "format_version" in data else None
    if found not in versions or str(data.get("kind", "")) != kind:
        data.close()
        raise ValueError(f"'{path}' is not a {kind.upper()} prior of format version {versions[-1]} "
                         f"(found version {found}); retrain it with `restore train {kind}`")
    return data


class PatchPrior(ABC):
    """A density over image patches, usable as the z-step of EPLL.

    Patches are rows of length ``d = patch_size**2 * channels``. Each prior
    documents what its density is of (for example the zero-mean part of a
    patch), so that the likelihoods of two priors compare the same thing.
    """

    patch_size: int
    #: ``lambda * sigma^2`` of EPLL denoising that this prior's z-step was tuned with
    #: (:func:`restore.epll.denoise_schedule`); ``None``: the solver's default.
    denoise_lambda_factor = None

    @abstractmethod
    def log_prob(self, patches):
        """Log density of each patch: ``(n, d) -> (n,)``."""

    @abstractmethod
    def denoise(self, patches, noise_var):
        """Estimate clean patches from patches with white Gaussian noise of
        variance ``noise_var``: ``(n, d) -> (n, d)``."""

    def fast_denoiser(self, **options):
        """An object with ``patch_size`` and an approximate, faster ``denoise``;
        by default the prior itself (no approximation). ``options`` tune a prior's
        own approximation (``tail_ratio`` for Gaussian mixtures); a prior without
        one ignores them."""
        return self


class ImagePrior(ABC):
    """A prior over whole images: the same two names as :class:`PatchPrior`, on images.

    ``denoise(image, noise_var)`` maps an ``(H, W)`` or ``(H, W, C)`` image
    with white Gaussian noise of variance ``noise_var`` to an estimate of the
    same shape; :func:`restore.image_hqs.hqs_restore` uses it as the z-step
    of half-quadratic splitting over whole images. ``log_prob`` is the log
    density of whole images, where the prior defines one.
    """

    @abstractmethod
    def log_prob(self, image):
        """Log density of an image, or a clear error where the prior defines none."""

    @abstractmethod
    def denoise(self, image, noise_var):
        """Estimate the clean image from one with noise of variance ``noise_var``."""
