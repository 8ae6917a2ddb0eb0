"""EM fitting of :class:`priors.gmm.GaussianMixturePrior` (in the zero-mean coordinates).

One iteration is a pass over the data (:func:`expectation`: responsibilities
``r_nk`` proportional to ``w_k N(c_n; mu_k, S_k)``, accumulated into the
sufficient statistics ``N_k = sum_n r_nk``, ``sum_n r_nk c_n`` and
``sum_n r_nk c_n c_n^T``), then :func:`maximisation`:

    w_k = N_k / N,   mu_k = sum_n r_nk c_n / N_k,
    S_k = sum_n r_nk c_n c_n^T / N_k - mu_k mu_k^T + reg_covar I.

Tied over a symmetry (:mod:`priors.symmetry`), the statistics of orbit ``k``
sum those of its components ``(g, k)``, each taken from the back-transformed
patches ``R_g^T c`` (because ``N(c; R_g mu, R_g S R_g^T) = N(R_g^T c; mu, S)``).
EM stops when the mean log-likelihood per patch changes by less than ``tol``.

The statistics are sums over patches, so the E-step splits over any
partition of the patches (:func:`expectation_sums` per part, then add):
that is how :mod:`restore.cluster.em` runs it on a Dask cluster, with the
same loop (:func:`run_em`) and starts (:func:`initialise_with`).
"""
from __future__ import annotations

import sys
import time
import warnings

import numpy as np
from scipy.special import logsumexp

#: EM starts of :class:`~priors.gmm.GaussianMixturePrior` (``init=``).
INITIALISATIONS = ("kmeans", "scales")


def run_em(prior, e_step):
    """EM from the prior's current parameters; ``e_step(prior)`` returns the statistics
    and the mean log-likelihood (:func:`expectation` on the data, or its distributed
    twin). Sets ``lower_bounds_``, ``lower_bound_``, ``n_iter_``, ``converged_`` and
    ``iteration_seconds_`` (wall time of each E-step plus M-step)."""
    prior.lower_bounds_ = []
    prior.iteration_seconds_ = []
    prior.converged_ = False
    for iteration in range(1, prior.max_iter + 1):
        start = time.perf_counter()
        stats, lower_bound = e_step(prior)
        prior.lower_bounds_.append(lower_bound)
        prior.n_iter_ = iteration
        prior.lower_bound_ = lower_bound
        change = lower_bound - prior.lower_bounds_[-2] if iteration > 1 else np.inf
        if prior.verbose:
            print(f"EM iteration {iteration:3d}: mean log-likelihood {lower_bound:.4f} nats/patch"
                  f" (change {change:+.4f}), {time.perf_counter() - start:.1f} s",
                  file=sys.stderr, flush=True)
        if abs(change) < prior.tol:
            prior.converged_ = True
            prior.iteration_seconds_.append(time.perf_counter() - start)
            break
        maximisation(prior, *stats)
        prior.iteration_seconds_.append(time.perf_counter() - start)
    if not prior.converged_:
        from sklearn.exceptions import ConvergenceWarning

        warnings.warn(f"EM did not converge in {prior.max_iter} iterations (last change "
                      f"{change:.2e} nats/patch > tol={prior.tol:g}); raise max_iter or tol",
                      ConvergenceWarning, stacklevel=3)


def initialise(prior, coords):
    """The EM start named by ``prior.init`` (see the class docstring)."""
    def covariance():
        centred = coords - coords.mean(axis=0)
        return (centred.T @ centred / coords.shape[0]).astype(np.float64)

    initialise_with(prior, coords.shape[0], coords.__getitem__, covariance)


def initialise_with(prior, n, take, covariance):
    """The EM start named by ``prior.init`` on ``n`` patches held elsewhere: ``take(rows)``
    returns the coordinates of the given rows (k-means start), ``covariance()`` their
    covariance (scale start)."""
    if prior.init == "scales":
        covariance = covariance()
        k, m = prior.n_components, covariance.shape[0]
        scales = np.geomspace(1 / 16, 4, k) if k > 1 else np.ones(1)
        prior._set_subspace_parameters(
            np.full(k, 1.0 / k), np.zeros((k, m)),
            scales[:, None, None] * covariance + prior.reg_covar * np.eye(m))
        return
    initialise_kmeans(prior, n, take)


def initialise_kmeans(prior, n, take):
    """Hard assignments from k-means on a random subset, then one M-step."""
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(prior.rng)
    subset = take(rng.choice(n, size=min(n, 50 * prior.n_components), replace=False))
    kmeans = KMeans(prior.n_components, n_init=1, max_iter=30,
                    random_state=int(rng.integers(2**31))).fit(subset)
    resp = np.zeros((subset.shape[0], prior.n_components), dtype=subset.dtype)
    resp[np.arange(subset.shape[0]), kmeans.labels_] = 1
    maximisation(prior, *statistics(subset, resp))


def statistics(coords, resp):
    """Sufficient statistics ``(N_k, sum r c, sum r c c^T (upper triangle))``."""
    m = coords.shape[1]
    rows, cols = np.triu_indices(m)
    outer = coords[:, rows] * coords[:, cols]
    return (resp.sum(axis=0, dtype=np.float64), (resp.T @ coords).astype(np.float64),
            (resp.T @ outer).astype(np.float64))


def expectation(prior, coords):
    """One pass over the data: statistics for the M-step and the mean log-likelihood."""
    stats, total_ll = expectation_sums(prior, coords)
    return stats, total_ll / coords.shape[0]


def expectation_sums(prior, coords):
    """The statistics of ``coords`` for the M-step and their total log-likelihood."""
    total_ll = 0.0
    stats = None
    transforms = prior.transforms.astype(coords.dtype)
    k = prior.n_components
    step = prior._block_rows
    for start in range(0, coords.shape[0], step):
        block = coords[start:start + step]
        log_joint = prior._log_joint(block)
        log_norm = logsumexp(log_joint, axis=1)
        total_ll += float(log_norm.sum(dtype=np.float64))
        resp = np.exp(log_joint - log_norm[:, None]).astype(coords.dtype)
        for g, transform in enumerate(transforms):  # rows of c R_g are (R_g^T c)^T
            back = block if g == 0 else block @ transform
            block_stats = statistics(back, resp[:, g * k:(g + 1) * k])
            stats = add_statistics(stats, block_stats)
    return stats, total_ll


def add_statistics(first, second):
    """The statistics of two sets of patches together (``None``: an empty set)."""
    return second if first is None else tuple(a + b for a, b in zip(first, second))


def maximisation(prior, counts, first, second):
    """Weights, means and covariances (plus ``reg_covar I``) from the statistics."""
    m = first.shape[1]
    rows, cols = np.triu_indices(m)
    safe = counts + 10 * np.finfo(np.float64).eps
    means = first / safe[:, None]
    scatter = np.zeros((prior.n_components, m, m))
    scatter[:, rows, cols] = second / safe[:, None]
    scatter[:, cols, rows] = second / safe[:, None]
    covariances = scatter - means[:, :, None] * means[:, None, :]
    covariances += prior.reg_covar * np.eye(m)
    prior._set_subspace_parameters(safe / safe.sum(), means, covariances)
