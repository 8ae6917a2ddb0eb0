"""Fast approximate z-step for the GMM prior: flat-tail spectra.

Fast EPLL (Parameswaran et al. 2019) replaces, per component and per noise
variance ``s2``, the eigenvalues ``s_j <= tail_ratio * s2`` by their mean
``t_k``. Those directions get Wiener gains below ``tail_ratio/(1+tail_ratio)``
and nearly equal weights ``1/(s_j+s2)``, so the component scores barely
change while the projections needed drop from ``K*(d-1)`` to
``sum_k r_k + K``. The chosen component's Wiener filter stays exact,

    z = dc(x) + mu_k + V_k diag(s_k / (s_k + s2)) (V_k^T x - V_k^T mu_k),

applied to all the patches of one component at once (two BLAS products per
component; ``V_k`` is orthogonal to the DC, so ``V_k^T x`` ignores it).

Work is split in blocks of ``chunk_size`` patches, small enough that each
block's projections stay in cache, on a thread pool with single-threaded
BLAS inside (one level of parallelism, no oversubscription).
"""
from __future__ import annotations

from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from priors._gmm_kernels import (centred_energies, flat_tail_labels,
                                 flat_tail_transform_scores, gather_rows)

#: Noise variances whose operators stay cached (a few hundred KiB each).
CACHED_NOISE_LEVELS = 128


class FlatTailOperators(NamedTuple):
    """What the z-step needs at one noise variance.

    The scoring arrays index components in ``order`` (sorted by the number
    of directions kept, so the scoring kernel's inner loops have few
    distinct trip counts); ``gains`` index them as the prior does.
    """

    projector: np.ndarray   # (d, sum_k r_k + K): scaled leading directions, then the means
    starts: np.ndarray      # (K+1,) column ranges of the components in ``projector``
    offsets: np.ndarray     # (sum_k r_k,) the means' coordinates on those columns
    mean_column: int        # first column of the means
    mean_sq: np.ndarray     # (K,) ||mu_k||^2
    inv_tail: np.ndarray    # (K,) 1 / (t_k + s2)
    log_consts: np.ndarray  # (K,) log w_k - log det(S_k + s2 I) / 2, flat-tail
    order: np.ndarray       # (K,) prior index of the k-th scored component
    gains: np.ndarray       # (K, d-1) s_kj / (s_kj + s2)

    def scoring(self):
        return (self.starts, self.offsets, self.mean_column, self.mean_sq, self.inv_tail,
                self.log_consts)


class FlatTailDenoiser:
    """``denoise(patches, noise_var)`` of a fitted GaussianMixturePrior, approximated."""

    def __init__(self, prior, *, tail_ratio=1.0, chunk_size=256, transform_block=1024):
        prior._require_fitted()
        self.prior = prior
        self.patch_size = prior.patch_size
        self.tail_ratio = float(tail_ratio)
        self.chunk_size = int(chunk_size)
        self.transform_block = int(transform_block)
        self._cache = OrderedDict()
        self._arrays = {}
        self._pool, self._pool_size = None, 0

    def operators(self, noise_var, dtype):
        """:class:`FlatTailOperators` at one noise variance (least recently used cache)."""
        key = (float(noise_var), np.dtype(dtype).str)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        values, _, mean_proj = self.prior._eigen()  # ascending eigenvalues
        keeps = values > self.tail_ratio * noise_var
        keeps[:, -1] = True  # at least the leading direction
        keeps[:, 0] = False  # and a non-empty tail
        gains = values / (values + noise_var)  # the prior's component order
        order = np.argsort(keeps.sum(axis=1), kind="stable")
        values, keeps = values[order], keeps[order]
        means = self.prior.means_[order]
        tail_size = (~keeps).sum(axis=1)
        tail = np.where(keeps, 0.0, values).sum(axis=1) / tail_size  # t_k
        scale = np.sqrt(np.maximum(1.0 / (tail[:, None] + noise_var) - 1.0 / (values + noise_var), 0.0))
        # the kept directions (k, j), in component order then ascending j, gathered as rows
        component, direction = np.nonzero(keeps)
        rows = self._direction_rows(dtype)[order[component], direction]
        rows *= scale[component, direction, None].astype(dtype)
        starts = np.concatenate([[0], np.cumsum(keeps.sum(axis=1))])
        log_consts = np.log(self.prior.weights_[order]) - 0.5 * (
            np.where(keeps, np.log(values + noise_var), 0.0).sum(axis=1)
            + tail_size * np.log(tail + noise_var))
        ops = FlatTailOperators(
            # the transpose of C-ordered (R + K, d) rows: ``projector.T`` is those rows
            projector=np.concatenate([rows, means.astype(dtype)]).T,
            starts=starts.astype(np.int64),
            offsets=(mean_proj[order[component], direction] * scale[component, direction]).astype(dtype),
            mean_column=int(starts[-1]), mean_sq=np.einsum("kd,kd->k", means, means).astype(dtype),
            inv_tail=(1.0 / (tail + noise_var)).astype(dtype), log_consts=log_consts.astype(dtype),
            order=order, gains=gains.astype(dtype))
        self._cache[key] = ops
        if len(self._cache) > CACHED_NOISE_LEVELS:
            self._cache.popitem(last=False)
        return ops

    def mean_rank(self, noise_var):
        """Average number of eigen-directions kept per component."""
        starts = self.operators(noise_var, np.float32).starts
        return float(starts[-1]) / (len(starts) - 1)

    def labels(self, patches, noise_var):
        """Index of the chosen component per patch, ``(n, d) -> (n,)``."""
        return self.score(patches, noise_var)[0][:, 0]

    def score(self, patches, noise_var, count=1):
        """The ``count`` best components per patch and their flat-tail scores (log weight
        plus log density of the noisy patch, up to a constant shared by all components),
        best first: ``(n, d) -> ((n, count) prior indices, (n, count) scores)``."""
        patches = np.ascontiguousarray(patches)
        ops = self.operators(noise_var, patches.dtype)
        with threadpool_limits(1, user_api="blas"):
            labels, scores = self._sorted_labels(patches, ops, count)
        return ops.order[labels], scores

    def score_transforms(self, patches, shortlist, permutations, noise_var):
        """Score every component of ``shortlist`` (``(n, M)`` prior indices) on every
        moved patch ``x[permutations[t]]``; the best per patch as ``(component, t,
        score)``, each ``(n,)`` (ties: the first in shortlist order, then ``t``).

        ``v . x[perm_t] = v[perm_t^-1] . x``, so each component's directions and mean are
        moved instead, and the patches shortlisting it are scored on all ``T`` transforms
        by one product ``X (d, T (r + 1))``, in blocks of ``transform_block`` patches."""
        patches = np.ascontiguousarray(patches)
        ops = self.operators(noise_var, patches.dtype)
        n, count = shortlist.shape
        turns = len(permutations)
        inverses = np.argsort(permutations, axis=1)
        entries = np.argsort(ops.order)[shortlist].ravel()  # (patch, slot) -> scored index
        by_component = np.argsort(entries, kind="stable")
        bounds = np.searchsorted(entries[by_component], np.arange(len(ops.order) + 1))
        centred_sq = centred_energies(patches)
        scores = np.empty((n, count, turns), dtype=patches.dtype)
        rows_all = ops.projector.T  # (R + K, d)
        block = self.transform_block

        def score(job):
            k, start, stop = job
            moved = np.concatenate([rows_all[ops.starts[k]:ops.starts[k + 1]],
                                    rows_all[ops.mean_column + k][None]])[:, inverses]
            moved = np.ascontiguousarray(moved.transpose(2, 1, 0).reshape(patches.shape[1], -1))
            offsets = ops.offsets[ops.starts[k]:ops.starts[k + 1]]
            gathered = np.empty((min(block, stop - start), patches.shape[1]), patches.dtype)
            for first in range(start, stop, block):
                members = by_component[first:min(stop, first + block)]
                rows, slots = members // count, members % count
                gathered_rows = gathered[:len(members)]
                gather_rows(patches, rows, gathered_rows)
                flat_tail_transform_scores(gathered_rows @ moved, offsets, centred_sq, rows,
                                           slots, ops.mean_sq[k], ops.inv_tail[k],
                                           ops.log_consts[k], scores)

        jobs = [(k, start, min(bounds[k + 1], start + 4 * block))
                for k in np.flatnonzero(np.diff(bounds))
                for start in range(bounds[k], bounds[k + 1], 4 * block)]
        with threadpool_limits(1, user_api="blas"):
            self._map(score, jobs)
        flat = scores.reshape(n, count * turns)
        best = flat.argmax(axis=1)
        chosen = shortlist[np.arange(n), best // turns]
        return chosen, best % turns, flat[np.arange(n), best]

    def denoise(self, patches, noise_var):
        """Approximate-MAP patches, ``(n, d) -> (n, d)``; float32 in, float32 out."""
        patches = np.ascontiguousarray(patches)
        return self.wiener(patches, self.labels(patches, noise_var), noise_var)

    def wiener(self, patches, labels, noise_var):
        """Each patch through the exact Wiener filter of its component ``labels[n]``
        (prior indices), its DC kept: ``(n, d) -> (n, d)``."""
        ops = self.operators(noise_var, patches.dtype)
        bases, mean_proj, means = self._component_arrays(patches.dtype)
        out = np.empty_like(patches)
        with threadpool_limits(1, user_api="blas"):
            by_label = np.argsort(labels, kind="stable")
            bounds = np.searchsorted(labels[by_label], np.arange(len(means) + 1))

            def filter_components(components):
                for k in components:
                    rows = by_label[bounds[k]:bounds[k + 1]]
                    coefficients = (patches[rows] @ bases[k] - mean_proj[k]) * ops.gains[k]
                    out[rows] = coefficients @ bases[k].T + means[k]

            used = np.flatnonzero(np.diff(bounds))
            workers = self._workers()
            self._map(filter_components, [used[i::workers] for i in range(workers)])
        out += patches.mean(axis=1, keepdims=True)
        return out

    def _direction_rows(self, dtype):
        """Eigen-directions as rows, ``(K, d-1, d)``, in ``dtype`` (gathered per noise level)."""
        key = ("rows", np.dtype(dtype).str)
        if key not in self._arrays:
            _, bases, _ = self.prior._eigen()
            self._arrays[key] = np.ascontiguousarray(bases.transpose(0, 2, 1), dtype=dtype)
        return self._arrays[key]

    def _component_arrays(self, dtype):
        """``(V_k (K, d, d-1), V_k^T mu_k (K, d-1), mu_k (K, d))`` in ``dtype``."""
        key = np.dtype(dtype).str
        if key not in self._arrays:
            _, bases, mean_proj = self.prior._eigen()
            self._arrays[key] = tuple(np.ascontiguousarray(a, dtype=dtype)
                                      for a in (bases, mean_proj, self.prior.means_))
        return self._arrays[key]

    def _sorted_labels(self, patches, ops, count=1):
        """The ``count`` best components (indexed in ``ops.order``) and their scores, in blocks of ``chunk_size``
        patches, small enough that the projections (``(R + K, chunk_size)``, patches last so
        the scoring kernel vectorises over them) stay in cache."""
        labels = np.empty((patches.shape[0], count), dtype=np.int64)
        scores = np.empty((patches.shape[0], count), dtype=patches.dtype)
        scoring = ops.scoring()

        def score(start):
            block = patches[start:start + self.chunk_size]
            stop = start + block.shape[0]
            flat_tail_labels(block, ops.projector.T @ block.T, *scoring, labels[start:stop],
                             scores[start:stop])

        self._map(score, range(0, patches.shape[0], self.chunk_size))
        return labels, scores

    @staticmethod
    def _workers():
        return numba.get_num_threads()

    def _map(self, function, items):
        """Run ``function`` on every item on a pool of numba's thread count, kept while that
        count stays (``numba.set_num_threads`` resizes it)."""
        workers = self._workers()
        if self._pool is None or self._pool_size != workers:
            if self._pool is not None:
                self._pool.shutdown(wait=False)
            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="flat-tail")
            self._pool_size = workers
        for _ in self._pool.map(function, items):
            pass
