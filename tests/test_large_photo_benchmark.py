"""The large-photo benchmark's pure parts and its refusal of the test sets."""
import numpy as np
import pytest

from benchmarks.harness.data import mirror_tiled
from benchmarks.large_photo import main, render_section


def test_mirror_tiled_extends_by_reflection_and_crops():
    source = np.arange(12, dtype=float).reshape(3, 4)
    tiled = mirror_tiled(source, 7, 5)
    assert tiled.shape == (7, 5)
    np.testing.assert_array_equal(tiled[:3, :4], source)
    np.testing.assert_array_equal(tiled[3:6, :4], source[::-1])   # symmetric: edge repeated
    np.testing.assert_array_equal(tiled[:3, 4], source[:, 3])
    assert mirror_tiled(source, 2, 3).shape == (2, 3)


def test_mirror_tiled_keeps_channels():
    source = np.random.default_rng(0).random((5, 6, 3))
    tiled = mirror_tiled(source, 11, 13)
    assert tiled.shape == (11, 13, 3)
    np.testing.assert_array_equal(tiled[:5, :6], source)


def test_refuses_test_set_source(tmp_path):
    with pytest.raises(SystemExit) as stop:
        main(["--source", str(tmp_path / "cbsd68" / "x.png"), "--out", str(tmp_path)])
    assert stop.value.code == 2


def test_section_reports_time_memory_and_psnr():
    result = {"settings": {"command": "python -m benchmarks.large_photo --source s.jpg",
                           "started": "2026-11-24T00:00:00Z",
                           "machine": {"platform": "Linux", "cpu_count": 2, "cpu_usable": 2,
                                       "python": "3.11", "versions": {"numpy": "2"}},
                           "source": "s.jpg", "width": 6000, "height": 4000, "sigma": 25.0,
                           "seed": 0, "json": "out.json"},
              "measured": {"seconds": 600.0, "seconds_per_megapixel": 25.0, "peak_rss_mib": 900.0,
                           "child_command": "restore noisy.png --sigma 25 -o restored.png",
                           "psnr_noisy": 20.2, "psnr_restored": 31.5}}
    text = render_section(result)
    assert "6000x4000x3 | 600 | 25.0 | 900 | 20.20 -> 31.50" in text
    assert "24.0 megapixels" in text


def test_end_to_end_on_a_small_photo(tmp_path):
    """The whole benchmark on a 48x40 photo: the command runs in a child, JSON and section written."""
    import json

    from PIL import Image

    rng = np.random.default_rng(0)
    source = tmp_path / "photo.png"
    Image.fromarray(rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)).save(source)
    markdown = tmp_path / "B.md"
    assert main(["--source", str(source), "--width", "48", "--height", "40", "--out",
                 str(tmp_path), "--markdown", str(markdown)]) == 0
    result = json.loads((tmp_path / "large_photo.json").read_text())
    measured = result["measured"]
    assert measured["seconds"] > 0 and 50 < measured["peak_rss_mib"] < 4000
    assert result["command_wall_seconds"] == measured["seconds"]  # the command, end to end
    assert (result["command_wall"]["width"], result["command_wall"]["height"]) == (48, 40)
    assert measured["child_command"] == "restore noisy.png --sigma 25 -o restored.png"
    assert "48x40x3" in markdown.read_text()
