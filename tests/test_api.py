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
