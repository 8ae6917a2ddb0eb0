"""numba kernels of the oracle stage's group filter: gathering and centring the groups,
many small ridge solves, and adding patch estimates back into an image. Serial and
without the GIL: the stage runs bands of groups on threads of its own."""
import numpy as np
from numba import njit


@njit(nogil=True, cache=True, fastmath=True)
def centred_groups(noisy, pilot, rows, cols, patch_size, pilot_out, noisy_out, mean_out):
    """Gather each group's patches, centred on the mean of its pilot patches.

    ``noisy`` and ``pilot`` are channels-last images with the channels folded into the
    rows, ``(height, width * channels)``; a patch is read row by row, ``p * channels``
    values at a time, so its values are in (row, column, channel) order. Writes
    ``pilot_out`` and ``noisy_out`` (``(n, K, channels p^2)``: member minus the mean)
    and ``mean_out`` (``(n, 1, channels p^2)``) for groups of corners ``(rows[g, k],
    cols[g, k])``."""
    p = patch_size
    size = rows.shape[1]
    run = pilot_out.shape[2] // p
    channels = run // p
    for g in range(rows.shape[0]):
        mean = mean_out[g, 0]
        mean[:] = 0.0
        for k in range(size):
            start = cols[g, k] * channels
            for a in range(p):
                values, sums = pilot[rows[g, k] + a, start:start + run], mean[a * run:(a + 1) * run]
                for v in range(run):
                    sums[v] += values[v]
        mean /= size
        for k in range(size):
            start = cols[g, k] * channels
            for a in range(p):
                line = slice(a * run, (a + 1) * run)
                values, centre = pilot[rows[g, k] + a, start:start + run], mean[line]
                noisy_values = noisy[rows[g, k] + a, start:start + run]
                pilot_centred, noisy_centred = pilot_out[g, k, line], noisy_out[g, k, line]
                for v in range(run):
                    pilot_centred[v] = values[v] - centre[v]
                    noisy_centred[v] = noisy_values[v] - centre[v]


@njit(nogil=True, cache=True, fastmath=True)
def ridge_solve(gram, rhs, ridge, transposed):
    """``W_g = (G_g + ridge_g I)^{-1} R_g`` for each group ``g`` by Cholesky in float64,
    written transposed, ``transposed[g] = W_g^T``; ``gram`` ``(n, K, K)`` symmetric
    positive semi-definite, ``rhs`` ``(n, K, m)``, ``ridge`` ``(n,)``, ``transposed``
    ``(n, m, K)``. Returns ``ok``; ``ok[g]`` is False where the factorisation met a
    non-positive pivot (rounding, at a negligible ridge), ``transposed[g]`` then undefined."""
    n, size, m = rhs.shape
    ok = np.ones(n, dtype=np.bool_)
    lower = np.empty((size, size), dtype=np.float64)  # reused: a group reads what it wrote
    inverse = np.empty(size, dtype=np.float64)  # 1 / the diagonal of ``lower``
    solution = np.empty((size, m), dtype=np.float64)
    for g in range(n):
        for j in range(size):
            pivot = gram[g, j, j] + ridge[g]
            for k in range(j):
                pivot -= lower[j, k] * lower[j, k]
            if not pivot > 0.0:
                ok[g] = False
                break
            lower[j, j] = np.sqrt(pivot)
            inverse[j] = 1.0 / lower[j, j]
            for i in range(j + 1, size):
                value = np.float64(gram[g, i, j])
                for k in range(j):
                    value -= lower[i, k] * lower[j, k]
                lower[i, j] = value * inverse[j]
        if not ok[g]:
            continue
        for i in range(size):  # L Z = R
            row = solution[i]
            for c in range(m):
                row[c] = rhs[g, i, c]
            for k in range(i):
                factor, other = lower[i, k], solution[k]
                for c in range(m):
                    row[c] -= factor * other[c]
            row *= inverse[i]
        for i in range(size - 1, -1, -1):  # L^T W = Z
            row = solution[i]
            for k in range(i + 1, size):
                factor, other = lower[k, i], solution[k]
                for c in range(m):
                    row[c] -= factor * other[c]
            row *= inverse[i]
        transposed[g] = solution.T
    return ok


@njit(nogil=True, cache=True)
def add_patches(total, count, estimates, rows, cols, patch_size):
    """Add each group member's estimate (``(n, K, channels * p * p)``, values in row,
    column, channel order, as :func:`centred_groups` gathers them) into ``total``, a
    channels-last image with the channels folded into the rows, ``(height, width *
    channels)``, at its corner ``(rows[g, k], cols[g, k])``, and 1 into ``count``
    (``(height, width)``) at each pixel it covers."""
    p = patch_size
    run = estimates.shape[2] // p
    channels = run // p
    for g in range(estimates.shape[0]):
        for k in range(estimates.shape[1]):
            r, c = rows[g, k], cols[g, k]
            start = c * channels
            for a in range(p):
                covered = count[r + a, c:c + p]
                for b in range(p):
                    covered[b] += 1.0
                line = total[r + a, start:start + run]
                values = estimates[g, k, a * run:(a + 1) * run]
                for v in range(run):
                    line[v] += values[v]


@njit(nogil=True, cache=True)
def average_estimates(total, count, pilot, out):
    """``out[i, j, ch]``: ``total[i, j, ch] / count[i, j]`` (each pixel's estimates
    averaged), or the pilot's value where no estimate covers the pixel; all channels-last
    ``(height, width, channels)``."""
    height, width, channels = total.shape
    for i in range(height):
        for j in range(width):
            n = count[i, j]
            for ch in range(channels):
                out[i, j, ch] = total[i, j, ch] / n if n > 0 else pilot[i, j, ch]
