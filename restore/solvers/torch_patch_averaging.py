"""Patch averaging on a torch device: :class:`~restore.solvers.patch_averaging.PatchAveraging`
with the patches extracted, denoised and accumulated where the denoiser lives (a GPU).

The image goes to the device once per z-step and its average comes back; the grid is
the numpy path's (the same random subgrid from the same ``rng``), so the two agree to
the rounding of float32. Extraction gathers from the ``unfold`` view of the image (no
index arrays); accumulation adds the ``p * p`` pixel offsets one at a time, each a
scatter to distinct pixels (deterministic on a GPU too).
"""
from __future__ import annotations

import numpy as np
import torch

from restore.core.stopwatch import NoStopwatch
from restore.solvers.noise_levels import band_denoiser
from restore.solvers.patch_averaging import PatchAveraging
from restore.solvers.patches import full_grid, patch_counts, separable_window, window_sums

#: Patches extracted and denoised per band of rows (the denoiser chunks further).
PATCHES_PER_BAND = 1 << 18


def torch_patch_average(image, denoiser, noise_var, grid=None, stopwatch=NoStopwatch(),
                        window=0.0):
    """:func:`~restore.solvers.patch_averaging.patch_average` with a torch ``denoiser``
    (``patch_size``, ``device``, ``dtype``, ``denoise(tensor, noise_var)``): numpy image in,
    numpy image (its dtype) out."""
    p = denoiser.patch_size
    rows, cols = full_grid(image.shape, p) if grid is None else grid
    device, dtype = denoiser.device, denoiser.dtype
    with stopwatch.stage("extract"):
        x = torch.tensor(np.asarray(image), dtype=dtype, device=device)
        views = x.unfold(0, p, 1).unfold(1, p, 1)  # (H-p+1, W-p+1, p, p), no copy
        row_index = torch.as_tensor(np.asarray(rows), dtype=torch.int64, device=device)
        col_index = torch.as_tensor(np.asarray(cols), dtype=torch.int64, device=device)
    weights = None
    if window > 0:
        profile = np.exp(-0.5 * ((np.arange(p) - (p - 1) / 2) / window) ** 2)
        weights = torch.tensor(separable_window(profile), dtype=dtype, device=device)
    total = torch.zeros_like(x)
    band = max(1, PATCHES_PER_BAND // len(cols))
    denoise = band_denoiser(denoiser, noise_var, rows, cols)
    for start in range(0, len(rows), band):
        band_rows = row_index[start:start + band]
        with stopwatch.stage("extract"):
            patches = views[band_rows[:, None], col_index[None, :]].reshape(-1, p * p)
        with stopwatch.stage("z-step"):
            denoised = denoise(start, patches)
        with stopwatch.stage("accumulate"):
            if weights is not None:
                denoised = denoised * weights
            _accumulate(total, denoised.view(len(band_rows), len(col_index), p, p),
                        band_rows, col_index)
    with stopwatch.stage("accumulate"):
        if weights is None:
            norm = patch_counts(image.shape, p, rows, cols)
        else:
            norm = window_sums(image.shape, profile, rows, cols)
        total /= torch.tensor(norm, dtype=dtype, device=device)
        return total.cpu().numpy().astype(image.dtype, copy=False)


def _accumulate(total, patches, rows, cols):
    """``total += sum_i P_i^T patch_i`` for ``patches`` ``(len(rows), len(cols), p, p)``."""
    p = patches.shape[2]
    for a in range(p):
        for b in range(p):
            total.index_put_(((rows + a)[:, None], (cols + b)[None, :]), patches[:, :, a, b],
                             accumulate=True)


class TorchPatchAveraging(PatchAveraging):
    """:class:`~restore.solvers.patch_averaging.PatchAveraging` for a torch patch denoiser
    (:mod:`priors.gmm_torch`): the same grids from the same ``rng``, the same x-step
    weight, the work on the denoiser's device."""

    average = staticmethod(torch_patch_average)
