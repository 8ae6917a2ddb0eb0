"""The HQS solver: the x-step against a dense solve, the patch-averaging z-step, the one
schedule type, and restoration end to end with stand-in priors."""
import numpy as np
import pytest

from restore.operators import Identity, Mask
from restore.solvers import Schedule, hqs
from restore.solvers.epll import FastSettings, epll
from restore.solvers.patch_averaging import patch_average, patch_zstep_sum
from restore.solvers.patches import extract_patches, full_grid, patch_counts

ORIGINAL = Schedule(lambda_factor=64.0, beta_factors=(1, 4, 8, 16, 32))


def epll_denoise(noisy, sigma, prior, **options):
    return epll(noisy, Identity(), sigma, prior, ORIGINAL, **options)


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
    got = Identity().x_step(y, z_sum, patch_counts(shape, p), lam, beta)
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


@pytest.mark.parametrize("window", [0.0, 1.0, 3.0])
def test_patch_average_of_unchanged_patches_is_the_image(window):
    image = np.random.default_rng(3).random((23, 19)).astype(np.float32)
    grid = (np.array([0, 2, 5, 9, 12, 15, 19]), np.array([0, 1, 4, 7, 8, 11, 15]))  # covers all
    average = patch_average(image, IdentityPrior(), 0.1, grid, window=window)
    np.testing.assert_allclose(average, image, rtol=1e-5)


class ScaledPrior(IdentityPrior):
    """z-step: the patch times its pixel index plus one, so pixels differ in weight."""

    def denoise(self, patches, noise_var):
        return patches * np.arange(1, patches.shape[1] + 1)


def test_patch_window_weighs_the_middle_of_each_patch():
    image = np.ones((12, 12))
    grid = full_grid(image.shape, 4)
    plain = patch_average(image, ScaledPrior(), 0.1, grid)
    windowed = patch_average(image, ScaledPrior(), 0.1, grid, window=0.5)
    # pixel (1, 1) is pixel (0, 0), (0, 1), (1, 0) or (1, 1) of the patches covering it,
    # values 1, 2, 5, 6: the plain average is 3.5, a narrow window leans on the patch whose
    # middle it is nearest to (pixel (1, 1), value 6)
    assert plain[1, 1] == pytest.approx(3.5)
    assert windowed[1, 1] > 5.5
    # the corner pixel: only pixel 1 of one patch covers it, whatever the window
    assert windowed[0, 0] == pytest.approx(1.0)


def test_fast_settings_pass_the_tail_ratio_to_a_gmm_and_not_to_other_priors():
    from priors.gmm import GaussianMixturePrior

    patches = np.random.default_rng(4).normal(size=(400, 16))
    gmm = GaussianMixturePrior(n_components=2, patch_size=4, max_iter=5, rng=0).fit(patches)
    assert FastSettings(tail_ratio=10.0).denoiser(gmm).tail_ratio == 10.0
    assert FastSettings().denoiser(gmm).tail_ratio == 1.0
    plain = IdentityPrior()
    assert FastSettings(tail_ratio=10.0).denoiser(plain) is plain


def test_too_small_image_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 4x4"):
        epll_denoise(np.zeros((3, 10), np.float32), 0.1, IdentityPrior())


def test_geometric_schedule():
    schedule = Schedule(lambda_factor=8.0, steps=3, last_factor=0.5, first_std=0.1,
                        inner_iterations=2)
    betas = schedule.betas(0.02)  # last std 0.02 / 2 = 0.01; geometric 0.1, ~0.0316, 0.01
    np.testing.assert_allclose(betas, [100, 100, 1000, 1000, 10000, 10000], rtol=1e-10)
    assert schedule.lam(0.02) == pytest.approx(8.0 / 0.02**2)
    relative = Schedule(lambda_factor=8.0, steps=2, first_std=0.01, first_factor=10.0)
    np.testing.assert_allclose(relative.betas(0.02), [1 / 0.2**2, 1 / 0.02**2])
    # a first std below the last one is raised to it: never a falling beta
    assert Schedule(8.0, steps=4, first_std=0.001).betas(0.1) == pytest.approx([100.0] * 4)
    assert Schedule(8.0, steps=1, first_std=0.5).betas(0.1) == pytest.approx([100.0])


def test_listed_schedule():
    assert ORIGINAL.betas(0.5) == pytest.approx([4, 16, 32, 64, 128])
    assert Schedule(1.0, beta_factors=(1, 2), inner_iterations=2).betas(1.0) == [1, 1, 2, 2]


class IdentityPriorWithFastPath(IdentityPrior):
    def fast_denoiser(self, tail_ratio=None):
        return self


def test_restore_with_a_mask_keeps_known_pixels_and_starts_from_init():
    rng = np.random.default_rng(2)
    image = rng.random((37, 31)).astype(np.float32)
    known = rng.random(image.shape) > 0.5
    start = np.full(image.shape, 0.5, np.float32)
    schedule = Schedule(lambda_factor=64.0, steps=3, first_std=0.1)
    for exact in (True, False):
        # the identity z-step returns its patches: missing pixels keep the start
        out = epll(np.where(known, image, 0), Mask(known), 0.01, IdentityPriorWithFastPath(),
                   schedule, init=start, exact=exact, rng=0)
        np.testing.assert_allclose(out[known], image[known], atol=1e-3)
        np.testing.assert_allclose(out[~known], 0.5, atol=1e-5)


class ShrinkToMean:
    """A whole-image z-step: pull every pixel halfway to the image mean; counts its calls."""

    def __init__(self):
        self.calls = []

    def weight(self, shape, dtype):
        return 1.0

    def __call__(self, x, noise_var, step):
        self.calls.append((step, noise_var))
        return 0.5 * (x + x.mean())


def test_hqs_with_a_whole_image_z_step_solves_each_x_step_in_closed_form():
    """One z-step and one x-step by hand equal one HQS iteration."""
    rng = np.random.default_rng(5)
    y = rng.random((9, 7, 2))
    schedule = Schedule(lambda_factor=1.0, steps=1, last_factor=1.0)
    zstep = ShrinkToMean()
    got = hqs(y, Identity(), 0.1, zstep, schedule, clip=False)
    beta, lam = schedule.betas(0.1)[0], schedule.lam(0.1)
    z = 0.5 * (y + y.mean())
    np.testing.assert_allclose(got, (lam * y + beta * z) / (lam + beta), rtol=1e-12)
    assert zstep.calls == [(0, pytest.approx(0.01))]


def test_hqs_steps_follow_the_schedule_and_keep_the_dtype():
    zstep = ShrinkToMean()
    y = np.random.default_rng(6).random((8, 8)).astype(np.float32)
    schedule = Schedule(lambda_factor=4.0, beta_factors=(1, 4, 16))
    out = hqs(y, Identity(), 0.2, zstep, schedule)
    assert out.dtype == np.float32
    assert [step for step, _ in zstep.calls] == [0, 1, 2]
    np.testing.assert_allclose([var for _, var in zstep.calls],
                               [0.04, 0.01, 0.0025], rtol=1e-6)
