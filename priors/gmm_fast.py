"""Fast approximate z-step for the GMM prior: flat-tail spectra.

Fast EPLL (Parameswaran et al. 2019) replaces, per component and per noise
variance ``s2``, the eigenvalues ``s_j <= tail_ratio * s2`` by their mean
``t_k``. Those directions get Wiener gains below ``tail_ratio/(1+tail_ratio)``
and nearly equal weights ``1/(s_j+s2)``, so the component scores barely
change while the projections needed drop from ``K*(d-1)`` to
``sum_k r_k + K``. The chosen component's Wiener filter stays exact: with
``W_k = V_k diag(s_k / (s_k + s2)) V_k^T`` (``d x d``, it annihilates the DC)
the estimate is ``x W_k + (mu_k - mu_k W_k) + dc(x)``, applied to all the
patches of one component at once (one BLAS product per component).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from priors._gmm_kernels import flat_tail_labels


class FlatTailDenoiser:
    """``denoise(patches, noise_var)`` of a fitted GaussianMixturePrior, approximated."""

    def __init__(self, prior, *, tail_ratio=1.0, chunk_size=256):
        prior._require_fitted()
        self.prior = prior
        self.patch_size = prior.patch_size
        self.tail_ratio = float(tail_ratio)
        self.chunk_size = int(chunk_size)
        self._cache = {}

    def operators(self, noise_var, dtype):
        """Projection matrix and per-component constants at one noise variance, cached.

        Components are ordered by the number of directions they keep, so the
        scoring kernel's inner loops run with few distinct trip counts (its
        branches stay predictable); ``order`` maps back to the prior's indices.
        """
        key = (float(noise_var), np.dtype(dtype).str)
        if key in self._cache:
            return self._cache[key]
        values, bases, mean_proj = self.prior._eigen()  # ascending eigenvalues
        keeps = values > self.tail_ratio * noise_var
        keeps[:, -1] = True  # at least the leading direction
        keeps[:, 0] = False  # and a non-empty tail
        order = np.argsort(keeps.sum(axis=1), kind="stable")
        values, bases, mean_proj, keeps = values[order], bases[order], mean_proj[order], keeps[order]
        means, weights = self.prior.means_[order], self.prior.weights_[order]
        columns, offsets, starts, inv_tail, log_consts = [], [], [0], [], []
        for k, keep in enumerate(keeps):
            tail = values[k][~keep]
            t = tail.mean()
            scale = np.sqrt(np.maximum(1.0 / (t + noise_var) - 1.0 / (values[k][keep] + noise_var), 0.0))
            columns.append(bases[k][:, keep] * scale)
            offsets.append(mean_proj[k][keep] * scale)
            starts.append(starts[-1] + int(keep.sum()))
            inv_tail.append(1.0 / (t + noise_var))
            log_consts.append(np.log(weights[k])
                              - 0.5 * (np.log(values[k][keep] + noise_var).sum()
                                       + tail.size * np.log(t + noise_var)))
        projector = np.concatenate(columns + [means.T], axis=1)
        gains = values / (values + noise_var)
        filters = np.einsum("kdj,kj,kej->kde", bases, gains, bases)
        filter_offsets = means - np.einsum("kd,kde->ke", means, filters)
        ops = (np.ascontiguousarray(projector, dtype=dtype), np.asarray(starts, np.int64),
               np.concatenate(offsets).astype(dtype), starts[-1],
               np.einsum("kd,kd->k", means, means).astype(dtype), np.asarray(inv_tail, dtype),
               np.asarray(log_consts, dtype), np.ascontiguousarray(filters, dtype),
               np.ascontiguousarray(filter_offsets, dtype), order)
        self._cache[key] = ops
        return ops

    def mean_rank(self, noise_var):
        """Average number of eigen-directions kept per component."""
        starts = self.operators(noise_var, np.float32)[1]
        return float(starts[-1]) / (len(starts) - 1)

    def labels(self, patches, noise_var):
        """Index of the chosen component per patch, ``(n, d) -> (n,)``."""
        patches = np.ascontiguousarray(patches)
        with threadpool_limits(1, user_api="blas"):
            sorted_labels = self._sorted_labels(patches, noise_var)
        return self.operators(noise_var, patches.dtype)[-1][sorted_labels]

    def denoise(self, patches, noise_var):
        """Approximate-MAP patches, ``(n, d) -> (n, d)``; float32 in, float32 out."""
        patches = np.ascontiguousarray(patches)
        filters, filter_offsets = self.operators(noise_var, patches.dtype)[7:9]
        out = np.empty_like(patches)
        with threadpool_limits(1, user_api="blas"):
            labels = self._sorted_labels(patches, noise_var)
            order = np.argsort(labels, kind="stable")
            bounds = np.searchsorted(labels[order], np.arange(len(filters) + 1))

            def filter_components(components):
                for k in components:
                    rows = order[bounds[k]:bounds[k + 1]]
                    out[rows] = patches[rows] @ filters[k] + filter_offsets[k]

            used = np.flatnonzero(np.diff(bounds))
            self._map(filter_components, [used[i::self._workers()] for i in range(self._workers())])
        out += patches.mean(axis=1, keepdims=True)
        return out

    def _sorted_labels(self, patches, noise_var):
        """Chosen components (indexed in :meth:`operators`' order), scored in blocks of
        ``chunk_size`` rows, small enough that the projections stay in cache."""
        projector, *scoring = self.operators(noise_var, patches.dtype)[:7]
        labels = np.empty(patches.shape[0], dtype=np.int64)

        def score(start):
            block = patches[start:start + self.chunk_size]
            flat_tail_labels(block, block @ projector, *scoring,
                             labels[start:start + block.shape[0]])

        self._map(score, range(0, patches.shape[0], self.chunk_size))
        return labels

    @staticmethod
    def _workers():
        return numba.get_num_threads()

    def _map(self, function, items):
        """Run ``function`` on every item on a pool of numba's thread count (the BLAS
        calls in it single-threaded: one pool, no oversubscription)."""
        with ThreadPoolExecutor(self._workers()) as pool:
            for _ in pool.map(function, items):
                pass
