"""Canonical orientation of square patches under the eight rotations and flips.

Five quadratic features of a patch ``x`` come from its gradients at the
``(p-1)^2`` cell centres (``gx``, ``gy``: means of the two differences
across a 2x2 cell), with the centres' coordinates ``(cx, cy)`` from the
patch's middle:

    e  = sum gx^2 + gy^2                      (gradient energy; invariant)
    a  = sum gx^2 - gy^2,   b = sum 2 gx gy   (the structure tensor's
                                               orientation, doubled angle)
    ux = sum cx (gx^2 + gy^2), uy = sum cy (gx^2 + gy^2)
                                              (where the energy lies)

Each is ``x^T M x`` for a fixed ``d x d`` matrix ``M``, so a Gaussian's
expected feature is ``tr(M S) + mu^T M mu``. A transform ``g`` (a pixel
permutation ``P_g``) acts on ``f = (a, b, ux, uy)`` linearly,
``f(P_g x) = T_g f(x)``: ``(a, b)`` turns by twice the angle and is blind
to the half turn, ``(ux, uy)`` turns as a vector. The canonical transform of
a patch is the ``g`` with ``T_g f`` in the cone

    a >= 0,  b >= 0,  ux cos(22.5 deg) + uy sin(22.5 deg) >= 0,

(gradients between 0 and 45 degrees, energy on the positive side of the
middle); it maximises the margin ``min(a, b, v) / e`` over the eight, which
is positive for exactly one ``g`` unless a feature is zero. The runner-up
by margin is the transform across the nearest face of that cone.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from numba import njit, prange

from priors.symmetry import pixel_permutations

#: Direction ``(cos, sin)`` of 22.5 degrees: the middle of the canonical gradient angles.
_MIDDLE = (np.cos(np.pi / 8), np.sin(np.pi / 8))


@lru_cache(maxsize=None)
def gradient_operators(patch_size):
    """``(G, cx, cy)``: ``G`` stacks the cell gradients ``gx`` then ``gy`` as rows,
    ``(2 (p-1)^2, p^2)``; ``cx``, ``cy`` are the cell centres' coordinates."""
    p = patch_size
    cells = (p - 1) ** 2
    operator = np.zeros((2 * cells, p * p))
    cx = np.empty(cells)
    cy = np.empty(cells)
    for i in range(p - 1):
        for j in range(p - 1):
            c = i * (p - 1) + j
            tl, tr, bl, br = i * p + j, i * p + j + 1, (i + 1) * p + j, (i + 1) * p + j + 1
            operator[c, [tl, tr, bl, br]] = [-0.5, 0.5, -0.5, 0.5]
            operator[cells + c, [tl, tr, bl, br]] = [-0.5, -0.5, 0.5, 0.5]
            cx[c], cy[c] = j - (p - 2) / 2, i - (p - 2) / 2
    operator.setflags(write=False)
    return operator, cx, cy


def features(patches):
    """``(e, a, b, ux, uy)`` of each patch, ``(n, d) -> (n, 5)`` in the patches' dtype."""
    d = patches.shape[1]
    p = int(round(np.sqrt(d)))
    operator, cx, cy = gradient_operators(p)
    cells = (p - 1) ** 2
    grads = patches @ operator.T.astype(patches.dtype)
    gx, gy = grads[:, :cells], grads[:, cells:]
    gx2, gy2 = gx * gx, gy * gy
    energy = gx2 + gy2
    return np.stack([energy.sum(axis=1), (gx2 - gy2).sum(axis=1), 2 * (gx * gy).sum(axis=1),
                     energy @ cx.astype(patches.dtype), energy @ cy.astype(patches.dtype)],
                    axis=1)


def feature_forms(patch_size):
    """The matrices ``M`` of ``(e, a, b, ux, uy) = x^T M x``, ``(5, d, d)``."""
    operator, cx, cy = gradient_operators(patch_size)
    cells = (patch_size - 1) ** 2
    gx, gy = operator[:cells], operator[cells:]
    forms = [gx.T @ gx + gy.T @ gy, gx.T @ gx - gy.T @ gy, gx.T @ gy + gy.T @ gx,
             gx.T @ (cx[:, None] * gx) + gy.T @ (cx[:, None] * gy),
             gx.T @ (cy[:, None] * gx) + gy.T @ (cy[:, None] * gy)]
    return np.stack(forms)


def expected_features(means, covariances):
    """Expected ``(e, a, b, ux, uy)`` of Gaussians given in pixel space, ``(K, 5)``."""
    d = means.shape[1]
    forms = feature_forms(int(round(np.sqrt(d))))
    return (np.einsum("fij,kji->kf", forms, covariances)
            + np.einsum("ki,fij,kj->kf", means, forms, means))


@lru_cache(maxsize=None)
def feature_actions(patch_size):
    """``T_g`` with ``f(x[perm_g]) = T_g f(x)`` for ``f = (a, b, ux, uy)``, ``(8, 4, 4)``,
    solved exactly from random patches (the features span a representation)."""
    rng = np.random.default_rng(0)
    probe = rng.standard_normal((64, patch_size * patch_size))
    before = features(probe)[:, 1:]
    actions = []
    for perm in pixel_permutations(patch_size, "dihedral"):
        after = features(probe[:, perm])[:, 1:]
        action, *_ = np.linalg.lstsq(before, after, rcond=None)
        if not np.allclose(before @ action, after, atol=1e-9 * np.abs(after).max()):
            raise AssertionError("the orientation features are not closed under the group")
        actions.append(action.T)
    result = np.stack(actions)
    result.setflags(write=False)
    return result


def margins(feats, patch_size):
    """``min(a_g, b_g, v_g) / e`` for every transform ``g`` (``v``: the energy's offset
    along 22.5 degrees), ``(n, 5) -> (n, 8)``; the canonical transform has the largest."""
    actions = feature_actions(patch_size).astype(feats.dtype)
    moved = np.einsum("gij,nj->ngi", actions, feats[:, 1:])
    offset = moved[..., 2] * _MIDDLE[0] + moved[..., 3] * _MIDDLE[1]
    lowest = np.minimum(np.minimum(moved[..., 0], moved[..., 1]), offset)
    energy = np.maximum(feats[:, :1], np.finfo(feats.dtype).tiny)
    return lowest / energy


def ranked_transforms(patches, count=2):
    """The ``count`` transforms of each patch with the largest margins, best first, and
    those margins: ``(n, count)`` indices into :func:`pixel_permutations`, ``(n, count)``
    (the same as ranking :func:`margins`, fused in one pass over the patches)."""
    patches = np.ascontiguousarray(patches)
    p = int(round(np.sqrt(patches.shape[1])))
    _, cx, cy = gradient_operators(p)
    order = np.empty((patches.shape[0], count), dtype=np.int64)
    best = np.empty((patches.shape[0], count), dtype=patches.dtype)
    _rank_kernel(patches, p, cx.astype(patches.dtype), cy.astype(patches.dtype),
                 feature_actions(p).astype(patches.dtype), np.asarray(_MIDDLE, patches.dtype),
                 order, best)
    return order, best


@njit(parallel=True, cache=True, fastmath=True)
def _rank_kernel(patches, p, cx, cy, actions, middle, order, best):
    n = patches.shape[0]
    count = order.shape[1]
    groups = actions.shape[0]
    for row in prange(n):
        e = a = b = ux = uy = 0.0
        for i in range(p - 1):
            for j in range(p - 1):
                tl = patches[row, i * p + j]
                tr = patches[row, i * p + j + 1]
                bl = patches[row, (i + 1) * p + j]
                br = patches[row, (i + 1) * p + j + 1]
                gx = 0.5 * (tr - tl + br - bl)
                gy = 0.5 * (bl - tl + br - tr)
                energy = gx * gx + gy * gy
                c = i * (p - 1) + j
                e += energy
                a += gx * gx - gy * gy
                b += 2.0 * gx * gy
                ux += cx[c] * energy
                uy += cy[c] * energy
        e = max(e, 1e-30)
        scores = np.empty(groups, dtype=patches.dtype)
        for g in range(groups):
            moved = np.empty(4, dtype=patches.dtype)
            for r in range(4):
                moved[r] = (actions[g, r, 0] * a + actions[g, r, 1] * b
                            + actions[g, r, 2] * ux + actions[g, r, 3] * uy)
            offset = moved[2] * middle[0] + moved[3] * middle[1]
            scores[g] = min(moved[0], moved[1], offset) / e
        for rank in range(count):
            top = 0
            for g in range(1, groups):
                if scores[g] > scores[top]:
                    top = g
            order[row, rank] = top
            best[row, rank] = scores[top]
            scores[top] = -np.inf


def canonical_transforms(means, covariances):
    """The canonical transform of each Gaussian (pixel space), by its expected features."""
    p = int(round(np.sqrt(means.shape[1])))
    return np.argmax(margins(expected_features(means, covariances), p), axis=1)
