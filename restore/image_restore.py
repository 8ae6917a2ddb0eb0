"""Restoration with a whole-image prior (Deep Image Prior): the path ``prior="dip"`` takes.

EPLL works on patches; Deep Image Prior works on whole images, colour
channels together. :func:`restore_with_image_prior` runs it in one of its two
modes (``prior.mode``):

* ``"direct"``: fit ``||A f(z) - y||^2`` from scratch
  (:meth:`priors.dip.DeepImagePrior.restore`);
* ``"hqs"``: half-quadratic splitting over the image
  (:func:`restore.image_hqs.hqs_restore`, schedule
  :data:`restore.image_hqs.SCHEDULES` of the task), the prior's warm-started
  ``denoise`` being the z-step; the task's iteration budget is shared evenly
  by the z-steps, each stopping early at its own noise level.
"""
from __future__ import annotations

import copy

import numpy as np

from restore.image_hqs import SCHEDULES, hqs_restore
from restore.operators import Blur, Composite, Identity, Mask


def task_of(operator):
    """``"denoise"``, ``"inpaint"`` or ``"deblur"`` from the operator ``A``."""
    if isinstance(operator, Identity):
        return "denoise"
    if isinstance(operator, Mask):
        return "inpaint"
    if isinstance(operator, (Blur, Composite)):
        return "deblur"
    raise TypeError(f"no whole-image task for the operator {operator!r}")


def configured(prior, rng, progress):
    """A copy of ``prior`` seeded from ``rng`` (None: its own seed) and with ``progress``."""
    prior = copy.copy(prior)
    prior._fit = None
    if rng is not None:
        prior.seed = int(rng) if isinstance(rng, (int, np.integer)) \
            else int(np.random.default_rng(rng).integers(2**31))
    prior.progress = bool(progress)
    return prior


def restore_with_image_prior(image, operator, sigma, prior, *, initialise=None, rng=None,
                             progress=False):
    """Restore a channels-last image ``(H, W)`` or ``(H, W, C)`` with a whole-image prior.

    ``initialise(plane) -> start`` gives the HQS starting point per 2-D plane
    (None: the observation); the direct mode starts from the network's
    random output and ignores it. Returns the estimate clipped to [0, 1] in
    the image's dtype. Sets ``prior.n_iter_`` to the Adam steps it ran.
    """
    task = task_of(operator)
    given, prior = prior, configured(prior, rng, progress)
    if prior.mode == "direct":
        restored = prior.restore(image, operator, sigma, task=task)
    else:
        from priors.dip import DEFAULT_ITERATIONS

        schedule = SCHEDULES[task]
        per_step = max(1, (prior.iterations or DEFAULT_ITERATIONS[task]) // schedule.steps)
        start = None
        if initialise is not None:
            start = initialise(image) if image.ndim == 2 else np.stack(
                [initialise(np.ascontiguousarray(image[..., c]))
                 for c in range(image.shape[2])], axis=-1)
        prior.progress = False
        restored = hqs_restore(
            image, operator, sigma,
            lambda x, noise_var, step: prior.denoise(x, noise_var, iterations=per_step,
                                                     warm_start=step > 0),
            schedule=schedule, init=start, progress=progress)
    given.n_iter_ = sum(prior.iterations_run)
    return np.clip(restored, 0.0, 1.0).astype(image.dtype, copy=False)
