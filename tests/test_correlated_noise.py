"""Correlated noise (issue 22, part 3): the noise model (restore/core/correlated_noise.py),
the whitened z-step (priors/gmm_correlated.py), the x-step (restore/operators/correlated.py),
the library and the command."""
import numpy as np
import pytest
from scipy.ndimage import convolve

from priors.gmm import GaussianMixturePrior
from priors.gmm_correlated import CorrelatedMixture
from restore.core.correlated_noise import CorrelatedNoise
from restore.operators import CorrelatedData

#: The benchmark's filter: bm3d.gaussian_kernel((3, 3), 1).
KERNEL = np.outer(*[np.exp(-0.5 * np.arange(-1, 2) ** 2)] * 2)
KERNEL /= KERNEL.sum()


def _coloured(shape, sigma, seed=0, kernel=KERNEL):
    white = np.random.default_rng(seed).standard_normal(shape)
    return sigma * convolve(white, kernel, mode="wrap") / np.sqrt(np.sum(kernel ** 2))


def _random_prior(patch_size=3, count=4, seed=0, symmetry="none"):
    rng = np.random.default_rng(seed)
    m = patch_size ** 2 - 1
    roots = rng.normal(size=(count, m, m)) * rng.uniform(0.05, 0.5, size=(count, 1, m))
    prior = GaussianMixturePrior(count, patch_size, symmetry=symmetry)
    prior._set_subspace_parameters(rng.dirichlet(np.ones(count)), rng.normal(size=(count, m)) * 0.3,
                                   roots @ roots.transpose(0, 2, 1) + 0.01 * np.eye(m))
    return prior


# ---------------------------------------------------------------------- the noise model
def test_a_kernel_gives_the_filtered_noise_covariance_and_spectrum():
    sigma = 0.1
    noise = CorrelatedNoise.from_kernel(KERNEL * 7, sigma)  # any scale of the kernel
    field = _coloured((400, 400), sigma, seed=1)
    patches = np.stack([np.roll(field, (-a, -b), axis=(0, 1))[:-3, :-3].ravel()
                        for a in range(3) for b in range(3)], axis=1)
    empirical = np.cov(patches, rowvar=False) / sigma ** 2
    np.testing.assert_allclose(noise.patch_covariance(3), empirical, atol=0.02)
    assert noise.patch_covariance(8).shape == (64, 64)
    psd = noise.psd((32, 20))
    assert psd.mean() == pytest.approx(1.0, abs=1e-4)  # this kernel's spectrum has zeros:
    otf = np.abs(np.fft.fft2(KERNEL, (32, 20))) ** 2 / np.sum(KERNEL ** 2)  # floored at 1e-4
    np.testing.assert_allclose(psd, np.maximum(otf, 1e-4), atol=1e-12)
    # bm3d's convention, and back
    bm3d_psd = noise.bm3d_psd((32, 20))
    np.testing.assert_allclose(bm3d_psd, sigma ** 2 * 32 * 20 * np.maximum(otf, 1e-4), rtol=1e-10)
    again = CorrelatedNoise(psd=bm3d_psd)
    assert again.sigma == pytest.approx(sigma, rel=1e-5)  # up to the floor
    np.testing.assert_allclose(again.patch_covariance(8), noise.patch_covariance(8), atol=1e-4)
    assert CorrelatedNoise.from_psd(bm3d_psd, 0.2).sigma == 0.2
    assert CorrelatedNoise.from_kernel([[1.0]], 0.1).is_white() and not noise.is_white()


def test_the_half_resolution_noise_is_that_of_the_block_means():
    noise = CorrelatedNoise.from_kernel(KERNEL, 1.0)
    field = _coloured((600, 600), 1.0, seed=2)
    means = field.reshape(300, 2, 300, 2).mean(axis=(1, 3))
    half = noise.half_resolution()
    assert half.sigma == pytest.approx(means.std(), rel=0.02)
    lag = np.mean(means * np.roll(means, -1, axis=1)) / means.var()
    assert half.correlation[half.radius[0], half.radius[1] + 1] == pytest.approx(lag, abs=0.02)
    white = CorrelatedNoise.from_kernel([[1.0]], 0.2).half_resolution()
    assert white.sigma == pytest.approx(0.1) and white.is_white()


@pytest.mark.parametrize("make, match", [
    (lambda: CorrelatedNoise.from_kernel(np.zeros((3, 3)), 0.1), "non-zero"),
    (lambda: CorrelatedNoise.from_kernel(KERNEL, -1), "sigma"),
    (lambda: CorrelatedNoise(psd=-np.ones((8, 8))), "non-negative"),
    (lambda: CorrelatedNoise(psd=np.ones(8)), "2-D"),
    (lambda: CorrelatedNoise(np.ones((2, 2)), 0.1), "odd"),
])
def test_bad_noise_descriptions_are_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# ---------------------------------------------------------------------- the z-step
def test_white_noise_whitening_is_the_plain_denoiser():
    prior = _random_prior()
    patches = np.random.default_rng(3).normal(size=(500, 9)) * 0.5
    mixture = CorrelatedMixture(prior, np.eye(9))
    np.testing.assert_allclose(mixture.denoise(patches, 0.04), prior.denoise(patches, 0.04),
                               atol=1e-10)
    np.testing.assert_allclose(mixture.fast_denoiser().denoise(patches, 0.04),
                               prior.fast_denoiser().denoise(patches, 0.04), atol=1e-10)


def _posterior(prior, patches, covariance):
    """``dc + Q (mu_k + S_k (S_k + N)^-1 (c - mu_k))``, ``k`` the best under ``S_k + N``."""
    from scipy.stats import multivariate_normal

    basis = prior.basis
    coords, noise = patches @ basis, basis.T @ covariance @ basis
    means, covariances = prior._components()
    scores = np.stack([np.log(w) + multivariate_normal(mu, s + noise).logpdf(coords)
                       for w, mu, s in zip(prior.weights_, means, covariances)], axis=1)
    best = np.argmax(scores, axis=1)
    out = np.empty_like(patches)
    for n, k in enumerate(best):
        s = covariances[k]
        estimate = means[k] + s @ np.linalg.solve(s + noise, coords[n] - means[k])
        out[n] = basis @ estimate + patches[n].mean()
    return out


def test_the_correlated_zstep_is_the_exact_posterior_formula():
    prior = _random_prior()
    rng = np.random.default_rng(4)
    root = rng.normal(size=(9, 9))
    chat = root @ root.T / 9 + 0.1 * np.eye(9)
    patches = rng.normal(size=(300, 9)) * 0.5
    noise_var = 0.03
    np.testing.assert_allclose(CorrelatedMixture(prior, chat).denoise(patches, noise_var),
                               _posterior(prior, patches, noise_var * chat), atol=1e-8)


def test_a_tied_prior_stays_tied_under_a_symmetric_correlation():
    tied = _random_prior(count=3, seed=5, symmetry="dihedral")
    symmetric = CorrelatedNoise.from_kernel(KERNEL, 1.0).patch_covariance(3)
    mixture = CorrelatedMixture(tied, symmetric)
    assert mixture.whitened.symmetry == "dihedral"
    patches = np.random.default_rng(6).normal(size=(300, 9)) * 0.5
    np.testing.assert_allclose(mixture.denoise(patches, 0.02),
                               _posterior(tied, patches, 0.02 * symmetric), atol=1e-8)
    skewed = CorrelatedNoise.from_kernel([[1.0, 0.6]], 1.0).patch_covariance(3)
    untied = CorrelatedMixture(tied, skewed)
    assert untied.whitened.symmetry == "none" and len(untied.whitened.weights_) == 24
    np.testing.assert_allclose(untied.denoise(patches, 0.02),
                               _posterior(tied, patches, 0.02 * skewed), atol=1e-8)


# ---------------------------------------------------------------------- the x-step
@pytest.mark.parametrize("uniform", [True, False])
def test_the_x_step_solves_its_normal_equations(uniform):
    rng = np.random.default_rng(7)
    operator = CorrelatedData(CorrelatedNoise.from_kernel(KERNEL, 0.1))
    y, z_sum = rng.normal(size=(2, 24, 30))
    counts = 9.0 if uniform else rng.integers(1, 10, size=(24, 30)).astype(float)
    lam, beta = 3.0, 2.0
    x = operator.x_step(y, z_sum, counts, lam, beta, tol=1e-10)
    residual = lam * operator.normal(x - y) + beta * counts * x - beta * z_sum
    assert np.abs(residual).max() < 1e-6 * np.abs(z_sum).max()
    # normal is the inverse correlation: applied to the correlation's action, the identity
    image = rng.normal(size=(24, 30))
    coloured = np.real(np.fft.ifft2(np.fft.fft2(image) * operator.psd(image.shape)))
    np.testing.assert_allclose(operator.normal(coloured), image, atol=1e-10)


# ---------------------------------------------------------------------- library and command
@pytest.fixture(scope="module")
def correlated_image():
    from PIL import Image

    clean = np.asarray(Image.open("data/examples/cameraman.png").convert("L"), np.float64)
    clean = clean[64:160, 64:160] / 255
    noise = CorrelatedNoise.from_kernel(KERNEL, 25 / 255)
    return clean, noise, (clean + _coloured(clean.shape, noise.sigma, seed=8)).astype(np.float32)


def test_denoise_told_the_correlation_beats_assuming_white_noise(correlated_image):
    from skimage.metrics import peak_signal_noise_ratio as psnr

    from restore import denoise

    clean, noise, noisy = correlated_image
    ours = denoise(noisy, noise=noise, rng=0)
    assert ours.dtype == np.float32 and ours.shape == noisy.shape
    white = denoise(noisy, noise.sigma, rng=0)
    assert psnr(clean, ours, data_range=1) > psnr(clean, white, data_range=1) + 1.0
    from dataclasses import replace

    from priors.registry import get_prior
    from restore.recipes import DENOISE

    plain = replace(DENOISE, correlated_coupling="white").restore_correlated(
        noisy, noise, get_prior("gmm"), rng=0)
    assert psnr(clean, plain, data_range=1) > psnr(clean, white, data_range=1) + 1.0
    colour = np.stack([noisy, noisy[::-1], noisy.T], axis=-1)
    assert denoise(colour, noise=noise, channel_axis=-1, rng=0).shape == colour.shape


def test_correlated_noise_argument_errors(correlated_image):
    from restore import denoise

    _, noise, noisy = correlated_image
    with pytest.raises(ValueError, match="either sigma= .* or noise=CorrelatedNoise"):
        denoise(noisy, 0.1, noise=noise)
    with pytest.raises(ValueError, match="needs a Gaussian mixture prior"):
        denoise(noisy, noise=noise, prior="vae")
    with pytest.raises(ValueError, match="or a CorrelatedNoise .*not estimated"):
        denoise(noisy, noise="correlated")


def test_the_command_restores_correlated_noise(correlated_image, tmp_path, capsys):
    from restore import cli

    _, noise, noisy = correlated_image
    image, psd, kernel = tmp_path / "noisy.npy", tmp_path / "psd.npy", tmp_path / "k.npy"
    np.save(image, np.clip(noisy, 0, 1))
    np.save(psd, noise.bm3d_psd(noisy.shape))
    np.save(kernel, KERNEL)
    out = str(tmp_path / "out.npy")
    assert cli.main([str(image), "-o", out, "--noise-psd", str(psd)]) == 0
    assert "of correlated noise at sigma 25.0" in capsys.readouterr().err
    assert np.load(out).shape == noisy.shape
    assert cli.main([str(image), "-o", out, "--noise-kernel", str(kernel), "--sigma", "25"]) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"not numpy")
    for arguments, message in [
            (["--noise-psd", str(bad)], "bad --noise-psd"),
            (["--noise-psd", str(tmp_path / "missing.npy")], "no such file"),
            (["--noise-kernel", str(kernel)], "--noise-kernel needs --sigma"),
            (["--noise-psd", str(psd), "--noise-kernel", str(kernel)], "not both"),
            (["--noise-psd", str(psd), "--task", "inpaint"], "is for --task denoise"),
            (["--noise-psd", str(psd), "--prior", "vae"], "Gaussian mixture priors")]:
        assert cli.main([str(image), "-o", out, *arguments]) == 2
        error = capsys.readouterr().err
        assert message in error and len(error.strip().splitlines()) == 1
