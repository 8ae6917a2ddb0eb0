"""The deblurring recipe: ``A`` a convolution, start from a Wiener deconvolution."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from restore.operators import Blur
from restore.core.stopwatch import NoStopwatch
from restore.recipes.base import Recipe
from restore.recipes.settings import (DEBLUR_SCHEDULE, DEBLUR_WIENER_FACTOR, DEFAULT_PRIORS,
                                      IMAGE_DEBLUR_SCHEDULE)
from restore.recipes.starts import wiener_deconvolution
from restore.solvers.schedule import Schedule


class BlurData(NamedTuple):
    """The deblurring task's data: the kernel and how the blur treats the borders."""

    kernel: np.ndarray
    boundary: str


@dataclass(frozen=True)
class DeblurRecipe(Recipe):
    """Remove a known blur: ``min_x lambda/2 ||k * x - y||^2 - sum_i log p(P_i x)``, from
    ``argmin ||k * x - y||^2 + wiener_factor sigma^2 ||x||^2``."""

    name = "deblur"
    schedule: Schedule = DEBLUR_SCHEDULE
    image_schedule: Schedule = IMAGE_DEBLUR_SCHEDULE
    default_prior: str = DEFAULT_PRIORS["deblur"]
    wiener_factor: float = DEBLUR_WIENER_FACTOR

    def operator(self, data):
        return Blur(data.kernel, data.boundary)

    def start(self, plane, data, sigma, prior, *, rng, exact, device=None):
        return wiener_deconvolution(plane, self.operator(data), self.wiener_factor * sigma**2)

    def window(self, data, rows, cols):
        """Tiles are deblurred with the reflect boundary (the x-step is not local, so tiled
        results match untiled ones closely but not exactly)."""
        return BlurData(data.kernel, "reflect")

    def tile_margin(self, data, sigma, prior):
        return super().tile_margin(data, sigma, prior) + 2 * max(data.kernel.shape)

    def restore(self, image, kernel, sigma, prior, *, boundary="reflect", channel_axis=None,
                rng=None, exact=False, progress=False, tile_size=None, executor=None,
                stopwatch=NoStopwatch(), device=None):
        """Deblur ``image`` (the library's :func:`restore.deblur` without its checks; the
        kernel normalised, ``prior`` a prior object)."""
        return self.restore_image(image, BlurData(kernel, boundary), sigma, prior,
                                  channel_axis=channel_axis, rng=rng, exact=exact,
                                  progress=progress, tile_size=tile_size, executor=executor,
                                  stopwatch=stopwatch, device=device)
