"""Hostile input (issue 26): bombs, corrupt files, odd dtypes and sigmas, signals, aliases.

Every case asserts the exit status, exactly one ``Error:`` line and no
traceback, no file left behind (not even a temporary one), the input
unchanged and bounded time; bombs and signals run the command in a child
process, whose time to refuse (the call to ``main``, imports excluded) and
peak resident memory (``VmHWM`` of the whole child process) are measured.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from restore import api, cli
from restore.core.validation import as_float_image
from tests import hostile_files as hostile
from tests.test_bad_input import calls  # noqa: F401  (the fast stand-in for the library)

SHAPE = (24, 26)


@pytest.fixture
def folder(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    pixels = np.random.default_rng(0).integers(0, 256, SHAPE, dtype=np.uint8)
    Image.fromarray(pixels).save(work / "good.png")
    return work


def _snapshot(folder):
    return {path.relative_to(folder): path.read_bytes() if path.is_file() else None
            for path in sorted(folder.rglob("*")) if not path.is_fifo()}


def _one_error_line(err, *fragments):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def _refused_in_process(folder, capsys, argv, status, *fragments):
    before = _snapshot(folder)
    start = time.perf_counter()
    code = cli.main([str(arg).format(d=folder) for arg in argv])
    elapsed = time.perf_counter() - start
    _, err = capsys.readouterr()
    assert code == status, err
    _one_error_line(err, *fragments)
    assert _snapshot(folder) == before
    assert elapsed < 10


# --- bombs, one per reader, refused from the header -------------------------------------------

BOMBS = {
    "png8": ("bomb.png", lambda: hostile.png_bomb(8)),
    "png16": ("bomb.png", lambda: hostile.png_bomb(16)),
    "tiff-deflate": ("bomb.tif", hostile.tiff_bomb),
    "tiff-second-page": ("bomb.tif", lambda: hostile.tiff_file(
        [hostile.small_tiff_page(), (hostile.BOMB_SIDE, hostile.BOMB_SIDE,
                                     hostile.tiff_bomb()[8:4000])])),
    "jpeg": ("bomb.jpg", hostile.jpeg_bomb),
    "npy": ("bomb.npy", hostile.npy_bomb),
}


@pytest.mark.parametrize("kind", BOMBS)
def test_bomb_is_refused_from_its_header_fast_and_small(folder, tmp_path, kind):
    name, make = BOMBS[kind]
    (folder / name).write_bytes(make())
    before = _snapshot(folder)
    result, err = hostile.run_measured([folder / name, "-o", folder / "out.png", "--sigma", "25"],
                                       tmp_path / "measure.json")
    print(f"{kind}: refused in {result['seconds']:.3f} s (whole process with imports "
          f"{result['process_seconds']:.2f} s), peak {result['peak_mb']:.0f} MB")
    assert result["returncode"] == 1 and result["code"] == 1, err
    _one_error_line(err, "decompression bomb", "--max-pixels")
    assert result["seconds"] < 1.0 and result["peak_mb"] < 200
    assert _snapshot(folder) == before


def test_bomb_as_reference_is_refused(folder, tmp_path):
    (folder / "bomb.png").write_bytes(hostile.png_bomb(16))
    result, err = hostile.run_measured([folder / "good.png", "--reference", folder / "bomb.png",
                                        "-o", folder / "out.png", "--sigma", "25"],
                                       tmp_path / "measure.json")
    assert result["returncode"] == 1, err
    _one_error_line(err, "decompression bomb")
    assert result["peak_mb"] < 200
    assert sorted(p.name for p in folder.iterdir()) == ["bomb.png", "good.png"]


def test_max_pixels_lowers_and_raises_the_budget(folder, capsys, calls):
    _refused_in_process(folder, capsys, ["{d}/good.png", "-o", "{d}/out.png", "--sigma", "25",
                                         "--max-pixels", "100"], 1, "over the limit")
    assert cli.main([str(folder / "good.png"), "-o", str(folder / "out.png"), "--sigma", "25",
                     "--max-pixels", str(SHAPE[0] * SHAPE[1])]) == 0


def test_a_batch_goes_on_past_a_bomb_and_a_memory_error(folder, capsys, monkeypatch):
    (folder / "in").mkdir()
    (folder / "in" / "a_bomb.png").write_bytes(hostile.png_bomb(8))
    for name in ("b_memory.png", "c_good.png"):
        (folder / "in" / name).write_bytes((folder / "good.png").read_bytes())

    def denoise(image, *args, **options):
        if image.shape[0] == SHAPE[0] and not hasattr(denoise, "failed"):
            denoise.failed = True
            raise MemoryError("Unable to allocate 3.2 GiB")
        return image

    monkeypatch.setattr(api, "denoise", denoise)
    code = cli.main([str(folder / "in"), "-o", str(folder / "out"), "--sigma", "25"])
    _, err = capsys.readouterr()
    assert code == 1
    _one_error_line(err, "2 of 3 files failed", "a_bomb.png", "decompression bomb",
                    "b_memory.png", "out of memory")
    assert sorted(p.name for p in (folder / "out").iterdir()) == ["c_good.png"]


def test_memory_error_is_one_line(folder, capsys, monkeypatch):
    def denoise(*args, **options):
        raise MemoryError()

    monkeypatch.setattr(api, "denoise", denoise)
    _refused_in_process(folder, capsys, ["{d}/good.png", "-o", "{d}/out.png", "--sigma", "25"],
                        1, "out of memory", "--tile")


# --- corrupt and truncated files of each format ------------------------------------------------

def _good_bytes(kind):
    rng = np.random.default_rng(1)
    if kind == "jpeg":
        return hostile.jpeg_bytes(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8), quality=90)
    if kind == "png16":
        import imagecodecs

        return imagecodecs.png_encode(rng.integers(0, 65536, (32, 32, 3), dtype=np.uint16))
    if kind == "tiff":
        return hostile.tiff_file([hostile.small_tiff_page(32)])
    import io

    buffer = io.BytesIO()
    np.save(buffer, rng.random((32, 32), dtype=np.float32))
    return buffer.getvalue()


CORRUPT = {
    "png16 truncated": ("x.png", lambda: _good_bytes("png16")[:300], "truncated or corrupt"),
    "tiff truncated": ("x.tif", lambda: _good_bytes("tiff")[:60], "cannot read"),
    "jpeg truncated": ("x.jpg", lambda: _good_bytes("jpeg")[:700], "truncated or corrupt"),
    "jpeg corrupt scan data": ("x.jpg", lambda: hostile.corrupt_jpeg_scan(_good_bytes("jpeg")),
                               "corrupt"),
    "npy truncated": ("x.npy", lambda: _good_bytes("npy")[:500], "truncated"),
}


@pytest.mark.parametrize("case", CORRUPT)
def test_corrupt_or_truncated_file_is_one_line_error(folder, capsys, calls, case):
    name, make, fragment = CORRUPT[case]
    (folder / name).write_bytes(make())
    _refused_in_process(folder, capsys, ["{d}/" + name, "-o", "{d}/out.png", "--sigma", "25"],
                        1, fragment)


def test_an_intact_jpeg_still_reads(folder, capsys, calls):
    (folder / "x.jpg").write_bytes(_good_bytes("jpeg"))
    assert cli.main([str(folder / "x.jpg"), "-o", str(folder / "out.png"), "--sigma", "25"]) == 0


# --- odd dtypes, shapes, ranges, pages and inputs ----------------------------------------------

def _npy(array):
    def make(folder):
        np.save(folder / "x.npy", array, allow_pickle=True)
    return make


def _float_tiff(folder):
    import tifffile

    tifffile.imwrite(folder / "x.tif", np.linspace(-0.2, 1.3, 24 * 26, dtype=np.float32)
                     .reshape(SHAPE))


ODD = {
    "object npy": (_npy(np.array([[{}, 1]], dtype=object)), "x.npy", "Python objects"),
    "stack npy": (_npy(np.zeros((5, 48, 48), np.float32)), "x.npy", "stack of 5"),
    "int64 npy": (_npy(np.full(SHAPE, 40, np.int64)), "x.npy", "astype"),
    "float outside [0, 1]": (_float_tiff, "x.tif", "outside [0, 1]"),
    "multi-page tiff": (lambda d: (d / "x.tif").write_bytes(hostile.tiff_file(
        [hostile.small_tiff_page(), hostile.small_tiff_page()])), "x.tif", "2 images"),
}


@pytest.mark.parametrize("case", ODD)
def test_odd_input_is_refused_with_fitting_advice(folder, capsys, calls, case):
    make, name, fragment = ODD[case]
    make(folder)
    _refused_in_process(folder, capsys, ["{d}/" + name, "-o", "{d}/out.npy", "--sigma", "25"],
                        1, fragment)


def test_fifo_and_device_are_named_not_called_empty(folder, capsys, calls):
    os.mkfifo(folder / "pipe.png")
    _refused_in_process(folder, capsys, ["{d}/pipe.png", "-o", "{d}/out.png", "--sigma", "25"],
                        1, "FIFO")
    before = _snapshot(folder)
    assert cli.main(["/dev/urandom", "-o", str(folder / "out.png"), "--sigma", "25"]) == 1
    _, err = capsys.readouterr()
    _one_error_line(err, "a device")
    assert "empty" not in err and _snapshot(folder) == before


def test_library_scales_signed_integers_by_their_full_range(caplog):
    assert as_float_image(np.array([[-128, 127]], np.int8)).tolist() == [[0.0, 1.0]]
    assert as_float_image(np.array([[-32768, 32767]], np.int16)).tolist() == [[0.0, 1.0]]
    scaled = as_float_image(np.array([[40, 215]], np.int64))
    assert np.allclose(scaled, 0.5) and "astype(numpy.uint8)" in caplog.text


def test_library_stack_gets_stack_advice():
    with pytest.raises(ValueError, match="stack of 5 grey images"):
        api.denoise(np.zeros((5, 48, 48)), 0.1)


def test_library_passes_alpha_through_as_the_command_does():
    rng = np.random.default_rng(0)
    rgba = rng.random((16, 16, 4)).astype(np.float32)
    out = api.denoise(rgba, 0.1, channel_axis=-1, prior="gmm-untied", rng=0)
    rgb = api.denoise(rgba[..., :3], 0.1, channel_axis=-1, prior="gmm-untied", rng=0)
    np.testing.assert_array_equal(out[..., 3], rgba[..., 3])
    np.testing.assert_array_equal(out[..., :3], rgb)
    grey_alpha = np.moveaxis(rgba[..., 2:], -1, 0)  # channels first, axis 0
    out = api.denoise(grey_alpha, 0.1, channel_axis=0, prior="gmm-untied", rng=0)
    np.testing.assert_array_equal(out[1], grey_alpha[1])


# --- sigmas ------------------------------------------------------------------------------------

@pytest.mark.parametrize("sigma", ["1e-300", "1e-30", "0.001", "nan", "inf", "-0"])
def test_cli_tiny_or_odd_sigma_is_a_usage_error(folder, capsys, calls, sigma):
    _refused_in_process(folder, capsys, ["{d}/good.png", "-o", "{d}/out.png", "--sigma", sigma],
                        2, "--sigma")


@pytest.mark.parametrize("sigma,error", [(1e-18, ValueError), (1e-300, ValueError),
                                         (True, TypeError), ("0.1", TypeError),
                                         (0.1 + 0j, TypeError), (float("nan"), ValueError)])
def test_library_refuses_tiny_and_odd_sigmas(sigma, error):
    with pytest.raises(error, match="sigma"):
        api.denoise(np.full((16, 16), 0.5), sigma)


def test_library_smallest_sigma_gives_finite_output():
    image = np.random.default_rng(0).random((16, 16))
    out = api.denoise(image, 1e-4, prior="gmm-untied", rng=0)
    assert np.isfinite(out).all()


# --- argument conflicts: usage errors before anything is read ----------------------------------

CONFLICTS = {
    "bit depth vs npy": (["--bit-depth", "8", "-o", "{d}/out.npy"], "--bit-depth"),
    "tile below two patches": (["--tile", "8", "-o", "{d}/out.png"], "--tile must be at least 16"),
    "deblur without kernel": (["--task", "deblur", "-o", "{d}/out.png"], "--kernel"),
}


@pytest.mark.parametrize("case", CONFLICTS)
def test_option_conflict_is_a_usage_error_before_reading(folder, capsys, calls, monkeypatch,
                                                         case):
    from restore.cli import restore_file

    def no_reading(*args, **kwargs):
        raise AssertionError("read an image before checking the options")

    monkeypatch.setattr(restore_file, "read_image", no_reading)
    extra, fragment = CONFLICTS[case]
    (folder / "bomb.png").write_bytes(hostile.png_bomb(8))
    _refused_in_process(folder, capsys, ["{d}/bomb.png", "--sigma", "25", *extra], 2, fragment)


# --- outputs that alias the input --------------------------------------------------------------

def _alias(kind, folder):
    if kind == "symlink":
        os.symlink(folder / "good.png", folder / "link.png")
        return "{d}/link.png"
    if kind == "hard link":
        os.link(folder / "good.png", folder / "hard.png")
        return "{d}/hard.png"
    if kind == "dot spelling":
        return "{d}/./good.png"
    (folder / "sub").mkdir()
    return "{d}/sub/../good.png"


@pytest.mark.parametrize("kind", ["symlink", "hard link", "dot spelling", "parent spelling"])
def test_output_aliasing_the_input_is_refused(folder, capsys, calls, kind):
    output = _alias(kind, folder)
    _refused_in_process(folder, capsys, ["{d}/good.png", "-o", output, "--sigma", "25"], 2,
                        "never overwrites")


def test_relative_spelling_of_the_input_is_refused(folder, capsys, calls, monkeypatch):
    monkeypatch.chdir(folder)
    _refused_in_process(folder, capsys, ["good.png", "-o", "./good.png", "--sigma", "25"], 2,
                        "never overwrites")


# --- signals: Ctrl-C at any moment, SIGTERM during the write -----------------------------------

MOMENTS = [("start", signal.SIGINT, 130), ("eigen", signal.SIGINT, 130),
           ("restore", signal.SIGINT, 130), ("write", signal.SIGINT, 130),
           ("write", signal.SIGTERM, 143)]


@pytest.mark.parametrize("phase,number,status", MOMENTS,
                         ids=[f"{p}-{signal.Signals(n).name}" for p, n, _ in MOMENTS])
def test_signal_exits_at_once_and_leaves_nothing(folder, tmp_path, phase, number, status):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (64, 64), dtype=np.uint8)).save(folder / "good.png")
    before = _snapshot(folder)
    marker = tmp_path / "reached"
    prior = "gmm" if phase in ("start", "eigen") else "gmm-untied"  # gmm: the slow eigh
    child = hostile.start_with_hook([folder / "good.png", "-o", folder / "out.png", "--sigma",
                                     "25", "--prior", prior], tmp_path, phase, marker)
    deadline = time.monotonic() + 120
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert marker.exists(), child.communicate()[1]
    time.sleep(0.2)  # well inside that phase
    sent = time.monotonic()
    child.send_signal(number)
    _, err = child.communicate(timeout=30)
    waited = time.monotonic() - sent
    print(f"{phase} {signal.Signals(number).name}: exit {child.returncode} after {waited:.2f} s")
    assert child.returncode == status, err
    assert waited < 2.0
    _one_error_line(err, "interrupted" if number == signal.SIGINT else "terminated")
    assert _snapshot(folder) == before  # no output, no temporary file, input untouched
