"""The one schedule type of half-quadratic splitting."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Schedule:
    """z-step weights ``beta_t`` and the data weight ``lambda``, in units of the noise level.

    ``lambda = lambda_factor / sigma^2``. Two forms:

    * listed: ``beta_t = beta_factors[t] / sigma^2`` (the original EPLL's denoising);
    * geometric (``beta_factors`` empty): ``steps`` z-step standard deviations

      .. math::

          s_t = s_0 (s_{end} / s_0)^{t / (steps - 1)}, \\quad s_{end} = last\\_factor \\cdot \\sigma,
          \\quad s_0 = \\max(first\\_std,\\ first\\_factor \\cdot \\sigma,\\ s_{end}),

      and ``beta_t = 1 / s_t^2``. The first z-steps must remove the artefacts of
      the starting point: deconvolution noise scales with ``sigma``
      (``first_factor``), the error of a crude fill of missing pixels does not
      (``first_std``, on the image's [0, 1] scale).

    Each beta runs ``inner_iterations`` z/x alternations.
    """

    lambda_factor: float = 1.0
    beta_factors: tuple = ()
    steps: int = 0
    first_std: float = 0.0
    first_factor: float = 0.0
    last_factor: float = 1.0
    inner_iterations: int = 1

    def betas(self, sigma):
        """The ``beta_t`` for noise level ``sigma``, in order."""
        if self.beta_factors:
            values = [factor / sigma**2 for factor in self.beta_factors]
        else:
            last = self.last_factor * sigma
            first = max(self.first_std, self.first_factor * sigma, last)
            stds = np.geomspace(first, last, self.steps) if self.steps > 1 else [last]
            values = [1.0 / s**2 for s in stds]
        return [beta for beta in values for _ in range(self.inner_iterations)]

    def lam(self, sigma):
        """``lambda = lambda_factor / sigma^2``."""
        return self.lambda_factor / sigma**2
