"""The inpainting variant comparison (benchmarks/tune_inpaint_prior.py) on tiny images."""
import json

import numpy as np
import pytest
from PIL import Image

from benchmarks import tune_inpaint_prior


def test_variant_parsing_fills_defaults_and_rejects_unknown_keys():
    settings = tune_inpaint_prior.parse_variant("fine=gmm-untied window=0")
    assert settings == {**tune_inpaint_prior.DEFAULTS, "fine": "gmm-untied", "window": "0"}
    with pytest.raises(ValueError, match="bad variant item 'stride=1'"):
        tune_inpaint_prior.parse_variant("stride=1")


def test_runs_every_variant_on_every_image_and_writes_json(tmp_path, capsys):
    rng = np.random.default_rng(0)
    smooth = np.add.outer(np.linspace(0, 160, 40), np.linspace(0, 80, 36))
    for name in ("a.png", "b.png"):
        pixels = np.clip(smooth + rng.normal(0, 3, smooth.shape), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(tmp_path / name)
    out = tmp_path / "result.json"
    variants = ["coarse=gmm-untied fine=gmm-untied tail=1 window=0",
                "coarse=gmm-untied fine=gmm-untied tail=10 window=3"]
    assert tune_inpaint_prior.main(["--data", str(tmp_path), "--indices", "1", "0",
                                    "--missing", "0.5", "--variants", *variants,
                                    "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert [(row["image"], row["variant"]) for row in result["rows"]] == [
        ("b.png", variants[0]), ("b.png", variants[1]), ("a.png", variants[0]),
        ("a.png", variants[1])]
    for summary in result["summary"].values():
        # a smooth ramp with half its pixels known: both well above the damaged input
        assert summary["psnr"] > 30 and summary["biharmonic_psnr"] > 30
    assert "over biharmonic" in capsys.readouterr().out


def test_refuses_the_test_set(tmp_path):
    (tmp_path / "bsd68").mkdir()
    with pytest.raises(SystemExit):
        tune_inpaint_prior.main(["--data", str(tmp_path / "bsd68")])
