"""The HQS solver: the x-step against a dense solve, and denoising end to end."""
import numpy as np
import pytest

from restore._patches import extract_patches, full_grid, patch_counts
from restore.epll import denoise_x_step, epll_denoise, patch_zstep_sum


def patch_operator(shape, p):
    """Dense matrix stacking every P_i (rows: patch pixels, cols: image pixels)."""
    h, w = shape
    index = np.arange(h * w).reshape(shape).astype(float)
    rows = extract_patches(index, p, *full_grid(shape, p)).astype(int)
    ops = np.zeros((rows.size, h * w))
    ops[np.arange(rows.size), rows.ravel()] = 1
    return ops


def test_x_step_solves_the_normal_equations():
    shape, p, lam, beta = (11, 9), 3, 2.5, 7.0
    rng = np.random.default_rng(0)
    y = rng.random(shape)
    n_patches = (shape[0] - p + 1) * (shape[1] - p + 1)
    z = rng.random((n_patches, p * p))
    ops = patch_operator(shape, p)
    matrix = lam * np.eye(y.size) + beta * ops.T @ ops
    expected = np.linalg.solve(matrix, lam * y.ravel() + beta * ops.T @ z.ravel())
    z_sum = (ops.T @ z.ravel()).reshape(shape)
    got = denoise_x_step(y, z_sum, patch_counts(shape, p), lam, beta)
    np.testing.assert_allclose(got.ravel(), expected, rtol=1e-10)


class IdentityPrior:
    """A prior whose z-step returns the patches unchanged."""
    patch_size = 4

    def denoise(self, patches, noise_var):
        return patches


def test_identity_z_step_keeps_the_image():
    image = np.random.default_rng(1).random((37, 31)).astype(np.float32)
    z_sum = patch_zstep_sum(image, IdentityPrior(), 0.1)
    np.testing.assert_allclose(z_sum, image * patch_counts(image.shape, 4), rtol=1e-5)
    np.testing.assert_allclose(epll_denoise(image, 0.1, IdentityPrior()), image, atol=1e-6)


def test_too_small_image_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 4x4"):
        epll_denoise(np.zeros((3, 10), np.float32), 0.1, IdentityPrior())
