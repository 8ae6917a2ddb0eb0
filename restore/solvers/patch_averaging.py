"""The adapter that turns a patch denoiser into an image z-step: denoise every patch of
a grid, then average the overlapping estimates.

``z = sum_i P_i^T (w . z_i) / sum_i P_i^T w`` with ``z_i = denoiser.denoise(P_i x,
noise_var)``; ``w`` is 1 (the original EPLL) or a Gaussian window centred on the patch. ``noise_var``
is one number or, under a noise map, a per-pixel map (:mod:`restore.solvers.noise_levels`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from restore.core.stopwatch import NoStopwatch
from restore.solvers.noise_levels import band_denoiser
from restore.solvers.patches import (accumulate_patches, extract_patches, full_grid,
                                     patch_counts, separable_window, window_sums)

#: Patches denoised per call of the denoiser (bounds memory).
PATCHES_PER_CHUNK = 1 << 16


def random_subgrid(shape, p, stride, rng):
    """Patch corners every ``stride`` pixels from a random offset, covering every pixel."""
    grid = []
    for n in (shape[0] - p + 1, shape[1] - p + 1):
        offset = int(rng.integers(min(stride, n)))
        grid.append(np.unique(np.concatenate([[0], np.arange(offset, n, stride), [n - 1]])))
    return tuple(grid)


def patch_zstep_sum(image, denoiser, noise_var, grid=None, stopwatch=NoStopwatch(),
                    weights=None):
    """``sum_i P_i^T (w . z_i)`` over a patch grid (default: every patch), streamed in bands
    of rows; ``weights`` ``w``, a ``(p*p,)`` patch, default all ones."""
    p = denoiser.patch_size
    rows, cols = full_grid(image.shape, p) if grid is None else grid
    band = max(1, PATCHES_PER_CHUNK // len(cols))
    total = np.zeros_like(image)
    denoise = band_denoiser(denoiser, noise_var, rows, cols)
    for start in range(0, len(rows), band):
        band_rows = rows[start:start + band]
        with stopwatch.stage("extract"):
            patches = extract_patches(image, p, band_rows, cols)
        with stopwatch.stage("z-step"):
            denoised = denoise(start, patches)
        with stopwatch.stage("accumulate"):
            if weights is not None:
                denoised *= weights
            accumulate_patches(total, denoised, p, band_rows, cols)
    return total


def patch_average(image, denoiser, noise_var, grid=None, stopwatch=NoStopwatch(), window=0.0):
    """The weighted average of the denoised patches covering each pixel (``window`` 0: the
    plain average; ``> 0``: a Gaussian weight of that standard deviation in pixels, so
    each patch speaks mostly for its middle, where its estimate is surest)."""
    p = denoiser.patch_size
    rows, cols = full_grid(image.shape, p) if grid is None else grid
    if window <= 0:
        total = patch_zstep_sum(image, denoiser, noise_var, (rows, cols), stopwatch)
        with stopwatch.stage("accumulate"):
            return total / patch_counts(image.shape, p, rows, cols, dtype=image.dtype)
    profile = np.exp(-0.5 * ((np.arange(p) - (p - 1) / 2) / window) ** 2)
    weights = separable_window(profile).astype(image.dtype)
    total = patch_zstep_sum(image, denoiser, noise_var, (rows, cols), stopwatch, weights)
    with stopwatch.stage("accumulate"):
        return total / window_sums(image.shape, profile, rows, cols, dtype=image.dtype)


@dataclass
class PatchAveraging:
    """A :class:`~restore.solvers.hqs.ZStep` from a patch denoiser.

    ``stride`` ``None``: every patch (exact); otherwise a random grid of that
    stride per step, drawn from ``rng`` (the fast path). ``window``: see
    :func:`patch_average`. Its x-step weight is ``p^2`` at every pixel: each
    pixel weighs its average patch estimate as if ``p^2`` patches covered it,
    as the original code does (with the true counts the border pixels lean
    on the noisy data and stay noisy).
    """

    denoiser: object
    stride: int | None = None
    window: float = 0.0
    rng: np.random.Generator | None = None
    stopwatch: object = field(default_factory=NoStopwatch)

    def weight(self, shape, dtype):
        p = self.denoiser.patch_size
        return np.full(shape, p * p, dtype=dtype)

    #: ``average(image, denoiser, noise_var, grid, stopwatch, window)``: the z-step image.
    average = staticmethod(patch_average)

    def __call__(self, x, noise_var, step):
        p = self.denoiser.patch_size
        grid = None if self.stride is None else random_subgrid(x.shape, p, self.stride, self.rng)
        return self.average(x, self.denoiser, noise_var, grid, self.stopwatch, self.window)
