"""Half-quadratic splitting: the one solver loop, for any degradation and any z-step.

Restores ``x`` from ``y = A x + n``, ``n ~ N(0, sigma^2 I)``, by minimising
``lambda/2 ||A x - y||^2 + R(x)`` and alternating, for the growing weights
``beta_t`` of a :class:`~restore.solvers.schedule.Schedule`,

* z-step: ``z = zstep(x, 1 / beta_t, t)``, a denoiser at noise variance
  ``1 / beta_t`` (EPLL: every patch denoised by the prior and the patches
  averaged, :class:`~restore.solvers.patch_averaging.PatchAveraging`; Deep
  Image Prior: the whole image);
* x-step: ``(lambda A^T A + beta_t C) x = lambda A^T y + beta_t C z``, solved by
  the operator (:meth:`restore.operators.Operator.x_step`), with ``C`` the
  z-step's weight (``p^2`` for averaged patches, as ``sum_i P_i^T P_i`` in the
  interior; 1 for a whole-image z-step).
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

from restore.core.progress import Progress
from restore.core.stopwatch import NoStopwatch
from restore.operators import CG_TOLERANCE


class ZStep(Protocol):
    """The z-step of :func:`hqs`."""

    def weight(self, shape, dtype):
        """``C`` of the x-step: a scalar or an ``(H, W)`` array."""

    def __call__(self, x, noise_var, step):
        """The denoised estimate ``z`` of ``x`` at noise variance ``noise_var``, same shape;
        ``step`` counts from 0 (a denoiser may warm-start when ``step > 0``)."""


def hqs(observed, operator, sigma, zstep, schedule, *, init=None, dtype=None,
        tolerance=CG_TOLERANCE, progress=False, label="HQS", clip=True,
        stopwatch=NoStopwatch()):
    """Restore ``x`` from ``y = A x + n`` by half-quadratic splitting.

    Parameters
    ----------
    observed : ndarray, (H, W) or (H, W, C)
        ``y``; ``A`` acts on each channel alike (values hidden by a mask are ignored).
    operator : restore.operators.Operator
    sigma : float or ndarray (H, W)
        Noise standard deviation of ``y``, or a per-pixel map of it: ``lambda`` and
        ``beta_t`` are then per-pixel maps and the z-step gets the map ``1 / beta_t``
        (:mod:`restore.solvers.noise_levels`).
    zstep : ZStep
    schedule : restore.solvers.Schedule
    init : ndarray, optional
        Starting ``x`` (default ``y``).
    dtype : numpy dtype, optional
        Working precision (default that of ``observed``).
    tolerance : float
        Relative residual of iterative x-steps.
    progress : bool
        Progress bar on stderr (``label``), one tick per z-step.
    clip : bool
        Clip the result to [0, 1].
    stopwatch : restore.core.stopwatch.Stopwatch, optional
        Collects the seconds of the x-steps (the z-step keeps its own).

    Returns
    -------
    ndarray
        The last ``x``, in the working dtype.
    """
    y = np.ascontiguousarray(observed, dtype=dtype)
    x = y.copy() if init is None else np.array(init, dtype=y.dtype)
    weight = zstep.weight(y.shape[:2], y.dtype)
    lam = _in_dtype(schedule.lam(sigma), y.dtype)
    betas = schedule.betas(sigma)
    with Progress(len(betas), label, enabled=progress) as bar:
        for step, beta in enumerate(betas):
            z_sum = weight * np.asarray(zstep(x, 1.0 / beta, step), dtype=y.dtype)
            beta = _in_dtype(beta, y.dtype)
            with stopwatch.stage("x-step"):
                if y.ndim == 2:
                    x = operator.x_step(y, z_sum, weight, lam, beta, x0=x, tol=tolerance)
                else:
                    x = np.stack([operator.x_step(y[..., c], z_sum[..., c], weight, lam, beta,
                                                  x0=x[..., c], tol=tolerance)
                                  for c in range(y.shape[2])], axis=-1)
                x = np.ascontiguousarray(x, dtype=y.dtype)
            bar.update()
    return np.clip(x, 0.0, 1.0) if clip else x


def _in_dtype(weight, dtype):
    """A per-pixel weight map in the working ``dtype``; a number as a Python float, which
    numpy casts to the array's dtype (a numpy float64 would promote the x-step to float64)."""
    return np.asarray(weight, dtype=dtype) if np.ndim(weight) else float(weight)
