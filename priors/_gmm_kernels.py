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


@njit(inline="always", cache=True, fastmath=True)
def _keep_best(labels, scores, row, k, score):
    """Insert ``(k, score)`` into the row's descending top list if it belongs there."""
    count = labels.shape[1]
    if score <= scores[row, count - 1]:
        return
    place = count - 1
    while place > 0 and score > scores[row, place - 1]:
        labels[row, place] = labels[row, place - 1]
        scores[row, place] = scores[row, place - 1]
        place -= 1
    labels[row, place] = k
    scores[row, place] = score


@njit(nogil=True, cache=True, fastmath=True)
def flat_tail_labels(patches, projections, starts, offsets, mean_dots_col, mean_sq, inv_tail,
                     log_consts, labels, scores):
    """The best components per patch under flat-tail spectra (Parameswaran et al. 2019).

    Component k keeps its leading eigen-directions (columns ``starts[k]:starts[k+1]``
    of ``projections``, pre-scaled by ``sqrt(1/(t_k+s2) - 1/(s_j+s2))``) and
    treats the rest as one flat eigenvalue ``t_k``:
    ``maha_k = ||c - mu_k||^2 / (t_k + s2) - sum_j (proj_j - offsets_j)^2``,
    where ``||c - mu_k||^2 = ||c||^2 - 2 x.mu_k + ||mu_k||^2`` uses column
    ``mean_dots_col + k``. ``labels[n]`` (``(n, M)``) gets the ``M`` components of
    largest ``log_consts[k] - maha_k / 2``, best first (ties: the lower k), and
    ``scores[n]`` those scores.
    Serial and GIL-free: callers run blocks of rows on a thread pool.
    """
    n = patches.shape[0]
    n_groups = log_consts.shape[0]
    for row in range(n):
        centred_sq = _centred_energy(patches, row)
        labels[row, :] = 0
        scores[row, :] = -np.inf
        for k in range(n_groups):
            acc = 0.0
            for j in range(starts[k], starts[k + 1]):
                t = projections[row, j] - offsets[j]
                acc += t * t
            dist = centred_sq - 2.0 * projections[row, mean_dots_col + k] + mean_sq[k]
            _keep_best(labels, scores, row, k, log_consts[k] - 0.5 * (dist * inv_tail[k] - acc))


@njit(nogil=True, cache=True, fastmath=True)
def flat_tail_transforms(patches, shortlist, permutations, directions, starts, offsets,
                         mean_row, mean_sq, inv_tail, log_consts, best_k, best_t, best_score):
    """Score each patch's shortlisted components on every transform of the patch.

    ``shortlist[n]`` holds components (indices as in :func:`flat_tail_labels`);
    the patch moved by transform ``t`` is ``x[permutations[t]]``. ``directions``
    are the rows of the scaled directions then the means (``(R + K, d)``, the
    transposed projector). Writes the best ``(k, t)`` and its score per patch;
    ties keep the first (shortlist order, then ``t``).
    """
    n, d = patches.shape
    turns = permutations.shape[0]
    moved = np.empty((turns, d), dtype=patches.dtype)
    acc = np.empty(turns)
    zero = np.zeros(1, dtype=patches.dtype)[0]  # dots in the patches' dtype: they vectorise
    for row in range(n):
        centred_sq = _centred_energy(patches, row)
        for t in range(turns):
            for i in range(d):
                moved[t, i] = patches[row, permutations[t, i]]
        best = -np.inf
        for slot in range(shortlist.shape[1]):
            k = shortlist[row, slot]
            acc[:] = 0.0
            for j in range(starts[k], starts[k + 1]):
                for t in range(turns):
                    dot = zero
                    for i in range(d):
                        dot += directions[j, i] * moved[t, i]
                    acc[t] += (dot - offsets[j]) ** 2
            for t in range(turns):
                mean_dot = zero
                for i in range(d):
                    mean_dot += directions[mean_row + k, i] * moved[t, i]
                dist = centred_sq - 2.0 * mean_dot + mean_sq[k]
                score = log_consts[k] - 0.5 * (dist * inv_tail[k] - acc[t])
                if score > best:
                    best = score
                    best_k[row] = k
                    best_t[row] = t
        best_score[row] = best


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
