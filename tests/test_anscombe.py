"""The generalised Anscombe transform and its exact unbiased inverse."""
import numpy as np
import pytest

from restore.core.anscombe import PoissonGaussian, restore_poisson_gaussian

LEVELS = [(0.01, 0.02), (0.04, 0.04), (0.002, 0.0)]


def _noisy(x, noise, size, seed=0):
    rng = np.random.default_rng(seed)
    return noise.gain * rng.poisson(x / noise.gain, size) + rng.normal(0, noise.sigma, size)


@pytest.mark.parametrize("gain, sigma", LEVELS)
def test_expectation_matches_monte_carlo_and_the_inverse_undoes_it(gain, sigma):
    noise = PoissonGaussian(gain, sigma)
    xs = np.array([0.0, 0.005, 0.05, 0.3, 0.9])
    expected = noise.expected_forward(xs)
    for x, value in zip(xs, expected):
        samples = noise.forward(_noisy(x, noise, 1_000_000))
        standard_error = max(samples.std(), 1e-3) / np.sqrt(samples.size)
        assert abs(samples.mean() - value) < 4 * standard_error
    np.testing.assert_allclose(noise.exact_unbiased_inverse(expected), xs, atol=2e-5)


@pytest.mark.parametrize("gain, sigma", LEVELS)
def test_the_transform_makes_the_noise_unit_variance(gain, sigma):
    noise = PoissonGaussian(gain, sigma)
    for x in (0.1, 0.5, 0.9):
        assert abs(noise.forward(_noisy(x, noise, 200_000)).std() - 1) < 0.05  # 2.5 counts: 1.04


def test_the_inverse_is_monotone_zero_below_and_continues_beyond_the_table():
    noise = PoissonGaussian(0.01, 0.02)
    values = noise.exact_unbiased_inverse(np.linspace(-5, 40, 500))
    assert np.all(np.diff(values) >= 0) and values[0] == 0
    beyond = noise.expected_forward([1.5])
    np.testing.assert_allclose(noise.exact_unbiased_inverse(beyond, top=1.0), 1.5, atol=2e-3)


def test_restoring_a_flat_image_is_unbiased():
    noise = PoissonGaussian(0.04, 0.04)
    flat = np.full((64, 64), 0.05)
    noisy = _noisy(flat, noise, flat.shape).astype(np.float32)
    # a perfect Gaussian denoiser of a flat image returns the mean of the transformed image
    restored = restore_poisson_gaussian(noisy, noise, lambda z, s: np.full_like(z, z.mean()))
    assert abs(restored.mean() - 0.05) < 0.003
    assert abs(noise.algebraic_inverse(noise.forward(noisy).mean()) - 0.05) > 0.005  # biased


@pytest.mark.parametrize("gain, sigma", [(0, 0.1), (-1, 0.1), (np.nan, 0.1), (0.1, -0.5)])
def test_bad_parameters_are_refused(gain, sigma):
    with pytest.raises(ValueError, match="gain must|sigma must"):
        PoissonGaussian(gain, sigma)


@pytest.fixture(scope="module")
def shot_noise():
    from PIL import Image

    clean = np.asarray(Image.open("data/examples/cameraman.png").convert("L"), np.float64) / 255
    noise = PoissonGaussian(0.01, 0.02)
    return clean, noise, _noisy(clean, noise, clean.shape, seed=3).astype(np.float32)


def test_denoise_through_the_transform_beats_the_gaussian_denoiser(shot_noise):
    from skimage.metrics import peak_signal_noise_ratio as psnr

    from restore import denoise

    clean, noise, noisy = shot_noise
    ours = denoise(noisy, noise=noise, rng=0)
    assert ours.dtype == np.float32 and ours.min() >= 0 and ours.max() <= 1
    equivalent = float(np.sqrt(np.mean(noise.gain * clean + noise.sigma**2)))
    gaussian = denoise(noisy, equivalent, rng=0)
    assert psnr(clean, ours, data_range=1) > psnr(clean, gaussian, data_range=1) + 1.0
    estimated = denoise(noisy, noise="poisson-gaussian", rng=0)
    assert abs(psnr(clean, estimated, data_range=1) - psnr(clean, ours, data_range=1)) < 0.3


def test_noise_argument_errors(shot_noise):
    from restore import denoise

    _, noise, noisy = shot_noise
    with pytest.raises(ValueError, match="either sigma= .* or noise="):
        denoise(noisy, 0.1, noise=noise)
    with pytest.raises(ValueError, match="noise must be a PoissonGaussian"):
        denoise(noisy, noise="poisson")


def test_the_command_restores_poisson_gaussian_noise(shot_noise, tmp_path, capsys):
    from restore import cli

    _, _, noisy = shot_noise
    path = tmp_path / "noisy.npy"
    np.save(path, np.clip(noisy, 0, 1))
    assert cli.main([str(path), "-o", str(tmp_path / "out.npy"), "--noise",
                     "poisson-gaussian"]) == 0
    assert "estimated Poisson-Gaussian noise: gain" in capsys.readouterr().out
    assert np.load(tmp_path / "out.npy").shape == noisy.shape
    assert cli.main([str(path), "-o", str(tmp_path / "out.npy"), "--gain", "2"]) == 2
    assert cli.main([str(path), "-o", str(tmp_path / "o.npy"), "--noise", "poisson-gaussian",
                     "--gain", "-1"]) == 2
    assert "--gain is for --noise poisson-gaussian" in capsys.readouterr().err
