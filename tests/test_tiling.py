"""Tiled restoration: cores partition the image, seams are invisible, memory is per tile."""
import numpy as np
import pytest

from restore import api, deblur, denoise, inpaint
from restore.recipes import DENOISE, Recipe
from priors.registry import get_prior
from restore.recipes.tiling import WINDOW_ALIGNMENT, plan_tiles


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    rows, cols = np.mgrid[:100, :112]
    clean = (0.5 + 0.3 * np.sin(rows / 6.0) * np.cos(cols / 9.0)
             + 0.1 * (cols > 50)).astype(np.float32)
    noisy = (clean + rng.normal(0, 0.1, clean.shape)).astype(np.float32)
    return clean, noisy


@pytest.mark.parametrize("height,width,tile,margin", [(100, 112, 32, 36), (9, 1000, 64, 5),
                                                      (257, 255, 256, 0), (4000, 6000, 1536, 78),
                                                      (2000, 3000, 1536, 80)])
def test_cores_partition_the_image(height, width, tile, margin):
    hits = np.zeros((height, width), int)
    tiles = plan_tiles(height, width, tile, margin)
    for t in tiles:
        hits[t.core] += 1
        (orow, ocol), (crow, ccol) = t.outer, t.core
        assert orow.start <= crow.start and crow.stop <= orow.stop
        assert orow.stop - crow.stop == min(margin, height - crow.stop)
        assert 0 <= crow.start - orow.start - min(margin, crow.start) < WINDOW_ALIGNMENT
        assert orow.start % WINDOW_ALIGNMENT == 0 and ocol.start % WINDOW_ALIGNMENT == 0  # grids
    assert (hits == 1).all()
    for axis, length in ((0, height), (1, width)):  # as few cores as fit, balanced
        cores = sorted({(t.core[axis].start, t.core[axis].stop) for t in tiles})
        sizes = [stop - start for start, stop in cores]
        assert max(sizes) <= tile and len(cores) == -(-length // tile)
        assert max(sizes) - min(sizes) <= WINDOW_ALIGNMENT


def test_balanced_cores_on_aligned_bounds_save_work():
    """A 24-megapixel photo in tiles of 1536 at a margin of 78 (the luminance's at sigma 25):
    cores of 1320-1360 by 1440-1560 on multiples of the alignment restore 1.23 times the
    photo's pixels (1.37 times with cores of 1536 and a thin last one widened)."""
    tiles = plan_tiles(4000, 6000, 1536, 78)
    restored = sum((t.outer[0].stop - t.outer[0].start) * (t.outer[1].stop - t.outer[1].start)
                   for t in tiles)
    assert len(tiles) == 12 and restored / (4000 * 6000) < 1.24


@pytest.mark.parametrize("sigma", [0.06, 0.1])  # two noise bands
def test_tiled_denoising_matches_untiled(images, sigma):
    """Fast path with a fixed seed: tiles draw the same random patch grids as the whole."""
    _, noisy = images
    whole = denoise(noisy, sigma, rng=7)
    tiled = denoise(noisy, sigma, rng=7, tile_size=32)  # 4 x 4 tiles
    np.testing.assert_allclose(tiled[8:-8, 8:-8], whole[8:-8, 8:-8], atol=1e-5)


def test_seams_would_show_without_the_margin(images, monkeypatch):
    """The comparison above can fail: with no margin the tile edges differ."""
    _, noisy = images
    from restore.recipes.denoise import DenoiseRecipe

    whole = denoise(noisy, 0.1, rng=7)
    monkeypatch.setattr(DenoiseRecipe, "plane_reach", lambda *args: 0)
    tiled = denoise(noisy, 0.1, rng=7, tile_size=32)
    assert np.abs(tiled - whole)[8:-8, 8:-8].max() > 1e-2


def test_colour_tiles_and_memory_per_tile(images, monkeypatch):
    """A colour image in tiles, stage by stage: EPLL only ever sees tile-sized windows of
    one plane (the chrominance's at half resolution), each with that plane's margin."""
    from restore.recipes import base, colour as colour_planes

    _, noisy = images
    colour = np.stack([noisy, noisy[::-1], noisy[:, ::-1]], axis=-1)
    seen = []
    real = base.epll

    def spy(observed, *args, **kwargs):
        seen.append(observed.shape)
        return real(observed, *args, **kwargs)

    whole = denoise(colour, 0.1, channel_axis=-1, rng=3)
    monkeypatch.setattr(base, "epll", spy)
    tiled = denoise(colour, 0.1, channel_axis=-1, rng=3, tile_size=48)
    prior = get_prior("gmm")
    planned = []
    assert DENOISE.colour_oracle == "chroma"  # no oracle stage of its own for the luminance
    for (level, _), shape, stage in zip(colour_planes.plane_levels(0.1, 3, True),
                                        [(100, 112), (50, 56), (50, 56)],
                                        [False, "before-joint", "before-joint"]):
        margin = DENOISE.plane_reach(prior, level, stage)
        planned += [colour[t.outer].shape[:2] for t in plan_tiles(*shape, 48, margin + margin % 2)]
    assert seen == planned and len(seen) > 3
    np.testing.assert_allclose(tiled[8:-8, 8:-8], whole[8:-8, 8:-8], atol=1e-5)


def test_inpaint_and_deblur_tiles_get_their_window(images, monkeypatch):
    """Each tile is restored with its own part of the mask; deblur tiles use the reflect
    boundary (the unknown one under it) and a margin widened by the kernel (EPLL itself
    stubbed out: wiring only)."""
    from restore.recipes import base, inpaint as inpaint_recipe
    from restore.operators.kernels import gaussian_kernel
    from restore.operators import Blur, Mask

    clean, noisy = images
    seen = []

    def stub(observed, operator, *args, **kwargs):
        seen.append((observed.copy(), operator))
        return observed

    monkeypatch.setattr(base, "epll", stub)
    monkeypatch.setattr(inpaint_recipe, "epll", stub)
    monkeypatch.setattr(Recipe, "tile_margin", lambda *args: 10)
    known = np.random.default_rng(1).random(clean.shape) > 0.3
    inpaint(clean, known, tile_size=40)
    tiles = plan_tiles(100, 112, 40, 10)
    # inpainting runs coarse to fine: per tile, its half-resolution image first, then the tile
    coarse, seen = seen[0::2], seen[1::2]
    assert len(seen) == len(coarse) == len(tiles) == 9
    for (observed, _), tile in zip(coarse, tiles):
        assert observed.shape == tuple(n // 2 for n in clean[tile.outer].shape)
    for (observed, operator), tile in zip(seen, tiles):
        assert isinstance(operator, Mask)
        np.testing.assert_array_equal(operator.known, known[tile.outer])
        np.testing.assert_array_equal(observed, clean[tile.outer])
    seen.clear()
    kernel = gaussian_kernel(1.0)
    deblur(noisy, kernel, 0.05, boundary="circular", tile_size=40)
    tiles = plan_tiles(100, 112, 40, 10 + 2 * kernel.shape[0])
    assert len(seen) == len(tiles)
    assert all(isinstance(op, Blur) and op.boundary == "reflect" for _, op in seen)
    assert [obs.shape for obs, _ in seen] == [clean[t.outer].shape for t in tiles]
    seen.clear()
    deblur(noisy, kernel, 0.05, tile_size=40)  # the default: unknown boundaries, tiles too
    assert [op.observed_shape for _, op in seen] == [clean[t.outer].shape for t in tiles]
    assert all(obs.shape == op.grid for obs, op in seen)


@pytest.mark.parametrize("tile_size,error", [(4, ValueError), (2.5, TypeError), ("64", TypeError)])
def test_bad_tile_sizes(images, tile_size, error):
    with pytest.raises(error, match="tile_size"):
        denoise(images[1], 0.1, tile_size=tile_size)


def test_noise_estimate_of_a_huge_image_looks_at_a_centre_crop(monkeypatch):
    from restore.core import noise_estimate, noise_level

    seen = []
    real = noise_level.plane_noise_variance

    def spy(plane, **kwargs):
        seen.append(plane.shape)
        return real(plane, **kwargs)

    monkeypatch.setattr(noise_level, "plane_noise_variance", spy)
    monkeypatch.setattr(noise_estimate, "ESTIMATE_SIDE", 64)
    noisy = 0.5 + np.random.default_rng(0).normal(0, 0.1, (3, 150, 130))
    assert abs(api.estimate_sigma(noisy, channel_axis=0) - 0.1) < 0.01
    assert seen == [(64, 64)] * 3


@pytest.mark.parametrize("mode,luminance_margin", [("chroma", 16), ("both", 28)])
def test_colour_tiles_match_untiled_with_the_exact_margins(monkeypatch, mode, luminance_margin):
    """RGB at one noise level, tiled stage by stage: each plane's tiles take its own reach
    (the planes' stage before the joint one their band's colour_oracle, not its longer
    chain; under "chroma" the luminance has none: EPLL's reach alone), the joint stage's
    tiles its own, and the result is the untiled one; each stage's margin is needed (small
    patches and windows keep the reach short enough for real cores)."""
    from priors.gmm import GaussianMixturePrior
    from restore.recipes import stage_tiling
    from restore.recipes.denoise import DenoiseRecipe
    from restore.recipes.settings import NoiseBand
    from restore.solvers.epll import FastSettings
    from restore.solvers.group_wiener import GroupWiener
    from restore.solvers.schedule import Schedule

    rng = np.random.default_rng(5)
    prior = GaussianMixturePrior(n_components=3, patch_size=4, max_iter=5, tol=1.0, rng=0).fit(
        np.cumsum(rng.normal(size=(2000, 16)), axis=1) / 8)
    small = GroupWiener(patch_size=4, radius=2, group_size=6)
    chain = GroupWiener(patch_size=3, radius=3, group_size=6, then=small)
    pilot = Schedule(lambda_factor=48.0, beta_factors=(1, 16))
    recipe = DenoiseRecipe(oracle=small, colour_oracle=mode, noise_bands=(
        NoiseBand(0.02, pilot, chain, FastSettings(stride=3), colour_oracle=small),
        NoiseBand(0.08, pilot, GroupWiener(patch_size=4, radius=2, group_size=6, passes=2),
                  FastSettings(stride=3))))
    rows, cols = np.mgrid[:300, :320]
    clean = np.stack([0.5 + 0.3 * np.sin(rows / (5.0 + c)) * np.cos(cols / 7.0)
                      for c in range(3)], axis=-1)
    noisy = (clean + rng.normal(0, 0.1, clean.shape)).astype(np.float32)
    assert recipe.plane_reach(prior, 0.05, "before-joint") == 16 + 12  # EPLL, then small
    assert recipe.plane_reach(prior, 0.05, False) == 16
    assert chain.reach() == 24
    margins, real = [], stage_tiling.restore_in_tiles

    def spy(image, tile_size, margin, *args, label, **kwargs):
        margins.append((label, image.shape[:2], margin))
        return real(image, tile_size, margin, *args, label=label, **kwargs)

    monkeypatch.setattr(stage_tiling, "restore_in_tiles", spy)
    whole = recipe.restore(noisy, 0.1, prior, channel_axis=-1, rng=2)
    tiled = recipe.restore(noisy, 0.1, prior, channel_axis=-1, rng=2, tile_size=64)
    assert margins == [("plane tiles", (300, 320), luminance_margin),
                       ("plane tiles", (150, 160), 28),
                       ("plane tiles", (150, 160), 28), ("colour tiles", (300, 320), 24)]
    assert len(plan_tiles(300, 320, 64, 28)) == 25
    np.testing.assert_allclose(tiled, whole, atol=1e-5)
    for stage in ("plane tiles", "colour tiles"):
        def short(image, tile_size, margin, *args, label, **kwargs):
            return real(image, tile_size, 0 if label == stage else margin, *args, label=label,
                        **kwargs)

        monkeypatch.setattr(stage_tiling, "restore_in_tiles", short)
        seams = recipe.restore(noisy, 0.1, prior, channel_axis=-1, rng=2, tile_size=64)
        assert np.abs(seams - whole).max() > 1e-3, stage
