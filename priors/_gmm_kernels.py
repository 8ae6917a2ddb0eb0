"""numba kernels for the GMM prior: grouped Mahalanobis norms and the
approximate-MAP Wiener step, fused so the (n, K, m) projections are read once."""
import numpy as np
from numba import njit, prange


@njit(inline="always", cache=True, fastmath=True)
def _group_distance(projections, row, offsets, k):
    """``sum_j (projections[row, k*m + j] - offsets[k, j])**2``."""
    m = offsets.shape[1]
    base = k * m
    acc = 0.0
    for j in range(m):
        t = projections[row, base + j] - offsets[k, j]
        acc += t * t
    return acc


@njit(parallel=True, cache=True, fastmath=True)
def grouped_squared_norms(projections, offsets, n_groups):
    """``out[n, k] = sum_j (projections[n, k*m + j] - offsets[k, j])**2``."""
    n = projections.shape[0]
    out = np.empty((n, n_groups), dtype=projections.dtype)
    for row in prange(n):
        for k in range(n_groups):
            out[row, k] = _group_distance(projections, row, offsets, k)
    return out


@njit(parallel=True, cache=True, fastmath=True)
def best_component_wiener(projections, offsets, log_consts, gains, bases, means, dc, out, labels):
    """Pick ``k* = argmax_k log_consts[k] - ||proj_k - offsets_k||^2 / 2`` per patch and
    write ``dc + means[k*] + bases[k*] @ ((proj_k* - offsets_k*) * gains[k*])``.

    ``projections`` are the patches projected on every component's whitened
    eigenbasis, ``(n, K*m)``; ``bases`` is ``(K, d, m)``.
    """
    n = projections.shape[0]
    n_groups, d, m = bases.shape
    for row in prange(n):
        best = -np.inf
        best_k = 0
        for k in range(n_groups):
            score = log_consts[k] - 0.5 * _group_distance(projections, row, offsets, k)
            if score > best:
                best = score
                best_k = k
        labels[row] = best_k
        coef = np.empty(m, dtype=projections.dtype)
        base = best_k * m
        for j in range(m):
            coef[j] = (projections[row, base + j] - offsets[best_k, j]) * gains[best_k, j]
        for i in range(d):
            acc = means[best_k, i] + dc[row]
            for j in range(m):
                acc += bases[best_k, i, j] * coef[j]
            out[row, i] = acc


@njit(inline="always", cache=True, fastmath=True)
def _centred_energy(patches, row):
    """``||x - dc(x)||^2`` of one patch (row)."""
    d = patches.shape[1]
    dc = 0.0
    for i in range(d):
        dc += patches[row, i]
    dc /= d
    centred_sq = 0.0
    for i in range(d):
        t = patches[row, i] - dc
        centred_sq += t * t
    return centred_sq


@njit(nogil=True, cache=True, fastmath=True)
def flat_tail_labels(patches, projections, starts, offsets, mean_row, mean_sq, inv_tail,
                     log_consts, labels, scores):
    """The best components per patch under flat-tail spectra (Parameswaran et al. 2019).

    Component k keeps its leading eigen-directions (rows ``starts[k]:starts[k+1]``
    of ``projections``, ``(R + K, n)``: the directions, pre-scaled by
    ``sqrt(1/(t_k+s2) - 1/(s_j+s2))``, and the means, dotted with each patch) and
    treats the rest as one flat eigenvalue ``t_k``:
    ``maha_k = ||c - mu_k||^2 / (t_k + s2) - sum_j (proj_j - offsets_j)^2``,
    where ``||c - mu_k||^2 = ||c||^2 - 2 x.mu_k + ||mu_k||^2`` uses row
    ``mean_row + k``. ``labels[n]`` (``(n, M)``) gets the ``M`` components of
    largest ``log_consts[k] - maha_k / 2``, best first (ties: the lower k), and
    ``scores[n]`` those scores. Every loop runs over the patches, so it vectorises.
    Serial and GIL-free: callers run blocks of patches on a thread pool.
    """
    n = patches.shape[0]
    count = labels.shape[1]
    centred_sq = np.empty(n, dtype=projections.dtype)
    for row in range(n):
        centred_sq[row] = _centred_energy(patches, row)
    score = np.empty(n, dtype=projections.dtype)
    best = np.full((count, n), -np.inf, dtype=projections.dtype)
    best_k = np.zeros((count, n), dtype=np.int64)
    for k in range(log_consts.shape[0]):
        score[:] = 0.0
        for j in range(starts[k], starts[k + 1]):
            offset = offsets[j]
            for row in range(n):
                t = projections[j, row] - offset
                score[row] += t * t
        for row in range(n):
            dist = centred_sq[row] - 2.0 * projections[mean_row + k, row] + mean_sq[k]
            score[row] = log_consts[k] - 0.5 * (dist * inv_tail[k] - score[row])
        # insert into the descending lists: each place takes the one above it, or the new
        # score, or keeps its own (places from the last, so "above" is still the old one)
        for place in range(count - 1, 0, -1):
            for row in range(n):
                above, here = best[place - 1, row], best[place, row]
                shift, take = score[row] > above, score[row] > here
                best[place, row] = above if shift else (score[row] if take else here)
                best_k[place, row] = best_k[place - 1, row] if shift else (
                    k if take else best_k[place, row])
        for row in range(n):
            take = score[row] > best[0, row]
            best[0, row] = score[row] if take else best[0, row]
            best_k[0, row] = k if take else best_k[0, row]
    labels[:, :] = best_k.T
    scores[:, :] = best.T


@njit(nogil=True, cache=True)
def centred_energies(patches):
    """``||x - dc(x)||^2`` of each patch (row), ``(n, d) -> (n,)``."""
    out = np.empty(patches.shape[0], dtype=patches.dtype)
    for row in range(patches.shape[0]):
        out[row] = _centred_energy(patches, row)
    return out


@njit(nogil=True, cache=True)
def gather_rows(values, rows, out):
    """``out[:len(rows)] = values[rows]`` without the GIL."""
    for a in range(rows.shape[0]):
        out[a, :] = values[rows[a]]


@njit(nogil=True, cache=True, fastmath=True)
def flat_tail_transform_scores(projections, offsets, centred_sq, rows, slots, mean_sq,
                               inv_tail, log_const, scores):
    """One component's flat-tail scores on every transform of its patches.

    ``projections[a]`` holds, for each transform ``t``, the ``r`` scaled directions'
    dots with patch ``rows[a]`` moved by ``t`` and then its mean's
    (``(m, T (r + 1))``, ``r = len(offsets)``). Writes ``scores[rows[a], slots[a], t]``.
    """
    rank = offsets.shape[0]
    width = rank + 1
    turns = projections.shape[1] // width
    for a in range(projections.shape[0]):
        row = rows[a]
        for t in range(turns):
            base = t * width
            acc = 0.0
            for j in range(rank):
                v = projections[a, base + j] - offsets[j]
                acc += v * v
            dist = centred_sq[row] - 2.0 * projections[a, base + rank] + mean_sq
            scores[row, slots[a], t] = log_const - 0.5 * (dist * inv_tail - acc)


@njit(parallel=True, cache=True)
def permute_rows(values, permutations, which):
    """``out[i] = values[i, permutations[which[i]]]``: each row moved by its own
    permutation (a patch by a rotation or flip)."""
    n, d = values.shape
    out = np.empty((n, d), dtype=values.dtype)
    for row in prange(n):
        permutation = permutations[which[row]]
        for j in range(d):
            out[row, j] = values[row, permutation[j]]
    return out
