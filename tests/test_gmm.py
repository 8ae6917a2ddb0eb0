"""The GMM patch prior: exact density, EM behaviour, Wiener z-step, sampling, persistence,
the protocols it implements."""
import warnings

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from sklearn.exceptions import ConvergenceWarning

from priors.gmm import GaussianMixturePrior, zero_mean_basis
from priors.protocols import Density, FastPath, PatchDenoiser, Reconstructor, Sampler


def synthetic_patches(n=3000, patch_size=3, seed=0):
    """Two well separated zero-mean clusters plus random DC offsets."""
    rng = np.random.default_rng(seed)
    d = patch_size ** 2
    q = zero_mean_basis(d)
    centres = np.stack([q @ rng.normal(0, 1, d - 1), q @ rng.normal(0, 1, d - 1)])
    labels = rng.integers(0, 2, n)
    scales = np.array([0.3, 0.1])[labels][:, None]
    zero_mean = centres[labels] + (rng.normal(0, 1, (n, d - 1)) * scales) @ q.T
    return zero_mean + rng.uniform(0, 1, (n, 1)), centres


def fitted(n_components=2, **kwargs):
    patches, _ = synthetic_patches()
    kwargs.setdefault("max_iter", 50)
    return GaussianMixturePrior(n_components, 3, rng=0, **kwargs).fit(patches), patches


def test_basis_is_orthonormal_and_orthogonal_to_constant():
    q = zero_mean_basis(64)
    np.testing.assert_allclose(q.T @ q, np.eye(63), atol=1e-12)
    np.testing.assert_allclose(q.sum(axis=0), 0, atol=1e-12)


def test_em_recovers_cluster_means():
    prior, _ = fitted()
    _, centres = synthetic_patches()
    order = np.argsort(np.linalg.norm(prior.means_ - centres[0], axis=1))
    np.testing.assert_allclose(prior.means_[order[0]], centres[0], atol=0.05)
    np.testing.assert_allclose(prior.means_[order[1]], centres[1], atol=0.05)
    np.testing.assert_allclose(prior.means_.sum(axis=1), 0, atol=1e-10)
    assert prior.converged_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_lower_bound_never_decreases():
    prior, _ = fitted(n_components=4, tol=0.0, max_iter=30)
    bounds = np.array(prior.lower_bounds_)
    assert len(bounds) >= 10
    assert np.all(np.diff(bounds) >= -1e-9 * np.abs(bounds[1:]))


def test_log_prob_matches_scipy():
    prior, patches = fitted(n_components=3)
    q = prior.basis
    coords = patches[:50] @ q
    expected = logsumexp([np.log(w) + multivariate_normal(q.T @ mu, q.T @ cov @ q).logpdf(coords)
                          for w, mu, cov in zip(prior.weights_, prior.means_, prior.covariances_)],
                         axis=0)
    np.testing.assert_allclose(prior.log_prob(patches[:50]), expected, rtol=1e-10)


def test_is_a_patch_denoiser_density_and_sampler_with_a_fast_path():
    prior, _ = fitted()
    for protocol in (PatchDenoiser, Density, Sampler, FastPath):
        assert isinstance(prior, protocol), protocol.__name__
    assert not isinstance(prior, Reconstructor)


def mixture_moments(prior):
    """Mean and covariance of the mixture in pixel space (law of total covariance)."""
    mean = prior.weights_ @ prior.means_
    second = np.einsum("k,kd,ke->de", prior.weights_, prior.means_, prior.means_)
    within = np.einsum("k,kde->de", prior.weights_, prior.covariances_)
    return mean, within + second - np.outer(mean, mean)


def test_samples_have_the_mixtures_moments_and_the_datas():
    prior, patches = fitted()
    samples = prior.sample(40000, rng=1)
    assert samples.shape == (40000, 9) and samples.dtype == np.float64
    np.testing.assert_allclose(samples.sum(axis=1), 0, atol=1e-12)  # zero-mean patches
    mean, covariance = mixture_moments(prior)
    np.testing.assert_allclose(samples.mean(axis=0), mean, atol=0.01)
    np.testing.assert_allclose(np.cov(samples.T), covariance, atol=0.01)
    zero_mean = patches - patches.mean(axis=1, keepdims=True)  # what the prior models
    np.testing.assert_allclose(samples.mean(axis=0), zero_mean.mean(axis=0), atol=0.05)
    np.testing.assert_allclose(np.cov(samples.T), np.cov(zero_mean.T), atol=0.05)
    # Components are drawn by weight: the nearest mean labels the samples.
    labels = np.argmin(((samples[:, None, :] - prior.means_) ** 2).sum(-1), axis=1)
    np.testing.assert_allclose(np.bincount(labels, minlength=2) / 40000, prior.weights_,
                               atol=0.01)


def test_samples_are_reproducible_and_have_finite_log_prob():
    prior, _ = fitted()
    samples = prior.sample(500, rng=3)
    np.testing.assert_array_equal(samples, prior.sample(500, rng=3))
    np.testing.assert_array_equal(samples, prior.sample(500, rng=np.random.default_rng(3)))
    assert not np.array_equal(samples, prior.sample(500, rng=4))
    assert np.all(np.isfinite(prior.log_prob(samples)))
    assert prior.sample(0).shape == (0, 9)
    with pytest.raises(ValueError, match="n must be >= 0"):
        prior.sample(-1)
    with pytest.raises(RuntimeError, match="not fitted"):
        GaussianMixturePrior(2, 3).sample(3)


def test_tied_samples_come_from_all_eight_transformed_copies():
    prior, _ = fitted()
    tied = prior.with_symmetry("dihedral")
    samples = tied.sample(40000, rng=0)
    np.testing.assert_allclose(samples.sum(axis=1), 0, atol=1e-12)
    mean, covariance = mixture_moments(tied)
    np.testing.assert_allclose(samples.mean(axis=0), mean, atol=0.02)
    np.testing.assert_allclose(np.cov(samples.T), covariance, atol=0.04)
    rotation = np.rot90(np.arange(9).reshape(3, 3)).ravel()  # the tied moments are invariant
    np.testing.assert_allclose(covariance[np.ix_(rotation, rotation)], covariance, atol=1e-12)


def test_log_prob_ignores_dc():
    prior, patches = fitted()
    np.testing.assert_allclose(prior.log_prob(patches[:20] + 0.37), prior.log_prob(patches[:20]),
                               rtol=1e-10)


def test_single_component_denoise_is_wiener_filter():
    prior, patches = fitted(n_components=1)
    noise_var = 0.05
    noisy = patches[:40] + np.random.default_rng(3).normal(0, np.sqrt(noise_var), (40, 9))
    mu, cov = prior.means_[0], prior.covariances_[0]
    dc = noisy.mean(axis=1, keepdims=True)
    q = prior.basis
    projector_noise = noise_var * q @ q.T  # noise restricted to the zero-mean subspace
    gain = cov @ np.linalg.pinv(cov + projector_noise)
    expected = dc + mu + (noisy - dc - mu) @ gain.T
    np.testing.assert_allclose(prior.denoise(noisy, noise_var), expected, atol=1e-9)


def test_denoise_keeps_float32_and_picks_best_component():
    prior, patches = fitted()
    out, labels = prior.denoise(patches[:100].astype(np.float32), 1e-4, return_labels=True)
    assert out.dtype == np.float32
    scores = np.stack([np.log(w) + multivariate_normal(mu @ prior.basis, prior.basis.T @ (c + 1e-4 * np.eye(9)) @ prior.basis).logpdf(patches[:100] @ prior.basis)
                       for w, mu, c in zip(prior.weights_, prior.means_, prior.covariances_)], axis=1)
    np.testing.assert_array_equal(labels, scores.argmax(axis=1))


def test_save_load_round_trip(tmp_path):
    prior, patches = fitted()
    path = tmp_path / "gmm.npz"
    prior.save(path)
    loaded = GaussianMixturePrior.load(path)
    np.testing.assert_allclose(loaded.log_prob(patches[:30]), prior.log_prob(patches[:30]))
    assert loaded.n_iter_ == prior.n_iter_ and loaded.converged_ == prior.converged_


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, format_version=99)
    with pytest.raises(ValueError, match="format version"):
        GaussianMixturePrior.load(path)


def test_convergence_warning_names_max_iter():
    patches, _ = synthetic_patches()
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        GaussianMixturePrior(3, 3, max_iter=1, tol=0, rng=0).fit(patches)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_singular_covariance_names_reg_covar():
    patches = np.tile(np.arange(9.0), (50, 1))  # every patch identical: zero scatter
    with pytest.raises(ValueError, match="reg_covar"):
        GaussianMixturePrior(2, 3, reg_covar=0.0, rng=0).fit(patches)


def test_bad_patch_shape_is_clear():
    prior, _ = fitted()
    with pytest.raises(ValueError, match=r"shape \(n, 9\)"):
        prior.log_prob(np.zeros((4, 10)))


def test_unfitted_prior_says_what_to_do():
    with pytest.raises(RuntimeError, match="fit"):
        GaussianMixturePrior(2, 3).log_prob(np.zeros((1, 9)))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_warm_start_continues_from_the_fitted_parameters():
    patches, _ = synthetic_patches()
    prior = GaussianMixturePrior(3, 3, rng=0, max_iter=5, tol=0).fit(patches)
    first_run_end = prior.lower_bounds_[-1]
    prior.warm_start = True
    prior.fit(patches)
    assert prior.lower_bounds_[0] >= first_run_end - 1e-9


def test_flat_tail_denoiser_without_a_tail_is_the_exact_z_step():
    """tail_ratio=0 flattens only the smallest eigenvalue (a tail of one): no approximation."""
    from priors.gmm_fast import FlatTailDenoiser

    prior = GaussianMixturePrior(4, 3, rng=0, max_iter=30).fit(synthetic_patches()[0])
    patches = synthetic_patches(n=700, seed=1)[0].astype(np.float32)
    exact, labels = prior.denoise(patches, 0.01, return_labels=True)
    fast = FlatTailDenoiser(prior, tail_ratio=0.0, chunk_size=64)
    np.testing.assert_array_equal(fast.labels(patches, 0.01), labels)
    np.testing.assert_allclose(fast.denoise(patches, 0.01), exact, atol=1e-5)


def test_flat_tail_denoiser_approximates_the_exact_z_step():
    from priors.gmm_fast import FlatTailDenoiser

    prior = GaussianMixturePrior(4, 3, rng=0, max_iter=30).fit(synthetic_patches()[0])
    patches = synthetic_patches(n=700, seed=1)[0].astype(np.float32)
    exact = prior.denoise(patches, 0.01)
    approx = FlatTailDenoiser(prior, tail_ratio=1.0).denoise(patches, 0.01)
    assert approx.dtype == np.float32
    assert np.mean((approx - exact) ** 2) < 0.01 * np.mean((patches - exact) ** 2)


def test_scale_mixture_start_escapes_the_single_cluster_stall():
    """Zero-mean data from a Gaussian scale mixture: the k-means start may stall near one
    Gaussian, the scale start must find the scales (higher likelihood than K=1, EM monotone)."""
    rng = np.random.default_rng(0)
    d = 16
    scales = rng.choice([0.01, 0.1, 1.0], size=6000)
    data = rng.normal(size=(6000, d)) * scales[:, None]
    one = GaussianMixturePrior(1, 4, max_iter=20, rng=0).fit(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gsm = GaussianMixturePrior(3, 4, max_iter=50, rng=0, init="scales").fit(data)
    assert gsm.lower_bound_ > one.lower_bound_ + 1.0
    assert np.all(np.diff(gsm.lower_bounds_) > -1e-6)
    variances = np.sort(np.trace(gsm.covariances_, axis1=1, axis2=2) / (d - 1))
    assert variances[-1] == pytest.approx(1.0, rel=0.1) and variances[0] < 0.01


def test_unknown_init_is_refused():
    with pytest.raises(ValueError, match="init must be one of"):
        GaussianMixturePrior(2, 4, init="random")


def test_the_fast_denoisers_pool_follows_numbas_thread_count():
    import numba

    from priors.registry import get_prior

    denoiser = get_prior("gmm-untied").fast_denoiser()
    patches = np.random.default_rng(0).random((300, 64)).astype(np.float32)
    saved = numba.get_num_threads()
    try:
        sizes = []
        for threads in (1, saved):
            numba.set_num_threads(threads)
            out = denoiser.denoise(patches, 0.01)
            sizes.append(denoiser._pool_size)
            assert out.shape == patches.shape
        assert sizes == [1, saved]
    finally:
        numba.set_num_threads(saved)
