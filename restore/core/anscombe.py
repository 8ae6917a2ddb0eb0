"""The generalised Anscombe transform and its exact unbiased inverse (Makitalo & Foi 2013).

Poisson-Gaussian noise on the [0, 1] scale, ``y = a Poisson(x / a) + N(0, b^2)``,
has ``var(y | x) = a x + b^2``. The generalised Anscombe transform (GAT)

    f(y) = (2 / a) sqrt(max(a y + 3/8 a^2 + b^2, 0))

makes it nearly Gaussian of unit variance, so a Gaussian denoiser applies.
What that denoiser returns estimates ``D = E[f(y) | x]``, not ``f(x)``; the
exact unbiased inverse is the ``x`` with ``E[f(y) | x] = D``. Here
``E[f(y) | x] = sum_k Poisson(k; x / a) E_n f(a k + n)``, ``n ~ N(0, b^2)``, is
computed by quadrature over ``n`` on a grid of ``x``, and
inverted by interpolation (it increases with ``x``); below ``E[f(y) | 0]`` the
inverse is 0, beyond the grid the algebraic inverse carries on from its end.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger("restore")

#: Points of the tabulated expectation, and of the rule over its Gaussian part (a plain
#: rule on +-10 standard deviations: ``f`` has a kink there, which Gauss-Hermite misses).
GRID_POINTS = 1024
GAUSS_POINTS = 2001


@dataclass(frozen=True)
class PoissonGaussian:
    """``y = gain Poisson(x / gain) + N(0, sigma^2)`` on the [0, 1] scale (``gain`` a, ``sigma`` b)."""

    gain: float
    sigma: float

    def __post_init__(self):
        if not (np.isfinite(self.gain) and self.gain > 0):
            raise ValueError(f"gain must be a positive number (the signal-dependent part of the "
                             f"noise variance, a in a*x + b^2), got {self.gain!r}")
        if not (np.isfinite(self.sigma) and self.sigma >= 0):
            raise ValueError(f"sigma must be a non-negative number (the Gaussian part of the "
                             f"noise, b), got {self.sigma!r}")

    def forward(self, y):
        """``f(y)``: noise of unit variance."""
        a, b = self.gain, self.sigma
        return 2.0 / a * np.sqrt(np.maximum(a * np.asarray(y, dtype=np.float64)
                                            + 0.375 * a * a + b * b, 0.0))

    def algebraic_inverse(self, d):
        """``f^-1(d)``: biased, used only beyond the tabulated range."""
        a, b = self.gain, self.sigma
        return ((a * np.asarray(d, dtype=np.float64) / 2) ** 2 - 0.375 * a * a - b * b) / a

    def expected_forward(self, x):
        """``E[f(y) | x]`` for an array of intensities ``x >= 0``."""
        x = np.atleast_1d(np.asarray(x, dtype=np.float64))
        nodes = np.linspace(-10.0, 10.0, GAUSS_POINTS) if self.sigma > 0 else np.zeros(1)
        weights = np.exp(-0.5 * nodes**2)
        weights /= weights.sum()
        rate = x / self.gain
        top = int(np.ceil(rate.max() + 12 * np.sqrt(rate.max()) + 20))
        counts = np.arange(top + 1)
        smooth = np.array([weights @ self.forward(self.gain * k + self.sigma * nodes)
                           for k in counts])  # E_n f(a k + n), one value per count k
        from scipy.stats import poisson

        expected = np.empty_like(rate)
        for start in range(0, rate.size, 256):  # (rates, counts) Poisson weights, in chunks
            pmf = poisson.pmf(counts[None, :], rate[start:start + 256, None])
            expected[start:start + 256] = pmf @ smooth
        return expected

    def exact_unbiased_inverse(self, d, top=1.0):
        """The ``x >= 0`` with ``E[f(y) | x] = d``; tabulated on ``[0, top]`` (``top``: at least
        the largest intensity expected; the algebraic inverse continues beyond it)."""
        d = np.asarray(d, dtype=np.float64)
        grid = max(float(top), 1e-6) * np.linspace(0.0, 1.0, GRID_POINTS) ** 2  # dense near 0
        table = np.maximum.accumulate(self.expected_forward(grid))
        x = np.interp(d, table, grid, left=0.0)
        beyond = d > table[-1]
        if beyond.any():
            shift = grid[-1] - self.algebraic_inverse(table[-1])
            x = np.where(beyond, self.algebraic_inverse(d) + shift, x)
        return x


def restore_poisson_gaussian(image, noise, denoise_gaussian):
    """Denoise Poisson-Gaussian ``image`` through the GAT: ``z = f(y)`` scaled to [0, 1]
    (noise ``1 / (max z - min z)``), ``denoise_gaussian(z, sigma)``, scaled back, then the
    exact unbiased inverse. Returns float64 values of ``x`` (not clipped)."""
    transformed = noise.forward(image)
    low, high = float(transformed.min()), float(transformed.max())
    span = max(high - low, 1e-12)
    denoised = denoise_gaussian(((transformed - low) / span).astype(image.dtype), 1.0 / span)
    top = max(1.0, float(np.max(image)))
    return noise.exact_unbiased_inverse(np.asarray(denoised, np.float64) * span + low, top)


def resolve_noise(noise, sigma, image, channel_axis):
    """``(PoissonGaussian, None)`` for ``noise=`` of :func:`restore.denoise` (estimated for
    the name ``"poisson-gaussian"``), or ``(None, sigma)`` where the estimate finds no
    signal-dependent noise."""
    from restore.core.noise_estimate import estimate_noise_poisson_gaussian

    if sigma is not None:
        raise ValueError("give either sigma= (white Gaussian noise) or noise= (Poisson-Gaussian "
                         "noise, whose sigma is PoissonGaussian(gain, sigma).sigma), not both")
    if isinstance(noise, PoissonGaussian):
        return noise, None
    if noise != "poisson-gaussian":
        raise ValueError(f"noise must be a PoissonGaussian(gain, sigma) or 'poisson-gaussian' "
                         f"(estimated), or a CorrelatedNoise (given: correlated noise is not "
                         f"estimated from the image), got {noise!r}")
    gain, sigma = estimate_noise_poisson_gaussian(image, channel_axis=channel_axis)
    logger.info("estimated Poisson-Gaussian noise: gain %.4g, sigma %.4g (%.2f on the 0-255 "
                "scale)", gain, sigma, sigma * 255)
    return (PoissonGaussian(gain, sigma), None) if gain > 0 else (None, sigma)
