"""Noise maps: a per-pixel sigma for denoising (issue 22, part 2)."""
import numpy as np
import pytest
from skimage import data
from skimage.metrics import peak_signal_noise_ratio as psnr

from restore import denoise
from restore.solvers.noise_levels import (LEVEL_RATIO, denoise_at_levels, patch_variances,
                                          variance_levels)


@pytest.fixture(scope="module")
def clean():
    return data.camera()[180:276, 200:296].astype(np.float64) / 255  # 96x96 crop


def ramp(shape, low, high):
    """Sigma rising from ``low`` at the left edge to ``high`` at the right (0-255 scale)."""
    return np.broadcast_to(np.linspace(low, high, shape[1]) / 255, shape).copy()


def test_patch_variances_are_the_means_over_each_patch():
    values = np.random.default_rng(0).random((12, 15))
    rows, cols = np.array([0, 3, 4]), np.array([1, 7])
    got = patch_variances(values, 5, rows, cols)
    expected = [values[r:r + 5, c:c + 5].mean() for r in rows for c in cols]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_levels_round_to_the_lattice_below_the_top():
    top = 0.01
    variances = top * LEVEL_RATIO ** np.array([0, -1, -2.4, -2.6, -30]) * (1 + 1e-9)
    np.testing.assert_array_equal(variance_levels(variances, top), [0, -1, -2, -3, -30])


def test_each_patch_is_denoised_at_its_own_level():
    calls = []

    def denoise_rows(patches, noise_var):
        calls.append(noise_var)
        return patches * noise_var

    patches = np.ones((4, 3))
    variances = np.array([1.0, 0.5, 1.0, 0.25])
    out = denoise_at_levels(denoise_rows, patches, variances, top=1.0)
    levels = LEVEL_RATIO ** variance_levels(variances, 1.0)
    np.testing.assert_allclose(out[:, 0], levels)
    assert sorted(calls) == sorted(set(levels))


@pytest.mark.parametrize("channels", [None, 3])
def test_a_constant_noise_map_equals_the_scalar_sigma(clean, channels):
    rng = np.random.default_rng(1)
    image = clean if channels is None else np.stack([clean, clean[::-1], clean.T], axis=-1)
    noisy = (image + rng.normal(0, 20 / 255, image.shape)).astype(np.float32)
    axis = None if channels is None else -1
    scalar = denoise(noisy, 20 / 255, channel_axis=axis, rng=3)
    mapped = denoise(noisy, np.full(clean.shape, 20 / 255), channel_axis=axis, rng=3)
    np.testing.assert_array_equal(mapped, scalar)


def test_the_true_map_beats_its_root_mean_square_sigma(clean):
    sigma = ramp(clean.shape, 5, 50)
    noisy = clean + np.random.default_rng(2).normal(size=clean.shape) * sigma
    mapped = denoise(noisy, sigma, rng=0)
    rms = denoise(noisy, float(np.sqrt(np.mean(sigma ** 2))), rng=0)
    assert psnr(clean, mapped, data_range=1) > psnr(clean, rms, data_range=1) + 0.3


def test_a_noise_map_in_tiles_agrees_with_the_whole_image(clean):
    """Each tile anchors its levels at its own largest variance, so the two differ by the
    rounding of a patch's variance to its level (under 2.2 % in sigma), not more."""
    sigma = ramp(clean.shape, 10, 30)
    noisy = clean + np.random.default_rng(3).normal(size=clean.shape) * sigma
    whole = denoise(noisy, sigma, rng=0)
    tiled = denoise(noisy, sigma, rng=0, tile_size=48)
    assert psnr(whole, tiled, data_range=1) > 55
    assert abs(psnr(clean, tiled, data_range=1) - psnr(clean, whole, data_range=1)) < 0.02


@pytest.mark.parametrize("sigma, error, match", [
    (np.full((5, 5), 0.1), ValueError, "shape"),
    (np.full((96, 96), np.nan), ValueError, "NaN"),
    (np.full((96, 96), 20.0), ValueError, "divide 0-255"),
    (np.zeros((96, 96)), ValueError, "floor"),
    (np.full((96, 96), "a"), TypeError, "real array"),
])
def test_bad_noise_maps_are_clear_errors(clean, sigma, error, match):
    with pytest.raises(error, match=match):
        denoise(clean, sigma)


def test_a_noise_map_with_another_noise_model_is_refused(clean):
    with pytest.raises(ValueError, match="not both"):
        denoise(clean, np.full(clean.shape, 0.1), noise="poisson-gaussian")


def test_the_poisson_gaussian_map_is_the_model_variance_of_a_smoothed_pilot():
    from restore import PoissonGaussian
    from restore.core.poisson_gaussian_map import poisson_gaussian_sigma_map

    flat = np.full((20, 30, 3), 0.25)
    expected = np.sqrt(0.04 * 0.25 + 0.02 ** 2)
    np.testing.assert_allclose(poisson_gaussian_sigma_map(flat, PoissonGaussian(0.04, 0.02)),
                               expected)
    dark = np.full((20, 30), -0.5)  # a pilot below 0 counts as black: only the read noise
    np.testing.assert_allclose(poisson_gaussian_sigma_map(dark, PoissonGaussian(0.04, 0.02)),
                               0.02)


def test_poisson_gaussian_noise_is_denoised_under_its_noise_map(clean):
    from restore import PoissonGaussian
    from restore.core.poisson_gaussian_map import poisson_gaussian_sigma_map

    noise = PoissonGaussian(0.04, 0.02)
    rng = np.random.default_rng(4)
    noisy = noise.gain * rng.poisson(clean / noise.gain) + rng.normal(0, noise.sigma, clean.shape)
    restored = denoise(noisy, noise=noise, rng=0)
    np.testing.assert_array_equal(restored, denoise(noisy, poisson_gaussian_sigma_map(noisy, noise),
                                                    rng=0))
    assert psnr(clean, restored, data_range=1) > psnr(clean, np.clip(noisy, 0, 1),
                                                      data_range=1) + 5
