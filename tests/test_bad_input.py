"""Every bad input of issue 5, end to end through the `restore` command.

Each case must give exactly one line ``Error: ...`` on stderr (no traceback),
exit status 2 for a usage error or 1 for a runtime error, and leave no file
behind (not even a temporary one) and the input untouched. The library's
denoiser is replaced by a fast local mean: the cases are refused before it
would matter, except where noted.
"""
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import restore
from restore import api, cli

SHAPE = (24, 26)


@pytest.fixture
def calls(monkeypatch):
    """Record library calls and answer with a 3x3 mean (fast stand-in for EPLL)."""
    from scipy.ndimage import uniform_filter

    recorded = []

    def fake(image, *args, **options):
        recorded.append(options)
        return uniform_filter(image, size=(3, 3, 1) if image.ndim == 3 else 3)

    for name in ("denoise", "deblur", "inpaint"):
        monkeypatch.setattr(api, name, fake)
    return recorded


@pytest.fixture
def folder(tmp_path):
    """A folder with one good 8-bit noisy image, ``good.png``."""
    pixels = np.random.default_rng(0).integers(0, 256, SHAPE, dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "good.png")
    return tmp_path


def _truncated_png(folder):
    data = (folder / "good.png").read_bytes()
    (folder / "bad.png").write_bytes(data[: len(data) // 2])


def _write(name, content):
    def make(folder):
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            np.save(path, content, allow_pickle=False)
    return make


def _png(name, shape):
    def make(folder):
        Image.fromarray(np.full(shape, 128, np.uint8)).save(folder / name)
    return make


_NAN = np.full(SHAPE, 0.5, np.float32)
_NAN[3, 4] = np.nan
_INF = np.full(SHAPE + (3,), 0.5, np.float32)
_INF[1, 2, 0] = np.inf

#: (case id, how to make the bad input, argv (``{d}`` = the folder), exit status, fragments)
CASES = [
    ("not an image", _write("bad.png", b"these are not pixels"),
     ["{d}/bad.png", "-o", "{d}/out.png", "--sigma", "25"], 1, ["not an image"]),
    ("text with another extension", _write("bad.tif", b"II*\x00 broken"),
     ["{d}/bad.tif", "-o", "{d}/out.png", "--sigma", "25"], 1, ["cannot read"]),
    ("truncated file", _truncated_png,
     ["{d}/bad.png", "-o", "{d}/out.png", "--sigma", "25"], 1, ["truncated"]),
    ("empty file", _write("bad.png", b""),
     ["{d}/bad.png", "-o", "{d}/out.png", "--sigma", "25"], 1, ["empty"]),
    ("zero-size image", _write("bad.npy", np.zeros((0, 5), np.float32)),
     ["{d}/bad.npy", "-o", "{d}/out.png", "--sigma", "25"], 1, ["no pixels"]),
    ("1x1 image", _png("bad.png", (1, 1)),
     ["{d}/bad.png", "-o", "{d}/out.png", "--sigma", "25"], 1, ["1x1", "at least 8x8"]),
    ("1x1 image, sigma estimated", _png("bad.png", (1, 1)),
     ["{d}/bad.png", "-o", "{d}/out.png"], 1, ["1x1", "at least 8x8"]),
    ("NaN in a float input", _write("bad.npy", _NAN),
     ["{d}/bad.npy", "-o", "{d}/out.npy", "--sigma", "25"], 1, ["NaN or inf", "nan_to_num"]),
    ("inf in a float input", _write("bad.npy", _INF),
     ["{d}/bad.npy", "-o", "{d}/out.npy", "--sigma", "25"], 1, ["NaN or inf"]),
    ("negative sigma", None,
     ["{d}/good.png", "-o", "{d}/out.png", "--sigma", "-5"], 2, ["--sigma", "(0, 255]"]),
    ("zero sigma", None,
     ["{d}/good.png", "-o", "{d}/out.png", "--sigma", "0"], 2, ["--sigma"]),
    ("absurd sigma", None,
     ["{d}/good.png", "-o", "{d}/out.png", "--sigma", "1e6"], 2, ["--sigma", "0-255 scale"]),
    ("sigma not a number", None,
     ["{d}/good.png", "-o", "{d}/out.png", "--sigma", "lots"], 2, ["--sigma"]),
    ("mask of the wrong shape", _png("mask.png", (10, 10)),
     ["{d}/good.png", "--task", "inpaint", "--mask", "{d}/mask.png", "-o", "{d}/out.png"], 2,
     ["mask", "same size"]),
    ("kernel larger than the image", _write("kernel.npy", np.ones((31, 31))),
     ["{d}/good.png", "--task", "deblur", "--kernel", "{d}/kernel.npy", "--sigma", "2",
      "-o", "{d}/out.png"], 2, ["kernel", "larger"]),
    ("kernel that is not 2-D", _write("kernel.npy", np.ones((3, 3, 3))),
     ["{d}/good.png", "--task", "deblur", "--kernel", "{d}/kernel.npy", "--sigma", "2",
      "-o", "{d}/out.png"], 2, ["--kernel"]),
    ("output folder missing", None,
     ["{d}/good.png", "-o", "{d}/missing/out.png", "--sigma", "25"], 1,
     ["cannot write", "does not exist"]),
    ("output under a file", _write("a_file", b"x"),
     ["{d}/good.png", "-o", "{d}/a_file/out.png", "--sigma", "25"], 1, ["cannot write"]),
    ("output is a folder", lambda d: (d / "sub.png").mkdir(),
     ["{d}/good.png", "-o", "{d}/sub.png", "--sigma", "25"], 1, ["folder"]),
    ("output equal to the input", None,
     ["{d}/good.png", "-o", "{d}/good.png", "--sigma", "25"], 2, ["never overwrites"]),
    ("output equal to the input, other spelling", None,
     ["{d}/good.png", "-o", "{d}/./good.png", "--sigma", "25"], 2, ["never overwrites"]),
]


def _snapshot(folder):
    return {path.relative_to(folder): path.read_bytes() if path.is_file() else None
            for path in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("make,argv,status,fragments", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_bad_input_is_one_line_error_and_leaves_nothing(folder, capsys, calls, make, argv,
                                                        status, fragments):
    if make is not None:
        make(folder)
    before = _snapshot(folder)
    code = cli.main([arg.format(d=folder) for arg in argv])
    _, err = capsys.readouterr()
    assert code == status, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert _snapshot(folder) == before  # no output, no temporary file, input untouched
    assert calls == []


def test_failed_write_leaves_no_file_and_keeps_an_old_output(folder, capsys, calls, monkeypatch):
    from restore.io import encoders

    (folder / "out.png").write_bytes(b"the previous result")

    def full_disk(file, pixels):
        file.write(b"half an image")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(encoders, "encode_png", full_disk)
    before = _snapshot(folder)
    code = cli.main([str(folder / "good.png"), "-o", str(folder / "out.png"), "--sigma", "25"])
    _, err = capsys.readouterr()
    assert code == 1 and err.count("\n") == 1 and err.startswith("Error: ")
    assert "No space left" in err
    assert _snapshot(folder) == before


@pytest.mark.parametrize("runtime", [True, False], ids=["runtime error", "usage error"])
def test_verbose_adds_the_traceback_of_runtime_errors(folder, capsys, calls, runtime):
    (folder / "bad.png").write_bytes(b"not pixels")
    argv = ([str(folder / "bad.png"), "-o", str(folder / "out.png"), "--sigma", "25"] if runtime
            else [str(folder / "good.png"), "-o", str(folder / "out.png"), "--sigma", "-1"])
    code = cli.main(argv + ["--verbose"])
    _, err = capsys.readouterr()
    assert code == (1 if runtime else 2)
    assert ("Traceback" in err) == runtime
    assert err.strip().splitlines()[-1].startswith("Error: ")
    assert not (folder / "out.png").exists()


def test_real_library_refuses_tiny_and_non_finite_images():
    """The library itself (not only the command) says what is wrong."""
    with pytest.raises(ValueError, match="at least 8x8"):
        restore.api.denoise(np.zeros((1, 1)), 0.1)
    with pytest.raises(ValueError, match="NaN or inf"):
        restore.api.denoise(np.full((16, 16), np.nan), 0.1)
    with pytest.raises(ValueError, match="positive finite"):
        restore.api.denoise(np.zeros((16, 16)), -0.1)
    with pytest.raises(ValueError, match="larger than the whole"):
        restore.api.denoise(np.zeros((16, 16)), 25)


def test_every_case_of_the_issue_is_listed():
    """The issue's list of bad inputs, each with at least one case above."""
    names = " | ".join(case[0] for case in CASES)
    for required in ("not an image", "truncated", "empty", "zero-size", "1x1", "NaN", "inf",
                     "negative sigma", "absurd sigma", "mask of the wrong shape", "kernel",
                     "output folder missing", "output equal to the input"):
        assert required in names, required


def test_decoder_chatter_does_not_reach_the_terminal(tmp_path):
    """In a real process (not under pytest's warning capture) a corrupt TIFF gives one line."""
    import subprocess
    import sys

    (tmp_path / "bad.tif").write_bytes(b"II*\x00 broken")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "restore.cli", str(tmp_path / "bad.tif"), "-o",
                           str(tmp_path / "out.png"), "--sigma", "25"], capture_output=True,
                          text=True, cwd=root, env={"PYTHONPATH": str(root), "PATH": ""})
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: "), done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.tif"]
