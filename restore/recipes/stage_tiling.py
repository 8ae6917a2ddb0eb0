"""Tiling stage by stage: a large image denoised under one noise level.

Tiles of whole windows (:func:`restore.recipes.tiling.restore_in_tiles` around
:meth:`restore.recipes.base.Recipe.restore_window`) need a margin as wide as the reach of
every stage added up: the planes' EPLL and oracle stages (the chrominance's doubled, it
being restored at half resolution), then the joint colour stage.

Here each stage runs over the whole image before the next one, in tiles whose margin is
that stage's own reach:

1. the opponent planes (:mod:`restore.recipes.colour`), one after the other, each in tiles
   with its own reach (:meth:`restore.recipes.denoise.DenoiseRecipe.plane_reach`), the
   chrominance's block means in tiles of their own half-resolution pixels;
2. the joint colour stage, in tiles with its own reach, on the noisy image with the planes'
   result as its pilot.

Every stage's output at a tile's core equals the whole image's (each stage is local within
its reach, and windows start on multiples of
:data:`restore.recipes.tiling.WINDOW_ALIGNMENT`), so the result is the untiled one, as
for tiles of whole windows, for much less overlap (docs/priors.md, "Huge images"). The
memory is a few float32 copies of the image besides one tile in flight.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from restore.core.stopwatch import NoStopwatch
from restore.operators import Identity
from restore.recipes import colour
from restore.recipes.base import per_plane_kind
from restore.recipes.tiling import even_margin, restore_in_tiles


def denoise_by_stage(recipe, image, level, tile_size, progress, executor, options):
    """Denoise a channels-last ``image`` too large to restore whole under white noise of one
    ``level``, stage by stage (module notes); ``recipe`` a
    :class:`restore.recipes.denoise.DenoiseRecipe`, ``options`` its run's settings (the
    prior, rng, ... as :meth:`restore.recipes.base.Recipe.run` gathers them). Clipped to
    [0, 1], in the image's dtype."""
    prior = options["prior"]
    channels = 1 if image.ndim == 2 else image.shape[2]
    joint = recipe._joint_oracle(prior, level, channels)
    luminance, chrominance = per_plane_kind(recipe._plane_oracles(joint))

    def plane_restorer(oracles):
        plane_options = dict(options, data=None, operator=Identity(), sigma=level,
                             plane_oracles=oracles)

        def restore_plane(plane, plane_sigma, clip):
            margin = even_margin(recipe.plane_reach(prior, plane_sigma, oracles))
            window = partial(_plane_window, recipe=recipe, plane_sigma=plane_sigma, clip=clip,
                             options=plane_options)
            return restore_in_tiles(plane, tile_size, margin, progress, window, _no_data,
                                    executor, label="plane tiles")
        return restore_plane

    if image.ndim == 2:
        restored = plane_restorer(luminance)(image, level, True)
    else:
        half = recipe.chroma_half_resolution and min(image.shape[:2]) >= 4 * prior.patch_size
        restored = colour.restore_planes(image, level, plane_restorer(luminance),
                                         chroma_half_resolution=half,
                                         restore_chroma=plane_restorer(chrominance))
    if joint is not None:
        window = partial(joint_stage, joint=joint, variance=level**2,
                         stopwatch=options.get("stopwatch", NoStopwatch()))
        restored = restore_in_tiles(image, tile_size, even_margin(joint.reach()), progress, window,
                                    partial(_window_of, restored), executor,
                                    label="colour tiles")
    return restored.astype(image.dtype, copy=False)


def joint_stage(noisy, pilot, *, joint, variance, stopwatch=NoStopwatch()):
    """The ``joint`` colour oracle stage on an RGB ``noisy`` window with the planes' result
    ``pilot`` under white noise of ``variance``; clipped to [0, 1]."""
    with stopwatch.stage("oracle"):
        return np.clip(joint(noisy, pilot, variance), 0, 1)


def _plane_window(window, _, *, recipe, plane_sigma, clip, options):
    return recipe.restore_plane(window, plane_sigma, clip, **options)


def _no_data(rows, cols):
    return None


def _window_of(array, rows, cols):
    return array[rows, cols]
