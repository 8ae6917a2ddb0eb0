"""Fast approximate z-step for the GMM prior: flat-tail spectra.

Fast EPLL (Parameswaran et al. 2019) replaces, per component and per noise
variance ``s2``, the eigenvalues ``s_j <= tail_ratio * s2`` by their mean
``t_k``. Those directions get Wiener gains below ``tail_ratio/(1+tail_ratio)``
and nearly equal weights ``1/(s_j+s2)``, so the component scores barely
change while the projections needed drop from ``K*(d-1)`` to
``sum_k r_k + K``. The chosen component's Wiener filter stays exact.
"""
from __future__ import annotations

import numpy as np

from priors._gmm_kernels import flat_tail_wiener


class FlatTailDenoiser:
    """``denoise(patches, noise_var)`` of a fitted GaussianMixturePrior, approximated."""

    def __init__(self, prior, *, tail_ratio=1.0, chunk_size=4096):
        prior._require_fitted()
        self.prior = prior
        self.patch_size = prior.patch_size
        self.tail_ratio = float(tail_ratio)
        self.chunk_size = int(chunk_size)
        self._cache = {}

    def operators(self, noise_var, dtype):
        """Projection matrix and per-component constants at one noise variance, cached."""
        key = (float(noise_var), np.dtype(dtype).str)
        if key in self._cache:
            return self._cache[key]
        values, bases, mean_proj = self.prior._eigen()  # ascending eigenvalues
        K, d, m = bases.shape
        means = self.prior.means_
        columns, offsets, starts, inv_tail, log_consts = [], [], [0], [], []
        for k in range(K):
            keep = values[k] > self.tail_ratio * noise_var
            keep[-1] = True  # at least the leading direction
            keep[0] = False  # and a non-empty tail
            tail = values[k][~keep]
            t = tail.mean()
            weight = np.sqrt(np.maximum(1.0 / (t + noise_var) - 1.0 / (values[k][keep] + noise_var), 0.0))
            columns.append(bases[k][:, keep] * weight)
            offsets.append(mean_proj[k][keep] * weight)
            starts.append(starts[-1] + int(keep.sum()))
            inv_tail.append(1.0 / (t + noise_var))
            log_consts.append(np.log(self.prior.weights_[k])
                              - 0.5 * (np.log(values[k][keep] + noise_var).sum()
                                       + tail.size * np.log(t + noise_var)))
        projector = np.concatenate(columns + [means.T], axis=1)
        gains = values / (values + noise_var)
        ops = (np.ascontiguousarray(projector, dtype=dtype), np.asarray(starts, np.int64),
               np.concatenate(offsets).astype(dtype), starts[-1],
               np.einsum("kd,kd->k", means, means).astype(dtype), np.asarray(inv_tail, dtype),
               np.asarray(log_consts, dtype), np.ascontiguousarray(bases, dtype),
               np.ascontiguousarray(mean_proj, dtype), np.ascontiguousarray(gains, dtype),
               np.ascontiguousarray(means, dtype))
        self._cache[key] = ops
        return ops

    def mean_rank(self, noise_var):
        """Average number of eigen-directions kept per component."""
        starts = self.operators(noise_var, np.float32)[1]
        return float(starts[-1]) / (len(starts) - 1)

    def denoise(self, patches, noise_var):
        """Approximate-MAP patches, ``(n, d) -> (n, d)``; float32 in, float32 out."""
        patches = np.ascontiguousarray(patches)
        (projector, starts, offsets, mean_col, mean_sq, inv_tail, log_consts, bases, mean_proj,
         gains, means) = self.operators(noise_var, patches.dtype)
        out = np.empty_like(patches)
        for start in range(0, patches.shape[0], self.chunk_size):
            block = patches[start:start + self.chunk_size]
            flat_tail_wiener(block, block @ projector, starts, offsets, mean_col, mean_sq,
                             inv_tail, log_consts, bases, mean_proj, gains, means,
                             out[start:start + block.shape[0]])
        return out
