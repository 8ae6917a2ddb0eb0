"""The noise estimators: white Gaussian sigma and Poisson-Gaussian (a, b) on synthetic images
with known noise; colour; small images; determinism; the pieces (texture threshold,
Marchenko-Pastur quantiles, the constrained line)."""
import numpy as np
import pytest

from restore import estimate_noise_poisson_gaussian, estimate_sigma
from restore.core import noise_level
from restore.core.noise_poisson_gaussian import fit_variance_line


def smooth_image(height=160, width=144):
    """A smooth synthetic scene: a ramp plus slow waves, in [0.1, 0.9]."""
    rows, cols = np.mgrid[0:height, 0:width] / max(height, width)
    return 0.5 + 0.25 * (cols - 0.5) + 0.1 * np.sin(5 * rows) * np.cos(4 * cols)


def textured_image(height=160, width=160):
    """Half smooth, half a fine texture (stripes of period 3 px and amplitude 0.15)."""
    image = smooth_image(height, width)
    cols = np.arange(width)
    image[:, width // 2:] += 0.15 * np.sin(2 * np.pi * cols[width // 2:] / 3)
    return image


def noisy(image, sigma, seed=0):
    return image + sigma * np.random.default_rng(seed).standard_normal(image.shape)


@pytest.mark.parametrize("sigma255", [2, 10, 25, 50])
def test_sigma_of_a_smooth_image_is_within_four_percent(sigma255):
    estimates = [estimate_sigma(noisy(smooth_image(), sigma255 / 255, seed)) * 255
                 for seed in range(3)]
    assert np.allclose(estimates, sigma255, rtol=0.04), estimates


@pytest.mark.parametrize("sigma255", [5, 25])
def test_sigma_of_a_textured_image_ignores_the_texture(sigma255):
    image = noisy(textured_image(), sigma255 / 255)
    ours = estimate_sigma(image) * 255
    wavelet = estimate_sigma(image, method="wavelet") * 255
    assert ours == pytest.approx(sigma255, rel=0.06)
    if sigma255 == 5:  # the stripes fool the wavelet at low noise
        assert abs(ours - sigma255) < abs(wavelet - sigma255) / 3


def test_colour_channels_are_averaged_on_any_axis():
    rng = np.random.default_rng(1)
    clean = np.stack([smooth_image(), smooth_image()[::-1], 0.8 - 0.5 * smooth_image()], axis=-1)
    image = clean + rng.standard_normal(clean.shape) * np.array([8, 10, 12]) / 255
    last = estimate_sigma(image, channel_axis=-1)
    first = estimate_sigma(np.moveaxis(image, -1, 0), channel_axis=0)
    per_channel = [estimate_sigma(image[..., c]) for c in range(3)]
    assert last == first == pytest.approx(np.mean(per_channel))
    assert last * 255 == pytest.approx(10, rel=0.04)


def test_integer_and_float32_images():
    image = noisy(smooth_image(), 10 / 255)
    as_uint8 = np.clip(np.round(image * 255), 0, 255).astype(np.uint8)
    assert estimate_sigma(image.astype(np.float32)) == pytest.approx(estimate_sigma(image),
                                                                     rel=1e-3)
    # rounding to 8 bits adds its own noise of 1/sqrt(12) grey levels
    assert estimate_sigma(as_uint8) * 255 == pytest.approx(np.hypot(10, 12**-0.5), rel=0.04)


def test_the_estimate_is_deterministic():
    image = noisy(textured_image(), 0.05)
    assert estimate_sigma(image) == estimate_sigma(image.copy())
    assert estimate_noise_poisson_gaussian(image) == estimate_noise_poisson_gaussian(image.copy())


def test_small_images_fall_back_to_the_wavelet_and_tiny_ones_are_refused():
    image = noisy(np.full((14, 15), 0.5), 0.1, seed=3)
    assert estimate_sigma(image) == estimate_sigma(image, method="wavelet")
    assert 0.05 < estimate_sigma(image) < 0.15
    assert estimate_sigma(noisy(np.full((24, 24), 0.5), 0.1)) == pytest.approx(0.1, rel=0.15)
    with pytest.raises(ValueError, match="7x5 pixels.*8x8"):
        estimate_sigma(np.zeros((5, 7)))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="method must be one of"):
        estimate_sigma(np.zeros((32, 32)), method="mad")
    with pytest.raises(ValueError, match="NaN"):
        estimate_sigma(np.full((32, 32), np.nan))
    with pytest.raises(ValueError, match="statistic must be one of"):
        noise_level.patch_variance(np.zeros((200, 49)), "median")


def test_a_noise_free_image_gives_zero():
    assert estimate_sigma(smooth_image()) < 0.2 / 255


def test_the_texture_threshold_keeps_nearly_all_pure_noise_patches():
    plane = np.random.default_rng(4).standard_normal((300, 300))
    _, texture = noise_level.centred_patches(plane)
    kept = np.mean(texture < noise_level.texture_threshold())
    # Liu et al.'s gamma law matches the texture's mean, not its spread: 97.7 %, not 99 %
    assert 0.97 < kept < noise_level.CONFIDENCE


def test_a_sparse_patch_grid_gives_the_full_grids_values_at_its_positions():
    plane = np.random.default_rng(10).random((37, 31))
    full = noise_level.centred_patches(plane, 7, 1, with_means=True)
    sparse = noise_level.centred_patches(plane, 7, 3, with_means=True)
    positions = np.arange(31 * 25).reshape(31, 25)[::3, ::3].ravel()
    for every, some in zip(full, sparse):
        np.testing.assert_allclose(every[positions], some, rtol=1e-5, atol=1e-6)
    horizontal = (0.5 * (plane[:, 2:] - plane[:, :-2]))**2
    vertical = (0.5 * (plane[2:] - plane[:-2]))**2
    assert full[1][0] == pytest.approx(horizontal[:7, :5].sum() + vertical[:5, :7].sum())


def test_marchenko_pastur_quantiles_average_to_one_and_spread_with_fewer_samples():
    few, many = (noise_level.marchenko_pastur_quantiles(48, n) for n in (500, 50_000))
    assert few.mean() == pytest.approx(1, abs=0.01) and many.mean() == pytest.approx(1, abs=0.01)
    assert few[0] < many[0] < 1 < many[-1] < few[-1]
    assert few[0] == pytest.approx((1 - np.sqrt(48 / 500))**2, abs=0.03)


def test_pure_noise_variance_is_unbiased_at_any_number_of_patches():
    rng = np.random.default_rng(5)
    for rows in (400, 4000):
        patches = rng.standard_normal((rows, 49))
        patches -= patches.mean(axis=1, keepdims=True)
        estimates = [noise_level.patch_variance(patches)]
        assert estimates[0] == pytest.approx(1, rel=0.1 if rows == 400 else 0.04)


def test_the_eigenvalue_statistic_is_the_mean_of_a_symmetric_bulk():
    values = np.array([0.9, 1.0, 1.1, 0.95, 1.05, 30.0, 80.0])
    assert noise_level.eigenvalue_statistic(values) == pytest.approx(1.0)


def ramp(height=192, width=192):
    return np.tile(np.linspace(0.03, 0.97, width), (height, 1))


@pytest.mark.parametrize("a,b", [(0.01, 0.02), (0.04, 0.04), (0.002, 0.01)])
def test_poisson_gaussian_parameters_of_a_ramp(a, b):
    rng = np.random.default_rng(6)
    image = a * rng.poisson(ramp() / a) + b * rng.standard_normal(ramp().shape)
    a_hat, b_hat = estimate_noise_poisson_gaussian(image)
    assert a_hat == pytest.approx(a, rel=0.12)
    assert b_hat == pytest.approx(b, rel=0.15)


def test_poisson_gaussian_of_white_noise_has_no_signal_dependent_part():
    a_hat, b_hat = estimate_noise_poisson_gaussian(noisy(ramp(), 0.05, seed=7))
    assert a_hat < 0.001 and b_hat == pytest.approx(0.05, rel=0.05)


def test_poisson_gaussian_colour_channels_share_one_fit():
    rng = np.random.default_rng(8)
    clean = np.stack([ramp(), ramp()[:, ::-1], 0.5 * ramp() + 0.25], axis=0)
    image = 0.02 * rng.poisson(clean / 0.02) + 0.03 * rng.standard_normal(clean.shape)
    a_hat, b_hat = estimate_noise_poisson_gaussian(image, channel_axis=0)
    assert a_hat == pytest.approx(0.02, rel=0.1) and b_hat == pytest.approx(0.03, rel=0.15)


def test_poisson_gaussian_needs_a_large_enough_image():
    with pytest.raises(ValueError, match="too small to estimate Poisson-Gaussian"):
        estimate_noise_poisson_gaussian(noisy(ramp(40, 40), 0.05))


def test_the_variance_line_is_exact_on_exact_points_and_never_negative():
    means = np.linspace(0.1, 0.9, 8)
    assert fit_variance_line(means, 0.01 * means + 4e-4, np.full(8, 1000)) == \
        pytest.approx((0.01, 4e-4))
    a, b2 = fit_variance_line(means, 0.02 - 0.01 * means, np.full(8, 1000))
    assert a == 0 and b2 > 0
    a, b2 = fit_variance_line(means, 0.02 * means - 0.001, np.full(8, 1000))
    assert b2 == 0 and a > 0


def test_the_benchmark_writes_its_json_and_table(tmp_path):
    from PIL import Image

    from benchmarks import noise_estimation

    rng = np.random.default_rng(9)
    for folder in ("train", "test"):
        (tmp_path / folder).mkdir()
        for i in range(2):
            pixels = np.clip(smooth_image(80, 84) * 255 + rng.normal(0, 2, (80, 84)), 0, 255)
            Image.fromarray(pixels.astype(np.uint8)).save(tmp_path / folder / f"{i}.png")
    status = noise_estimation.main(["--train", str(tmp_path / "train"), "--test",
                                    str(tmp_path / "test"), "--sigmas", "5", "25", "--out",
                                    str(tmp_path / "out")])
    assert status == 0
    text = (tmp_path / "out" / "noise_estimation.md").read_text()
    assert "| Train400 (2) | 5 |" in text and "| BSD68 (2) | 25 |" in text
    assert "| BSD68 (2) | 0.04 | 0.04 |" in text
    from benchmarks.harness.results import read_json

    key, section = noise_estimation.render_results([read_json(tmp_path / "out" /
                                                              "noise_estimation.json")])
    assert key == "noise-estimation" and section == text.strip("\n")
