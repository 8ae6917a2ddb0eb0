"""The `restore` command, run in-process: wiring to the library, exit codes, one-line errors.

Most tests replace ``restore.api.denoise`` by a fast stand-in that records its
arguments: the command is thin, so what matters is what it passes and how it
reports. One test runs the real denoiser with the shipped prior.
"""
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio

import restore
from restore import api, cli
from restore.io import read_image, write_image

SHAPE = (31, 37)
EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def clean(rng):
    """A smooth 8-bit grey image."""
    rows, cols = np.mgrid[: SHAPE[0], : SHAPE[1]]
    return (127 + 100 * np.sin(rows / 5.0) * np.cos(cols / 7.0)).astype(np.uint8)


@pytest.fixture
def noisy_file(tmp_path, clean, rng):
    noisy = np.clip(np.round(clean + rng.normal(0, 25, clean.shape)), 0, 255).astype(np.uint8)
    path = tmp_path / "noisy.png"
    Image.fromarray(noisy).save(path)
    return path


@pytest.fixture
def clean_file(tmp_path, clean):
    path = tmp_path / "clean.png"
    Image.fromarray(clean).save(path)
    return path


@pytest.fixture
def calls(monkeypatch):
    """Replace ``restore.api.denoise`` by a local mean that records its keyword arguments."""
    from scipy.ndimage import uniform_filter

    recorded = []

    def fake_denoise(image, sigma=None, **options):
        recorded.append(dict(options, sigma=sigma, shape=image.shape, dtype=image.dtype))
        size = (3, 3, 1) if image.ndim == 3 else 3
        return uniform_filter(image, size=size, mode="reflect")

    monkeypatch.setattr(api, "denoise", fake_denoise)
    return recorded


def _run(capsys, *argv):
    status = cli.main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return status, out, err


def _assert_one_error_line(err, *fragments):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    for fragment in fragments:
        assert fragment in lines[0]


# ----------------------------------------------------------------------------- happy paths
def test_sigma_is_given_to_the_library_on_the_unit_scale(tmp_path, capsys, noisy_file, calls):
    status, out, err = _run(capsys, noisy_file, "-o", tmp_path / "out.png", "--sigma", 25)
    assert status == 0, err
    (call,) = calls
    assert call["sigma"] == pytest.approx(25 / 255)
    assert call["channel_axis"] is None and call["prior"] == "gmm"
    assert call["exact"] is False and call["rng"] == 0 and call["progress"] is False
    assert call["dtype"] == np.float32 and call["shape"] == SHAPE
    assert out == ""  # nothing but results on stdout
    assert "wrote" in err
    image, info = read_image(tmp_path / "out.png")
    assert image.shape == SHAPE and info.bit_depth == 8 and info.mode == "L"


def test_exact_and_seed_are_passed_on(tmp_path, capsys, noisy_file, calls):
    status, _, err = _run(capsys, noisy_file, "-o", tmp_path / "out.png", "--sigma", 10,
                          "--exact", "--seed", 7, "--quiet")
    assert status == 0 and err == ""
    assert calls[0]["exact"] is True and calls[0]["rng"] == 7


def test_the_oracle_stage_is_on_unless_no_oracle(tmp_path, capsys, noisy_file, calls):
    for extra in ((), ("--no-oracle",)):
        status, _, err = _run(capsys, noisy_file, "-o", tmp_path / "out.png", "--sigma", 10,
                              "--quiet", *extra)
        assert status == 0 and err == ""
    assert [call["oracle"] for call in calls] == [True, False]


def test_colour_with_alpha_keeps_alpha_and_depth(tmp_path, capsys, rng, calls):
    pixels = rng.integers(0, 65536, size=SHAPE + (4,), dtype=np.uint16)
    write_image(tmp_path / "in.png", pixels)
    status, _, err = _run(capsys, tmp_path / "in.png", "-o", tmp_path / "out.tif", "--sigma", 5)
    assert status == 0, err
    assert calls[0]["channel_axis"] == -1 and calls[0]["shape"] == SHAPE + (3,)
    _, info = read_image(tmp_path / "out.tif")
    assert info.mode == "RGBA" and info.bit_depth == 16
    np.testing.assert_array_equal(info.alpha, pixels[..., 3])


def test_estimated_sigma_is_printed_and_used(tmp_path, capsys, noisy_file, calls):
    status, out, err = _run(capsys, noisy_file, "-o", tmp_path / "out.png")
    assert status == 0, err
    match = re.fullmatch(r"estimated noise sigma: (\d+\.\d) \(0-255 scale\)\n", out)
    assert match, out
    expected = restore.estimate_sigma(read_image(noisy_file)[0])
    assert calls[0]["sigma"] == pytest.approx(expected)
    assert float(match.group(1)) == pytest.approx(expected * 255, abs=0.05)


def test_reference_prints_psnr_and_ssim(tmp_path, capsys, noisy_file, clean_file, clean, calls):
    status, out, err = _run(capsys, noisy_file, "-o", tmp_path / "out.png", "--sigma", 25,
                            "--reference", clean_file)
    assert status == 0, err
    lines = out.splitlines()
    assert len(lines) == 2
    pattern = r"{}\s+PSNR (\d+\.\d\d) dB  SSIM (0\.\d{{4}})"
    noisy_psnr = float(re.fullmatch(pattern.format("input:"), lines[0]).group(1))
    assert lines[0].startswith("input:  PSNR") and lines[1].startswith("output: PSNR")
    output_psnr = float(re.fullmatch(pattern.format("output:"), lines[1]).group(1))
    reference = clean / 255.0
    noisy = read_image(noisy_file)[0].astype(np.float64)
    assert noisy_psnr == pytest.approx(peak_signal_noise_ratio(reference, noisy, data_range=1),
                                       abs=0.006)
    assert output_psnr > noisy_psnr  # the local mean helps on this smooth image


def test_existing_output_is_replaced(tmp_path, capsys, noisy_file, calls):
    (tmp_path / "out.png").write_bytes(b"old")
    status, _, _ = _run(capsys, noisy_file, "-o", tmp_path / "out.png", "--sigma", 25)
    assert status == 0
    assert read_image(tmp_path / "out.png")[0].shape == SHAPE


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"]])
def test_help_exits_zero(capsys, argv):
    status, out, _ = _run(capsys, *argv)
    assert status == 0
    assert "example" in out and "usage: restore" in out


def test_help_explains_the_sigma_scale(capsys):
    _, out, _ = _run(capsys, "--help")
    assert "0-255" in out and "25/255" in out


def test_real_denoiser_improves_a_noisy_crop(tmp_path, capsys):
    box = (60, 100, 104, 140)  # left, top, right, bottom: 44x40 pixels of the example
    for name in ("cameraman.png", "cameraman_noisy25.png"):
        Image.open(EXAMPLES / name).crop(box).save(tmp_path / name)
    status, out, err = _run(capsys, tmp_path / "cameraman_noisy25.png", "-o", tmp_path / "out.png",
                            "--sigma", 25, "--reference", tmp_path / "cameraman.png")
    assert status == 0, err
    psnr = [float(value) for value in re.findall(r"PSNR (\d+\.\d+) dB", out)]
    assert psnr[1] > psnr[0] + 3, out
    assert read_image(tmp_path / "out.png")[0].shape == (40, 44)


# ----------------------------------------------------------------------------- errors
def test_missing_input(tmp_path, capsys, calls):
    status, _, err = _run(capsys, tmp_path / "missing.png", "-o", tmp_path / "out.png")
    assert status == 1
    _assert_one_error_line(err, "missing.png", "no such file")
    assert not (tmp_path / "out.png").exists() and calls == []


def test_input_that_is_not_an_image(tmp_path, capsys, calls):
    (tmp_path / "notes.png").write_text("not pixels")
    status, _, err = _run(capsys, tmp_path / "notes.png", "-o", tmp_path / "out.png")
    assert status == 1
    _assert_one_error_line(err, "not an image file")
    assert "Traceback" not in err and not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("sigma", ["-5", "0", "300", "abc", "nan"])
def test_bad_sigma_is_a_usage_error(tmp_path, capsys, noisy_file, calls, sigma):
    status, _, err = _run(capsys, noisy_file, "-o", tmp_path / "out.png", "--sigma", sigma)
    assert status == 2
    _assert_one_error_line(err, "--sigma")
    assert calls == [] and not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("spelling", ["same", "dotted"])
def test_output_equal_to_input_is_refused(tmp_path, capsys, noisy_file, calls, spelling):
    before = noisy_file.read_bytes()
    output = noisy_file if spelling == "same" else noisy_file.parent / "." / noisy_file.name
    status, _, err = _run(capsys, noisy_file, "-o", output, "--sigma", 25)
    assert status == 2
    _assert_one_error_line(err, "input", "never overwrites")
    assert noisy_file.read_bytes() == before and calls == []


def test_output_equal_to_reference_is_refused(tmp_path, capsys, noisy_file, clean_file, calls):
    before = clean_file.read_bytes()
    status, _, err = _run(capsys, noisy_file, "-o", clean_file, "--reference", clean_file)
    assert status == 2 and clean_file.read_bytes() == before


@pytest.mark.parametrize("folder", ["missing", "a_file"])
def test_unwritable_output_folder(tmp_path, capsys, noisy_file, calls, folder):
    (tmp_path / "a_file").write_text("a file, not a folder")
    before = sorted(p.name for p in tmp_path.iterdir())
    status, _, err = _run(capsys, noisy_file, "-o", tmp_path / folder / "out.png", "--sigma", 25)
    assert status == 1
    _assert_one_error_line(err, "cannot write")
    assert calls == []  # refused before the long computation
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_failed_write_leaves_nothing(tmp_path, capsys, noisy_file, calls, monkeypatch):
    from restore.io import encoders

    def broken_encoder(file, pixels):
        file.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(encoders, "encode_png", broken_encoder)
    status, _, err = _run(capsys, noisy_file, "-o", tmp_path / "out.png", "--sigma", 25)
    assert status == 1
    _assert_one_error_line(err, "No space left")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["noisy.png"]


def test_unsupported_output_extension(tmp_path, capsys, noisy_file, calls):
    status, _, err = _run(capsys, noisy_file, "-o", tmp_path / "out.jpg", "--sigma", 25)
    assert status == 2
    _assert_one_error_line(err, ".jpg", ".png")
    assert calls == [] and not (tmp_path / "out.jpg").exists()


def test_reference_of_another_shape(tmp_path, capsys, noisy_file, calls):
    Image.fromarray(np.zeros((8, 9), dtype=np.uint8)).save(tmp_path / "small.png")
    status, _, err = _run(capsys, noisy_file, "-o", tmp_path / "out.png", "--sigma", 25,
                          "--reference", tmp_path / "small.png")
    assert status == 1
    _assert_one_error_line(err, "reference", "9x8", "37x31")
    assert not (tmp_path / "out.png").exists()


def test_library_error_is_one_line_and_traceback_only_when_verbose(tmp_path, capsys, noisy_file,
                                                                   monkeypatch):
    def failing_denoise(image, **options):
        raise ValueError("sigma is off\nway off")

    monkeypatch.setattr(api, "denoise", failing_denoise)
    argv = [noisy_file, "-o", tmp_path / "out.png", "--sigma", 25]
    status, _, err = _run(capsys, *argv)
    assert status == 1
    _assert_one_error_line(err, "Error: sigma is off way off")
    status, _, err = _run(capsys, *argv, "--verbose")
    assert status == 1 and "Traceback" in err and err.rstrip().endswith("way off")
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("argv", [[], ["noisy.png"], ["noisy.png", "-o", "x.png", "--bogus"],
                                  ["noisy.png", "-o", "x.png", "--prior", "nope"]])
def test_bad_arguments_are_usage_errors(capsys, argv):
    status, _, err = _run(capsys, *argv)
    assert status == 2
    _assert_one_error_line(err)


# ----------------------------------------------------------------------------- training
def test_train_wires_the_training_function(tmp_path, capsys, monkeypatch):
    import priors.training

    received = {}

    class FakePrior:
        def save(self, path):
            np.savez(path, weights=np.ones(3))

    def fake_train(image_dirs, **options):
        received.update(options, image_dirs=image_dirs)
        return FakePrior()

    monkeypatch.setattr(priors.training, "train_gmm_prior", fake_train)
    output = tmp_path / "prior.npz"
    status, out, err = _run(capsys, "train", "gmm", "--data", tmp_path / "a", tmp_path / "b",
                            "-o", output, "--components", 5, "--patches", 1000,
                            "--max-iter", 3, "--seed", 2, "--symmetry", "dihedral")
    assert status == 0, err
    assert received == dict(image_dirs=[str(tmp_path / "a"), str(tmp_path / "b")],
                            n_components=5, n_patches=1000, max_iter=3, rng=2, init=None,
                            symmetry="dihedral", progress=True)
    assert re.search(r"trained the gmm prior in \d+\.\d s", err) and out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prior.npz"]


def test_train_refuses_other_extensions(tmp_path, capsys):
    status, _, err = _run(capsys, "train", "gmm", "--data", tmp_path, "-o", tmp_path / "p.pkl")
    assert status == 2
    _assert_one_error_line(err, ".npz")


def test_train_on_a_missing_folder_is_a_runtime_error(tmp_path, capsys):
    status, _, err = _run(capsys, "train", "gmm", "--data", tmp_path / "nowhere",
                          "-o", tmp_path / "p.npz", "--quiet")
    assert status == 1
    _assert_one_error_line(err, "nowhere")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- deblur and inpaint
@pytest.fixture
def task_calls(monkeypatch):
    """Replace ``restore.api.deblur`` and ``restore.api.inpaint`` by stand-ins that record their inputs."""
    recorded = []

    def fake_deblur(image, kernel, sigma, **options):
        recorded.append(dict(options, task="deblur", kernel=kernel, sigma=sigma))
        return image

    def fake_inpaint(image, known, sigma=None, **options):
        recorded.append(dict(options, task="inpaint", known=known, sigma=sigma))
        return np.where(known[..., None] if image.ndim == 3 else known, image, 0.5)

    monkeypatch.setattr(api, "deblur", fake_deblur)
    monkeypatch.setattr(api, "inpaint", fake_inpaint)
    return recorded


@pytest.mark.parametrize("spec,shape", [("gaussian:1.6", (11, 11)), ("motion:15,45", (17, 17))])
def test_deblur_parametric_kernels(tmp_path, capsys, noisy_file, task_calls, spec, shape):
    status, _, err = _run(capsys, noisy_file, "--task", "deblur", "--kernel", spec, "--sigma",
                          2.55, "-o", tmp_path / "out.png")
    assert status == 0, err
    (call,) = task_calls
    assert call["kernel"].shape == shape and call["kernel"].sum() == pytest.approx(1)
    assert call["sigma"] == pytest.approx(0.01) and call["boundary"] == "unknown"
    assert call["prior"] == "gmm-untied"  # the task's default: the faster GMM
    assert "deblurred" in err and (tmp_path / "out.png").exists()


def test_boundary_belongs_to_deblur_and_upscale(tmp_path, capsys, noisy_file, task_calls):
    status, _, err = _run(capsys, noisy_file, "--boundary", "reflect", "-o", tmp_path / "out.png")
    assert status == 2 and "--boundary is for --task deblur and upscale, not --task denoise" in err
    assert not task_calls


def test_deblur_kernel_files_are_normalised(tmp_path, capsys, noisy_file, task_calls):
    weights = np.zeros((5, 7))
    weights[2, 1:6] = 3.0
    np.save(tmp_path / "k.npy", weights)
    Image.fromarray((weights * 80).astype(np.uint8)).save(tmp_path / "k.png")
    for name in ("k.npy", "k.png"):
        status, _, err = _run(capsys, noisy_file, "--task", "deblur", "--kernel", tmp_path / name,
                              "--sigma", 2, "--boundary", "circular", "-o", tmp_path / "out.png")
        assert status == 0, err
        np.testing.assert_allclose(task_calls[-1]["kernel"], weights / weights.sum())
        assert task_calls[-1]["boundary"] == "circular"


@pytest.mark.parametrize("weights,fragment", [
    (np.zeros((0, 3)), "empty"), (np.zeros((3, 3)), "all zeros"),
    (np.array([[0.5, -0.2, 0.7]]), "negative"), (np.ones(4), "2-D"),
])
def test_bad_kernel_files_are_usage_errors(tmp_path, capsys, noisy_file, task_calls, weights,
                                           fragment):
    np.save(tmp_path / "k.npy", weights)
    status, _, err = _run(capsys, noisy_file, "--task", "deblur", "--kernel", tmp_path / "k.npy",
                          "--sigma", 2, "-o", tmp_path / "out.png")
    assert status == 2
    _assert_one_error_line(err, "--kernel", fragment)
    assert not task_calls and not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("argv,fragment", [
    (["--task", "deblur", "--kernel", "gaussian:abc"], "gaussian:STD"),
    (["--task", "deblur", "--kernel", "motion:15"], "motion:LENGTH,ANGLE"),
    (["--task", "deblur", "--kernel", "gaussian:-1"], "positive"),
    (["--task", "deblur", "--kernel", "nowhere.npy"], "no such file"),
    (["--task", "deblur", "--kernel", "motion:99,0"], "larger than"),
    (["--task", "deblur"], "needs the blur"),
    (["--kernel", "gaussian:1"], "--task deblur"),
    (["--mask", "m.png"], "--task inpaint"),
    (["--task", "inpaint"], "alpha"),
    (["--task", "inpaint", "--invert-mask"], "needs --mask"),
])
def test_task_usage_errors(tmp_path, capsys, noisy_file, task_calls, argv, fragment):
    status, _, err = _run(capsys, noisy_file, *argv, "--sigma", 2, "-o", tmp_path / "out.png")
    assert status == 2
    _assert_one_error_line(err, fragment)
    assert not task_calls and not (tmp_path / "out.png").exists()


def test_inpaint_mask_white_is_known(tmp_path, capsys, noisy_file, task_calls):
    known = np.random.default_rng(1).random(SHAPE) > 0.5
    Image.fromarray(np.where(known, 255, 0).astype(np.uint8)).save(tmp_path / "mask.png")
    status, _, err = _run(capsys, noisy_file, "--task", "inpaint", "--mask", tmp_path / "mask.png",
                          "-o", tmp_path / "out.png")
    assert status == 0, err
    np.testing.assert_array_equal(task_calls[0]["known"], known)
    assert task_calls[0]["sigma"] is None  # the library's small default
    assert task_calls[0]["prior"] == "gmm"  # the tied prior (DEFAULT_PRIORS)
    status, _, err = _run(capsys, noisy_file, "--task", "inpaint", "--mask", tmp_path / "mask.png",
                          "--invert-mask", "--sigma", 3, "--prior", "gmm-untied", "-o",
                          tmp_path / "out.png")
    assert status == 0, err
    np.testing.assert_array_equal(task_calls[1]["known"], ~known)
    assert task_calls[1]["sigma"] == pytest.approx(3 / 255) and task_calls[1]["prior"] == "gmm-untied"


def test_inpaint_from_alpha_writes_an_opaque_result(tmp_path, capsys, rng, task_calls):
    pixels = rng.integers(0, 256, size=SHAPE + (4,), dtype=np.uint8)
    pixels[..., 3] = np.where(rng.random(SHAPE) > 0.3, 255, 0)
    Image.fromarray(pixels, "RGBA").save(tmp_path / "holes.png")
    status, _, err = _run(capsys, tmp_path / "holes.png", "--task", "inpaint",
                          "-o", tmp_path / "out.png")
    assert status == 0, err
    np.testing.assert_array_equal(task_calls[0]["known"], pixels[..., 3] != 0)
    assert task_calls[0]["channel_axis"] == -1
    _, info = read_image(tmp_path / "out.png")
    assert info.mode == "RGBA" and (info.alpha == 255).all()


@pytest.mark.parametrize("mask_shape,fragment", [((10, 10), "same size"), (SHAPE, "no known")])
def test_bad_masks_are_usage_errors(tmp_path, capsys, noisy_file, task_calls, mask_shape,
                                    fragment):
    Image.fromarray(np.zeros(mask_shape, np.uint8)).save(tmp_path / "mask.png")
    status, _, err = _run(capsys, noisy_file, "--task", "inpaint", "--mask", tmp_path / "mask.png",
                          "-o", tmp_path / "out.png")
    assert status == 2
    _assert_one_error_line(err, fragment)
    assert not (tmp_path / "out.png").exists()


def test_real_deblur_and_inpaint_improve_a_crop(tmp_path, capsys):
    from restore.operators.kernels import gaussian_kernel
    from restore.operators import Blur

    clean = np.asarray(Image.open(EXAMPLES / "cameraman.png"))[100:148, 60:108] / 255.0
    Image.fromarray(np.round(clean * 255).astype(np.uint8)).save(tmp_path / "clean.png")
    blurred = Blur(gaussian_kernel(1.2), "reflect").apply(clean)
    blurred += np.random.default_rng(0).normal(0, 0.01, clean.shape)
    Image.fromarray(np.round(np.clip(blurred, 0, 1) * 255).astype(np.uint8)).save(
        tmp_path / "blurred.png")
    known = np.random.default_rng(1).random(clean.shape) > 0.5
    Image.fromarray(np.where(known, 255, 0).astype(np.uint8)).save(tmp_path / "mask.png")
    Image.fromarray(np.round(clean * known * 255).astype(np.uint8)).save(tmp_path / "holes.png")
    for argv in (["blurred.png", "--task", "deblur", "--kernel", "gaussian:1.2", "--sigma", 2.55],
                 ["holes.png", "--task", "inpaint", "--mask", "mask.png"]):
        status, out, err = _run(capsys, *[tmp_path / a if a.endswith(".png") else a
                                          for a in map(str, argv)],
                                "-o", tmp_path / "out.png", "--reference", tmp_path / "clean.png")
        assert status == 0, err
        psnr = [float(value) for value in re.findall(r"PSNR (\d+\.\d+) dB", out)]
        assert psnr[1] > psnr[0] + 2, out


# ----------------------------------------------------------------------------- layout
def test_both_entry_points_are_the_same_function():
    from restore.cli.main import main as entry_point

    assert cli.main is entry_point


def test_help_imports_neither_torch_nor_numba_nor_the_solvers():
    """`restore --help` (and `python -m restore.cli`) stays fast: no torch, numba, scipy, api."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    code = ("import sys\nfrom restore.cli.main import main\nstatus = main(['--help'])\n"
            "heavy = [m for m in ('torch', 'numba', 'scipy', 'restore.api') if m in sys.modules]\n"
            "print('HEAVY', heavy, status)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=root, env={"PYTHONPATH": str(root), "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "HEAVY [] 0"
    done = subprocess.run([sys.executable, "-m", "restore.cli", "--version"], capture_output=True,
                          text=True, cwd=root, env={"PYTHONPATH": str(root), "PATH": ""})
    assert done.returncode == 0 and done.stdout.strip() == f"restore {restore.__version__}"


#: What the command may import from the project: the public library and a few named pieces.
ALLOWED_IMPORTS = ("restore.api", "restore.io", "restore.core", "restore.operators.kernels",
                   "priors.registry", "priors.symmetry", "priors.training", "priors.dip",
                   "priors.gmm", "priors.inspection", "priors.devices", "restore.cli",
                   "restore.cluster")


def test_the_command_imports_only_the_public_library():
    import ast

    folder = Path(cli.__file__).parent
    for source in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = ([f"{node.module}.{a.name}" for a in node.names]
                         if node.module in ("restore", "priors") else [node.module])
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                if name.split(".")[0] in ("restore", "priors") and name != "restore.__version__":
                    assert name.startswith(ALLOWED_IMPORTS), f"{source.name} imports {name}"


def test_train_save_is_atomic(tmp_path, capsys, monkeypatch):
    """A save that fails half-way leaves no file (the io package's atomic writer)."""
    import priors.training

    class BrokenPrior:
        def save(self, file):
            file.write(b"half a prior")
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(priors.training, "train_gmm_prior", lambda *a, **k: BrokenPrior())
    (tmp_path / "prior.npz").write_bytes(b"the previous prior")
    status, _, err = _run(capsys, "train", "gmm", "--data", tmp_path, "-o", tmp_path / "prior.npz")
    assert status == 1
    _assert_one_error_line(err, "cannot write", "prior.npz", "No space left")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prior.npz"]
    assert (tmp_path / "prior.npz").read_bytes() == b"the previous prior"
