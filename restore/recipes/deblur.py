"""The deblurring recipe: ``A`` a convolution, start from a Wiener deconvolution.

Three models of the borders (``BlurData.boundary``, :data:`BOUNDARIES`):

* ``"unknown"``: nothing is assumed about the scene beyond the image. Each plane is
  restored on a grid extended by the kernel's size, observed only where the blur lies
  inside the image (:class:`~restore.operators.CroppedBlur`, Almeida & Figueiredo 2013),
  and cropped back;
* ``"reflect"``: the scene continues as its mirror image (:class:`~restore.operators.Blur`);
* ``"circular"``: the image wraps around, exact for blurs simulated with an FFT.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from restore.operators import Blur, CroppedBlur
from restore.core.stopwatch import NoStopwatch
from restore.recipes.base import Recipe
from restore.recipes.settings import (DEBLUR_SCHEDULE, DEBLUR_WIENER_FACTOR, DEFAULT_PRIORS,
                                      IMAGE_DEBLUR_SCHEDULE, UNKNOWN_BOUNDARY_ITERATIONS,
                                      UNKNOWN_BOUNDARY_SMOOTHNESS)
from restore.recipes.starts import (mirrored_wiener_deconvolution, smooth_deconvolution,
                                    wiener_deconvolution)
from restore.solvers.schedule import Schedule


#: The models of the borders, the default first.
BOUNDARIES = ("unknown", "reflect", "circular")


class BlurData(NamedTuple):
    """The deblurring task's data: the kernel and how the blur treats the borders."""

    kernel: np.ndarray
    boundary: str
    #: The observed plane's ``(H, W)``, set per plane for the ``"unknown"`` boundary.
    shape: tuple | None = None


@dataclass(frozen=True)
class DeblurRecipe(Recipe):
    """Remove a known blur: ``min_x lambda/2 ||k * x - y||^2 - sum_i log p(P_i x)``, from
    ``argmin ||k * x - y||^2 + wiener_factor sigma^2 ||x||^2``."""

    name = "deblur"
    schedule: Schedule = DEBLUR_SCHEDULE
    image_schedule: Schedule = IMAGE_DEBLUR_SCHEDULE
    default_prior: str = DEFAULT_PRIORS["deblur"]
    wiener_factor: float = DEBLUR_WIENER_FACTOR
    smoothness: float = UNKNOWN_BOUNDARY_SMOOTHNESS
    smoothing_iterations: int = UNKNOWN_BOUNDARY_ITERATIONS

    def operator(self, data):
        """The blur of ``data``; for the ``"unknown"`` boundary, whose operator depends on each
        plane's size (:meth:`domain`), the reflect blur stands in where the whole image is
        restored at once (Deep Image Prior)."""
        return Blur(data.kernel, "reflect" if data.boundary == "unknown" else data.boundary)

    def domain(self, plane, data, operator):
        """The ``"unknown"`` boundary restores the plane extended by the kernel (mirrored
        values, ignored by the operator) and keeps the observed part."""
        if data.boundary != "unknown":
            return plane, operator, data, (slice(None), slice(None))
        cropped = CroppedBlur(data.kernel, plane.shape)
        return (cropped.extend(plane).astype(plane.dtype, copy=False), cropped,
                data._replace(shape=plane.shape), cropped.interior)

    def start(self, plane, data, sigma, prior, *, rng, exact, device=None):
        """The Wiener deconvolution of ``plane``. For the ``"unknown"`` boundary: that of the
        observed part with the reflect boundary, mirrored onto the grid, then refined on the
        exact model by :func:`~restore.recipes.starts.smooth_deconvolution` (Deep Image Prior,
        restoring the whole image with the reflect blur, starts from the reflect Wiener
        deconvolution)."""
        balance = self.wiener_factor * sigma**2
        if data.boundary != "unknown" or data.shape is None:  # None: the whole-image path
            return wiener_deconvolution(plane, self.operator(data), balance)
        cropped = CroppedBlur(data.kernel, data.shape)
        rows, cols = cropped.interior
        mirrored = mirrored_wiener_deconvolution(cropped.crop(plane), data.kernel, balance,
                                                 cropped.grid, (rows.start, cols.start))
        return smooth_deconvolution(plane, cropped, self.smoothness, mirrored,
                                    max_iterations=self.smoothing_iterations).astype(
                                        plane.dtype, copy=False)

    def window(self, data, rows, cols):
        """Tiles are deblurred with the reflect boundary, or the unknown one where that is
        the image's (the x-step is not local, so tiled results match untiled ones closely
        but not exactly)."""
        return BlurData(data.kernel, "unknown" if data.boundary == "unknown" else "reflect")

    def tile_margin(self, data, sigma, prior):
        return super().tile_margin(data, sigma, prior) + 2 * max(data.kernel.shape)

    def restore(self, image, kernel, sigma, prior, *, boundary="unknown", channel_axis=None,
                rng=None, exact=False, progress=False, tile_size=None, executor=None,
                stopwatch=NoStopwatch(), device=None):
        """Deblur ``image`` (the library's :func:`restore.deblur` without its checks; the
        kernel normalised, ``prior`` a prior object)."""
        return self.restore_image(image, BlurData(kernel, boundary), sigma, prior,
                                  channel_axis=channel_axis, rng=rng, exact=exact,
                                  progress=progress, tile_size=tile_size, executor=executor,
                                  stopwatch=stopwatch, device=device)
