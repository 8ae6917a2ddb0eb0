"""numba kernels of the oracle stage's group filter: many small ridge solves, and adding
patch estimates back into an image. Serial and without the GIL: the stage runs bands of
groups on threads of its own."""
import numpy as np
from numba import njit


@njit(nogil=True, cache=True, fastmath=True)
def ridge_solve(gram, rhs, ridge):
    """``W_g = (G_g + ridge_g I)^{-1} R_g`` for each group ``g`` by Cholesky in float64;
    ``gram`` ``(n, K, K)`` symmetric positive semi-definite, ``rhs`` ``(n, K, m)``, ``ridge``
    ``(n,)``. Returns ``(W, ok)``; ``ok[g]`` is False where the factorisation met a
    non-positive pivot (rounding, at a negligible ridge), ``W_g`` then undefined."""
    n, size, m = rhs.shape
    weights = np.empty((n, size, m), dtype=np.float64)
    ok = np.ones(n, dtype=np.bool_)
    lower = np.empty((size, size), dtype=np.float64)  # reused: a group reads what it wrote
    for g in range(n):
        for j in range(size):
            pivot = gram[g, j, j] + ridge[g]
            for k in range(j):
                pivot -= lower[j, k] * lower[j, k]
            if not pivot > 0.0:
                ok[g] = False
                break
            lower[j, j] = np.sqrt(pivot)
            for i in range(j + 1, size):
                value = np.float64(gram[g, i, j])
                for k in range(j):
                    value -= lower[i, k] * lower[j, k]
                lower[i, j] = value / lower[j, j]
        if not ok[g]:
            continue
        solution = weights[g]
        for i in range(size):  # L Z = R
            row = solution[i]
            for c in range(m):
                row[c] = rhs[g, i, c]
            for k in range(i):
                factor = lower[i, k]
                for c in range(m):
                    row[c] -= factor * solution[k, c]
            for c in range(m):
                row[c] /= lower[i, i]
        for i in range(size - 1, -1, -1):  # L^T W = Z
            row = solution[i]
            for k in range(i + 1, size):
                factor = lower[k, i]
                for c in range(m):
                    row[c] -= factor * solution[k, c]
            for c in range(m):
                row[c] /= lower[i, i]
    return weights, ok


@njit(nogil=True, cache=True)
def add_patches(total, count, estimates, rows, cols, patch_size):
    """Add each group member's estimate (``(n, K, channels * p * p)``, values in channel,
    row, column order) into ``total``, a channels-first ``(channels, height, width)``
    image, at its corner ``(rows[g, k], cols[g, k])``, and 1 into ``count``
    (``(height, width)``) at each pixel it covers."""
    p = patch_size
    channels = total.shape[0]
    for g in range(estimates.shape[0]):
        for k in range(estimates.shape[1]):
            r, c = rows[g, k], cols[g, k]
            for a in range(p):
                line = count[r + a]
                for b in range(p):
                    line[c + b] += 1.0
            v = 0
            for ch in range(channels):
                for a in range(p):
                    line = total[ch, r + a]
                    for b in range(p):
                        line[c + b] += estimates[g, k, v]
                        v += 1


@njit(nogil=True, cache=True)
def average_estimates(total, count, pilot, out):
    """``out[i, j, ch]``: ``total[ch, i, j] / count[i, j]`` (each pixel's estimates
    averaged), or the pilot's value where no estimate covers the pixel; ``pilot`` and
    ``out`` channels-last ``(height, width, channels)``."""
    channels, height, width = total.shape
    for i in range(height):
        for j in range(width):
            n = count[i, j]
            for ch in range(channels):
                out[i, j, ch] = total[ch, i, j] / n if n > 0 else pilot[i, j, ch]
