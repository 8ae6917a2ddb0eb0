"""The step a whole-image prior takes instead of EPLL (Deep Image Prior), colour channels
together, in one of its two modes (``prior.mode``):

* ``"direct"``: fit ``||A f(z) - y||^2`` from scratch (the prior's ``restore``);
* ``"hqs"``: half-quadratic splitting over the image (:func:`restore.solvers.hqs`,
  the recipe's ``image_schedule``), the prior's warm-started ``denoise`` being
  the z-step; the task's iteration budget is shared evenly by the z-steps,
  each stopping early at its own noise level.
"""
from __future__ import annotations

import copy

import numpy as np

from restore.solvers.hqs import hqs


class WholeImageZStep:
    """A :class:`~restore.solvers.hqs.ZStep` from a warm-startable image denoiser."""

    def __init__(self, prior, iterations_per_step):
        self.prior, self.iterations_per_step = prior, iterations_per_step

    def weight(self, shape, dtype):
        return 1.0

    def __call__(self, x, noise_var, step):
        return self.prior.denoise(x, noise_var, iterations=self.iterations_per_step,
                                  warm_start=step > 0)


def configured(prior, rng, progress):
    """A copy of ``prior`` seeded from ``rng`` (None: its own seed) and with ``progress``."""
    prior = copy.copy(prior)
    prior._fit = None
    if rng is not None:
        prior.seed = int(rng) if isinstance(rng, (int, np.integer)) \
            else int(np.random.default_rng(rng).integers(2**31))
    prior.progress = bool(progress)
    return prior


def reconstruct(recipe, image, data, sigma, prior, *, rng=None, progress=False):
    """Restore a channels-last image ``(H, W)`` or ``(H, W, C)`` with a whole-image prior
    under ``recipe``'s operator, starting point and image schedule. Returns the estimate
    clipped to [0, 1] in the image's dtype; sets ``prior.n_iter_`` to the Adam steps run."""
    operator = recipe.operator(data)
    given, prior = prior, configured(prior, rng, progress)
    if prior.mode == "direct":
        restored = prior.restore(image, operator, sigma, task=recipe.name)
    else:
        from priors.dip import DEFAULT_ITERATIONS

        schedule = recipe.image_schedule
        per_step = max(1, (prior.iterations or DEFAULT_ITERATIONS[recipe.name]) // schedule.steps)
        planes = [image] if image.ndim == 2 else [np.ascontiguousarray(image[..., c])
                                                  for c in range(image.shape[2])]
        starts = [recipe.start(plane, data, sigma, prior, rng=rng, exact=False)
                  for plane in planes]
        start = None if starts[0] is None else (
            starts[0] if image.ndim == 2 else np.stack(starts, axis=-1))
        prior.progress = False
        restored = hqs(image, operator, sigma, WholeImageZStep(prior, per_step), schedule,
                       init=start, progress=progress)
    given.n_iter_ = sum(prior.iterations_run)
    return np.clip(restored, 0.0, 1.0).astype(image.dtype, copy=False)
