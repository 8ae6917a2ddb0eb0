"""Gaussian mixture prior over the zero-mean part of image patches (EPLL).

What the density is of
----------------------
A patch ``x`` (length ``d = patch_size**2``) splits into its mean (DC) and
its zero-mean part ``x - mean(x)``. The zero-mean part lives in the
``m = d - 1`` dimensional subspace orthogonal to the constant patch; with an
orthonormal basis ``Q`` of that subspace (``d x m``), the coordinates are
``c = Q^T x``. The model is

    p(c) = sum_k w_k N(c; mu_k, S_k),

a density on ``R^m`` (Lebesgue measure in orthonormal coordinates), so
:meth:`GaussianMixturePrior.log_prob` is exact and comparable with any other
prior that scores the same coordinates. The fitted attributes ``means_`` and
``covariances_`` are given in pixel space (``Q mu_k`` and ``Q S_k Q^T``).

With ``symmetry="dihedral"`` the mixture is tied over the eight rotations
and flips of the patch (:mod:`priors.symmetry`): EM fits ``K`` orbits and the
density has their ``8 K`` transformed copies as components. EM for the
orbits is EM on the ``8 K`` components with the statistics of component
``(g, k)`` taken from the back-transformed patch ``R_g^T c``, because
``N(c; R_g mu, R_g S R_g^T) = N(R_g^T c; mu, S)``.

Denoising (the z-step of EPLL) is the approximate MAP of Zoran & Weiss:
for a noisy patch ``y`` with noise variance ``s2``, pick
``k* = argmax_k log w_k + log N(c; mu_k, S_k + s2 I)`` and return
``DC + Q (mu_k* + S_k* (S_k* + s2 I)^{-1} (c - mu_k*))``.
"""
from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from priors._gmm_kernels import best_component_wiener, grouped_squared_norms
from priors.gmm_em import INITIALISATIONS, expectation, initialise, run_em
from priors.registered import Registered
from priors.symmetry import SYMMETRIES, expand_orbits, subspace_transforms

_LOG_2PI = np.log(2 * np.pi)


def zero_mean_basis(d):
    """Orthonormal basis ``(d, d-1)`` of the patches whose pixels sum to zero."""
    seed = np.concatenate([np.ones((d, 1)) / np.sqrt(d), np.eye(d)[:, : d - 1]], axis=1)
    q, _ = np.linalg.qr(seed)
    return q[:, 1:] * np.sign(q[0, 0])


def _check_positive_definite(covariances, reg_covar):
    """Raise a clear error naming the first covariance that is not positive definite."""
    for k, cov in enumerate(covariances):
        try:
            np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            raise ValueError(f"covariance of component {k} is not positive definite; "
                             f"increase reg_covar (now {reg_covar:g}) or use more "
                             "patches / fewer components") from None


def _check_patches(patches, d):
    array = np.asarray(patches)
    if array.ndim != 2 or array.shape[1] != d:
        raise ValueError(f"patches must have shape (n, {d}), got {array.shape}; "
                         "each row is one flattened patch")
    if array.dtype != np.float32:
        array = array.astype(np.float64)
    return array


class GaussianMixturePrior(Registered):
    """EPLL's Gaussian mixture over zero-mean patches, fitted by EM.

    Parameters
    ----------
    n_components : int
        Number of mixture components K (of orbits, with a symmetry).
    patch_size : int
        Side of the square patches; ``d = patch_size**2``.
    reg_covar : float
        Added to every covariance's diagonal (on the [0, 1] intensity
        scale; 1e-6 is about 8-bit quantisation noise, (1/255)^2/12).
    max_iter, tol : int, float
        EM stops when the mean log-likelihood per patch improves by less
        than ``tol`` nats, or after ``max_iter`` iterations (then a
        :class:`~sklearn.exceptions.ConvergenceWarning`).
    chunk_size : int
        Patches per block; bounds peak memory at about
        ``chunk_size * K * d * 4`` bytes.
    rng : int or Generator, optional
        Seed for the k-means initialisation.
    warm_start : bool
        If the prior is already fitted (or loaded), EM starts from its
        parameters instead of ``init``.
    init : {"kmeans", "scales"}
        ``"kmeans"``: hard assignments from k-means on a random subset, then
        one M-step (the shipped prior's start). ``"scales"``: a Gaussian scale
        mixture, ``S_k = s_k C`` (``C`` the sample covariance, ``s_k``
        geometric from 1/16 to 4), zero means, equal weights. With few
        components k-means on zero-mean patches puts nearly all of them in one
        cluster and EM stalls there (K=5: 97.5 nats/patch, no better than one
        Gaussian); the scale start separates flat from textured patches first.
    verbose : bool
        Print one line per EM iteration to stderr.
    symmetry : {"none", "dihedral"}
        Tie the mixture over a group of patch transforms: each of the K
        fitted orbits stands for ``|G|`` components (see the module docstring).

    Attributes
    ----------
    weights_ : (|G| K,) mixture weights (``|G| = 1`` without a symmetry).
    means_ : (|G| K, d) component means in pixel space (each sums to zero).
    covariances_ : (|G| K, d, d) component covariances in pixel space.
    converged_, n_iter_, lower_bound_ : EM diagnostics (mean log-likelihood
        per patch, nats); ``lower_bounds_`` holds one value per iteration.
    """

    def __init__(self, n_components=200, patch_size=8, *, reg_covar=1e-6, max_iter=100,
                 tol=1e-3, chunk_size=8192, rng=None, warm_start=False, verbose=False,
                 init="kmeans", symmetry="none"):
        if init not in INITIALISATIONS:
            raise ValueError(f"init must be one of {INITIALISATIONS}, got {init!r}")
        if symmetry not in SYMMETRIES:
            raise ValueError(f"symmetry must be one of {SYMMETRIES}, got {symmetry!r}")
        if int(n_components) < 1:
            raise ValueError(f"n_components must be >= 1, got {n_components}")
        if int(patch_size) < 2:
            raise ValueError(f"patch_size must be >= 2, got {patch_size}")
        if not reg_covar >= 0:
            raise ValueError(f"reg_covar must be >= 0, got {reg_covar}")
        self.n_components = int(n_components)
        self.patch_size = int(patch_size)
        self.reg_covar = float(reg_covar)
        self.max_iter = int(max_iter)
        self.tol = float(tol)
        self.chunk_size = int(chunk_size)
        self.rng = rng
        self.warm_start = bool(warm_start)
        self.verbose = verbose
        self.init = init
        self.symmetry = symmetry
        self._cache = {}

    # ------------------------------------------------------------------ geometry
    @property
    def dim(self):
        """Patch length ``d``."""
        return self.patch_size ** 2

    @property
    def basis(self):
        """``Q``: orthonormal basis of zero-mean patches, ``(d, d-1)``."""
        if "basis" not in self._cache:
            self._cache["basis"] = zero_mean_basis(self.dim)
        return self._cache["basis"]

    @property
    def transforms(self):
        """``R_g`` of the symmetry on the zero-mean coordinates, ``(|G|, m, m)``."""
        key = ("transforms", self.symmetry)
        if key not in self._cache:
            self._cache[key] = subspace_transforms(self.basis, self.patch_size, self.symmetry)
        return self._cache[key]

    @property
    def _block_rows(self):
        """Patches per block: ``chunk_size`` for ``K`` components, fewer for more."""
        return max(1, self.chunk_size // len(self.transforms))

    def with_symmetry(self, symmetry):
        """A copy of this fitted prior whose orbits are this prior's orbits (its
        components when it has no symmetry), tied over ``symmetry``."""
        self._require_fitted()
        prior = GaussianMixturePrior(self.n_components, self.patch_size, reg_covar=self.reg_covar,
                                     max_iter=self.max_iter, tol=self.tol,
                                     chunk_size=self.chunk_size, rng=self.rng,
                                     warm_start=self.warm_start, verbose=self.verbose,
                                     init=self.init, symmetry=symmetry)
        prior._set_subspace_parameters(*self._orbits)
        return prior

    def _coordinates(self, patches):
        """``c = Q^T x`` (``Q`` is orthogonal to the DC), summed in float64: the same bits
        however BLAS splits the work (threads, rows: see :mod:`restore.cluster.em`)."""
        return (patches.astype(np.float64) @ self.basis).astype(patches.dtype)

    # ------------------------------------------------------------------ fitting
    def fit(self, patches):
        """Fit by EM (:mod:`priors.gmm_em`) on patches (rows of length ``d``; their DC is
        ignored).

        float32 patches run the E-step in float32 (the statistics are summed
        in float64); float64 patches run in float64.
        """
        patches = _check_patches(patches, self.dim)
        if patches.shape[0] < 2 * self.n_components:
            raise ValueError(f"need at least {2 * self.n_components} patches to fit "
                             f"{self.n_components} components, got {patches.shape[0]}")
        coords = self._coordinates(patches)
        if not (self.warm_start and hasattr(self, "weights_")):
            initialise(self, coords)
        run_em(self, lambda prior: expectation(prior, coords))
        return self

    # ------------------------------------------------------------------ parameters
    def _set_subspace_parameters(self, weights, means, covariances):
        """Store the orbits' parameters, given in zero-mean coordinates (the components'
        without a symmetry). The components and their factors are derived when first
        needed (:meth:`_components`, :meth:`_whitening`), so loading stays cheap."""
        basis = self._cache.get("basis")
        self._cache = {} if basis is None else {"basis": basis}
        weights = np.asarray(weights, dtype=np.float64)
        self._orbits = (weights, means, covariances)
        _check_positive_definite(covariances, self.reg_covar)
        count = 1 if self.symmetry == "none" else len(self.transforms)
        self.weights_ = np.tile(weights / count, count)

    def _components(self):
        """``(means (|G| K, m), covariances (|G| K, m, m))`` of every component."""
        if "components" not in self._cache:
            weights, means, covariances = self._orbits
            if self.symmetry != "none":
                _, means, covariances = expand_orbits(weights, means, covariances,
                                                      self.transforms)
            self._cache["components"] = (means, covariances)
        return self._cache["components"]

    _sub_means = property(lambda self: self._components()[0])
    _sub_covariances = property(lambda self: self._components()[1])

    def _whitening(self):
        """``(W_k, log det W_k)`` with ``W_k W_k^T = S_k^-1`` (``W_k`` the inverse
        Cholesky factor, transposed), per component."""
        if "whitening_factors" not in self._cache:
            from scipy.linalg import solve_triangular

            covariances = self._sub_covariances
            m = covariances.shape[1]
            prec_chol = np.empty_like(covariances)
            with threadpool_limits(1, user_api="blas"):
                lowers = np.linalg.cholesky(covariances)
            for k, lower in enumerate(lowers):
                prec_chol[k] = solve_triangular(lower, np.eye(m), lower=True).T
            log_det = np.log(np.diagonal(prec_chol, axis1=1, axis2=2)).sum(axis=1)
            self._cache["whitening_factors"] = (prec_chol, log_det)
        return self._cache["whitening_factors"]

    @property
    def means_(self):
        """Component means in pixel space, ``(K, d)`` (computed once per fit, read-only)."""
        if "means" not in self._cache:
            means = self._sub_means @ self.basis.T
            means.setflags(write=False)
            self._cache["means"] = means
        return self._cache["means"]

    @property
    def covariances_(self):
        q = self.basis
        return q @ self._sub_covariances @ q.T

    def _require_fitted(self):
        if not hasattr(self, "weights_"):
            raise RuntimeError("this GaussianMixturePrior is not fitted; call fit() or "
                               "GaussianMixturePrior.load(path)")

    # ------------------------------------------------------------------ density
    def _log_joint(self, coords):
        """``log w_k + log N(c; mu_k, S_k)`` for a block of coordinates, ``(n, K)``."""
        key = ("whitening", coords.dtype.str)
        if key not in self._cache:
            prec_chol, log_det_prec = self._whitening()
            K, m, _ = prec_chol.shape
            stacked = np.ascontiguousarray(prec_chol.transpose(1, 0, 2).reshape(m, K * m))
            offsets = np.einsum("km,kmj->kj", self._sub_means, prec_chol)
            consts = np.log(self.weights_) + log_det_prec - 0.5 * m * _LOG_2PI
            self._cache[key] = (stacked.astype(coords.dtype), offsets.astype(coords.dtype), consts)
        stacked, offsets, consts = self._cache[key]
        maha = grouped_squared_norms(coords @ stacked, offsets, len(self.weights_))
        return consts - 0.5 * maha.astype(np.float64)

    def log_prob(self, patches):
        """Exact log density of each patch's zero-mean part, ``(n, d) -> (n,)``.

        Computed in float64 whatever the input dtype; nats, with respect to
        Lebesgue measure on the ``d - 1`` orthonormal zero-mean coordinates.
        """
        from scipy.special import logsumexp

        self._require_fitted()
        coords = self._coordinates(_check_patches(patches, self.dim).astype(np.float64))
        out = np.empty(coords.shape[0])
        step = self._block_rows
        for start in range(0, coords.shape[0], step):
            out[start:start + step] = logsumexp(self._log_joint(coords[start:start + step]),
                                                axis=1)
        return out

    score_samples = log_prob

    def sample(self, n, rng=None):
        """``n`` zero-mean patches drawn from the model, float64 ``(n, d)``.

        The mixture is a density of the zero-mean part of a patch, so a sample
        is one: component ``k`` drawn with probability ``w_k``, then
        ``c = mu_k + L_k z`` with ``S_k = L_k L_k^T`` (Cholesky) and
        ``z ~ N(0, I_m)``, returned in pixel space as ``Q c`` (rows sum to zero;
        add a DC to get a patch). ``rng``: a seed or a Generator (same seed, same samples).
        """
        self._require_fitted()
        if int(n) < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        rng, n = np.random.default_rng(rng), int(n)
        labels = rng.choice(len(self.weights_), size=n, p=self.weights_)
        z = rng.standard_normal((n, self._sub_means.shape[1]))
        coords = np.empty_like(z)
        for k in np.unique(labels):
            rows = labels == k
            lower = np.linalg.cholesky(self._sub_covariances[k])
            coords[rows] = self._sub_means[k] + z[rows] @ lower.T
        return coords @ self.basis.T

    # ------------------------------------------------------------------ denoising
    def _eigen(self):
        """Per component ``S_k = V_k diag(s_k) V_k^T``; bases ``Q V_k`` in pixel space."""
        if "eigen" not in self._cache:
            with threadpool_limits(1, user_api="blas"):  # many small problems: no threads
                values, vectors = np.linalg.eigh(self._sub_covariances)
            bases = np.einsum("dm,kmj->kdj", self.basis, vectors)
            mean_proj = np.einsum("km,kmj->kj", self._sub_means, vectors)
            self._cache["eigen"] = (np.maximum(values, 0.0), bases, mean_proj)
        return self._cache["eigen"]

    def wiener_operators(self, noise_var, dtype=np.float64):
        """Everything the z-step needs at one noise variance, cached.

        Returns ``(projector, offsets, log_consts, gains, bases, means)`` with
        ``projector = [B_1 D_1, ..., B_K D_K]`` (``d x K m``),
        ``D_k = diag((s_k + s2)^-1/2)``, so that ``x @ projector - offsets``
        are the whitened coordinates of ``x - mu_k`` for every k.
        """
        key = ("wiener", float(noise_var), np.dtype(dtype).str)
        if key not in self._cache:
            values, bases, mean_proj = self._eigen()
            K, d, m = bases.shape
            scale = 1.0 / np.sqrt(values + noise_var)
            projector = (bases * scale[:, None, :]).transpose(1, 0, 2).reshape(d, K * m)
            log_consts = np.log(self.weights_) + np.log(scale).sum(axis=1)
            self._cache[key] = tuple(np.ascontiguousarray(a, dtype=dtype) for a in (
                projector, mean_proj * scale, log_consts, values * scale, bases, self.means_))
        return self._cache[key]

    def denoise(self, patches, noise_var, *, return_labels=False):
        """EPLL's approximate MAP estimate of clean patches, ``(n, d) -> (n, d)``.

        ``noise_var`` is the variance of white Gaussian noise on the patches
        (``1/beta`` inside EPLL). float32 patches are processed in float32.
        """
        self._require_fitted()
        patches = _check_patches(patches, self.dim)
        if not np.isfinite(noise_var) or noise_var < 0:
            raise ValueError(f"noise_var must be a finite number >= 0, got {noise_var!r}")
        projector, offsets, log_consts, gains, bases, means = self.wiener_operators(
            noise_var, patches.dtype)
        out = np.empty_like(patches)
        labels = np.empty(patches.shape[0], dtype=np.int32)
        step = max(1, self._block_rows // 4)  # (step, |G| K m) float projections per block
        for start in range(0, patches.shape[0], step):
            block = patches[start:start + step]
            dc = block.mean(axis=1)
            best_component_wiener(block @ projector, offsets, log_consts, gains, bases, means, dc,
                                  out[start:start + block.shape[0]],
                                  labels[start:start + block.shape[0]])
        return (out, labels) if return_labels else out

    def fast_denoiser(self, tail_ratio=None, search=None, shortlist=None):
        """Flat-tail approximation of :meth:`denoise` (:mod:`priors.gmm_fast`; ``tail_ratio``
        ``None``: 1). ``search``: ``"orientation"`` (a tied mixture's default, keeping
        ``shortlist`` orbits, :mod:`priors.gmm_search`) or ``"exhaustive"`` (all of them)."""
        from priors.gmm_search import fast_search, resolve_search

        tail_ratio = 1.0 if tail_ratio is None else float(tail_ratio)
        key = ("fast", tail_ratio) + resolve_search(self, search, shortlist)
        if key not in self._cache:
            self._cache[key] = fast_search(self, tail_ratio, *key[2:])
        return self._cache[key]

    # ------------------------------------------------------------------ persistence
    def save(self, path):
        """Write the model to one ``.npz`` (:func:`priors.gmm_io.save_mixture`)."""
        from priors.gmm_io import save_mixture

        save_mixture(self, path)

    @classmethod
    def load(cls, path):
        """Read a model written by :meth:`save` (:func:`priors.gmm_io.load_mixture`)."""
        from priors.gmm_io import load_mixture

        return load_mixture(cls, path)
