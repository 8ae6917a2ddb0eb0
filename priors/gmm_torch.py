"""The Gaussian mixture z-step in torch, on any torch device (a CUDA GPU for speed; the
CPU to test it against the numpy path).

Two denoisers of a fitted :class:`~priors.gmm.GaussianMixturePrior`, both mapping a
``(n, d)`` tensor of patches on the device to its ``(n, d)`` estimate:

- :class:`TorchMixture` is :meth:`GaussianMixturePrior.denoise` (exact): every component
  scored with ``log w_k + log N(c; mu_k, S_k + s2 I)`` through its eigenbasis, the best
  one's Wiener filter applied;
- :meth:`TorchMixture.fast_denoiser` is :class:`~priors.gmm_fast.FlatTailDenoiser`
  (flat-tail scores, the same operators, moved to the device), then the same exact Wiener
  filter. A tied mixture is searched exhaustively, every one of its ``8 K`` components
  (``search="exhaustive"`` of :mod:`priors.gmm_search`, the reference the tests compare
  with): on a GPU that is a few large matrix products (about ``8 K (r + 1)`` columns,
  ``r`` the mean kept rank, 2 to 7 at sigma 25). The orientation search (per-patch
  shortlists and permutations) is not ported; it may pay on a GPU too (not measured).

The chosen component's filter is one ``d x d`` matrix per component and noise level,
``z = dc(x) + W_k x + b_k`` with ``W_k = V_k diag(s_k / (s_k + s2)) V_k^T`` and
``b_k = mu_k - W_k mu_k`` (``V_k`` is orthogonal to the DC, so ``W_k x`` ignores it):
the numpy path's filter in another order of operations. Work goes in chunks of patches
whose largest intermediate holds :data:`CHUNK_ELEMENTS` numbers.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch

#: Numbers in the largest intermediate of one chunk (2^25 float32: 128 MiB).
CHUNK_ELEMENTS = 1 << 25
#: Noise variances whose device operators stay cached.
CACHED_NOISE_LEVELS = 8


def torch_mixture(prior, device, dtype=torch.float32):
    """The :class:`TorchMixture` of ``prior`` on ``device`` (one per prior, device and
    dtype, cached with the prior's other derived arrays, so its operators serve every
    call until the prior is refitted)."""
    device = torch.device(device)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    key = ("torch", str(device), dtype)
    if key not in prior._cache:
        prior._cache[key] = TorchMixture(prior, device, dtype)
    return prior._cache[key]


def _numpy_dtype(dtype):
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"the torch z-step runs in torch.float32 or torch.float64, got {dtype}")
    return np.float32 if dtype == torch.float32 else np.float64


class _Cache(OrderedDict):
    """A least recently used cache of per-noise-level operators."""

    def get_or_make(self, key, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        if len(self) > CACHED_NOISE_LEVELS:
            self.popitem(last=False)
        return value


class TorchMixture:
    """The exact z-step of a fitted GaussianMixturePrior on a torch ``device``."""

    def __init__(self, prior, device, dtype=torch.float32):
        prior._require_fitted()
        self.prior = prior
        self.patch_size = prior.patch_size
        self.device = torch.device(device)
        self.dtype = dtype
        self.numpy_dtype = _numpy_dtype(dtype)
        values, bases, mean_proj = prior._eigen()
        self._values = values  # (K, m) float64 eigenvalues, on the host
        self._mean_proj = mean_proj  # (K, m) V_k^T mu_k
        self.bases = self.tensor(bases)  # (K, d, m)
        self.means = self.tensor(prior.means_)  # (K, d)
        self._log_weights = np.log(prior.weights_)
        self._filters = _Cache()
        self._scoring = _Cache()
        self._fast = {}

    def tensor(self, array, dtype=None):
        """``array`` on the device, in this mixture's dtype (or ``dtype``)."""
        return torch.tensor(np.asarray(array), dtype=dtype or self.dtype, device=self.device)

    def filters(self, noise_var):
        """``(W (K, d, d), b (K, d))``: each component's exact Wiener filter at ``noise_var``,
        ``z = dc(x) + W_k x + b_k``."""
        def make():
            gains = self.tensor(self._values / (self._values + noise_var))
            matrices = (self.bases * gains[:, None, :]) @ self.bases.transpose(1, 2)
            return matrices, self.means - (matrices @ self.means[:, :, None])[:, :, 0]

        return self._filters.get_or_make(float(noise_var), make)

    def wiener(self, patches, labels, noise_var):
        """Each patch through the Wiener filter of its component ``labels[n]``, its DC kept:
        ``(n, d) -> (n, d)``."""
        matrices, offsets = self.filters(noise_var)
        out = torch.empty_like(patches)
        d = patches.shape[1]
        step = max(1, CHUNK_ELEMENTS // (d * d))
        for start in range(0, patches.shape[0], step):
            block, chosen = patches[start:start + step], labels[start:start + step]
            filtered = (matrices[chosen] @ block[:, :, None])[:, :, 0] + offsets[chosen]
            out[start:start + step] = filtered + block.mean(dim=1, keepdim=True)
        return out

    def _exact_scoring(self, noise_var):
        """``(projector (d, K m), offsets (K, m), log_consts (K,))`` of the exact scores (as
        :meth:`GaussianMixturePrior.wiener_operators`)."""
        def make():
            scale = 1.0 / np.sqrt(self._values + noise_var)
            K, d, m = self.bases.shape
            projector = (self.bases * self.tensor(scale)[:, None, :]).permute(1, 0, 2)
            log_consts = self._log_weights + np.log(scale).sum(axis=1)
            return (projector.reshape(d, K * m), self.tensor(self._mean_proj * scale),
                    self.tensor(log_consts))

        return self._scoring.get_or_make(float(noise_var), make)

    def labels(self, patches, noise_var):
        """The best component per patch, ``(n, d) -> (n,)`` (ties: the lowest index)."""
        projector, offsets, log_consts = self._exact_scoring(noise_var)
        K, m = offsets.shape
        labels = torch.empty(patches.shape[0], dtype=torch.int64, device=self.device)
        step = max(1, CHUNK_ELEMENTS // (K * m))
        for start in range(0, patches.shape[0], step):
            block = patches[start:start + step]
            whitened = (block @ projector).view(-1, K, m) - offsets
            scores = log_consts - 0.5 * (whitened * whitened).sum(dim=2)
            labels[start:start + step] = scores.argmax(dim=1)
        return labels

    def denoise(self, patches, noise_var, *, return_labels=False):
        """:meth:`GaussianMixturePrior.denoise` of a ``(n, d)`` tensor on the device."""
        _check_noise_var(noise_var)
        patches = self._checked(patches)
        labels = self.labels(patches, noise_var)
        out = self.wiener(patches, labels, noise_var)
        return (out, labels) if return_labels else out

    def fast_denoiser(self, tail_ratio=None, search=None, shortlist=None):
        """The flat-tail z-step (:class:`TorchFlatTail`); ``search`` ``None`` or
        ``"exhaustive"`` (a tied mixture's orientation search is not ported), which scores
        every component: ``shortlist`` does not apply."""
        if search not in (None, "exhaustive"):
            raise ValueError(f"the torch z-step searches every component (search='exhaustive'"
                             f" or None), got search={search!r}; run the orientation search "
                             "with device='cpu'")
        tail_ratio = 1.0 if tail_ratio is None else float(tail_ratio)
        if tail_ratio not in self._fast:
            self._fast[tail_ratio] = TorchFlatTail(self, tail_ratio)
        return self._fast[tail_ratio]

    def _checked(self, patches):
        d = self.prior.dim
        if patches.ndim != 2 or patches.shape[1] != d:
            raise ValueError(f"patches must have shape (n, {d}), got {tuple(patches.shape)}")
        return patches.to(device=self.device, dtype=self.dtype)


class TorchFlatTail:
    """:class:`~priors.gmm_fast.FlatTailDenoiser` (exhaustive search) on the mixture's
    device; its operators are the numpy path's, in the same dtype, moved there."""

    def __init__(self, mixture, tail_ratio=1.0):
        self.mixture = mixture
        self.patch_size = mixture.patch_size
        self.device = mixture.device
        self.dtype = mixture.dtype
        self.tail_ratio = float(tail_ratio)
        self.reference = mixture.prior.fast_denoiser(self.tail_ratio, search="exhaustive")
        self._operators = _Cache()

    def operators(self, noise_var):
        """``(projector (d, R + K), offsets (R,), column_component (R,), mean_sq, inv_tail,
        log_consts, order)`` on the device (:class:`~priors.gmm_fast.FlatTailOperators`)."""
        def make():
            ops = self.reference.operators(noise_var, self.mixture.numpy_dtype)
            sizes = np.diff(ops.starts)
            component = np.repeat(np.arange(len(sizes)), sizes)
            tensor = self.mixture.tensor
            return (tensor(ops.projector), tensor(ops.offsets),
                    tensor(component, torch.int64), tensor(ops.mean_sq), tensor(ops.inv_tail),
                    tensor(ops.log_consts), tensor(ops.order, torch.int64))

        return self._operators.get_or_make(float(noise_var), make)

    def labels(self, patches, noise_var):
        """The best component per patch under flat-tail scores, as the prior indexes them."""
        projector, offsets, component, mean_sq, inv_tail, log_consts, order = \
            self.operators(noise_var)
        rank = offsets.shape[0]
        K = log_consts.shape[0]
        best = torch.empty(patches.shape[0], dtype=torch.int64, device=self.device)
        step = max(1, CHUNK_ELEMENTS // projector.shape[1])
        for start in range(0, patches.shape[0], step):
            block = patches[start:start + step]
            projections = block @ projector
            kept = projections[:, :rank] - offsets
            acc = torch.zeros((block.shape[0], K), dtype=self.dtype, device=self.device)
            acc.index_add_(1, component, kept * kept)
            centred = block - block.mean(dim=1, keepdim=True)
            dist = (centred * centred).sum(dim=1, keepdim=True) - 2 * projections[:, rank:] \
                + mean_sq
            scores = log_consts - 0.5 * (dist * inv_tail - acc)
            best[start:start + step] = scores.argmax(dim=1)
        return order[best]

    def denoise(self, patches, noise_var, *, return_labels=False):
        """Approximate-MAP patches, ``(n, d) -> (n, d)`` tensors on the device."""
        _check_noise_var(noise_var)
        patches = self.mixture._checked(patches)
        labels = self.labels(patches, noise_var)
        out = self.mixture.wiener(patches, labels, noise_var)
        return (out, labels) if return_labels else out


def _check_noise_var(noise_var):
    if not np.isfinite(noise_var) or noise_var < 0:
        raise ValueError(f"noise_var must be a finite number >= 0, got {noise_var!r}")
