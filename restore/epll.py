"""EPLL by half-quadratic splitting (Zoran & Weiss 2011).

Minimises ``lambda/2 ||x - y||^2 - sum_i log p(P_i x)`` by alternating, for
a growing weight ``beta``,

* z-step: ``z_i = prior.denoise(P_i x, 1/beta)`` for every 8x8 patch;
* x-step: ``(lambda I + beta sum_i P_i^T P_i) x = lambda y + beta sum_i P_i^T z_i``,
  diagonal for denoising, so solved per pixel.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from restore._patches import accumulate_patches, extract_patches, full_grid, patch_counts
from restore._progress import Progress

PATCHES_PER_CHUNK = 1 << 16


@dataclass(frozen=True)
class Schedule:
    """HQS schedule in units of the noise level.

    ``beta = beta_factors[t] / sigma**2`` and ``lambda = lambda_factor / sigma**2``;
    each beta runs ``inner_iterations`` z/x alternations.
    """

    beta_factors: tuple = (1, 4, 8, 16, 32)
    lambda_factor: float = 64.0
    inner_iterations: int = 1

    def betas(self, sigma):
        return [factor / sigma**2 for factor in self.beta_factors
                for _ in range(self.inner_iterations)]


#: The original code's denoising settings: lambda = d / sigma^2, beta = [1,4,8,16,32] / sigma^2.
ORIGINAL_DENOISE_SCHEDULE = Schedule()

#: Our default, chosen on six Train400 images at sigma 15/25/50 (benchmarks/tune_schedule.py,
#: benchmarks/results/schedule_tuning_fast.json): lambda 32 and 48 tie within 0.03 dB and
#: beat 64 by 0.2 dB at every sigma; an extra beta of 64/sigma^2 does not help.
DENOISE_SCHEDULE = Schedule(lambda_factor=40.0)


@dataclass(frozen=True)
class FastSettings:
    """Approximations of the fast path (``exact=False``).

    ``stride``: each z-step uses the patches on a grid of this stride with a
    random offset (plus the last row and column, so every pixel is covered);
    the prior's own fast z-step (``prior.fast_denoiser()``) does the rest.
    """

    stride: int = 2


def random_subgrid(shape, p, stride, rng):
    """Patch corners every ``stride`` pixels from a random offset, covering every pixel."""
    grid = []
    for n in (shape[0] - p + 1, shape[1] - p + 1):
        offset = int(rng.integers(min(stride, n)))
        grid.append(np.unique(np.concatenate([[0], np.arange(offset, n, stride), [n - 1]])))
    return tuple(grid)


def patch_zstep_sum(image, prior, noise_var, grid=None):
    """``sum_i P_i^T z_i`` with ``z_i = prior.denoise(P_i x, noise_var)`` over a patch grid
    (default: every patch), streamed in bands of rows."""
    p = prior.patch_size
    rows, cols = full_grid(image.shape, p) if grid is None else grid
    band = max(1, PATCHES_PER_CHUNK // len(cols))
    total = np.zeros_like(image)
    for start in range(0, len(rows), band):
        band_rows = rows[start:start + band]
        patches = extract_patches(image, p, band_rows, cols)
        accumulate_patches(total, prior.denoise(patches, noise_var), p, band_rows, cols)
    return total


def denoise_x_step(y, z_sum, counts, lam, beta):
    """Per-pixel solution of ``(lam I + beta diag(counts)) x = lam y + beta z_sum``."""
    return (lam * y + beta * z_sum) / (lam + beta * counts)


def subsampled_x_step(y, z_sum, grid_counts, full_counts, lam, beta):
    """The x-step when only a grid of patches was denoised: their average
    ``z_sum / grid_counts`` stands in for the average of all patches, weighted
    by the full counts, so lambda and beta keep their balance."""
    return denoise_x_step(y, full_counts * z_sum / grid_counts, full_counts, lam, beta)


def epll_denoise(noisy, sigma, prior, *, schedule=DENOISE_SCHEDULE, rng=None,
                 exact=True, fast=FastSettings(), progress=False, clip=True):
    """Denoise a 2-D image with EPLL; ``sigma`` on the image's intensity scale.

    ``exact=True`` uses every patch and the prior's exact z-step; otherwise
    the approximations of ``fast`` (random patch grids drawn from ``rng``)
    and the prior's ``fast_denoiser()``. Works in float32 (the z-step
    dominates the cost); returns float32.
    """
    p = prior.patch_size
    if noisy.ndim != 2 or min(noisy.shape) < p:
        raise ValueError(f"EPLL needs a 2-D image of at least {p}x{p} pixels, got shape "
                         f"{noisy.shape}")
    y = np.ascontiguousarray(noisy, dtype=np.float32)
    counts = patch_counts(y.shape, p, dtype=np.float32)
    lam = schedule.lambda_factor / sigma**2
    x = y.copy()
    betas = schedule.betas(sigma)
    zstep = prior if exact else prior.fast_denoiser()
    rng = np.random.default_rng(rng)
    with Progress(len(betas), "EPLL", enabled=progress) as bar:
        for beta in betas:
            if exact:
                z_sum = patch_zstep_sum(x, zstep, 1.0 / beta)
                x = denoise_x_step(y, z_sum, counts, lam, beta)
            else:
                grid = random_subgrid(y.shape, p, fast.stride, rng)
                z_sum = patch_zstep_sum(x, zstep, 1.0 / beta, grid)
                grid_counts = patch_counts(y.shape, p, *grid, dtype=np.float32)
                x = subsampled_x_step(y, z_sum, grid_counts, counts, lam, beta)
            x = x.astype(np.float32, copy=False)
            bar.update()
    return np.clip(x, 0.0, 1.0) if clip else x
