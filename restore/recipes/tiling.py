"""Overlapping tiles for images too large to restore whole.

The EPLL z-step is local (each 8x8 patch is denoised on its own) and the
x-step of denoising and inpainting is per pixel, so one HQS iteration lets a
pixel feel the image at most ``p - 1`` pixels away. After ``T`` iterations a
pixel farther than ``T (p - 1)`` from a tile's edge therefore gets exactly
the value it would get in the whole image (exact path; the fast path draws
the same random patch grids when the tile corners lie on multiples of the grid's
stride and the seed is the same, see :func:`restore.solvers.patch_averaging.random_subgrid`;
the oracle stage of denoising adds its reach and needs corners on multiples of its
strides, 4 to 6; :data:`WINDOW_ALIGNMENT`). Each
tile is restored with a margin on every side, only its core is kept, and
the cores tile the image without overlap: no blending, no seams. Deblurring
(a global x-step) is only approximately local; its margin adds the kernel's
size and the result agrees with the untiled one to a small tolerance. Under a noise
map each tile rounds its patches' variances to levels anchored at its own largest
value (:mod:`restore.solvers.noise_levels`), so tiles agree with the whole image to
that rounding, not bit for bit.

Memory then depends on the tile size, not the image size: besides the input
and the output, one tile of ``(tile + 2 margin)^2`` pixels is in flight.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from restore.core.progress import Progress

logger = logging.getLogger("restore")

#: Images with more pixels than this (per channel) are restored in tiles by default.
MAX_WHOLE_PIXELS = 2048 * 2048
#: Default side of a tile's core (the part kept), in pixels; even (see the module notes).
#: 2048 against 1536 and 3072 on a 24-megapixel photo: docs/priors.md, "Huge images".
DEFAULT_TILE = 2048


@dataclass(frozen=True)
class Tile:
    """One tile: ``outer`` is what gets restored, ``core`` (inside it) what is kept.

    ``outer`` and ``core`` are ``(rows, cols)`` slice pairs in image
    coordinates; ``inner`` is ``core`` relative to ``outer``.
    """

    outer: tuple
    core: tuple

    @property
    def inner(self):
        (orow, ocol), (crow, ccol) = self.outer, self.core
        return (slice(crow.start - orow.start, crow.stop - orow.start),
                slice(ccol.start - ocol.start, ccol.stop - ocol.start))


#: Window starts are multiples of this: the fast path's random grids of stride 2, 3 and 5
#: (the denoising noise bands' pilots, inpainting), and the oracle passes' references every
#: 4, 5 or 6 pixels (restore.solvers.group_wiener), then fall where they fall in the whole
#: image, at full resolution and at the half resolution of colour chrominance.
WINDOW_ALIGNMENT = 120


def even_margin(margin):
    """``margin`` rounded up to an even number of pixels (tiles keep even sizes)."""
    return margin + margin % 2


def _aligned_floor(value):
    return value - value % WINDOW_ALIGNMENT


def _core_bounds(length, tile):
    """Where cores start and stop along an axis: as few cores as fit in ``tile`` pixels,
    of balanced lengths, their bounds on multiples of :data:`WINDOW_ALIGNMENT` where that
    still fits (so that windows start only a little before them), else of 2."""
    count = -(-length // tile)
    while True:
        for step in (WINDOW_ALIGNMENT, 2):
            bounds = sorted({0, length, *(int(round(i * length / count / step)) * step
                                          for i in range(1, count))})
            if max(np.diff(bounds)) <= tile and len(bounds) == count + 1:
                return bounds
        count += 1


def _spans(length, tile, margin):
    """(outer, core) slice pairs along one axis: balanced cores of at most ``tile`` pixels
    (:func:`_core_bounds`), outers widened by ``margin`` (clipped to the image; starts
    rounded down to a multiple of :data:`WINDOW_ALIGNMENT`)."""
    bounds = _core_bounds(length, tile)
    return [(slice(_aligned_floor(max(0, start - margin)), min(length, stop + margin)),
             slice(start, stop)) for start, stop in zip(bounds[:-1], bounds[1:])]


def plan_tiles(height, width, tile=DEFAULT_TILE, margin=64):
    """The tiles covering an ``height x width`` image.

    Parameters
    ----------
    height, width : int
    tile : int
        The most pixels of a core along each axis; made even.
    margin : int
        Extra pixels restored on every side of a core and then discarded.

    Returns
    -------
    list of Tile
        Cores partition the image exactly, as few along each axis as fit in ``tile``,
        of balanced lengths; each outer holds its core plus ``margin`` pixels on each side
        (clipped to the image; before it, up to ``WINDOW_ALIGNMENT - 1`` more).
    """
    tile = max(2, int(tile) - int(tile) % 2)
    if margin < 0:
        raise ValueError(f"margin must be non-negative, got {margin}")
    return [Tile((orow, ocol), (crow, ccol))
            for orow, crow in _spans(height, tile, margin)
            for ocol, ccol in _spans(width, tile, margin)]


def needs_tiling(shape, tile_size):
    """Whether an image of ``shape`` (H, W, ...) is tiled for ``tile_size`` (see api)."""
    height, width = shape[:2]
    if tile_size is None:
        return height * width > MAX_WHOLE_PIXELS
    return height > tile_size or width > tile_size


def check_tile_size(tile_size, patch_size):
    """``None`` (automatic) or an integer of at least twice the patch size."""
    if tile_size is None:
        return None
    if isinstance(tile_size, bool) or not isinstance(tile_size, (int,)) and not (
            hasattr(tile_size, "__index__")):
        raise TypeError(f"tile_size must be an integer number of pixels or None, got "
                        f"{tile_size!r}")
    tile_size = int(tile_size)
    if tile_size < 2 * patch_size:
        raise ValueError(f"tile_size must be at least {2 * patch_size} pixels (two patches), got "
                         f"{tile_size}; or pass None to tile only huge images")
    return tile_size


def restore_in_tiles(image, tile_size, margin, progress, restore_window, window_data,
                     executor=None, label="EPLL tiles"):
    """Restore an ``(H, W[, C])`` image tile by tile; only each tile's core is kept.

    ``restore_window(part, data)`` restores ``part = image[rows, cols]`` (a tile with its
    margin) given ``data = window_data(rows, cols)``, the task's data for that window.
    With an ``executor`` (a ``dask.distributed.Client`` or a ``concurrent.futures``
    executor: anything whose ``submit(fn, *args)`` returns a future) the tiles are its
    tasks, so a large image spreads over its workers; ``restore_window`` must then
    pickle (a module-level function or a ``functools.partial`` of one). Each tile's
    result depends only on its pixels, its data and the seed, so with an integer seed
    the result equals the sequential one. ``label`` names the progress bar. Returns an
    array of the image's shape and dtype.
    """
    tiles = plan_tiles(*image.shape[:2], tile=tile_size or DEFAULT_TILE, margin=margin)
    restored = np.empty(image.shape, dtype=image.dtype)
    logger.info("restoring %dx%d pixels in %d tiles (margin %d)%s", image.shape[1],
                image.shape[0], len(tiles), margin, "" if executor is None else " as tasks")
    jobs = ((image[tile.outer], window_data(*tile.outer)) for tile in tiles)
    if executor is None:
        parts = (restore_window(part, data) for part, data in jobs)
    else:
        futures = [executor.submit(restore_window, part, data) for part, data in jobs]
        parts = (future.result() for future in futures)
    with Progress(len(tiles), label, enabled=progress) as bar:
        for tile, part in zip(tiles, parts):
            restored[tile.core] = part[tile.inner]
            bar.update()
    return restored
