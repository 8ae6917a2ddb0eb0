"""Degradation operators: adjointness, diagonals and x-steps against dense linear algebra."""
import numpy as np
import pytest

from restore.solvers.patches import patch_counts
from restore.operators import Blur, Composite, Identity, Mask

SHAPE = (37, 31)  # odd sizes catch off-by-one errors
TINY = (13, 11)


def operators(shape, seed=0):
    """One of every operator (and boundary, odd and even kernels) for images of ``shape``."""
    rng = np.random.default_rng(seed)
    known = rng.random(shape) > 0.4
    odd, even = rng.random((5, 3)), rng.random((4, 6))
    return {
        "identity": Identity(),
        "mask": Mask(known),
        "blur-circular-odd": Blur(odd, "circular"),
        "blur-circular-even": Blur(even, "circular"),
        "blur-reflect-odd": Blur(odd, "reflect"),
        "blur-reflect-even": Blur(even, "reflect"),
        "mask@blur-circular": Mask(known) @ Blur(odd, "circular"),
        "mask@blur-reflect": Mask(known) @ Blur(even, "reflect"),
    }


def dense(operator, shape):
    """The matrix of an operator, column by column."""
    columns = [operator.apply(e.reshape(shape)).ravel() for e in np.eye(np.prod(shape))]
    return np.stack(columns, axis=1)


@pytest.mark.parametrize("name", list(operators(SHAPE)))
def test_adjoint(name):
    operator = operators(SHAPE)[name]
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal(SHAPE), rng.standard_normal(SHAPE)
    assert operator.apply(x).shape == SHAPE and operator.adjoint(y).shape == SHAPE
    np.testing.assert_allclose(np.vdot(operator.apply(x), y), np.vdot(x, operator.adjoint(y)),
                               rtol=1e-10)


@pytest.mark.parametrize("name", list(operators(TINY)))
def test_x_step_matches_a_dense_solve(name):
    operator = operators(TINY)[name]
    rng = np.random.default_rng(2)
    counts = patch_counts(TINY, 4)  # not uniform: fewer patches near the borders
    y, z_sum = rng.random(TINY), rng.random(TINY) * counts
    lam, beta = 3.0, 0.7
    matrix = dense(operator, TINY)
    system = lam * matrix.T @ matrix + beta * np.diag(counts.ravel())
    expected = np.linalg.solve(system, lam * matrix.T @ y.ravel() + beta * z_sum.ravel())
    got = operator.x_step(y, z_sum, counts, lam, beta, tol=1e-12)
    np.testing.assert_allclose(got.ravel(), expected, rtol=1e-6, atol=1e-8)


def test_circular_blur_with_uniform_counts_is_one_fft_division():
    blur = Blur(np.random.default_rng(3).random((3, 5)), "circular")
    rng = np.random.default_rng(4)
    y, z_sum = rng.random(TINY), rng.random(TINY)
    matrix = dense(blur, TINY)
    system = 2.0 * matrix.T @ matrix + 0.5 * 9 * np.eye(matrix.shape[0])
    expected = np.linalg.solve(system, 2.0 * matrix.T @ y.ravel() + 0.5 * z_sum.ravel())
    got = blur.x_step(y, z_sum, np.full(TINY, 9.0), 2.0, 0.5, tol=1e-1)  # tol unused: exact
    np.testing.assert_allclose(got.ravel(), expected, rtol=1e-9)


@pytest.mark.parametrize("name", ["identity", "mask", "blur-circular-odd", "blur-circular-even",
                                  "mask@blur-circular"])
def test_normal_diagonal_is_exact_where_documented(name):
    operator = operators(TINY)[name]
    matrix = dense(operator, TINY)
    np.testing.assert_allclose(operator.normal_diagonal(TINY).ravel(),
                               np.diag(matrix.T @ matrix), rtol=1e-10, atol=1e-12)


def test_blur_centre_and_float32():
    kernel = np.zeros((3, 5))
    kernel[1, 2] = 1  # the centre: a delta leaves the image unchanged
    image = np.random.default_rng(5).random(SHAPE).astype(np.float32)
    for boundary in ("circular", "reflect"):
        blurred = Blur(kernel, boundary).apply(image)
        assert blurred.dtype == np.float32
        np.testing.assert_allclose(blurred, image, atol=1e-6)


def test_matmul_composes_in_matrix_order():
    ops = operators(TINY)
    composite = ops["mask"] @ ops["blur-reflect-odd"]
    assert isinstance(composite, Composite)
    x = np.random.default_rng(6).random(TINY)
    blurred = ops["blur-reflect-odd"].apply(x)
    np.testing.assert_allclose(composite.apply(x), ops["mask"].apply(blurred))


@pytest.mark.parametrize("make,match", [
    (lambda: Blur(np.ones((0, 3))), "non-empty 2-D"),
    (lambda: Blur(np.ones(3)), "non-empty 2-D"),
    (lambda: Blur(np.ones((3, 3)), "wrap"), "boundary"),
    (lambda: Blur(np.ones((40, 3))).apply(np.zeros(SHAPE)), "larger than"),
    (lambda: Blur(np.ones((3, 80)), "reflect").apply(np.zeros(SHAPE)), "margin"),
    (lambda: Mask(np.ones((4, 4, 2))), "2-D"),
    (lambda: Mask(np.ones((4, 4))).apply(np.zeros((5, 4))), "shape"),
])
def test_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()
