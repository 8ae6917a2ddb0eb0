"""Opponent colour planes and half-resolution chrominance (restore/colour.py)."""
import numpy as np

from restore.recipes.colour import (PLANE_SCALES, opponent_to_rgb, planes_to_rgb,
                                    restore_at_half_resolution, restore_planes, rgb_to_opponent,
                                    rgb_to_planes)


def test_opponent_transform_is_orthonormal_and_inverted():
    rgb = np.random.default_rng(0).random((5, 7, 3))
    planes = rgb_to_opponent(rgb)
    np.testing.assert_allclose(opponent_to_rgb(planes), rgb, atol=1e-12)
    np.testing.assert_allclose((planes ** 2).sum(), (rgb ** 2).sum())  # norms kept


def test_scaled_planes_luminance_is_the_mean_and_noise_scales():
    rng = np.random.default_rng(1)
    rgb = rng.random((4, 6, 3))
    planes = rgb_to_planes(rgb)
    np.testing.assert_allclose(planes[..., 0], rgb.mean(axis=-1), atol=1e-12)
    np.testing.assert_allclose(planes_to_rgb(planes), rgb, atol=1e-12)
    noise = rgb_to_planes(rng.normal(0, 0.1, (200, 200, 3)))
    np.testing.assert_allclose(noise.std(axis=(0, 1)), 0.1 * PLANE_SCALES, rtol=0.03)
    assert abs(np.corrcoef(noise.reshape(-1, 3).T)[0, 1]) < 0.02  # still independent


def test_half_resolution_restores_block_means_at_half_sigma():
    plane = np.add.outer(np.arange(9.0), 2 * np.arange(13.0)) / 40  # odd sizes, a smooth ramp
    seen = []

    def restore(means, sigma):
        seen.append((means.shape, sigma))
        return means

    out = restore_at_half_resolution(plane, 0.2, restore)
    assert seen == [((5, 7), 0.1)]
    assert out.shape == plane.shape and out.dtype == plane.dtype
    # a linear ramp survives block averaging and bilinear upsampling away from the edges
    np.testing.assert_allclose(out[1:-2, 1:-2], plane[1:-2, 1:-2], atol=1e-12)


def test_half_resolution_reduces_noise_on_a_smooth_plane():
    rng = np.random.default_rng(2)
    clean = np.add.outer(np.linspace(0, 0.3, 64), np.linspace(0, 0.2, 64))
    noisy = clean + rng.normal(0, 0.05, clean.shape)
    out = restore_at_half_resolution(noisy, 0.05, lambda means, sigma: means)
    assert np.mean((out - clean) ** 2) < 0.5 * np.mean((noisy - clean) ** 2)


def test_the_chrominance_planes_can_take_a_restorer_of_their_own():
    rgb = np.random.default_rng(3).random((8, 10, 3))
    calls = []

    def luminance(plane, sigma, clip):
        calls.append(("luminance", plane.shape, sigma))
        return plane

    def chrominance(plane, sigma, clip):
        calls.append(("chrominance", plane.shape, sigma))
        return np.zeros_like(plane)  # the chrominance dropped: grey of the mean

    out = restore_planes(rgb, 0.1, luminance, restore_chroma=chrominance)
    assert calls == [("luminance", (8, 10), 0.1 * PLANE_SCALES[0])] + [
        ("chrominance", (8, 10), 0.1 * PLANE_SCALES[c]) for c in (1, 2)]
    np.testing.assert_allclose(out, np.repeat(rgb.mean(axis=2, keepdims=True), 3, axis=2),
                               atol=1e-6)
    calls.clear()
    np.testing.assert_allclose(restore_planes(rgb, 0.1, luminance), rgb, atol=1e-6)
    assert [kind for kind, _, _ in calls] == ["luminance"] * 3
