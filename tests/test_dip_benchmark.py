"""The DIP benchmark end to end on a tiny synthetic data set (JSON, markdown, step counts)."""
import json

import numpy as np
import pytest

pytest.importorskip("torch")


def _write_pngs(folder, n, size, seed):
    from PIL import Image

    folder.mkdir()
    rng = np.random.default_rng(seed)
    for i in range(n):
        ramp = np.linspace(0, 200, size)[None, :] + rng.integers(0, 40, (size, size))
        Image.fromarray(ramp.astype(np.uint8), mode="L").save(folder / f"img_{i}.png")


def test_benchmark_writes_json_and_markdown(tmp_path):
    from benchmarks.dip import main

    _write_pngs(tmp_path / "test", 2, 24, 0)
    _write_pngs(tmp_path / "train", 2, 24, 1)
    markdown = tmp_path / "B.md"
    assert main(["--data", str(tmp_path / "test"), "--train", str(tmp_path / "train"),
                 "--tv-images", "2", "--limit", "1", "--crop", "16", "--width", "4",
                 "--iterations", "3", "3", "--methods", "dip-direct", "dip-hqs", "tv", "biharmonic",
                 "--out", str(tmp_path), "--markdown", str(markdown)]) == 0
    result = json.loads((tmp_path / "test_dip.json").read_text())
    assert result["complete"]
    methods = {(r["task"], r["method"]) for r in result["rows"]}
    assert methods == {("denoise", "dip-direct"), ("denoise", "dip-hqs"), ("denoise", "tv"),
                       ("inpaint", "dip-direct"), ("inpaint", "dip-hqs"),
                       ("inpaint", "biharmonic")}
    direct = [r for r in result["rows"] if r["method"] == "dip-direct"]
    assert all(r["iterations"] == 3 and r["seconds_per_iteration"] > 0 for r in direct)
    text = markdown.read_text()
    assert "<!-- test-dip:start -->" in text and "dip-direct − tv" in text


def test_tv_weight_is_never_tuned_on_bsd68(tmp_path):
    from benchmarks.dip import tune_tv_weight

    with pytest.raises(ValueError, match="never on BSD68"):  # the test set is refused
        tune_tv_weight(tmp_path / "bsd68", 2, 16, 0)


def test_a_cut_short_run_renders_from_its_json(tmp_path):
    from benchmarks.dip import main, render_saved

    _write_pngs(tmp_path / "test", 2, 24, 0)
    assert main(["--data", str(tmp_path / "test"), "--limit", "2", "--crop", "16",
                 "--width", "4", "--iterations", "2", "2", "--methods", "dip-direct",
                 "biharmonic", "--tasks", "inpaint", "--out", str(tmp_path)]) == 0
    path = tmp_path / "test_dip.json"
    result = json.loads(path.read_text())
    result["rows"] = result["rows"][:2]  # as if stopped after the first image
    result["complete"] = False
    path.write_text(json.dumps(result))
    section = render_saved(path, tmp_path / "B.md")
    assert "**Incomplete**" in section and "| 50% missing at random | 1 |" in section


def test_a_run_split_by_image_merges_into_one_result(tmp_path):
    from benchmarks.dip import main, merge_saved

    _write_pngs(tmp_path / "test", 3, 24, 0)
    common = ["--data", str(tmp_path / "test"), "--crop", "16", "--width", "4",
              "--iterations", "2", "2", "--methods", "dip-direct", "biharmonic", "--tasks",
              "inpaint", "--out", str(tmp_path)]
    assert main(common + ["--first", "0", "--limit", "2", "--tag", "a"]) == 0
    assert main(common + ["--first", "2", "--limit", "1", "--tag", "b"]) == 0
    parts = [tmp_path / "test_dip_a.json", tmp_path / "test_dip_b.json"]
    assert json.loads(parts[1].read_text())["rows"][0]["image"] == "img_2"
    markdown = tmp_path / "B.md"
    assert main(["merge", *map(str, parts[::-1]), "--tag", "ab", "--markdown",
                 str(markdown)]) == 0
    merged = json.loads((tmp_path / "test_dip_ab.json").read_text())
    assert [r["image"] for r in merged["rows"] if r["method"] == "biharmonic"] == \
        ["img_0", "img_1", "img_2"]
    text = markdown.read_text()
    assert "| 50% missing at random | 3 |" in text and "Commands (one run split" in text
    cut = json.loads(parts[0].read_text())  # as if part a had stopped after its first image
    cut["rows"], cut["complete"] = cut["rows"][:3], False  # image 0 whole, image 1 half
    cut_path = tmp_path / "test_dip_cut.json"
    cut_path.write_text(json.dumps(cut))
    assert main(common + ["--first", "1", "--limit", "2", "--tag", "e"]) == 0
    section = merge_saved([cut_path, tmp_path / "test_dip_e.json"], "cut")
    assert "| 50% missing at random | 3 |" in section and "stopped after 1 of its 2" in section
    assert main(common + ["--first", "1", "--limit", "1", "--tag", "d"]) == 0
    with pytest.raises(ValueError, match="consecutive images"):  # images 1-2, then 2 again
        merge_saved([parts[0], tmp_path / "test_dip_d.json"], "ad")
    assert main(common + ["--first", "2", "--limit", "1", "--tag", "c", "--width", "3"]) == 0
    with pytest.raises(ValueError, match="other settings"):
        merge_saved([parts[0], tmp_path / "test_dip_c.json"], "ac")


def test_tune_dip_restarts_reports_the_mean_of_k_fits_beside_tv(tmp_path):
    from benchmarks.dip import TV_WEIGHTS
    from benchmarks.tuning.tune_dip import main

    _write_pngs(tmp_path / "train", 1, 40, 3)
    out = tmp_path / "tune.json"
    assert main(["--data", str(tmp_path / "train"), "--images", "1", "--crop", "32",
                 "--widths", "4", "--iterations", "3", "3", "--restarts", "2",
                 "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    run = result["runs"]["4"][0]
    assert run["steps"] == [3, 3] and len(run["psnr_of_mean"]) == 2
    assert len(result["summary"]["4"]["mean_psnr_of_mean_of_k"]) == 2
    assert set(result["summary"]["tv_mean_psnr_by_weight"]) == {str(w) for w in TV_WEIGHTS}
