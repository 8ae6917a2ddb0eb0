"""``restore --task upscale --scale N``: the happy path (the real library) and its errors, each
one clear line on stderr with a non-zero exit status and no output file."""
import numpy as np
import pytest
from PIL import Image

from restore import cli


def _run(capsys, *argv):
    status = cli.main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def small_file(tmp_path):
    rows, cols = np.mgrid[:14, :17]
    small = (127 + 90 * np.sin(rows / 3.0) * np.cos(cols / 4.0)).astype(np.uint8)
    path = tmp_path / "small.png"
    Image.fromarray(small).save(path)
    return path


def test_upscale_writes_an_image_scale_times_larger(tmp_path, capsys, small_file):
    status, out, err = _run(capsys, small_file, "--task", "upscale", "--scale", 3, "-o",
                            tmp_path / "big.png")
    assert status == 0, err
    with Image.open(tmp_path / "big.png") as big:
        assert big.size == (51, 42) and big.mode == "L"
    assert "enlarged a 17x14 grey image 3 times to 51x42 pixels" in err


def test_colour_alpha_reference_and_a_gaussian_kernel(tmp_path, capsys):
    rows, cols = np.mgrid[:24, :20]
    big = (127 + 90 * np.sin(rows / 4.0)[..., None] * np.cos(cols / 5.0)[..., None]
           * np.array([1.0, 0.7, -0.5])).astype(np.uint8)
    rgba = np.dstack([big[::2, ::2], np.full((12, 10), 200, np.uint8)])
    Image.fromarray(rgba).save(tmp_path / "small.png")
    Image.fromarray(big).save(tmp_path / "clean.png")
    status, out, err = _run(capsys, tmp_path / "small.png", "--task", "upscale", "--scale", 2,
                            "--kernel", "gaussian:1", "--reference", tmp_path / "clean.png",
                            "-o", tmp_path / "big.png")
    assert status == 0, err
    with Image.open(tmp_path / "big.png") as written:
        assert written.size == (20, 24) and written.mode == "RGBA"
        assert np.all(np.asarray(written)[..., 3] == 200)
    lines = out.splitlines()
    assert lines[-2].startswith("bicubic: PSNR") and lines[-1].startswith("output: PSNR")


@pytest.mark.parametrize("arguments, message", [
    (["--scale", "1"], "argument --scale: must be at least 2 (upscale enlarges the image), got 1"),
    (["--scale", "2.5"], "argument --scale: expected a whole number such as 2, 3 or 4, got "
                         "'2.5'"),
    ([], "--task upscale needs --scale N"),
    (["--scale", "2", "--mask", "m.png"], "--mask and --invert-mask are for --task inpaint"),
    (["--scale", "2", "--boundary", "unknown"], "--boundary unknown is for --task deblur; "
                                                "upscale takes reflect or circular"),
])
def test_usage_errors(tmp_path, capsys, small_file, arguments, message):
    status, out, err = _run(capsys, small_file, "--task", "upscale", *arguments, "-o",
                            tmp_path / "big.png")
    assert status == 2 and not out
    assert err.startswith("Error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "big.png").exists()


def test_scale_belongs_to_upscale(tmp_path, capsys, small_file):
    status, _, err = _run(capsys, small_file, "--scale", 2, "-o", tmp_path / "big.png")
    assert status == 2 and "--scale is for --task upscale, not --task denoise" in err


def test_an_output_over_the_memory_limit_is_refused(tmp_path, capsys, small_file):
    status, out, err = _run(capsys, small_file, "--task", "upscale", "--scale", 4,
                            "--max-pixels", 3000, "-o", tmp_path / "big.png")
    assert status == 1 and not out and err.count("\n") == 1
    assert ("Error: cannot enlarge" in err and "(17x14) 4 times: the result, 68x56 pixels, would "
            "exceed the limit of 0.003 megapixels (--max-pixels 3000)" in err)
    assert not (tmp_path / "big.png").exists()
