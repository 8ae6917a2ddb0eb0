"""The public library function end to end, with the shipped GMM prior."""
import logging

import numpy as np
import pytest
from skimage import data
from skimage.metrics import peak_signal_noise_ratio as psnr

from restore import denoise, estimate_sigma


@pytest.fixture(scope="module")
def clean():
    return data.camera()[200:264, 220:290].astype(np.float64) / 255  # 64x70 crop


def noisy_version(image, sigma, seed=0):
    return image + np.random.default_rng(seed).normal(0, sigma, image.shape)


def test_denoise_gains_more_than_5_db(clean):
    noisy = noisy_version(clean, 25 / 255)
    restored = denoise(noisy, 25 / 255)
    assert restored.shape == clean.shape and restored.dtype == np.float64
    assert restored.min() >= 0 and restored.max() <= 1
    assert psnr(clean, restored, data_range=1) > psnr(clean, np.clip(noisy, 0, 1), data_range=1) + 5


def test_float32_stays_float32(clean):
    restored = denoise(noisy_version(clean, 0.1).astype(np.float32), 0.1)
    assert restored.dtype == np.float32


def test_unknown_sigma_is_estimated_and_reported(clean, caplog):
    noisy = noisy_version(clean, 25 / 255)
    assert abs(estimate_sigma(noisy) - 25 / 255) < 0.02
    with caplog.at_level(logging.INFO, logger="restore"):
        restored = denoise(noisy)
    assert "estimated noise sigma" in caplog.text
    assert psnr(clean, restored, data_range=1) > psnr(clean, np.clip(noisy, 0, 1), data_range=1) + 4


def test_colour_image_with_channel_axis(clean):
    rgb = np.stack([clean, clean ** 1.2, clean ** 0.8], axis=0)  # channels first
    noisy = noisy_version(rgb, 25 / 255)
    restored = denoise(noisy, 25 / 255, channel_axis=0)
    assert restored.shape == rgb.shape
    assert psnr(rgb, restored, data_range=1) > psnr(rgb, np.clip(noisy, 0, 1), data_range=1) + 5


@pytest.mark.parametrize("sigma,match", [(-0.1, "positive"), (float("nan"), "positive"),
                                         (25, "0, 1"), ("abc", "number")])
def test_bad_sigma_is_a_clear_error(clean, sigma, match):
    with pytest.raises((ValueError, TypeError), match=match):
        denoise(clean, sigma)


def test_bad_images_are_clear_errors(clean):
    with pytest.raises(ValueError, match="NaN"):
        denoise(np.full((16, 16), np.nan), 0.1)
    with pytest.raises(ValueError, match="channel_axis"):
        denoise(np.zeros((16, 16, 3)), 0.1)
    with pytest.raises(ValueError, match="unknown prior"):
        denoise(clean, 0.1, prior="nope")


# ----------------------------------------------------------------------------- deblur
from restore import deblur, inpaint  # noqa: E402
from restore.operators.kernels import gaussian_kernel, motion_kernel  # noqa: E402
from restore.operators import Blur  # noqa: E402


def blurred_version(image, kernel, sigma, boundary="circular", seed=0):
    return Blur(kernel, boundary).apply(image) + np.random.default_rng(seed).normal(0, sigma,
                                                                                   image.shape)


@pytest.mark.parametrize("boundary", ["circular", "reflect"])
def test_deblur_beats_the_blurred_input(clean, boundary):
    kernel = motion_kernel(7, 30)
    blurred = blurred_version(clean, kernel, 0.01, boundary)
    restored = deblur(blurred, kernel, 0.01, boundary=boundary, rng=0)
    assert restored.shape == clean.shape and restored.dtype == np.float64
    assert psnr(clean, restored, data_range=1) > psnr(clean, np.clip(blurred, 0, 1),
                                                      data_range=1) + 2


def test_deblur_normalises_the_kernel_and_keeps_float32(clean):
    kernel = gaussian_kernel(1.2)
    blurred = blurred_version(clean, kernel, 0.01).astype(np.float32)
    first = deblur(blurred, kernel, 0.01, rng=0)
    second = deblur(blurred, 7 * kernel, 0.01, rng=0)
    assert first.dtype == np.float32
    # float32 rounding of the two kernels may flip a near-tie between components on a few
    # pixels; an unnormalised kernel would be off by far more (a 7 times brighter blur)
    np.testing.assert_allclose(first, second, atol=1e-3)


def test_deblur_colour(clean):
    rgb = np.stack([clean, clean ** 1.2, clean ** 0.8], axis=-1)
    kernel = gaussian_kernel(1.0)
    blurred = np.stack([blurred_version(rgb[..., c], kernel, 0.01, seed=c) for c in range(3)],
                       axis=-1)
    restored = deblur(blurred, kernel, 0.01, channel_axis=-1, rng=0, boundary="circular")
    assert restored.shape == rgb.shape
    assert psnr(rgb, restored, data_range=1) > psnr(rgb, np.clip(blurred, 0, 1), data_range=1) + 1


@pytest.mark.parametrize("kernel,match", [
    (np.zeros((0, 3)), "empty"), (np.ones(3), "2-D"), (np.zeros((3, 3)), "all zeros"),
    (np.array([[0.5, -0.1, 0.6]]), "negative"), (np.ones((80, 3)), "larger than"),
])
def test_deblur_bad_kernels_are_clear_errors(clean, kernel, match):
    with pytest.raises(ValueError, match=match):
        deblur(clean, kernel, 0.01)


@pytest.mark.parametrize("blur", ["reflect", "circular"])
def test_deblur_without_a_boundary_guess_beats_the_input_whatever_the_blur(clean, blur):
    """The default (unknown boundary) gains on mirrored and on circular blurs alike; the
    wrong guess of the borders loses on a circular blur."""
    import inspect

    assert inspect.signature(deblur).parameters["boundary"].default == "unknown"
    kernel = motion_kernel(9, 30)
    blurred = blurred_version(clean, kernel, 0.01, blur)
    before = psnr(clean, np.clip(blurred, 0, 1), data_range=1)
    restored = deblur(blurred, kernel, 0.01, rng=0)
    assert restored.shape == clean.shape
    assert psnr(clean, restored, data_range=1) > before + 2


def test_deblur_bad_boundary_and_sigma(clean):
    with pytest.raises(ValueError, match="boundary must be one of .'unknown', 'reflect', "
                                         "'circular'.*'wrap'"):
        deblur(clean, np.ones((3, 3)), 0.01, boundary="wrap")
    with pytest.raises(ValueError, match="positive"):
        deblur(clean, np.ones((3, 3)), 0.0)


# ----------------------------------------------------------------------------- inpaint
def test_inpaint_beats_a_smooth_fill(clean):
    from restore.recipes.starts import fill_missing

    known = np.random.default_rng(1).random(clean.shape) > 0.5
    damaged = np.where(known, clean, 0.0)
    restored = inpaint(damaged, known, rng=0)
    assert restored.shape == clean.shape and restored.dtype == np.float64
    assert np.abs(restored[known] - clean[known]).max() < 0.02  # known pixels stay
    assert psnr(clean, restored, data_range=1) > psnr(clean, fill_missing(damaged, known),
                                                      data_range=1)


def test_inpaint_colour_and_integer_masks(clean):
    rgb = np.stack([clean, clean ** 1.2, clean ** 0.8], axis=0).astype(np.float32)
    known = (np.random.default_rng(2).random(clean.shape) > 0.3).astype(np.uint8)
    restored = inpaint(rgb * known, known, channel_axis=0, rng=0)
    assert restored.shape == rgb.shape and restored.dtype == np.float32
    assert psnr(rgb, restored, data_range=1) > 25


@pytest.mark.parametrize("mask,match", [
    (np.ones((64, 71), bool), "shape"), (np.ones((64, 70, 3), bool), "shape"),
    (np.full((64, 70), 0.5), "0/1"), (np.zeros((64, 70), bool), "no known pixel"),
])
def test_inpaint_bad_masks_are_clear_errors(clean, mask, match):
    with pytest.raises(ValueError, match=match):
        inpaint(clean, mask)
