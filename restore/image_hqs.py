"""Half-quadratic splitting over whole images, with an image denoiser as the z-step.

EPLL's solver (:mod:`restore.epll`) splits over overlapping patches; a prior
on whole images (Deep Image Prior) splits over the image itself. For
``y = A x + n``, ``n ~ N(0, sigma^2 I)``, alternate for a falling sequence of
z-step noise levels ``s_t`` (``beta_t = 1 / s_t^2``)

* z-step: ``z = denoise(x, s_t^2)``, the prior's denoiser at noise variance
  ``1 / beta_t`` (warm-started from the previous step where it can be);
* x-step: ``(A^T A / sigma^2 + beta_t I) x = A^T y / sigma^2 + beta_t z``, the
  operator's :meth:`~restore.operators.Operator.x_step` with uniform
  counts 1 (per pixel for a mask or the identity, an FFT or conjugate
  gradients for a blur).

The result is the last ``x``, clipped to [0, 1].
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from restore.core.progress import Progress


@dataclass(frozen=True)
class ImageSchedule:
    """z-step noise levels ``s_t``, falling geometrically over ``steps`` from
    ``max(first_std, first_factor sigma)`` to ``last_factor sigma``."""

    steps: int
    first_factor: float = 1.0
    last_factor: float = 0.25
    first_std: float = 0.0

    def stds(self, sigma):
        last = self.last_factor * sigma
        first = max(self.first_std, self.first_factor * sigma, last)
        return list(np.geomspace(first, last, self.steps)) if self.steps > 1 else [last]


#: Schedules of the whole-image HQS by task: denoising from sigma down to sigma / 4;
#: a mask or a blur first needs the prior to fill in or undo much more (0.1 on [0, 1]).
SCHEDULES = {
    "denoise": ImageSchedule(steps=4, first_factor=1.0, last_factor=0.25),
    "inpaint": ImageSchedule(steps=4, first_std=0.1, last_factor=2.0),
    "deblur": ImageSchedule(steps=4, first_std=0.1, first_factor=5.0, last_factor=0.5),
}


def hqs_restore(observed, operator, sigma, denoise, *, schedule, init=None, progress=False):
    """Restore ``x`` from ``y = A x + n`` by HQS with a whole-image denoiser.

    Parameters
    ----------
    observed : ndarray, (H, W) or (H, W, C)
        ``y``; ``A`` acts on each channel alike.
    operator : restore.operators.Operator
    sigma : float
        Noise standard deviation of ``y`` (sets the data weight ``1 / sigma^2``).
    denoise : callable
        ``denoise(x, noise_var, step) -> z``, same shape as ``x``; ``step``
        counts from 0 (a denoiser can warm-start when ``step > 0``).
    schedule : ImageSchedule
    init : ndarray, optional
        Starting ``x`` (default ``observed``).
    progress : bool
        Progress bar on stderr, one tick per z-step.

    Returns
    -------
    ndarray
        The last ``x``, clipped to [0, 1], in the dtype of ``observed``.
    """
    y = np.asarray(observed)
    x = y.copy() if init is None else np.array(init, dtype=y.dtype)
    lam = 1.0 / sigma**2
    stds = schedule.stds(sigma)
    with Progress(len(stds), "HQS", enabled=progress) as bar:
        for step, std in enumerate(stds):
            z = np.asarray(denoise(x, std**2, step), dtype=y.dtype)
            beta = 1.0 / std**2
            if y.ndim == 2:
                x = operator.x_step(y, z, 1.0, lam, beta, x0=x)
            else:
                x = np.stack([operator.x_step(y[..., c], z[..., c], 1.0, lam, beta,
                                              x0=x[..., c]) for c in range(y.shape[2])],
                             axis=-1)
            x = np.asarray(x, dtype=y.dtype)
            bar.update()
    return np.clip(x, 0.0, 1.0)
