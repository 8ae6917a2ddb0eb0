"""Deblurring without a boundary guess: the cropped blur ``A = M H`` on an extended grid
(adjoint, model, x-step against dense linear algebra) and its starting points."""
import numpy as np
import pytest
from scipy.signal import convolve2d

from restore.operators import Blur, CroppedBlur
from restore.recipes.starts import (mirrored_wiener_deconvolution, smooth_deconvolution,
                                    wiener_deconvolution)
from restore.solvers.patches import patch_counts

SHAPE = (37, 31)  # odd sizes catch off-by-one errors
TINY = (9, 7)
KERNELS = {"odd": (5, 3), "even": (4, 6)}


def cropped(kind, shape, seed=0):
    return CroppedBlur(np.random.default_rng(seed).random(KERNELS[kind]), shape)


def dense(operator):
    grid = operator.grid
    columns = [operator.apply(e.reshape(grid)).ravel() for e in np.eye(np.prod(grid))]
    return np.stack(columns, axis=1)


@pytest.mark.parametrize("kind", list(KERNELS))
def test_adjoint(kind):
    operator = cropped(kind, SHAPE)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal(operator.grid), rng.standard_normal(operator.grid)
    np.testing.assert_allclose(np.vdot(operator.apply(x), y), np.vdot(x, operator.adjoint(y)),
                               rtol=1e-10)


@pytest.mark.parametrize("kind", list(KERNELS))
def test_the_observed_pixels_are_the_valid_convolution_of_the_extended_image(kind):
    operator = cropped(kind, SHAPE)
    kh, kw = operator.inner.kernel.shape
    assert operator.grid[0] >= SHAPE[0] + kh - 1 and operator.grid[1] >= SHAPE[1] + kw - 1
    x = np.random.default_rng(2).random(operator.grid)
    blurred = operator.apply(x)
    valid = convolve2d(x[:SHAPE[0] + kh - 1, :SHAPE[1] + kw - 1], operator.inner.kernel, "valid")
    np.testing.assert_allclose(operator.crop(blurred), valid, atol=1e-12)
    outside = np.ones(operator.grid, dtype=bool)
    outside[operator.interior] = False
    assert not blurred[outside].any()  # what wraps around is not observed


@pytest.mark.parametrize("kind", list(KERNELS))
def test_x_step_solves_its_normal_equations(kind):
    operator = cropped(kind, TINY)
    grid = operator.grid
    rng = np.random.default_rng(3)
    counts = patch_counts(grid, 4)  # not uniform: fewer patches near the borders
    y, z_sum = rng.random(grid), rng.random(grid) * counts
    lam, beta = 3.0, 0.7
    matrix = dense(operator)
    system = lam * matrix.T @ matrix + beta * np.diag(counts.ravel())
    expected = np.linalg.solve(system, lam * matrix.T @ y.ravel() + beta * z_sum.ravel())
    got = operator.x_step(y, z_sum, counts, lam, beta, tol=1e-12)
    np.testing.assert_allclose(got.ravel(), expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(operator.normal_diagonal(grid).ravel(),
                               np.diag(matrix.T @ matrix), rtol=1e-10, atol=1e-12)


def test_extend_mirrors_the_observation_and_crop_takes_it_back():
    operator = cropped("even", SHAPE)
    image = np.random.default_rng(4).random(SHAPE)
    extended = operator.extend(image)
    assert extended.shape == operator.grid
    np.testing.assert_array_equal(operator.crop(extended), image)
    rows, _ = operator.interior
    np.testing.assert_array_equal(extended[rows.start - 1], extended[rows.start])  # mirrored
    with pytest.raises(ValueError, match="observes"):
        operator.extend(np.zeros((5, 5)))


def test_smooth_deconvolution_solves_its_normal_equations():
    operator = cropped("odd", TINY)
    grid = operator.grid
    y = np.random.default_rng(5).random(grid)
    laplacian = np.zeros(grid)
    laplacian[0, 0] = 4.0
    laplacian[[0, 1, 0, -1], [1, 0, -1, 0]] = -1.0
    smoothing = np.stack([np.roll(laplacian, shift, axis=(0, 1)).ravel()
                          for shift in np.ndindex(*grid)], axis=1)  # circular Laplacian
    matrix = dense(operator)
    balance = 0.05
    expected = np.linalg.solve(matrix.T @ matrix + balance * smoothing.T @ smoothing,
                               matrix.T @ y.ravel())
    got = smooth_deconvolution(y, operator, balance, np.zeros(grid), tol=1e-12,
                               max_iterations=1000)
    np.testing.assert_allclose(got.ravel(), expected, rtol=1e-6, atol=1e-8)


def test_mirrored_wiener_is_the_reflect_wiener_for_a_symmetric_kernel():
    kernel = np.outer([1.0, 2.0, 1.0], [1.0, 3.0, 5.0, 3.0, 1.0])
    kernel /= kernel.sum()
    image = np.random.default_rng(6).random(SHAPE)
    reflect = wiener_deconvolution(image, Blur(kernel, "reflect"), 0.01)
    grid, offset = (50, 41), (3, 4)
    mirrored = mirrored_wiener_deconvolution(image, kernel, 0.01, grid, offset)
    assert mirrored.shape == grid
    # the reflect Wiener runs conjugate gradients to 1e-6
    np.testing.assert_allclose(mirrored[3:3 + SHAPE[0], 4:4 + SHAPE[1]], reflect, atol=2e-4)
