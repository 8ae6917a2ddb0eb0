"""The speed benchmark's pure parts: test images, the linear fit, the report."""
import numpy as np

from benchmarks.harness.data import mirror_tiled
from benchmarks.speed import linear_fit, render_section


def test_tiled_image_mirrors_the_source_to_any_size():
    source = np.arange(12, dtype=np.float32).reshape(3, 4)
    big = mirror_tiled(source, 7, 7)
    assert big.shape == (7, 7)
    np.testing.assert_array_equal(big[:3, :4], source)
    np.testing.assert_array_equal(big[3:6, :4], source[::-1])  # mirrored, no seam jump
    np.testing.assert_array_equal(mirror_tiled(source, 2, 2), source[:2, :2])


def _rows(seconds_per_mp, sizes=(256, 512, 1024, 2048)):
    return [{"size": n, "pixels": n * n, "skipped": {"bm3d": "> 512"} if n > 512 else {},
             "methods": {"epll": {"seconds": seconds_per_mp * n * n / 1e6 + 0.05,
                                  "seconds_per_megapixel": seconds_per_mp + 0.05e6 / (n * n),
                                  "peak_rss_mib": 400.0, "peak_growth_mib": 10.0,
                                  "stages": {"z-step": 0.9 * seconds_per_mp * n * n / 1e6},
                                  "psnr": 30.0, "repeats": 1},
                         **({"bm3d": {"seconds": 40 * n * n / 1e6, "seconds_per_megapixel": 40.0,
                                      "peak_rss_mib": 500.0, "peak_growth_mib": 1.0, "stages": {},
                                      "psnr": 30.0, "repeats": 1}} if n <= 512 else {})}}
            for n in sizes]


def test_linear_fit_recovers_seconds_per_megapixel_and_unit_exponent():
    fit = linear_fit(_rows(4.0), "epll")
    assert abs(fit["seconds_per_megapixel"] - 4.0) < 1e-6
    assert abs(fit["intercept_seconds"] - 0.05) < 1e-6
    assert abs(fit["loglog_exponent"] - 1.0) < 0.02
    assert linear_fit(_rows(4.0), "bm3d") is None  # one size from 512 up: no fit


def test_report_marks_skipped_sizes_and_breaks_time_down_by_stage():
    rows = _rows(4.0)
    result = {"settings": {"command": "python -m benchmarks.speed", "started": "2026-11-23T00:00:00",
                           "machine": {"platform": "Linux", "cpu_count": 2, "cpu_usable": 2,
                                       "python": "3.11", "versions": {}},
                           "source": "data/examples/cameraman.png", "sigma": 25.0,
                           "methods": ["epll", "bm3d"], "plot": "speed.png", "json": "speed.json"},
               "rows": rows, "fits": {m: linear_fit(rows, m) for m in ("epll", "bm3d")}}
    text = render_section(result)
    assert "| 1024x1024 |" in text and "skipped (> 512)" in text
    assert "z-step" in text and "(90 %)" in text
    assert "BM3D time / EPLL default time, same run: 256:" in text
