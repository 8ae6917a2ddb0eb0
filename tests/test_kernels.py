"""Blur kernels and the solver's starting points."""
import numpy as np
import pytest

from restore.recipes.starts import fill_missing, wiener_deconvolution
from restore.operators.kernels import check_kernel, gaussian_kernel, motion_kernel
from restore.operators import Blur


def test_check_kernel_normalises():
    kernel = check_kernel(np.array([[0, 2], [2, 4]], dtype=np.uint8))
    assert kernel.dtype == np.float64 and kernel.sum() == pytest.approx(1)
    np.testing.assert_allclose(kernel, [[0, 0.25], [0.25, 0.5]])


@pytest.mark.parametrize("kernel,error,match", [
    (np.zeros((0, 3)), ValueError, "empty"),
    (np.ones(5), ValueError, "2-D"),
    (np.zeros((3, 3)), ValueError, "all zeros"),
    (np.array([[1.0, -0.1]]), ValueError, "negative"),
    (np.array([[1.0, np.nan]]), ValueError, "NaN"),
    (np.array([["a"]]), TypeError, "numeric"),
])
def test_bad_kernels(kernel, error, match):
    with pytest.raises(error, match=match):
        check_kernel(kernel)


def test_gaussian_kernel():
    kernel = gaussian_kernel(1.6)
    assert kernel.shape == (11, 11) and kernel.sum() == pytest.approx(1)
    np.testing.assert_allclose(kernel, kernel.T)
    assert kernel.argmax() == kernel.size // 2
    with pytest.raises(ValueError, match="positive"):
        gaussian_kernel(0)


@pytest.mark.parametrize("angle,spread_axis", [(0, 1), (90, 0), (180, 1)])
def test_motion_kernel_direction_and_centre(angle, spread_axis):
    kernel = motion_kernel(9, angle)
    assert kernel.sum() == pytest.approx(1) and kernel.min() >= 0
    rows, cols = np.indices(kernel.shape)
    centre = kernel.shape[0] // 2
    assert (kernel * rows).sum() == pytest.approx(centre)
    assert (kernel * cols).sum() == pytest.approx(centre)
    extent = np.nonzero(kernel.sum(axis=1 - spread_axis))[0]
    assert extent.max() - extent.min() >= 8
    assert np.count_nonzero(kernel.sum(axis=spread_axis)) <= 2


def test_motion_kernel_diagonal_goes_up_to_the_right():
    kernel = motion_kernel(9, 45)  # 11x11, centre (5, 5)
    assert kernel[2, 8] > 0 and kernel[8, 2] > 0 and kernel[2, 2] == 0 and kernel[8, 8] == 0


def test_wiener_inverts_a_circular_blur_without_noise():
    image = np.random.default_rng(0).random((37, 31))
    blur = Blur(gaussian_kernel(0.7), "circular")
    restored = wiener_deconvolution(blur.apply(image), blur, 1e-10)
    np.testing.assert_allclose(restored, image, atol=1e-4)


@pytest.mark.parametrize("boundary", ["circular", "reflect"])
def test_wiener_solves_the_tikhonov_problem(boundary):
    rows, cols = np.mgrid[:37, :31]
    image = 0.5 + 0.3 * np.sin(rows / 3.0) * np.cos(cols / 4.0)
    blur = Blur(motion_kernel(7, 30), boundary)
    blurred = blur.apply(image)
    restored = wiener_deconvolution(blurred, blur, 1e-3)
    gradient = blur.adjoint(blur.apply(restored) - blurred) + 1e-3 * restored
    assert np.abs(gradient).max() < 1e-5
    assert np.abs(restored - image).mean() < 0.5 * np.abs(blurred - image).mean()


def test_fill_missing_keeps_known_and_fills_everything():
    rows, cols = np.mgrid[:37, :31]
    image = (rows + cols) / 70.0
    known = np.random.default_rng(1).random(image.shape) > 0.8
    known[10:25, 5:20] = False  # a big hole too
    filled = fill_missing(np.where(known, image, 0), known)
    np.testing.assert_array_equal(filled[known], image[known])
    assert np.abs(filled - image).max() < 0.2
    assert np.all(fill_missing(np.zeros((5, 5)), np.zeros((5, 5), bool)) == 0.5)
