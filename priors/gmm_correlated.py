"""A Gaussian mixture's z-step under correlated patch noise, by whitening.

A noisy patch ``y = x + n`` with ``n ~ N(0, s2 Chat)`` (``Chat`` a ``d x d`` noise
correlation, :meth:`restore.core.correlated_noise.CorrelatedNoise.patch_covariance`) has,
in the mixture's zero-mean coordinates ``c = Q^T y``, noise ``N(0, s2 N)`` with
``N = Q^T Chat Q``. With ``W = N^{-1/2}`` (symmetric), ``W c`` carries white noise of
variance ``s2``, and ``W c`` is distributed as the mixture of the whitened components
``(w_k, W mu_k, W S_k W)``. So the whitened mixture's z-step at ``s2``, mapped back by
``W^{-1}``, is the mixture's z-step under the correlated noise:

* the component ``argmax_k log w_k + log N(c; mu_k, S_k + s2 N)`` (``log |det W|`` is shared
  by every component), and
* its Wiener filter ``mu_k + S_k (S_k + s2 N)^{-1} (c - mu_k)``,

exactly the formulas with ``S_k + C`` in place of ``S_k + s2 I``. On patches the map is
``T = Q W Q^T + 1 1^T / d`` (the patch mean, which the mixture does not model, is kept).

Every denoiser of the whitened mixture serves: the exact one and the fast path's
(:mod:`priors.gmm_fast`). A tied mixture stays tied when ``N`` commutes with the
rotations and flips (noise with a dihedrally symmetric correlation, such as a round
Gaussian filter's), and keeps its orientation search; otherwise the whitened mixture is
built from the expanded (untied) components and scores them all.
"""
from __future__ import annotations

import hashlib

import numpy as np

#: Whitened mixtures kept per prior (one per noise correlation seen).
CACHED_WHITENINGS = 8


def whitening(prior, patch_covariance):
    """``(W, W^{-1})`` on the prior's zero-mean coordinates for the patch noise correlation
    ``patch_covariance`` ``(d, d)``: ``W = (Q^T Chat Q)^{-1/2}``."""
    chat = np.asarray(patch_covariance, dtype=np.float64)
    if chat.shape != (prior.dim, prior.dim):
        raise ValueError(f"the patch noise covariance must be ({prior.dim}, {prior.dim}) for "
                         f"{prior.patch_size}x{prior.patch_size} patches, got {chat.shape}")
    basis = prior.basis
    values, vectors = np.linalg.eigh(basis.T @ ((chat + chat.T) / 2) @ basis)
    if not values.min() > 1e-8 * values.max():
        raise ValueError("the patch noise covariance is singular on zero-mean patches; the "
                         "noise spectrum must be positive at every frequency")
    return (vectors / np.sqrt(values)) @ vectors.T, (vectors * np.sqrt(values)) @ vectors.T


def whitened_mixture(prior, whiten):
    """The mixture of ``W c`` for ``c`` drawn from ``prior`` (a fitted
    :class:`~priors.gmm.GaussianMixturePrior`), tied as ``prior`` is when ``W`` commutes
    with its transforms."""
    from priors.gmm import GaussianMixturePrior

    prior._require_fitted()
    transforms = prior.transforms
    symmetric = prior.symmetry != "none" and all(
        np.allclose(r @ whiten, whiten @ r, atol=1e-8 * np.abs(whiten).max()) for r in transforms)
    if symmetric or prior.symmetry == "none":
        weights, means, covariances = prior._orbits
        symmetry = prior.symmetry
    else:
        weights, (means, covariances), symmetry = prior.weights_, prior._components(), "none"
    made = GaussianMixturePrior(len(weights), prior.patch_size, reg_covar=prior.reg_covar,
                                chunk_size=prior.chunk_size, symmetry=symmetry)
    made._set_subspace_parameters(weights, means @ whiten.T, whiten @ covariances @ whiten.T)
    return made


class CorrelatedMixture:
    """A :class:`~priors.protocols.PatchDenoiser` (and fast path) of a fitted Gaussian
    mixture ``prior`` for patch noise ``N(0, noise_var * patch_covariance)``: every
    ``denoise(patches, noise_var)`` whitens, denoises at ``noise_var`` with the whitened
    mixture, and colours back (module docstring)."""

    def __init__(self, prior, patch_covariance):
        self.prior = prior
        self.patch_size = prior.patch_size
        whiten, colour = whitening(prior, patch_covariance)
        basis, d = prior.basis, prior.dim
        mean = np.full((d, d), 1.0 / d)
        self.forward = basis @ whiten @ basis.T + mean  # T (symmetric)
        self.backward = basis @ colour @ basis.T + mean  # T^-1
        key = ("whitened", hashlib.sha1(np.ascontiguousarray(whiten).tobytes()).hexdigest())
        cache = prior._cache
        if key not in cache:
            stale = [k for k in cache if isinstance(k, tuple) and k[:1] == ("whitened",)]
            for old in stale[:max(0, len(stale) - CACHED_WHITENINGS + 1)]:
                del cache[old]
            cache[key] = whitened_mixture(prior, whiten)
        self.whitened = cache[key]

    def denoise(self, patches, noise_var):
        """Clean patches from ``patches`` with noise ``N(0, noise_var Chat)``, ``(n, d)``."""
        return _through(self.whitened, patches, noise_var, self.forward, self.backward)

    def fast_denoiser(self, tail_ratio=None, search=None, shortlist=None):
        """The whitened mixture's fast denoiser (:meth:`~priors.gmm.GaussianMixturePrior.
        fast_denoiser`), whitening and colouring around it."""
        return _Whitened(self.whitened.fast_denoiser(tail_ratio, search, shortlist),
                         self.forward, self.backward)


class _Whitened:
    """``denoiser`` run on whitened patches, its estimates coloured back."""

    def __init__(self, denoiser, forward, backward):
        self.denoiser, self.forward, self.backward = denoiser, forward, backward
        self.patch_size = denoiser.patch_size

    def denoise(self, patches, noise_var):
        return _through(self.denoiser, patches, noise_var, self.forward, self.backward)


def _through(denoiser, patches, noise_var, forward, backward):
    dtype = patches.dtype
    whitened = np.ascontiguousarray(patches @ forward.astype(dtype))
    return np.ascontiguousarray(denoiser.denoise(whitened, noise_var) @ backward.astype(dtype))
