"""Mini dead leaves patches (after Zoran & Weiss 2012, "Natural images, Gaussian mixtures
and dead leaves").

The model
---------
A patch of side ``P`` (``d = P**2`` pixels) is, with probability ``1 - edge_fraction``,
*flat*:

    x = a 1 + t,

a constant intensity ``a ~ U(low, high)`` plus a texture ``t``, the zero-mean patch
``t = Q c`` drawn from a Gaussian scale mixture (GSM) over the ``m = d - 1`` zero-mean
coordinates ``c`` (``Q``: :func:`priors.gmm.zero_mean_basis`),

    p(c) = sum_j pi_j N(c; 0, s_j C).

Otherwise (probability ``edge_fraction``) it is an *edge* patch: a random straight line
splits the pixel grid into two non-empty sides ``A`` and ``B`` and each side is an
independently drawn flat patch seen through its side,

    x = 1_A (a 1 + t) + 1_B (b 1 + u),   a, b, t, u independent.

The line passes through a point ``p`` uniform on ``[0, P-1]^2`` (pixel centres at the
integers) with a normal ``n = (cos theta, sin theta)``, ``theta ~ U(0, 2 pi)``; pixel ``q``
is in ``A`` when ``n . (q - p) >= 0``. A line leaving one side empty is drawn again. This
is the paper's occlusion model in miniature: contrast comes from the GSM's scales,
occlusion from the edge. The paper does not fix ``edge_fraction`` or the intensity law;
ours are parameters (0.5 and ``U(0, 1)`` by default). No clipping to [0, 1].

The GSM of the textures is fitted to natural patches by EM (:func:`fit_gsm`): with
responsibilities ``r_nj`` proportional to ``pi_j N(c_n; 0, s_j C)``,

    pi_j = mean_n r_nj,   s_j = sum_n r_nj c_n^T C^-1 c_n / (m sum_n r_nj),
    C = (1/N) sum_n sum_j r_nj c_n c_n^T / s_j,

then ``C`` is scaled to unit mean eigenvalue (``s_j`` absorbs the scale).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp


@dataclass(frozen=True)
class GaussianScaleMixture:
    """``p(c) = sum_j weights[j] N(c; 0, scales[j] covariance)`` on the zero-mean
    coordinates of ``patch_size``-square patches (``covariance`` is ``(m, m)``)."""

    weights: np.ndarray
    scales: np.ndarray
    covariance: np.ndarray
    patch_size: int

    def sample(self, n, rng=None):
        """``n`` zero-mean patches ``Q c``, float64 ``(n, d)``."""
        from priors.gmm import zero_mean_basis

        rng = np.random.default_rng(rng)
        lower = np.linalg.cholesky(self.covariance)
        scale = np.sqrt(self.scales[rng.choice(len(self.weights), size=int(n), p=self.weights)])
        coords = scale[:, None] * (rng.standard_normal((int(n), lower.shape[0])) @ lower.T)
        return coords @ zero_mean_basis(self.patch_size ** 2).T


def fit_gsm(patches, patch_size=8, *, n_scales=8, n_iter=30):
    """A :class:`GaussianScaleMixture` fitted by EM to patches (rows of length ``d``;
    their DC is ignored). Starts from the sample covariance and scales geometric from
    1/16 to 16 with equal weights; ``n_iter`` EM iterations (see the module docstring)."""
    from priors.gmm import zero_mean_basis

    patches = np.asarray(patches, dtype=np.float64)
    d = patch_size ** 2
    if patches.ndim != 2 or patches.shape[1] != d:
        raise ValueError(f"patches must have shape (n, {d}), got {patches.shape}")
    coords = patches @ zero_mean_basis(d)
    n, m = coords.shape
    covariance = coords.T @ coords / n + 1e-8 * np.eye(m)
    scales = np.geomspace(1 / 16, 16, n_scales)
    weights = np.full(n_scales, 1.0 / n_scales)
    for _ in range(n_iter):
        lower = np.linalg.cholesky(covariance)
        maha = np.sum(np.linalg.solve(lower, coords.T) ** 2, axis=0)  # c^T C^-1 c
        log_det = 2 * np.log(np.diag(lower)).sum()
        log_joint = (np.log(weights) - 0.5 * m * np.log(scales) - 0.5 * log_det
                     - 0.5 * maha[:, None] / scales)
        resp = np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))
        counts = resp.sum(axis=0) + 1e-12
        weights = counts / n
        scales = np.maximum(resp.T @ maha / (m * counts), 1e-12)
        per_patch = resp @ (1.0 / scales)  # sum_j r_nj / s_j, with the new s_j (ECM)
        covariance = (coords * per_patch[:, None]).T @ coords / n + 1e-8 * np.eye(m)
        norm = np.trace(covariance) / m
        covariance, scales = covariance / norm, scales * norm
    return GaussianScaleMixture(weights, scales, covariance, patch_size)


def edge_masks(n, patch_size, rng=None):
    """``(n, d)`` boolean masks of side ``A`` of a random straight line through the patch,
    each with both sides non-empty (see the module docstring)."""
    rng = np.random.default_rng(rng)
    rows, cols = np.divmod(np.arange(patch_size ** 2), patch_size)
    masks = np.empty((int(n), patch_size ** 2), dtype=bool)
    todo = np.arange(int(n))
    while todo.size:
        point = rng.uniform(0, patch_size - 1, size=(todo.size, 2))
        theta = rng.uniform(0, 2 * np.pi, size=todo.size)
        side = (np.cos(theta)[:, None] * (cols[None] - point[:, :1])
                + np.sin(theta)[:, None] * (rows[None] - point[:, 1:])) >= 0
        masks[todo] = side
        split = side.any(axis=1) & ~side.all(axis=1)
        todo = todo[~split]
    return masks


def dead_leaves_patches(n, gsm, *, edge_fraction=0.5, intensity=(0.0, 1.0), rng=None,
                        return_masks=False):
    """``n`` mini dead leaves patches, float64 ``(n, d)``.

    Parameters
    ----------
    n : int
        Number of patches.
    gsm : GaussianScaleMixture
        The texture model (:func:`fit_gsm` on natural patches); it fixes the patch size.
    edge_fraction : float
        Probability that a patch is an edge patch, in [0, 1].
    intensity : (float, float)
        Each flat part's constant intensity is uniform on this interval.
    rng : int or Generator, optional
        Seed; the same seed gives the same patches.
    return_masks : bool
        Also return ``masks`` (``(n, d)`` bool, side ``A``; all True for a flat patch).

    Returns
    -------
    patches, or (patches, masks)
    """
    if not 0 <= edge_fraction <= 1:
        raise ValueError(f"edge_fraction must be in [0, 1], got {edge_fraction}")
    rng = np.random.default_rng(rng)
    n = int(n)
    low, high = intensity
    is_edge = rng.random(n) < edge_fraction
    masks = np.ones((n, gsm.patch_size ** 2), dtype=bool)
    masks[is_edge] = edge_masks(int(is_edge.sum()), gsm.patch_size, rng)
    first = rng.uniform(low, high, size=(n, 1)) + gsm.sample(n, rng)
    second = rng.uniform(low, high, size=(n, 1)) + gsm.sample(n, rng)
    patches = np.where(masks, first, second)
    return (patches, masks) if return_masks else patches
