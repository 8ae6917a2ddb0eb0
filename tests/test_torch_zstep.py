"""The torch backend of the GMM z-step (priors/gmm_torch.py, restore/solvers/torch_patch_averaging.py)
against the numpy path, on the CPU build of torch: the same labels, the same patches, the
same z-step images, the same restorations; and the device checks of the library and the
command."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from priors.devices import resolve_device  # noqa: E402
from priors.gmm_torch import TorchMixture, torch_mixture  # noqa: E402
from restore.solvers.patch_averaging import PatchAveraging  # noqa: E402
from restore.solvers.patches import extract_patches, full_grid  # noqa: E402
from restore.solvers.torch_patch_averaging import TorchPatchAveraging  # noqa: E402
from tests.golden.cases import EXAMPLE  # noqa: E402
from tests.test_component_search import small_tied_prior  # noqa: E402,F401
from tests.test_gmm import fitted  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")
SIGMA = 25 / 255
NO_CUDA = not torch.cuda.is_available()


def cameraman():
    from PIL import Image

    return np.asarray(Image.open(EXAMPLE), dtype=np.float32) / 255


def noisy_cameraman(seed=6):
    clean = cameraman()
    return clean + np.float32(SIGMA) * np.random.default_rng(seed).standard_normal(
        clean.shape, dtype=np.float32)


def real_patches(step):
    noisy = noisy_cameraman()
    rows, cols = full_grid(noisy.shape, 8)
    return extract_patches(noisy, 8, rows[::step], cols[::step])


def both_paths(prior, patches, noise_var, dtype, fast):
    """``(numpy labels, numpy patches, torch labels, torch patches)``; the numpy fast path
    is the exhaustive search, which the torch backend runs for tied mixtures too."""
    mixture = TorchMixture(prior, CPU, dtype)
    x = patches.astype(np.float64 if dtype == torch.float64 else np.float32)
    if fast:
        reference = prior.fast_denoiser(search="exhaustive")
        labels, out = reference.labels(x, noise_var), reference.denoise(x, noise_var)
        denoiser = mixture.fast_denoiser()
    else:
        out, labels = prior.denoise(x, noise_var, return_labels=True)
        denoiser = mixture
    got, got_labels = denoiser.denoise(torch.from_numpy(x), noise_var, return_labels=True)
    return labels, out, got_labels.numpy(), got.numpy()


@pytest.mark.parametrize("fast", [False, True])
def test_small_priors_in_float64_give_the_numpy_labels_and_patches(fast, small_tied_prior):
    untied, patches = fitted(3)
    tied, tied_patches = small_tied_prior
    rng = np.random.default_rng(0)
    for prior, data, noise_var in ((untied, patches, 0.01), (tied, tied_patches, 0.0025)):
        noisy = data + np.sqrt(noise_var) * rng.standard_normal(data.shape)
        labels, out, got_labels, got = both_paths(prior, noisy, noise_var, torch.float64, fast)
        assert len(np.unique(labels)) > 1
        np.testing.assert_array_equal(got_labels, labels)
        np.testing.assert_allclose(got, out, atol=1e-10)


@pytest.mark.parametrize("fast", [False, True])
def test_the_shipped_untied_prior_on_real_patches(fast):
    """gmm-untied, 6,889 cameraman patches at sigma 25: float64 labels all equal; float32
    labels equal on 100 % of them when this test was written (near-ties may flip: >= 99.9 %
    asked), the patches of equal labels within 1e-5."""
    from priors.registry import get_prior

    prior = get_prior("gmm-untied")
    patches = real_patches(3)
    labels, out, got_labels, got = both_paths(prior, patches, SIGMA**2, torch.float64, fast)
    np.testing.assert_array_equal(got_labels, labels)
    np.testing.assert_allclose(got, out, atol=1e-12)
    labels, out, got_labels, got = both_paths(prior, patches, SIGMA**2, torch.float32, fast)
    same = got_labels == labels
    assert same.mean() >= 0.999
    np.testing.assert_allclose(got[same], out[same], atol=1e-5)


def test_the_shipped_tied_prior_fast_path_on_real_patches():
    """gmm (1,600 components), every component scored: as the numpy exhaustive search."""
    from priors.registry import get_prior

    patches = real_patches(7)
    labels, out, got_labels, got = both_paths(get_prior("gmm"), patches, SIGMA**2,
                                              torch.float32, True)
    same = got_labels == labels
    assert same.mean() >= 0.999
    np.testing.assert_allclose(got[same], out[same], atol=1e-5)


@pytest.mark.parametrize("exact, window", [(True, 0.0), (False, 0.0), (False, 3.0)])
def test_the_zstep_image_is_patch_averagings(exact, window):
    from priors.registry import get_prior

    prior = get_prior("gmm-untied")
    image = noisy_cameraman()[:96, 64:192] if exact else noisy_cameraman()
    mixture = torch_mixture(prior, CPU)
    stride = None if exact else 2
    numpy_step = PatchAveraging(prior if exact else prior.fast_denoiser(), stride, window,
                                np.random.default_rng(1))
    torch_step = TorchPatchAveraging(mixture if exact else mixture.fast_denoiser(), stride,
                                     window, np.random.default_rng(1))
    for step in range(2):  # the second draws the next random grid from the same rng
        expected = numpy_step(image, SIGMA**2, step)
        got = torch_step(image, SIGMA**2, step)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_array_equal(torch_step.weight((3, 4), np.float32),
                                  numpy_step.weight((3, 4), np.float32))


def test_denoise_on_a_torch_device_matches_the_numpy_run():
    """The library's fast path (EPLL: the oracle stage after it runs on the CPU, and
    its block matching can turn on a 1e-6 difference), gmm-untied, cameraman at sigma
    25: the same PSNR (30.88 dB both when this test was written; the images within
    1e-6)."""
    import restore

    clean = cameraman()
    noisy = noisy_cameraman()
    expected = restore.denoise(noisy, SIGMA, prior="gmm-untied", rng=0, oracle=False)
    got = restore.denoise(noisy, SIGMA, prior="gmm-untied", rng=0, device=CPU, oracle=False)

    def psnr(x):
        return 10 * np.log10(1 / np.mean((x.astype(np.float64) - clean) ** 2))

    assert got.dtype == np.float32
    assert abs(psnr(got) - psnr(expected)) < 0.01
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_inpaint_runs_both_stages_on_the_device():
    """The coarse start of inpainting runs EPLL too: on the device as well."""
    import restore

    image = cameraman()[96:144, 96:144]
    known = np.random.default_rng(2).random(image.shape) > 0.3
    expected = restore.inpaint(image, known, prior="gmm-untied", rng=0)
    got = restore.inpaint(image, known, prior="gmm-untied", rng=0, device=CPU)
    np.testing.assert_allclose(got, expected, atol=1e-3)


@pytest.mark.parametrize("task", ["deblur", "upscale", "tiled"])
def test_the_other_tasks_and_tiles_take_the_device(task):
    import restore
    from restore.operators import Blur
    from restore.operators.kernels import gaussian_kernel

    image = cameraman()[96:144, 96:144]
    kernel = gaussian_kernel(1.0)
    calls = {"deblur": lambda **kw: restore.deblur(Blur(kernel, "reflect").apply(image), kernel,
                                                   0.01, rng=0, **kw),
             "upscale": lambda **kw: restore.upscale(image[::2, ::2], 2, rng=0, **kw),
             "tiled": lambda **kw: restore.denoise(image, 0.05, prior="gmm-untied", rng=0,
                                                   tile_size=32, **kw)}
    np.testing.assert_allclose(calls[task](device=CPU), calls[task](), atol=1e-3)


def test_devices_are_checked_with_one_line_errors():
    from priors.registry import get_prior

    assert resolve_device(None) is None and resolve_device("cpu") is None
    assert resolve_device(CPU, get_prior("gmm")) == CPU
    for bad in ("tpu", "gpu", "cuda:x", 0):
        with pytest.raises(ValueError, match="device must be one of"):
            resolve_device(bad)
    with pytest.raises(ValueError, match="only the Gaussian mixture priors.*use device='cpu'"):
        resolve_device(CPU, get_prior("vae"))
    with pytest.raises(ValueError, match=r"DeepImagePrior\(device='cuda'\)"):
        resolve_device(CPU, get_prior("dip"))
    with pytest.raises(ValueError, match="search='exhaustive'"):
        torch_mixture(get_prior("gmm"), CPU).fast_denoiser(search="orientation")


@pytest.mark.skipif(not NO_CUDA, reason="this machine has CUDA")
def test_cuda_without_cuda_is_a_clear_error_in_the_library_and_the_command(tmp_path):
    import restore

    with pytest.raises(ValueError, match="sees no CUDA GPU.*use device 'cpu'") as error:
        restore.denoise(np.full((16, 16), 0.5, np.float32), 0.1, device="cuda")
    assert "\n" not in str(error.value)
    output = tmp_path / "out.png"
    done = subprocess.run([sys.executable, "-m", "restore.cli", str(EXAMPLE), "-o", str(output),
                           "--sigma", "25", "--device", "cuda"], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode in (1, 2)
    assert done.stderr.count("\n") == 1 and "CUDA" in done.stderr
    assert not output.exists()


def test_the_numpy_path_with_device_cpu_never_imports_torch():
    code = ("import sys, numpy as np, restore; "
            "restore.denoise(np.full((16, 16), 0.5), 0.1, prior='gmm-untied', device='cpu'); "
            "print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    assert done.stdout.strip() == "False"


def test_the_cuda_benchmark_runs_on_cpu_torch_and_refuses_cuda_without_it(tmp_path):
    import json

    from PIL import Image

    from benchmarks import cuda_zstep

    data = tmp_path / "data"
    data.mkdir()
    Image.fromarray((cameraman()[:64, :72] * 255).round().astype(np.uint8)).save(data / "a.png")
    assert cuda_zstep.main(["--data", str(data), "--device", "cpu", "--priors", "gmm-untied",
                            "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "cuda_zstep_cpu.json").read_text())
    (summary,) = result["summary"]
    assert summary["images"] == 1 and abs(summary["psnr_cpu"] - summary["psnr_device"]) < 0.01
    assert "| gmm-untied | 1 |" in (tmp_path / "cuda_zstep_cpu.md").read_text()
    if NO_CUDA:
        with pytest.raises(SystemExit, match="sees no CUDA GPU"):
            cuda_zstep.main(["--data", str(data), "--device", "cuda", "--out", str(tmp_path)])
