"""numba kernels: extract and accumulate overlapping patches on a grid.

A patch grid is two sorted arrays of top-left corners, ``rows`` and
``cols``; patch ``(i, j)`` covers ``image[rows[i]:rows[i]+p, cols[j]:cols[j]+p]``
and is row ``i * len(cols) + j`` of a ``(n, p*p)`` array, pixels row-major.
The full stride-1 grid is ``rows = arange(H-p+1)``, ``cols = arange(W-p+1)``;
a slice of ``rows`` is a band, which is how callers stream big images; a
sparser grid is how the fast path subsamples. Accumulation is a gather over
output pixels, so its parallel loop has no write races.
"""
import numpy as np
from numba import njit, prange


def full_grid(shape, p):
    """Every stride-1 patch position: ``(rows, cols)``."""
    return np.arange(shape[0] - p + 1), np.arange(shape[1] - p + 1)


def _covering(starts, length, p):
    """For each pixel index, the slice ``[lo, hi)`` of ``starts`` whose patches cover it."""
    pixels = np.arange(length)
    lo = np.searchsorted(starts, pixels - p + 1, side="left")
    hi = np.searchsorted(starts, pixels, side="right")
    return lo.astype(np.int64), hi.astype(np.int64)


@njit(parallel=True, cache=True)
def _extract(image, p, rows, cols):
    n_cols = cols.shape[0]
    out = np.empty((rows.shape[0] * n_cols, p * p), dtype=image.dtype)
    for i in prange(rows.shape[0]):
        r = rows[i]
        for j in range(n_cols):
            c = cols[j]
            for a in range(p):
                for b in range(p):
                    out[i * n_cols + j, a * p + b] = image[r + a, c + b]
    return out


@njit(parallel=True, cache=True)
def _accumulate(target, patches, p, rows, cols, row_lo, row_hi, col_lo, col_hi, y_start, y_stop):
    n_cols = cols.shape[0]
    for y in prange(y_start, y_stop):
        for x in range(target.shape[1]):
            acc = 0.0
            for i in range(row_lo[y], row_hi[y]):
                a = y - rows[i]
                for j in range(col_lo[x], col_hi[x]):
                    acc += patches[i * n_cols + j, a * p + x - cols[j]]
            target[y, x] += acc


def extract_patches(image, p, rows, cols):
    """Patches of ``image`` at the grid ``rows x cols``, shape ``(len(rows)*len(cols), p*p)``."""
    return _extract(image, p, np.asarray(rows, np.int64), np.asarray(cols, np.int64))


def accumulate_patches(target, patches, p, rows, cols):
    """``target += sum_i P_i^T patch_i`` over the grid ``rows x cols`` (in place)."""
    rows = np.asarray(rows, np.int64)
    cols = np.asarray(cols, np.int64)
    row_lo, row_hi = _covering(rows, target.shape[0], p)
    col_lo, col_hi = _covering(cols, target.shape[1], p)
    _accumulate(target, patches, p, rows, cols, row_lo, row_hi, col_lo, col_hi,
                int(rows[0]), int(rows[-1]) + p)


def patch_counts(shape, p, rows=None, cols=None, dtype=np.float64):
    """How many grid patches cover each pixel (``sum_i P_i^T P_i`` as an image)."""
    if rows is None:
        rows, cols = full_grid(shape, p)
    row_lo, row_hi = _covering(np.asarray(rows), shape[0], p)
    col_lo, col_hi = _covering(np.asarray(cols), shape[1], p)
    return np.outer(row_hi - row_lo, col_hi - col_lo).astype(dtype)


def separable_window(profile):
    """The patch weights ``w = g g^T`` of a 1-D profile ``g`` (length ``p``), flattened
    row-major as a ``(p*p,)`` patch."""
    profile = np.asarray(profile)
    return np.outer(profile, profile).ravel()


def window_sums(shape, profile, rows, cols, dtype=np.float64):
    """``sum_i P_i^T w`` for the separable window ``w = g g^T`` (:func:`separable_window`):
    the total weight the grid's patches give each pixel.

    A product grid and a separable window make it an outer product of 1-D
    sums, ``u[y] = sum_{r in rows, 0 <= y - r < p} g[y - r]`` (and ``v`` over
    ``cols``), each a convolution of the grid's indicator with ``g``.
    """
    profile = np.asarray(profile, dtype=np.float64)

    def along(starts, length):
        indicator = np.zeros(length)
        indicator[np.asarray(starts)] = 1.0
        return np.convolve(indicator, profile)[:length]

    return np.outer(along(rows, shape[0]), along(cols, shape[1])).astype(dtype)
