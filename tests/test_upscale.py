"""Super-resolution: the downsampling operator, its x-steps, the recipe and ``restore.upscale``."""
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from restore.operators import Blur, Mask
from restore.operators.downsample import Downsample, bicubic_kernel, cubic, sampling_mask
from restore.operators.kernels import gaussian_kernel
from restore.solvers.patches import patch_counts

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


def downsamplers(shape, seed=0):
    """Downsampling operators (both boundaries, odd and even scales and kernels) and
    composites with the other operators, for fine images of ``shape``."""
    rng = np.random.default_rng(seed)
    odd, even = rng.random((5, 3)), rng.random((4, 6))
    return {
        "x2-circular-bicubic": Downsample(2, bicubic_kernel(2), shape, boundary="circular"),
        "x3-reflect-bicubic": Downsample(3, bicubic_kernel(3), shape),
        "x2-reflect-odd-offset": Downsample(2, odd, shape, offset=(1, 0)),
        "x3-circular-even": Downsample(3, even, shape, boundary="circular"),
        "x2@blur": Downsample(2, odd, shape) @ Blur(even, "reflect"),
        "mask@x2": Mask(rng.random(shape) > 0.3) @ Downsample(2, even, shape,
                                                              boundary="circular"),
    }


def dense(operator, shape):
    columns = [operator.apply(e.reshape(shape)).ravel() for e in np.eye(np.prod(shape))]
    return np.stack(columns, axis=1)


@pytest.mark.parametrize("name", list(downsamplers((36, 30))))
def test_adjoint(name):
    operator = downsamplers((36, 30))[name]
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((36, 30)), rng.standard_normal((36, 30))
    np.testing.assert_allclose(np.vdot(operator.apply(x), y), np.vdot(x, operator.adjoint(y)),
                               rtol=1e-10)


@pytest.mark.parametrize("scale, shape", [(2, (36, 30)), (3, (35, 31)), (4, (36, 30))])
def test_the_coarse_map_and_its_lift_are_adjoint(scale, shape):
    """``S H`` (shape-changing) and ``H^T S^T`` = adjoint of the fine operator after the lift."""
    operator = Downsample(scale, bicubic_kernel(scale), shape)
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    y = rng.standard_normal(operator.coarse_shape)
    small = operator.downsample(x)
    assert small.shape == operator.coarse_shape
    np.testing.assert_allclose(np.vdot(small, y), np.vdot(x, operator.adjoint(operator.lift(y))),
                               rtol=1e-10)
    np.testing.assert_allclose(operator.apply(x), operator.lift(small), atol=1e-12)


@pytest.mark.parametrize("name", list(downsamplers((12, 10))))
def test_x_step_matches_a_dense_solve(name):
    operator = downsamplers((12, 10))[name]
    rng = np.random.default_rng(3)
    counts = patch_counts((12, 10), 3)  # not uniform: conjugate gradients
    y, z_sum = rng.random((12, 10)), rng.random((12, 10)) * counts
    matrix = dense(operator, (12, 10))
    system = 3.0 * matrix.T @ matrix + 0.7 * np.diag(counts.ravel())
    expected = np.linalg.solve(system, 3.0 * matrix.T @ y.ravel() + 0.7 * z_sum.ravel())
    got = operator.x_step(y, z_sum, counts, 3.0, 0.7, tol=1e-12)
    np.testing.assert_allclose(got.ravel(), expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("scale, offset", [(2, None), (3, None), (4, (3, 1))])
def test_closed_form_x_step_matches_conjugate_gradients(scale, offset):
    """Zhao et al.'s Fourier solution against CG on the same system (a small image)."""
    shape = (8 * scale, 6 * scale)
    operator = Downsample(scale, gaussian_kernel(0.6 * scale), shape, boundary="circular",
                          offset=offset)
    assert operator.closed_form_applies()
    rng = np.random.default_rng(4)
    y = operator.lift(rng.random(operator.coarse_shape))
    z_sum = 64 * rng.random(shape)
    closed = operator.x_step(y, z_sum, 64.0, 500.0, 2.0)
    iterative = operator._conjugate_gradients(y, z_sum, np.full(shape, 64.0), 500.0, 2.0, None,
                                              1e-12, lambda r: r)
    np.testing.assert_allclose(closed, iterative, rtol=1e-7, atol=1e-9)


def test_reflect_x_step_preconditioned_by_the_closed_form_converges():
    operator = Downsample(2, bicubic_kernel(2), (48, 40))
    rng = np.random.default_rng(5)
    y, z_sum = operator.lift(rng.random((24, 20))), 64 * rng.random((48, 40))
    got = operator.x_step(y, z_sum, 64.0, 500.0, 2.0, tol=1e-10)
    residual = 500.0 * operator.normal(got) + 128.0 * got \
        - (500.0 * operator.adjoint(y) + 2.0 * z_sum)
    assert np.linalg.norm(residual) < 1e-8 * np.linalg.norm(2.0 * z_sum)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_bicubic_kernel_is_matlab_imresize(scale):
    """Sums to 1, symmetric about the block centre; away from the borders the reduction equals
    Pillow's bicubic one (the same Keys kernel, a = -0.5, widened by the scale)."""
    kernel = bicubic_kernel(scale)
    assert kernel.shape == (4 * scale + 1,) * 2
    np.testing.assert_allclose(kernel.sum(), 1.0)
    image = np.random.default_rng(6).random((12 * scale, 10 * scale)).astype(np.float32)
    ours = Downsample(scale, kernel, image.shape).downsample(image.astype(np.float64))
    pillow = np.asarray(Image.fromarray(image, mode="F").resize((10, 12), Image.BICUBIC))
    np.testing.assert_allclose(ours[3:-3, 3:-3], pillow[3:-3, 3:-3], atol=1e-6)


def test_cubic_is_keys_kernel():
    np.testing.assert_allclose(cubic([0, 0.5, 1, 1.5, 2, 3]),
                               [1, 0.5625, 0, -0.0625, 0, 0])


def test_operator_checks():
    with pytest.raises(ValueError, match="at least 2"):
        Downsample(1, bicubic_kernel(2), (8, 8))
    with pytest.raises(TypeError, match="integer"):
        Downsample(2.5, bicubic_kernel(2), (8, 8))
    with pytest.raises(ValueError, match="offset"):
        Downsample(2, bicubic_kernel(2), (8, 8), offset=(2, 0))
    operator = Downsample(3, np.ones((3, 3)), (10, 7))
    assert operator.coarse_shape == (3, 2) == sampling_mask((10, 7), 3)[1::3, 1::3].shape
    with pytest.raises(ValueError, match="keeps 3x2"):
        operator.lift(np.zeros((3, 3)))


# ---------------------------------------------------------------------------- the library
@pytest.fixture(scope="module")
def cameraman():
    return np.asarray(Image.open(EXAMPLES / "cameraman.png"), dtype=np.float64) / 255


def degrade(clean, scale):
    operator = Downsample(scale, bicubic_kernel(scale), clean.shape)
    return np.round(operator.downsample(clean) * 255) / 255


def psnr(clean, estimate, border):
    inside = (slice(border, -border),) * 2
    return 10 * np.log10(1 / np.mean((clean[inside] - np.clip(estimate, 0, 1)[inside]) ** 2))


@pytest.mark.parametrize("scale", [2, 3])
def test_upscale_beats_bicubic(cameraman, scale):
    from skimage.transform import resize

    from restore import upscale

    clean = cameraman[60:60 + 24 * scale, 80:80 + 24 * scale]
    small = degrade(clean, scale)
    ours = upscale(small, scale, rng=0)
    bicubic = resize(small, clean.shape, order=3, anti_aliasing=False)
    assert ours.shape == clean.shape and ours.dtype == np.float64
    assert psnr(clean, ours, scale) > psnr(clean, bicubic, scale) + 0.3


@pytest.mark.parametrize("scale", [2, 3])
def test_a_constant_image_stays_constant(scale):
    from restore import upscale

    small = np.full((10, 9), 0.4, dtype=np.float32)
    big = upscale(small, scale, rng=0)
    assert big.shape == (10 * scale, 9 * scale) and big.dtype == np.float32
    np.testing.assert_allclose(big, 0.4, atol=2e-3)
    colour = upscale(np.full((3, 10, 9), 0.25), scale, channel_axis=0, rng=0)
    assert colour.shape == (3, 10 * scale, 9 * scale)
    np.testing.assert_allclose(colour, 0.25, atol=2e-3)


def test_colour_alpha_kernels_and_priors(cameraman):
    from restore import upscale

    rgb = np.stack([cameraman[:16, :16], cameraman[16:32, :16], cameraman[:16, 16:32],
                    np.full((16, 16), 0.5)], axis=-1).astype(np.float32)
    big = upscale(rgb, 2, channel_axis=-1, rng=0)
    assert big.shape == (32, 32, 4) and big.dtype == np.float32
    np.testing.assert_allclose(big[..., 3], 0.5, atol=1e-6)  # alpha: the spline of a constant
    grey = cameraman[:12, :12]
    for options in ({"kernel": "gaussian"}, {"kernel": gaussian_kernel(1.0)},
                    {"boundary": "circular"}, {"prior": "gmm"}, {"tile_size": 16}):
        assert upscale(grey, 2, rng=0, **options).shape == (24, 24)


def test_tiles_match_the_whole_image(cameraman):
    from restore import upscale

    small = degrade(cameraman[:96, :96], 2)
    whole = upscale(small, 2, rng=0)
    tiled = upscale(small, 2, rng=0, tile_size=64)
    assert np.sqrt(np.mean((whole - tiled) ** 2)) < 0.01


@pytest.mark.parametrize("bad, error, match", [
    ({"scale": 1}, ValueError, "at least 2"),
    ({"scale": 2.5}, TypeError, "integer"),
    ({"scale": True}, TypeError, "integer"),
    ({"kernel": "lanczos"}, ValueError, "bicubic"),
    ({"kernel": -np.ones((3, 3))}, ValueError, "negative"),
    ({"max_pixels": 1000}, ValueError, "over the limit of 0.001 megapixels"),
    ({"sigma": 2.0}, ValueError, "larger than the whole"),
    ({"boundary": "zero"}, ValueError, "boundary"),
])
def test_upscale_errors(bad, error, match):
    from restore import upscale

    arguments = {"scale": 2, **bad}
    with pytest.raises(error, match=match):
        upscale(np.zeros((20, 20)), arguments.pop("scale"), **arguments)


def test_a_result_smaller_than_a_patch_is_refused():
    from restore import upscale

    with pytest.raises(ValueError, match="8x8"):
        upscale(np.zeros((3, 3)), 2)
    assert upscale(np.zeros((4, 4)), 2).shape == (8, 8)  # the input itself may be small


def test_recipe_is_registered_and_picks_the_scale_schedule():
    from restore.recipes import RECIPES, UPSCALE
    from restore.recipes.settings import UPSCALE_SCHEDULES

    assert RECIPES["upscale"] is UPSCALE
    for scale in UPSCALE_SCHEDULES:
        assert UPSCALE.for_scale(scale).schedule == UPSCALE_SCHEDULES[scale]
    assert UPSCALE.for_scale(8).schedule == UPSCALE_SCHEDULES[max(UPSCALE_SCHEDULES)]


def test_vae_and_deep_image_prior():
    pytest.importorskip("torch")
    from priors.dip import DeepImagePrior, Hourglass
    from restore import upscale

    small = np.tile(np.linspace(0.2, 0.8, 12), (12, 1))
    assert upscale(small, 2, prior="vae", rng=0).shape == (24, 24)
    dip = DeepImagePrior(Hourglass(depth=2, channels_down=8, channels_up=8, channels_skip=2,
                                   input_channels=4), iterations=30, device="cpu")
    big = upscale(small, 2, prior=dip, rng=0)
    assert big.shape == (24, 24) and dip.n_iter_ == 30
