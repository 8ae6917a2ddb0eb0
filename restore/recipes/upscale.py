"""The super-resolution recipe: ``A = S_s H`` (blur, keep every s-th pixel), on the fine grid.

The small image ``y`` of ``(h, w)`` pixels is lifted to the ``(s h, s w)``
grid (``S^T y``, zeros between its pixels) and restored there with
:class:`~restore.operators.downsample.Downsample`, whose objective and x-step
are exactly those of ``S H`` (see :mod:`restore.operators.downsample`). Every
later step is the other tasks': colour planes in the opponent space (linear per
pixel, so the lifted zeros stay zeros), tiles (each with its own sampling
offset), EPLL, or Deep Image Prior on the whole image fitting ``S H f(z)`` to ``y``.
The schedule depends on the scale: :meth:`UpscaleRecipe.for_scale`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from restore.core.stopwatch import NoStopwatch
from restore.operators.downsample import Downsample, bicubic_kernel, check_scale, default_offset
from restore.recipes.base import Recipe
from restore.recipes.settings import (DEFAULT_PRIORS, IMAGE_UPSCALE_SCHEDULE,
                                      UPSCALE_SCHEDULES)
from restore.solvers.schedule import Schedule


class UpscaleData(NamedTuple):
    """The upscaling task's data for one fine-grid window: its ``shape``, the ``scale``,
    the blur ``kernel`` and ``boundary``, and the ``offset`` of its first sampled pixel."""

    shape: tuple
    scale: int
    kernel: np.ndarray
    boundary: str
    offset: tuple


#: The named kernels of :func:`upscale_kernel`.
KERNELS = ("bicubic", "gaussian")


def upscale_kernel(kernel, scale):
    """The blur ``H`` of a scale: ``"bicubic"`` (:func:`~restore.operators.downsample.
    bicubic_kernel`), ``"gaussian"`` (standard deviation ``scale / 2`` pixels), or a kernel
    array, checked and normalised. Checks ``scale`` first."""
    from restore.operators.kernels import check_kernel, gaussian_kernel

    scale = check_scale(scale)
    if isinstance(kernel, str):
        if kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {KERNELS} or a 2-D array, got {kernel!r}")
        return bicubic_kernel(scale) if kernel == "bicubic" else gaussian_kernel(scale / 2)
    return check_kernel(kernel)


def kernel_centre(kernel):
    """Where a blurred pixel's weights are centred, relative to it, per axis: ``c - sum_t t
    k_t`` for the row and column marginals (0 for a symmetric odd kernel, 1/2 for the even
    bicubic kernels of even scales)."""
    kernel = np.asarray(kernel, dtype=np.float64) / np.sum(kernel)
    centres = []
    for axis in (1, 0):
        marginal = kernel.sum(axis=axis)
        centres.append(len(marginal) // 2 - float(np.dot(np.arange(len(marginal)), marginal)))
    return tuple(centres)


def interpolate(plane, data, order=3):
    """The spline interpolation (``order`` 3: bicubic) of a lifted plane's samples onto its
    fine grid, each sample placed at the centre of the weights that made it (mirrored
    borders, as ``skimage.transform.resize(..., order=3, anti_aliasing=False)``)."""
    from scipy.ndimage import map_coordinates

    s = data.scale
    rows, cols = data.offset
    samples = np.asarray(plane, dtype=np.float64)[rows::s, cols::s]
    shift = kernel_centre(data.kernel)
    axes = [(np.arange(n) - o - d) / s for n, o, d in zip(data.shape, data.offset, shift)]
    grid = np.meshgrid(*axes, indexing="ij")
    return map_coordinates(samples, grid, order=order, mode="reflect")


@dataclass(frozen=True)
class UpscaleRecipe(Recipe):
    """Enlarge an image ``s`` times: ``min_x lambda/2 ||S_s H x - y||^2 - sum_i log p(P_i x)``,
    from the bicubic interpolation of ``y``.

    ``schedules``: the EPLL schedule per scale (the largest tuned scale's for larger
    ones); :meth:`for_scale` returns the recipe with ``schedule`` set for a scale.
    """

    name = "upscale"
    schedule: Schedule = UPSCALE_SCHEDULES[4]
    schedules: dict = field(default_factory=lambda: dict(UPSCALE_SCHEDULES))
    image_schedule: Schedule = IMAGE_UPSCALE_SCHEDULE
    default_prior: str = DEFAULT_PRIORS["upscale"]

    def for_scale(self, scale):
        """This recipe with the schedule tuned for ``scale`` (or the nearest tuned scale)."""
        nearest = min(self.schedules, key=lambda tuned: (abs(tuned - scale), -tuned))
        return dataclasses.replace(self, schedule=self.schedules[nearest])

    def operator(self, data):
        return Downsample(data.scale, data.kernel, data.shape, boundary=data.boundary,
                          offset=data.offset)

    def start(self, plane, data, sigma, prior, *, rng, exact, device=None):
        return interpolate(plane, data).astype(plane.dtype, copy=False)

    def window(self, data, rows, cols):
        """A tile's data: its shape, and the offset of its first sampled pixel; tiles use the
        reflect boundary (the x-step is not local: tiled results match closely, not exactly)."""
        offset = tuple((o - part.start) % data.scale for o, part in zip(data.offset,
                                                                        (rows, cols)))
        return UpscaleData((rows.stop - rows.start, cols.stop - cols.start), data.scale,
                           data.kernel, "reflect", offset)

    def tile_margin(self, data, sigma, prior):
        return super().tile_margin(data, sigma, prior) + 2 * max(data.kernel.shape)

    def restore(self, small, scale, kernel, sigma, prior, *, boundary="reflect",
                channel_axis=None, rng=None, exact=False, progress=False, tile_size=None,
                executor=None, stopwatch=NoStopwatch(), device=None):
        """Enlarge ``small`` ``scale`` times (the library's :func:`restore.upscale` without
        its checks; ``kernel`` normalised, ``prior`` a prior object). Returns the
        ``(scale h, scale w)`` image, channels where ``small`` had them."""
        from restore.core.validation import from_channels_last, to_channels_last

        planes = to_channels_last(small, channel_axis)
        shape = (planes.shape[0] * scale, planes.shape[1] * scale)
        data = UpscaleData(shape, scale, kernel, boundary, default_offset(scale))
        lifted = self.operator(data).lift(planes)
        recipe = self.for_scale(scale)
        restored = recipe.run(lifted, data, sigma, prior, rng=rng, exact=exact,
                              progress=progress, tile_size=tile_size, executor=executor,
                              stopwatch=stopwatch, device=device)
        return from_channels_last(restored, channel_axis, small.ndim)
