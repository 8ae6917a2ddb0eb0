"""The inpainting variant comparison (benchmarks/tuning/tune_inpaint_prior.py) on tiny images,
and the recipe variants the tuning scripts share."""
import json

import numpy as np
import pytest
from PIL import Image

from benchmarks.tuning import tune_inpaint_prior
from benchmarks.tuning.recipe_variants import parse_value, recipe_variant
from restore.recipes import DEBLUR, INPAINT


def test_variant_parsing_fills_defaults_and_rejects_unknown_keys():
    settings = tune_inpaint_prior.parse_variant("prior=gmm-untied window=0")
    assert settings == {**tune_inpaint_prior.DEFAULTS, "prior": "gmm-untied", "window": "0"}
    with pytest.raises(ValueError, match="bad variant item 'stride=1'"):
        tune_inpaint_prior.parse_variant("stride=1")
    with pytest.raises(ValueError, match="previous version"):
        tune_inpaint_prior.parse_variant("coarse=gmm")


def test_a_variant_is_the_recipe_with_its_settings_replaced():
    recipe = tune_inpaint_prior.variant_recipe(tune_inpaint_prior.parse_variant(
        "tail=1 window=0 steps=8 coarse_schedule.first_std=0.2"))
    assert recipe.fast.tail_ratio == 1 and recipe.patch_window == 0
    assert recipe.schedule.steps == 8 and recipe.coarse_schedule.first_std == 0.2
    assert recipe.schedule.lambda_factor == INPAINT.schedule.lambda_factor
    defaults = tune_inpaint_prior.variant_recipe(tune_inpaint_prior.DEFAULTS)
    assert defaults == INPAINT  # the defaults are the recipe's own settings


def test_recipe_variant_names_the_bad_field():
    assert parse_value("none") is None and parse_value("1,4,8") == (1, 4, 8)
    assert parse_value("64") == 64 and parse_value("0.05") == 0.05
    assert recipe_variant(DEBLUR, {"wiener_factor": 10.0}).wiener_factor == 10.0
    with pytest.raises(ValueError, match="no field 'wiener'"):
        recipe_variant(DEBLUR, {"wiener": 1.0})
    with pytest.raises(ValueError, match="no field 'stepz'"):
        recipe_variant(DEBLUR, {"schedule.stepz": 3})


def test_runs_every_variant_on_every_image_and_writes_json(tmp_path, capsys):
    rng = np.random.default_rng(0)
    smooth = np.add.outer(np.linspace(0, 160, 40), np.linspace(0, 80, 36))
    for name in ("a.png", "b.png"):
        pixels = np.clip(smooth + rng.normal(0, 3, smooth.shape), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(tmp_path / name)
    out = tmp_path / "result.json"
    variants = ["prior=gmm-untied tail=1 window=0", "prior=gmm-untied tail=10 window=3"]
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
