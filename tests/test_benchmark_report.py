"""Fast tests of the benchmark harness's pure pieces and of the report (no real denoiser
is run)."""
import json
import threading
import time

import numpy as np
import pytest

from benchmarks import all as all_benchmarks
from benchmarks import bsds
from benchmarks.harness.data import TestImage, centre_crop, refuse_test_set
from benchmarks.harness.denoising import summarise
from benchmarks.harness.denoising_report import render_table
from benchmarks.harness.markdown import replace_markdown_section, scope_note, update_markdown_file
from benchmarks.harness.measure import current_rss_mib, measure_call
from benchmarks.harness.methods import Method
from benchmarks.harness.noise import add_gaussian_noise, noise_rng, noisy_pair
from benchmarks.harness.results import join_runs, shown_path, write_json_atomic

# --------------------------------------------------------------------------- noise


def test_seeded_noise_is_reproducible():
    image = np.full((40, 50), 0.5)
    first = add_gaussian_noise(image, 25 / 255, noise_rng(0, 3, 25))
    again = add_gaussian_noise(image, 25 / 255, noise_rng(0, 3, 25))
    np.testing.assert_array_equal(first, again)
    for other in (noise_rng(1, 3, 25), noise_rng(0, 4, 25), noise_rng(0, 3, 15)):
        assert not np.array_equal(first, add_gaussian_noise(image, 25 / 255, other))


def test_noise_is_unclipped_with_the_right_std():
    sigma = 50 / 255
    low = add_gaussian_noise(np.zeros((200, 200)), sigma, noise_rng(0, 0, 50))
    high = add_gaussian_noise(np.ones((200, 200)), sigma, noise_rng(0, 0, 50))
    assert low.min() < 0 and high.max() > 1
    assert low.dtype == np.float64
    assert abs(low.std() - sigma) < 0.02 * sigma


def test_noise_rng_rejects_fractional_or_negative_keys():
    with pytest.raises(ValueError, match="sigma255"):
        noise_rng(0, 0, 12.5)
    with pytest.raises(ValueError, match="seed"):
        noise_rng(-1, 0, 25)


def test_crop_sees_the_same_noise_as_the_full_image():
    image = TestImage(index=2, name="x", clean=np.linspace(0, 1, 60 * 80).reshape(60, 80))
    _, full = noisy_pair(image, 25, seed=0)
    clean, cropped = noisy_pair(image, 25, seed=0, crop=20)
    np.testing.assert_array_equal(cropped, full[20:40, 30:50])
    np.testing.assert_array_equal(clean, image.clean[20:40, 30:50])


def test_centre_crop_rejects_too_large():
    with pytest.raises(ValueError, match="crop"):
        centre_crop(np.zeros((10, 20)), 11)


# --------------------------------------------------------------------------- summaries


def _row(method, sigma, psnr, ssim, seconds, peak):
    return {"method": method, "sigma": sigma, "psnr": psnr, "ssim": ssim, "seconds": seconds,
            "peak_rss_mib": peak, "peak_growth_mib": None if peak is None else peak - 100}


def test_summary_means_on_hand_made_rows():
    rows = [
        _row("bm3d", 25, 28.0, 0.80, 3.0, 200.0),
        _row("epll", 25, 29.0, 0.81, 10.0, 300.0),
        _row("epll", 25, 31.0, 0.85, 30.0, 350.0),
        _row("epll", 25, 30.0, 0.83, 11.0, 320.0),
        _row("epll", 15, 32.0, 0.90, 5.0, None),
    ]
    summaries = summarise(rows, method_order=["epll", "bm3d"])
    assert [(s["method"], s["sigma"]) for s in summaries] == [("epll", 15), ("epll", 25),
                                                               ("bm3d", 25)]
    epll25 = summaries[1]
    assert epll25["n_images"] == 3
    assert epll25["psnr_mean"] == pytest.approx(30.0)
    assert epll25["ssim_mean"] == pytest.approx(0.83)
    assert epll25["seconds_median"] == pytest.approx(11.0)
    assert epll25["seconds_mean"] == pytest.approx(17.0)
    assert epll25["peak_rss_mib_max"] == pytest.approx(350.0)
    assert epll25["peak_growth_mib_max"] == pytest.approx(250.0)
    assert summaries[0]["peak_rss_mib_max"] is None
    assert summaries[2]["psnr_mean"] == pytest.approx(28.0)


def test_table_shows_measured_and_published_numbers():
    rows = [_row("epll", 25, 28.5, 0.8, 12.0, 300.0), _row("bm3d", 25, 28.6, 0.81, 3.5, 200.0)]
    methods = [bsds.METHODS["epll"], bsds.METHODS["bm3d"]]
    table = render_table(summarise(rows), [15, 25], methods, bsds.PUBLISHED)
    lines = table.splitlines()
    assert len(lines) == 4
    assert "28.50 / 0.8000" in lines[3] and "28.60 / 0.8100" in lines[3]
    assert "28.68" in lines[3] and "28.57" in lines[3]      # published EPLL, BM3D
    assert "31.21" in lines[2] and "—" in lines[2]           # nothing measured at 15
    assert "12.00" in lines[3] and "300" in lines[3]


def test_scope_note():
    full = {"n_images": 68, "n_images_in_folder": 68, "crop": None}
    assert scope_note(full) == "Full run: all 68 images, full size."
    note = scope_note({"n_images": 2, "n_images_in_folder": 68, "crop": 64})
    assert "Partial" in note and "2 of 68" in note and "64x64" in note
    assert "images 5-6 of 68" in scope_note({"first": 4, "n_images": 2,
                                             "n_images_in_folder": 68})


def test_test_sets_are_refused_for_tuning(tmp_path):
    with pytest.raises(ValueError, match="never on BSD68"):
        refuse_test_set(tmp_path / "cbsd68" / "x.png")
    refuse_test_set(tmp_path / "train400")


# --------------------------------------------------------------------------- markdown


SECTION = "bsd68-denoise"
DOC = ("# Benchmarks\n\nIntro text.\n\n<!-- bsd68-denoise:start -->\nold table\n"
       "<!-- bsd68-denoise:end -->\n\n## Other section\n\nkeep me\n")


def test_markdown_update_replaces_only_between_markers():
    new = replace_markdown_section(DOC, SECTION, "new table\n")
    assert new == DOC.replace("old table", "new table")
    assert replace_markdown_section(new, SECTION, "new table\n") == new


def test_markdown_update_appends_when_absent_and_is_idempotent():
    text = "# Benchmarks\n\nIntro.\n"
    once = replace_markdown_section(text, SECTION, "table")
    assert once.startswith(text)
    assert once.endswith("<!-- bsd68-denoise:start -->\ntable\n<!-- bsd68-denoise:end -->\n")
    assert replace_markdown_section(once, SECTION, "table") == once
    other = replace_markdown_section(once, "cbsd68-denoise", "colour")
    assert replace_markdown_section(other, SECTION, "table2").count("colour") == 1


@pytest.mark.parametrize("broken", [
    "<!-- bsd68-denoise:start -->\nno end\n",
    "<!-- bsd68-denoise:end -->\n<!-- bsd68-denoise:start -->\n",
    DOC + DOC,
])
def test_markdown_update_rejects_malformed_markers(broken):
    with pytest.raises(ValueError, match="malformed"):
        replace_markdown_section(broken, SECTION, "x")


def test_markdown_file_update(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(DOC, encoding="utf-8")
    update_markdown_file(path, SECTION, "fresh")
    update_markdown_file(path, SECTION, "fresh")
    assert path.read_text(encoding="utf-8") == DOC.replace("old table", "fresh")
    assert list(tmp_path.iterdir()) == [path]


# --------------------------------------------------------------------------- json


def test_json_written_atomically_without_nan(tmp_path):
    path = tmp_path / "results" / "out.json"
    write_json_atomic(path, {"a": float("nan"), "b": [np.float64(1.5), np.int64(2)]})
    assert json.loads(path.read_text()) == {"a": None, "b": [1.5, 2]}
    assert [p.name for p in path.parent.iterdir()] == ["out.json"]


# --------------------------------------------------------------------------- measurement


@pytest.mark.skipif(current_rss_mib() is None, reason="needs /proc/self/status (Linux)")
def test_peak_memory_sees_a_100_mb_allocation():
    def allocate():
        block = np.ones(100 * 2**20 // 8)      # 100 MiB, touched
        time.sleep(0.1)                          # several sampling intervals
        return float(block[-1])

    threads = threading.active_count()
    result, measured = measure_call(allocate)
    assert result == 1.0
    assert measured.peak_growth_mib > 80
    assert measured.peak_rss_mib >= measured.rss_before_mib + 80
    assert 0.1 <= measured.seconds < 5
    assert threading.active_count() == threads   # sampler stopped


def test_measure_call_propagates_errors_and_stops_sampler():
    threads = threading.active_count()

    def fail():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        measure_call(fail)
    assert threading.active_count() == threads


# --------------------------------------------------------------------------- end to end


def _blur(noisy, sigma, *, rng):
    from scipy.ndimage import uniform_filter

    return uniform_filter(noisy, 3)


def test_main_end_to_end_with_a_mock_method(tmp_path, monkeypatch, capsys):
    from PIL import Image

    data = tmp_path / "tiny68"
    data.mkdir()
    rng = np.random.default_rng(0)
    for name in ("b", "a", "c"):
        pixels = (rng.random((24, 30)) * 255).astype(np.uint8)
        Image.fromarray(pixels, mode="L").save(data / f"{name}.png")
    monkeypatch.setitem(bsds.METHODS, "mock", Method("mock", "Mock (test)", _blur))
    monkeypatch.setitem(bsds.METHODS, "absent",
                        Method("absent", "Absent", _blur, lambda: "not installed"))
    markdown = tmp_path / "BENCHMARKS.md"
    markdown.write_text("# Benchmarks\n\nkeep\n", encoding="utf-8")
    status = bsds.main(["--data", str(data), "--sigmas", "25", "15", "--limit", "2",
                        "--crop", "16", "--methods", "mock", "absent",
                        "--out", str(tmp_path / "out"), "--markdown", str(markdown)])
    assert status == 0
    out, err = capsys.readouterr()
    assert "| 25 | 2 |" in out and "Partial run" in out
    assert err.count("sigma=") == 4 and "skipping absent" in err

    result = json.loads((tmp_path / "out" / "tiny68_denoise_n2_crop16_mock-absent.json")
                        .read_text())
    settings = result["settings"]
    assert result["complete"] is True
    assert settings["partial"] is True and settings["crop"] == 16 and settings["limit"] == 2
    assert settings["tag"] == "n2_crop16_mock-absent" and settings["skipped"] == {"absent": "not installed"}
    assert [r["image"] for r in result["rows"]] == ["a", "a", "b", "b"]
    assert {(s["method"], s["sigma"], s["n_images"]) for s in result["summaries"]} == {
        ("mock", 15, 2), ("mock", 25, 2)}
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nkeep\n")
    assert "<!-- tiny68-denoise-n2_crop16_mock-absent:start -->" in text and "Partial run" in text
    assert settings["json"] == shown_path(tmp_path / "out" / (
        "tiny68_denoise_n2_crop16_mock-absent.json")) and not settings["json"].startswith("/")


# --------------------------------------------------------------------------- joined runs and
# the sections of BENCHMARKS.md


def _run(sigmas, command, rows):
    return {"settings": {"dataset": "d", "crop": None, "sigmas": sigmas, "command": command,
                         "json": f"{command}.json", "tag": command, "started": f"2026-01-0{len(command)}",
                         "machine": {}},
            "rows": rows, "complete": True}


def test_runs_at_other_noise_levels_join_and_others_do_not():
    first, second = _run([2.55], "a", [{"x": 1}]), _run([7.65], "bb", [{"x": 2}])
    joined = join_runs([first, second], joined=("sigmas",))
    assert joined["settings"]["sigmas"] == [2.55, 7.65]
    assert joined["rows"] == [{"x": 1}, {"x": 2}]
    assert [run["json"] for run in joined["settings"]["runs"]] == ["a.json", "bb.json"]
    second["settings"]["crop"] = 64
    with pytest.raises(ValueError, match="crop"):
        join_runs([first, second], joined=("sigmas",))


@pytest.mark.parametrize("name", list(all_benchmarks.STANDARD))
def test_every_section_renders_from_the_committed_results(name):
    """Each section of BENCHMARKS.md comes from committed JSON: no data set needed."""
    key, section = all_benchmarks.render_from_results(name)
    assert section.startswith("## ") and "Raw results" in section
    assert "/work/" not in section and "](/" not in section and "`/" not in section
    standard = all_benchmarks.STANDARD[name]
    assert key.endswith(standard.tag)


def test_the_standard_runs_write_the_sections_they_are_rendered_into(tmp_path, monkeypatch):
    """A standard run's arguments give the tag (so the JSON name and section key) under which
    --from-results renders its section."""
    from benchmarks.harness.cli import run_tag

    for name in ("bsds", "cbsd", "deblur", "inpaint"):
        standard = all_benchmarks.STANDARD[name]
        module = __import__(standard.module, fromlist=["build_parser"])
        args = module.build_parser().parse_args(standard.arguments(tmp_path))
        defaults = getattr(module, "DEFAULT_METHODS", None) if name in ("bsds", "cbsd") else None
        assert run_tag(args.limit, args.crop, args.methods, defaults) == standard.tag


def test_from_results_replaces_sections_and_keeps_the_rest(tmp_path):
    markdown = tmp_path / "B.md"
    markdown.write_text("# Benchmarks\n\nintro\n", encoding="utf-8")
    assert all_benchmarks.main(["--from-results", "--only", "deblur", "speed",
                                "--markdown", str(markdown)]) == 0
    once = markdown.read_text(encoding="utf-8")
    assert once.startswith("# Benchmarks\n\nintro\n")
    assert "<!-- bsd68-deblur-n20:start -->" in once and "<!-- speed:start -->" in once
    assert "| σ=2.55 | 160 |" in once and "| σ=7.65 | 160 |" in once
    all_benchmarks.main(["--from-results", "--only", "deblur", "--markdown", str(markdown)])
    assert markdown.read_text(encoding="utf-8") == once


def test_per_image_gain_subtracts_the_peer_image_by_image(tmp_path):
    import json

    from benchmarks.per_image_gain import gains, main

    rows = [dict(method=m, image=i, sigma=s, psnr=p) for m, i, s, p in [
        ("epll", "a", 25, 30.0), ("bm3d", "a", 25, 29.5), ("epll", "b", 25, 27.0),
        ("bm3d", "b", 25, 27.2), ("epll", "c", 25, 26.0)]]  # c: no peer score
    table = gains(rows, "epll", "bm3d")
    assert table.keys() == {"a", "b"}
    assert abs(table["a"][25] - 0.5) < 1e-12 and abs(table["b"][25] + 0.2) < 1e-12
    path = tmp_path / "run.json"
    path.write_text(json.dumps(dict(settings={}, rows=rows)))
    assert main([str(path)]) == 0
    text = (tmp_path / "run_gain.md").read_text()
    assert text.index("| b |") < text.index("| a |")  # sorted by gain
    assert "1 / 2" in text
