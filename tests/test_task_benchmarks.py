"""Fast tests of the deblurring and inpainting benchmarks (peers only, tiny images)."""
import json

import numpy as np
from PIL import Image

from benchmarks import deblur, inpaint
from benchmarks.harness import degradations


def test_masks_are_seeded_and_have_the_right_density():
    shape = (181, 121)
    first = degradations.make_mask("text", shape, seed=0, index=3)
    np.testing.assert_array_equal(first, degradations.make_mask("text", shape, seed=0, index=3))
    assert not np.array_equal(first, degradations.make_mask("text", shape, seed=0, index=4))
    assert 0.05 < 1 - first.mean() < 0.4
    for kind, missing in (("random50", 0.5), ("random80", 0.8)):
        known = degradations.make_mask(kind, shape, seed=0, index=0)
        assert known.dtype == bool and abs((1 - known.mean()) - missing) < 0.02


def test_blur_and_noise_is_seeded_and_circular():
    image = np.zeros((21, 17))
    image[0, 0] = 1
    kernel = np.ones((3, 3)) / 9
    blurred = degradations.blur_and_noise(image, kernel, 0.0, np.random.default_rng(0))
    assert abs(blurred[-1, -1] - 1 / 9) < 1e-12  # wraps around the corner
    assert abs(blurred.sum() - 1) < 1e-12
    noisy = [degradations.blur_and_noise(image, kernel, 2.55, np.random.default_rng(1))
             for _ in "ab"]
    np.testing.assert_array_equal(*noisy)
    assert degradations.noise_key(2.55) == 255 and degradations.noise_key(7.65) == 765


def _tiny_dataset(folder):
    folder.mkdir()
    rows, cols = np.mgrid[:40, :36]
    for i in range(2):
        pixels = 128 + 90 * np.sin(rows / (4.0 + i)) * np.cos(cols / 5.0)
        Image.fromarray(pixels.astype(np.uint8)).save(folder / f"img{i}.png")
    return folder


def test_deblur_benchmark_end_to_end(tmp_path, capsys):
    data = _tiny_dataset(tmp_path / "set")
    kernels = tmp_path / "k.npz"
    np.savez(kernels, k0=np.ones((3, 3)), k1=np.eye(5))
    status = deblur.main(["--data", str(data), "--kernels", str(kernels), "--limit", "1",
                          "--methods", "wiener", "--out", str(tmp_path / "out"),
                          "--markdown", str(tmp_path / "B.md")])
    assert status == 0
    result = json.loads((tmp_path / "out" / "set_deblur_n1.json").read_text())
    assert result["complete"] and len(result["rows"]) == 1 * 2 * 2
    assert {row["kernel"] for row in result["rows"]} == {"k0", "k1"}
    assert "<!-- set-deblur-n1:start -->" in (tmp_path / "B.md").read_text()
    assert "| σ=2.55 |" in capsys.readouterr().out


def test_inpaint_benchmark_end_to_end(tmp_path, capsys):
    data = _tiny_dataset(tmp_path / "set")
    status = inpaint.main(["--data", str(data), "--methods", "biharmonic",
                           "--out", str(tmp_path / "out"), "--markdown", str(tmp_path / "B.md")])
    assert status == 0
    result = json.loads((tmp_path / "out" / "set_inpaint.json").read_text())
    assert result["complete"] and len(result["rows"]) == 2 * 3
    assert all(row["psnr"] > row["input_psnr"] for row in result["rows"])
    assert "<!-- set-inpaint:start -->" in (tmp_path / "B.md").read_text()
    assert "80% missing at random" in capsys.readouterr().out
