"""Deep Image Prior: torch operators, determinism, early stop, warm start, library and CLI.

Tiny networks (depth 2, 8 channels) on 16x16 images, a few iterations each.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from priors.dip import DeepImagePrior, Hourglass  # noqa: E402
from priors.protocols import (Density, ImageDenoiser, Reconstructor, Sampler,  # noqa: E402
                              is_patch_prior)
from restore.operators.torch_twins import torch_operator  # noqa: E402
from restore.operators import Blur, Identity, Mask  # noqa: E402

TINY = Hourglass(depth=2, channels_down=8, channels_up=8, channels_skip=2, input_channels=4)
SHAPE = (16, 16)


def smooth_image(shape=SHAPE):
    """A smooth ramp with a bright disc: easy for a small network to fit."""
    rows, cols = np.mgrid[:shape[0], :shape[1]] / max(shape)
    disc = ((rows - 0.5) ** 2 + (cols - 0.5) ** 2 < 0.08).astype(float)
    return 0.2 + 0.4 * cols + 0.3 * disc


def tiny_prior(**options):
    return DeepImagePrior(TINY, device="cpu", **options)


def numpy_operators(shape, seed=0):
    rng = np.random.default_rng(seed)
    known = rng.random(shape) > 0.4
    odd, even = rng.random((5, 3)), rng.random((4, 6))
    return {
        "identity": Identity(), "mask": Mask(known),
        "blur-circular-odd": Blur(odd, "circular"), "blur-circular-even": Blur(even, "circular"),
        "blur-reflect-odd": Blur(odd, "reflect"), "blur-reflect-even": Blur(even, "reflect"),
        "mask@blur-reflect": Mask(known) @ Blur(even, "reflect"),
        "mask@blur-circular": Mask(known) @ Blur(odd, "circular"),
    }


@pytest.mark.parametrize("name", list(numpy_operators((17, 13))))
def test_torch_operators_match_numpy(name):
    shape = (17, 13)  # odd sizes catch off-by-one errors
    operator = numpy_operators(shape)[name]
    images = np.random.default_rng(1).random((2, 3, *shape))
    apply = torch_operator(operator, shape, dtype=torch.float64)
    got = apply(torch.as_tensor(images)).numpy()
    expected = np.stack([[operator.apply(plane) for plane in image] for image in images])
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_torch_operator_refuses_unknown_operators_and_wrong_masks():
    with pytest.raises(TypeError, match="no torch version"):
        torch_operator(object(), SHAPE)
    with pytest.raises(ValueError, match="mask has shape"):
        torch_operator(Mask(np.ones((4, 4), bool)), SHAPE)


def test_deterministic_on_cpu_for_a_fixed_seed():
    noisy = smooth_image() + 0.1 * np.random.default_rng(2).standard_normal(SHAPE)
    runs = [tiny_prior(seed=seed, iterations=15, discrepancy=None).restore(noisy, Identity(), 0.1)
            for seed in (3, 3, 4)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert np.abs(runs[0] - runs[2]).max() > 1e-4


def test_denoising_improves_on_the_noisy_image_and_stops_early():
    clean = smooth_image()
    noisy = clean + 0.1 * np.random.default_rng(5).standard_normal(SHAPE)
    prior = tiny_prior(iterations=600)
    estimate = prior.restore(noisy, Identity(), 0.1)
    assert estimate.shape == SHAPE and estimate.dtype == np.float64
    assert 0 <= estimate.min() and estimate.max() <= 1
    error, noise = np.mean((estimate - clean) ** 2), np.mean((noisy - clean) ** 2)
    assert error < 0.5 * noise
    assert prior.iterations_run[0] < 600  # the discrepancy rule fired before the cap


def test_without_discrepancy_all_iterations_run():
    prior = tiny_prior(iterations=12, discrepancy=None)
    prior.restore(smooth_image(), Identity(), 0.1)
    assert prior.iterations_run == [12]


def test_restarts_average_fits_from_consecutive_seeds():
    noisy = smooth_image() + 0.1 * np.random.default_rng(6).standard_normal(SHAPE)
    prior = tiny_prior(seed=7, iterations=6, discrepancy=None, restarts=3)
    mean = prior.restore(noisy, Identity(), 0.1)
    assert prior.iterations_run == [6, 6, 6]
    singles = [tiny_prior(seed=seed, iterations=6, discrepancy=None).restore(
        noisy, Identity(), 0.1) for seed in (7, 8, 9)]
    np.testing.assert_allclose(mean, np.mean(singles, axis=0), atol=1e-6)
    assert np.abs(singles[0] - singles[1]).max() > 1e-4  # the restarts do differ
    with pytest.raises(ValueError, match="restarts must be a positive integer"):
        tiny_prior(restarts=0)


def test_warm_start_continues_the_previous_fit():
    image = smooth_image().astype(np.float32)
    prior = tiny_prior(discrepancy=None)
    out = prior.denoise(image, 0.01, iterations=5)
    assert out.dtype == np.float32
    prior.denoise(image, 0.01, iterations=4, warm_start=True)
    assert prior.iterations_run == [5, 4]
    prior.denoise(image, 0.01, iterations=3)  # a fresh fit
    assert prior.iterations_run == [3]
    # a warm start from 5 steps equals 9 steps in one go
    again = tiny_prior(discrepancy=None)
    again.denoise(image, 0.01, iterations=5)
    warm = again.denoise(image, 0.01, iterations=4, warm_start=True)
    cold = tiny_prior(discrepancy=None).denoise(image, 0.01, iterations=9)
    np.testing.assert_allclose(warm, cold, atol=1e-6)


def test_inpainting_ignores_the_values_of_missing_pixels():
    clean = smooth_image()
    known = np.random.default_rng(6).random(SHAPE) > 0.5
    garbage = np.where(known, clean, np.random.default_rng(7).random(SHAPE))
    zeros = np.where(known, clean, 0.0)
    runs = [tiny_prior(iterations=10).restore(y, Mask(known), 1 / 255, task="inpaint")
            for y in (garbage, zeros)]
    np.testing.assert_array_equal(runs[0], runs[1])


def test_is_a_reconstructor_and_image_denoiser_with_no_density():
    prior = tiny_prior()
    assert isinstance(prior, Reconstructor) and isinstance(prior, ImageDenoiser)
    assert not isinstance(prior, (Density, Sampler)) and not hasattr(prior, "log_prob")
    assert not is_patch_prior(prior)  # the recipes restore it as a whole-image method


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="channels_down"):
        Hourglass(channels_down=0)
    with pytest.raises(ValueError, match="odd"):
        Hourglass(kernel_up=2)
    with pytest.raises(ValueError, match="iterations"):
        DeepImagePrior(iterations=0)
    with pytest.raises(ValueError, match="mode"):
        DeepImagePrior(mode="both")
    with pytest.raises(ValueError, match="device"):
        DeepImagePrior(device="tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA"):
            DeepImagePrior(device="cuda")
    with pytest.raises(ValueError, match="noise_var"):
        tiny_prior().denoise(smooth_image(), 0.0)


@pytest.mark.parametrize("mode", ["direct", "hqs"])
def test_library_routes_dip_through_the_operators(mode):
    from restore import deblur, denoise, inpaint

    clean = smooth_image()
    prior = tiny_prior(iterations=8, mode=mode)
    noisy = (clean + 0.05 * np.random.default_rng(8).standard_normal(SHAPE)).astype(np.float32)
    out = denoise(noisy, 0.05, prior=prior, rng=1)
    assert out.shape == SHAPE and out.dtype == np.float32
    np.testing.assert_array_equal(out, denoise(noisy, 0.05, prior=prior, rng=1))
    known = np.random.default_rng(9).random(SHAPE) > 0.5
    assert inpaint(np.where(known, clean, 0), known, prior=prior).shape == SHAPE
    kernel = np.ones((3, 3))
    assert deblur(Blur(kernel / 9).apply(clean), kernel, 0.01, prior=prior).shape == SHAPE
    colour = np.stack([clean, clean[::-1], clean.T], axis=-1)
    out = denoise(colour, 0.05, prior=prior, channel_axis=-1)
    assert out.shape == colour.shape and 0 <= out.min() and out.max() <= 1


def test_registry_knows_dip():
    from priors.registry import available_priors, get_prior

    assert "dip" in available_priors()
    assert isinstance(get_prior("dip"), DeepImagePrior)


def test_cli_runs_dip_and_refuses_dip_options_for_other_priors(tmp_path, capsys):
    from restore.cli import main

    noisy = tmp_path / "noisy.npy"
    np.save(noisy, smooth_image())
    output = tmp_path / "out.npy"
    assert main([str(noisy), "-o", str(output), "--sigma", "10", "--prior", "dip",
                 "--iterations", "2", "--device", "cpu", "--quiet"]) == 0
    assert np.load(output).shape == SHAPE
    assert main([str(noisy), "-o", str(tmp_path / "x.npy"), "--sigma", "10",
                 "--iterations", "2"]) == 2
    assert "--iterations and --restarts are for --prior dip" in capsys.readouterr().err
    assert not (tmp_path / "x.npy").exists()
    assert main([str(noisy), "-o", str(tmp_path / "x.npy"), "--sigma", "10",
                 "--restarts", "2"]) == 2
    assert not (tmp_path / "x.npy").exists()
