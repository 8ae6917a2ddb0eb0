"""Task recipes: the library runs them, a changed recipe changes what runs, and each
recipe's pieces (operator, start, window data, default prior) are what the task needs."""
import dataclasses

import numpy as np
import pytest

from priors.registry import available_priors
from restore.operators import Blur, Identity, Mask
from restore.operators.kernels import gaussian_kernel
from restore.recipes import DEBLUR, DENOISE, INPAINT, RECIPES, BlurData, base
from restore.solvers import Schedule


@pytest.fixture
def spy_epll(monkeypatch):
    """Record (operator, schedule, patch_window, fast) of every EPLL run; return the input."""
    calls = []

    def spy(observed, operator, sigma, prior, schedule, **options):
        calls.append((operator, schedule, options["patch_window"], options["fast"]))
        return np.asarray(observed, np.float32)

    monkeypatch.setattr(base, "epll", spy)
    return calls


def test_every_recipe_names_its_task_and_a_registered_prior():
    assert sorted(RECIPES) == ["deblur", "denoise", "inpaint", "upscale"]
    for name, recipe in RECIPES.items():
        assert recipe.name == name
        assert recipe.default_prior in available_priors()


def test_the_library_runs_the_shipped_recipe(spy_epll):
    import restore

    noisy = np.random.default_rng(0).random((24, 24))
    restore.denoise(noisy, 0.04, prior="gmm-untied")
    operator, schedule, window, fast = spy_epll[-1]
    assert isinstance(operator, Identity)
    assert schedule is DENOISE.schedule and window == DENOISE.patch_window
    for sigma in (0.06, 0.1, 0.2):  # stronger noise: its band's pilot
        restore.denoise(noisy, sigma, prior="gmm-untied")
        band = max((band for band in DENOISE.noise_bands if band.least <= sigma),
                   key=lambda band: band.least)
        assert spy_epll[-1][1] is band.schedule and spy_epll[-1][3] is band.fast
        assert DENOISE.noise_bands[0].least > 0.04
    restore.denoise(noisy, 0.1, prior="gmm-untied", oracle=False)  # EPLL alone: the full one
    assert spy_epll[-1][1] is DENOISE.schedule
    restore.deblur(noisy, gaussian_kernel(1.0), 0.01, boundary="circular")
    operator, schedule, _, _ = spy_epll[-1]
    assert isinstance(operator, Blur) and operator.boundary == "circular"
    assert schedule is DEBLUR.schedule


def test_a_replaced_setting_is_what_runs(spy_epll):
    from priors.registry import get_prior

    mine = dataclasses.replace(DENOISE, schedule=Schedule(8.0, beta_factors=(1, 2)),
                               patch_window=2.0)
    noisy = np.random.default_rng(1).random((24, 24))
    mine.restore(noisy, 0.04, get_prior("gmm-untied"))
    _, schedule, window, _ = spy_epll[-1]
    assert schedule.beta_factors == (1, 2) and window == 2.0
    assert DENOISE.schedule.beta_factors != (1, 2)  # the shipped recipe is untouched


def test_deblur_starts_from_a_wiener_deconvolution_and_tiles_reflect():
    kernel = gaussian_kernel(1.0)
    data = BlurData(kernel, "circular")
    clean = np.random.default_rng(2).random((32, 32))
    blurred = Blur(kernel, "circular").apply(clean)
    start = DEBLUR.start(blurred, data, 0.01, None, rng=None, exact=False)
    assert np.abs(start - clean).mean() < np.abs(blurred - clean).mean()
    assert DEBLUR.window(data, slice(0, 8), slice(0, 8)).boundary == "reflect"
    plain = base.Recipe.tile_margin(DEBLUR, data, 0.01, _Patches())
    assert DEBLUR.tile_margin(data, 0.01, _Patches()) == plain + 2 * kernel.shape[0]


def test_deblur_with_unknown_boundaries_restores_an_extended_plane_and_crops_it(spy_epll):
    import restore
    from restore.operators import CroppedBlur

    kernel = np.ones((5, 4)) / 20
    noisy = np.random.default_rng(4).random((30, 27)).astype(np.float32)
    restored = restore.deblur(noisy, kernel, 0.01)  # the default boundary
    operator, schedule, _, _ = spy_epll[-1]
    assert isinstance(operator, CroppedBlur) and schedule is DEBLUR.schedule
    assert operator.observed_shape == (30, 27) and operator.grid >= (34, 30)
    # the spy returns EPLL's input: the mirrored extension, whose crop is the image
    np.testing.assert_array_equal(restored, noisy)
    assert restored.dtype == np.float32
    data = BlurData(kernel, "unknown")
    assert DEBLUR.window(data, slice(0, 8), slice(0, 8)).boundary == "unknown"
    start = DEBLUR.start(noisy, data, 0.01, None, rng=None, exact=False)  # the whole-image path
    assert start.shape == noisy.shape


def test_inpaint_keeps_known_pixels_in_its_start_and_crops_the_mask_per_tile():
    rng = np.random.default_rng(3)
    image = rng.random((20, 20))
    known = rng.random(image.shape) > 0.5
    start = INPAINT.start(np.where(known, image, 0.0), known, 0.01, object(), rng=0, exact=False)
    np.testing.assert_allclose(start[known], image[known])  # a whole-image prior: smooth fill
    assert np.isfinite(start).all()
    assert isinstance(INPAINT.operator(known), Mask)
    np.testing.assert_array_equal(INPAINT.window(known, slice(2, 9), slice(3, 5)),
                                  known[2:9, 3:5])


class _Patches:
    patch_size = 8


def test_denoise_refines_epll_by_the_oracle_stage_unless_told_not_to():
    from priors.registry import get_prior
    from restore import denoise
    from restore.recipes import DENOISE
    from restore.solvers.group_wiener import group_wiener

    rng = np.random.default_rng(7)
    clean = 0.5 + 0.3 * np.sin(np.add.outer(np.arange(48), np.arange(48)) / 4)
    noisy = clean + 0.04 * rng.standard_normal(clean.shape)
    epll_only = denoise(noisy, 0.04, prior="gmm-untied", rng=0, oracle=False)
    refined = denoise(noisy, 0.04, prior="gmm-untied", rng=0)
    expected = np.clip(group_wiener(noisy, epll_only, 0.04**2, DENOISE.oracle), 0, 1)
    np.testing.assert_allclose(refined, expected, atol=1e-6)
    prior = get_prior("gmm-untied")
    assert DENOISE.tile_margin(None, 0.04, prior) >= DENOISE.oracle.reach()
    # stronger noise: the band's shorter pilot, then its chain of oracle passes
    noisy = clean + 0.2 * rng.standard_normal(clean.shape)
    band = DENOISE.noise_bands[-1]
    assert band.oracle.then is not None
    assert DENOISE.tile_margin(None, 0.2, prior) >= band.oracle.reach()
    pilot = dataclasses.replace(DENOISE, schedule=band.schedule, fast=band.fast,
                                oracle=None).restore(noisy, 0.2, prior, rng=0)
    np.testing.assert_allclose(denoise(noisy, 0.2, prior="gmm-untied", rng=0),
                               np.clip(band.oracle(noisy, pilot, 0.2**2), 0, 1), atol=1e-6)


@pytest.mark.parametrize("mode,plane_oracles,joint", [("both", "before-joint", True),
                                                      ("chroma", (False, "before-joint"), True),
                                                      ("joint", False, True),
                                                      ("planes", True, False)])
def test_rgb_takes_the_oracle_stages_colour_oracle_names(mode, plane_oracles, joint):
    from priors.registry import get_prior
    from restore.recipes import DENOISE

    rng = np.random.default_rng(12)
    grid = np.add.outer(np.arange(40), np.arange(40)) / 5
    clean = np.dstack([0.5 + 0.3 * np.sin(grid), 0.5 + 0.2 * np.cos(grid), 0.4 + 0.0 * grid])
    noisy = (clean + 0.1 * rng.standard_normal(clean.shape)).astype(np.float32)
    prior = get_prior("gmm-untied")
    recipe = dataclasses.replace(DENOISE, colour_oracle=mode)
    planes = base.Recipe.restore_window(recipe, noisy, None, 0.1, prior, rng=0, exact=False,
                                        progress=False, plane_oracles=plane_oracles)
    oracle = DENOISE.plane_settings(prior, 0.1).oracle
    expected = np.clip(oracle(noisy, planes, 0.01), 0, 1) if joint else planes
    restored = recipe.restore(noisy, 0.1, prior, channel_axis=-1, rng=0)
    np.testing.assert_allclose(restored, expected, atol=1e-6)
    if mode != DENOISE.colour_oracle:  # a different stage, not the default's
        default = DENOISE.restore(noisy, 0.1, prior, channel_axis=-1, rng=0)
        assert np.abs(restored - default).max() > 1e-3


def test_an_unknown_colour_oracle_is_refused():
    from priors.registry import get_prior
    from restore.recipes import DENOISE

    recipe = dataclasses.replace(DENOISE, colour_oracle="jointly")
    with pytest.raises(ValueError, match="colour_oracle must be one of"):
        recipe.restore(np.zeros((16, 16, 3)), 0.1, get_prior("gmm-untied"), channel_axis=-1)
