"""EPLL (Zoran & Weiss 2011): the HQS loop with a patch prior's denoiser averaged over
overlapping patches as the z-step, exact or with the fast path's approximations."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from restore.core.stopwatch import NoStopwatch
from restore.solvers.hqs import hqs

#: Relative residual of the iterative x-steps (blur) on the exact path.
EXACT_CG_TOLERANCE = 1e-6


@dataclass(frozen=True)
class FastSettings:
    """Approximations of the fast path (``exact=False``).

    ``stride``: each z-step uses the patches on a grid of this stride with a
    random offset (plus the last row and column, so every pixel is covered).
    ``cg_tolerance``: relative residual at which iterative x-steps stop.
    ``tail_ratio``: the flat-tail threshold of a Gaussian mixture's fast
    z-step (:mod:`priors.gmm_fast`; ``None``: its default).
    ``search``: how a tied mixture finds each patch's component,
    ``"orientation"`` (:mod:`priors.gmm_search`) or ``"exhaustive"`` (the
    reference); ``None``: the prior's default.
    ``shortlist``: the orbits the orientation search keeps from its first pass
    (``None``: :data:`priors.gmm_search.SHORTLIST`; the exhaustive search keeps all).
    """

    stride: int = 2
    cg_tolerance: float = 1e-4
    tail_ratio: float | None = None
    search: str | None = None
    shortlist: int | None = None

    def denoiser(self, prior):
        """The prior's fast patch denoiser under these settings (the prior itself where it
        has no faster approximation)."""
        from priors.protocols import FastPath

        if not isinstance(prior, FastPath):
            return prior
        options = {name: value for name, value in (("search", self.search),
                                                   ("shortlist", self.shortlist))
                   if value is not None}
        return prior.fast_denoiser(self.tail_ratio, **options)


def epll(observed, operator, sigma, prior, schedule, *, init=None, exact=True,
         fast=FastSettings(), patch_window=0.0, rng=None, progress=False, clip=True,
         stopwatch=NoStopwatch(), device=None):
    """Restore a 2-D image from ``y = A x + n`` with EPLL; float32 result.

    ``prior`` is a :class:`~priors.protocols.PatchDenoiser`; ``exact`` denoises
    every patch with it, otherwise ``fast`` applies (random patch grids, the
    prior's fast denoiser, looser conjugate gradients), drawing from ``rng``.
    ``patch_window``: see :func:`restore.solvers.patch_averaging.patch_average`.
    ``device``: where the z-step runs (:func:`priors.devices.resolve_device`): ``None`` or
    ``"cpu"``, numpy; ``"cuda"`` or a ``torch.device``, a Gaussian mixture's torch backend
    (:mod:`priors.gmm_torch`; a tied mixture's fast path then scores every component).
    """
    from priors.devices import resolve_device
    from restore.solvers.patch_averaging import PatchAveraging

    p = prior.patch_size
    if observed.ndim != 2 or min(observed.shape) < p:
        raise ValueError(f"EPLL needs a 2-D image of at least {p}x{p} pixels, got shape "
                         f"{observed.shape}")
    device = resolve_device(device, prior)
    if device is None:
        averaging, denoiser = PatchAveraging, prior if exact else fast.denoiser(prior)
    else:
        from priors.gmm_torch import torch_mixture
        from restore.solvers.torch_patch_averaging import TorchPatchAveraging

        mixture = torch_mixture(prior, device)
        averaging = TorchPatchAveraging
        denoiser = mixture if exact else mixture.fast_denoiser(fast.tail_ratio, fast.search)
    zstep = averaging(denoiser, stride=None if exact else fast.stride, window=patch_window,
                      rng=np.random.default_rng(rng), stopwatch=stopwatch)
    return hqs(observed, operator, sigma, zstep, schedule, init=init, dtype=np.float32,
               tolerance=EXACT_CG_TOLERANCE if exact else fast.cg_tolerance,
               progress=progress, label="EPLL", clip=clip, stopwatch=stopwatch)
