"""A z-step under a noise map: every patch at its own noise variance.

A noise map gives pixel ``q`` its own variance ``s^2(q)``. HQS then has a per-pixel
``beta_t(q)`` and its z-step a variance map ``v_t(q) = 1 / beta_t(q)``; patch ``i``
is denoised at the mean variance over its pixels,

    v_i = (1 / p^2) sum_{q in patch i} v_t(q),

rounded to the geometric lattice ``v = v_max r^j`` (``r`` = :data:`LEVEL_RATIO`,
``j <= 0`` an integer, ``v_max`` the map's largest value), so that a patch
denoiser, which takes one variance per call, runs once per level present. A
constant map has the one level ``v_max`` and gives exactly the scalar z-step. The
lattice's steps are ``2^(1/4)`` in variance (9 % in standard deviation, so a patch is
denoised within 4.5 % of its sigma), and doubling ``beta`` moves it by 4 levels, so
the levels of successive z-steps of the denoising schedule coincide and the
denoiser's per-variance caches serve them. Steps of ``2^(1/8)`` and ``2^(1/16)`` gave
the same PSNR on Train400 at 2-3 times the cost (docs/tuning.md#noise-maps).
"""
from __future__ import annotations

import numpy as np

#: Ratio of adjacent variance levels.
LEVEL_RATIO = 2.0 ** (1 / 4)


def is_noise_map(noise_var):
    """Whether ``noise_var`` is a per-pixel map rather than one number."""
    return np.ndim(noise_var) > 0


def patch_variances(variance_map, p, rows, cols):
    """Mean of ``variance_map`` over the ``p x p`` patch at every ``(rows[a], cols[b])``
    corner, ``(len(rows) * len(cols),)`` in row-major order (float64; by an integral image)."""
    integral = np.zeros((variance_map.shape[0] + 1, variance_map.shape[1] + 1))
    np.cumsum(np.cumsum(variance_map, axis=0, dtype=np.float64), axis=1, out=integral[1:, 1:])
    top, left = np.asarray(rows)[:, None], np.asarray(cols)[None, :]
    sums = (integral[top + p, left + p] - integral[top, left + p]
            - integral[top + p, left] + integral[top, left])
    return (sums / (p * p)).ravel()


def variance_levels(variances, top):
    """The lattice level ``j <= 0`` of each variance, ``variances ~ top * LEVEL_RATIO^j``."""
    ratios = np.maximum(np.asarray(variances, dtype=np.float64) / top, np.finfo(float).tiny)
    return np.minimum(np.rint(np.log(ratios) / np.log(LEVEL_RATIO)), 0).astype(np.int64)


def denoise_at_levels(denoise, patches, variances, top):
    """``denoise(patches[I], v)`` for each level ``v = top * LEVEL_RATIO^j`` on the rows ``I``
    whose ``variances`` round to it, put back in order. ``patches``: a numpy array or a torch
    tensor (rows indexed alike)."""
    levels = variance_levels(variances, top)
    order = np.argsort(levels, kind="stable")
    sorted_levels = levels[order]
    starts = np.flatnonzero(np.r_[True, sorted_levels[1:] != sorted_levels[:-1]])
    if len(starts) == 1:
        return denoise(patches, float(top * LEVEL_RATIO ** sorted_levels[0]))
    out = None
    for start, stop in zip(starts, np.r_[starts[1:], len(order)]):
        rows = order[start:stop]
        denoised = denoise(patches[rows], float(top * LEVEL_RATIO ** sorted_levels[start]))
        if out is None:
            out = (np.empty(patches.shape, dtype=denoised.dtype)
                   if isinstance(patches, np.ndarray) else denoised.new_empty(patches.shape))
        out[rows] = denoised
    return out


def band_denoiser(denoiser, noise_var, rows, cols):
    """``denoise(first, patches)`` for the bands of a patch grid ``(rows, cols)``: the
    patches of the grid rows from ``first`` on (row-major) at ``noise_var``, one number or
    a map (each patch at its level, :func:`denoise_at_levels`)."""
    if not is_noise_map(noise_var):
        return lambda first, patches: denoiser.denoise(patches, noise_var)
    variances = patch_variances(noise_var, denoiser.patch_size, rows, cols)
    top = float(np.max(noise_var))

    def denoise(first, patches):
        band = variances[first * len(cols):first * len(cols) + len(patches)]
        return denoise_at_levels(denoiser.denoise, patches, band, top)

    return denoise
