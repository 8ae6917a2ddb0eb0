"""The inpainting recipe: ``A`` a mask of known pixels, coarse to fine."""
from __future__ import annotations

from dataclasses import dataclass

from restore.operators import Mask
from restore.core.stopwatch import NoStopwatch
from restore.recipes.base import Recipe
from restore.recipes.settings import (DEFAULT_PRIORS, IMAGE_INPAINT_SCHEDULE,
                                      INPAINT_COARSE_SCHEDULE, INPAINT_FAST,
                                      INPAINT_PATCH_WINDOW, INPAINT_SCHEDULE)
from restore.recipes.starts import coarse_to_fine_start, fill_missing
from restore.solvers.epll import FastSettings, epll
from restore.solvers.schedule import Schedule


@dataclass(frozen=True)
class InpaintRecipe(Recipe):
    """Fill in missing pixels: ``min_x lambda/2 ||m . (x - y)||^2 - sum_i log p(P_i x)``.

    Coarse to fine: EPLL on the 2x2-block averages of the known pixels with
    ``coarse_schedule``, from a smooth fill of the holes; then on the full
    image with ``schedule``, from that result upsampled.
    """

    name = "inpaint"
    schedule: Schedule = INPAINT_SCHEDULE
    coarse_schedule: Schedule = INPAINT_COARSE_SCHEDULE
    image_schedule: Schedule = IMAGE_INPAINT_SCHEDULE
    fast: FastSettings = INPAINT_FAST
    patch_window: float = INPAINT_PATCH_WINDOW
    default_prior: str = DEFAULT_PRIORS["inpaint"]

    def operator(self, known):
        return Mask(known)

    def start(self, plane, known, sigma, prior, *, rng, exact, device=None):
        """EPLL on the half-resolution image, upsampled
        (:func:`~restore.recipes.starts.coarse_to_fine_start`); just the smooth fill
        (:func:`~restore.recipes.starts.fill_missing`) for images too small to halve or
        for a whole-image prior."""
        patch_size = getattr(prior, "patch_size", None)
        if patch_size is None or min(plane.shape) < 2 * patch_size:
            return fill_missing(plane, known)

        def restore_half(half, half_known):
            return epll(half, Mask(half_known), sigma, prior, self.coarse_schedule,
                        init=fill_missing(half, half_known), exact=exact, fast=self.fast,
                        patch_window=self.patch_window, rng=rng, clip=False, device=device)

        return coarse_to_fine_start(plane, known, restore_half)

    def window(self, known, rows, cols):
        return known[rows, cols]

    def restore(self, image, known, sigma, prior, *, channel_axis=None, rng=None, exact=False,
                progress=False, tile_size=None, executor=None,
                stopwatch=NoStopwatch(), device=None):
        """Inpaint ``image`` where ``known`` (an (H, W) boolean mask) is False (the
        library's :func:`restore.inpaint` without its checks; ``prior`` a prior object)."""
        return self.restore_image(image, known, sigma, prior, channel_axis=channel_axis,
                                  rng=rng, exact=exact, progress=progress, tile_size=tile_size,
                                  executor=executor, stopwatch=stopwatch, device=device)
