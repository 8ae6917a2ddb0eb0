"""What every task recipe shares: the steps from a channels-last image to its restoration.

A recipe is data (operator, starting point, schedule, fast-path settings,
default prior) plus three hooks a task defines: :meth:`Recipe.operator`,
:meth:`Recipe.start` and :meth:`Recipe.window`. :meth:`Recipe.run` then takes
explicit steps:

1. a whole-image prior (a :class:`~priors.protocols.Reconstructor`, Deep Image
   Prior) restores the image at once (:mod:`restore.recipes.reconstruct`);
2. otherwise a large image is cut into overlapping tiles
   (:mod:`restore.recipes.tiling`), each restored with the task's data for
   its window (denoising under one noise level: stage by stage,
   :mod:`restore.recipes.stage_tiling`);
3. a colour image is restored plane by plane in the opponent colour space
   (:mod:`restore.recipes.colour`);
4. each plane is restored by EPLL (:func:`restore.solvers.epll.epll`), then by the
   recipe's ``oracle`` stage if it has one (denoising:
   :mod:`restore.solvers.group_wiener`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import ClassVar, NamedTuple, Optional

import numpy as np

from restore.core.stopwatch import NoStopwatch
from restore.recipes import colour, tiling
from restore.solvers.epll import FastSettings, epll
from restore.solvers.group_wiener import GroupWiener
from restore.solvers.schedule import Schedule


class PlaneSettings(NamedTuple):
    """How EPLL restores one plane (``schedule``, on the ``fast`` path's settings unless
    exact) and what refines it (``oracle``, or None; ``colour_oracle`` where a joint colour
    stage follows, None: ``oracle``)."""

    schedule: Schedule
    oracle: Optional[GroupWiener]
    fast: FastSettings
    colour_oracle: Optional[GroupWiener] = None

    def oracle_for(self, plane_oracles):
        """The stage a plane takes: ``plane_oracles`` True, :attr:`oracle`;
        ``"before-joint"``, :attr:`colour_oracle` where there is one; False, none."""
        if plane_oracles == "before-joint":
            return self.colour_oracle or self.oracle
        return self.oracle if plane_oracles else None


def per_plane_kind(plane_oracles):
    """``(the luminance's, the chrominance's)`` stage choices from ``plane_oracles``, one
    for every plane or already such a pair (:meth:`PlaneSettings.oracle_for` reads each)."""
    return plane_oracles if isinstance(plane_oracles, tuple) else (plane_oracles,) * 2


def settings_reach(settings, sigma, patch_size):
    """How far (pixels) a plane restored with ``settings`` at noise ``sigma`` depends on the
    image: ``p - 1`` pixels per HQS iteration (exact for per-pixel x-steps), capped at 16
    patches, at least 4, plus the oracle stage's reach."""
    reach = len(settings.schedule.betas(sigma)) * (patch_size - 1)
    return max(4 * patch_size, min(reach, 16 * patch_size)) + max(
        [0] + [oracle.reach() for oracle in (settings.oracle, settings.colour_oracle)
               if oracle is not None])


@dataclass(frozen=True)
class Recipe:
    """A task's settings; subclasses give their defaults and hooks.

    ``schedule``: the EPLL schedule; ``image_schedule``: the whole-image HQS
    schedule (Deep Image Prior's ``"hqs"`` mode); ``fast``: the fast path;
    ``patch_window``: the Gaussian weight of patch averaging (0: uniform);
    ``chroma_half_resolution``: colour chrominance planes restored at half
    resolution; ``default_prior``: the registry name used unless told otherwise;
    ``oracle``: a second stage refining each plane's EPLL result (None: none; see
    :class:`restore.solvers.group_wiener.GroupWiener`, for ``A = I`` only).
    """

    name: ClassVar[str] = ""
    schedule: Schedule = Schedule()
    image_schedule: Schedule = Schedule()
    fast: FastSettings = FastSettings()
    patch_window: float = 0.0
    chroma_half_resolution: bool = False
    default_prior: str = "gmm"
    oracle: Optional[GroupWiener] = None

    # ------------------------------------------------------------------ task hooks
    def operator(self, data):
        """The degradation ``A`` for the task's ``data`` (kernel, mask, ...)."""
        raise NotImplementedError

    def start(self, plane, data, sigma, prior, *, rng, exact, device=None):
        """The starting point for one 2-D plane (``None``: the plane itself). ``sigma`` is
        the whole image's noise level; ``device``, where EPLL runs (if it runs it)."""
        return None

    def window(self, data, rows, cols):
        """The task's data for the tile ``image[rows, cols]``."""
        return data

    def domain(self, plane, data, operator):
        """What EPLL restores for one observed 2-D plane: ``(observation, operator, data,
        kept)``, ``data`` what :meth:`start` gets, ``kept`` the slices of the result
        returned. By default the plane itself under the window's ``operator`` and data; a
        task may restore a larger domain than it observes (deblurring with unknown
        boundaries)."""
        return plane, operator, data, (slice(None), slice(None))

    def tile_margin(self, data, sigma, prior):
        """Pixels restored around each tile of a plane: the reach of the HQS iterations
        and oracle stage of every :class:`PlaneSettings` the task may use
        (:func:`settings_reach`); even."""
        margin = max(settings_reach(settings, sigma, prior.patch_size)
                     for settings in self.plane_settings_choices(prior))
        return tiling.even_margin(margin)

    def window_margin(self, data, sigma, prior, channels):
        """Pixels restored around each tile of an image of ``channels`` under ``sigma`` (a
        number or a noise map): :meth:`tile_margin`, twice over where the chrominance is
        restored at half resolution."""
        scale = 2 if self.chroma_half_resolution and channels > 1 else 1
        return scale * self.tile_margin(data, float(np.max(sigma)), prior)

    def schedule_for(self, prior):
        """The EPLL schedule for ``prior`` (a task may keep one per prior)."""
        return self.schedule

    def plane_settings(self, prior, plane_sigma):
        """The :class:`PlaneSettings` of a plane of noise ``plane_sigma`` (a task may choose
        them by noise level)."""
        return PlaneSettings(self.schedule_for(prior), self.oracle, self.fast)

    def plane_settings_choices(self, prior):
        """Every :class:`PlaneSettings` :meth:`plane_settings` may give (tile margins)."""
        return [PlaneSettings(self.schedule_for(prior), self.oracle, self.fast)]

    # ------------------------------------------------------------------ the steps
    def restore_image(self, image, data, sigma, prior, *, channel_axis=None, **options):
        """:meth:`run` on an image whose channels (if any) are on ``channel_axis``: they are
        moved last for the run and back after it."""
        from restore.core.validation import from_channels_last, to_channels_last

        restored = self.run(to_channels_last(image, channel_axis), data, sigma, prior, **options)
        return from_channels_last(restored, channel_axis, image.ndim)

    def run(self, image, data, sigma, prior, *, rng=None, exact=False, progress=False,
            tile_size=None, executor=None, stopwatch=NoStopwatch(), device=None):
        """Restore a channels-last ``(H, W)`` or ``(H, W, C)`` image; clipped to [0, 1], in
        the image's dtype. ``sigma``: a number, or an ``(H, W)`` noise map (each pixel's
        standard deviation, the same in every channel). ``prior`` is a resolved prior
        object; ``stopwatch`` collects the seconds of EPLL's stages (not of tiles run by an
        ``executor``, see :func:`restore.recipes.tiling.restore_in_tiles`); ``device``: where
        the z-step runs (:func:`priors.devices.resolve_device`)."""
        from priors.devices import resolve_device
        from priors.protocols import is_patch_prior

        resolve_device(device, prior)  # a clear error before any work
        if not is_patch_prior(prior):
            from restore.recipes.reconstruct import reconstruct
            return reconstruct(self, image, data, sigma, prior, rng=rng, progress=progress)
        tile_size = tiling.check_tile_size(tile_size, prior.patch_size)
        if not tiling.needs_tiling(image.shape, tile_size):
            restored = self.restore_window(image, data, sigma, prior, rng=rng, exact=exact,
                                           progress=progress, stopwatch=stopwatch, device=device)
            return restored.astype(image.dtype, copy=False)
        options = dict(prior=prior, rng=rng, exact=exact, progress=False, device=device,
                       **({"stopwatch": stopwatch} if executor is None else {}))
        return self.restore_tiled(image, data, sigma, tile_size, progress, executor, options)

    def restore_tiled(self, image, data, sigma, tile_size, progress, executor, options):
        """:meth:`run` on an image too large to restore whole: :meth:`restore_window` tile by
        tile, with :meth:`window_margin` (``options``: the prior and the run's settings)."""
        margin = self.window_margin(data, sigma, options["prior"],
                                    1 if image.ndim == 2 else image.shape[2])
        if np.ndim(sigma):  # a noise map: each tile takes its window of it
            restore_window = partial(self._restore_mapped_window, **options)
            window_data = partial(self._mapped_window, data, sigma)
        else:
            restore_window = partial(self.restore_window, sigma=sigma, **options)
            window_data = partial(self.window, data)
        return tiling.restore_in_tiles(image, tile_size, margin, progress, restore_window,
                                       window_data, executor)

    def _mapped_window(self, data, sigma, rows, cols):
        """The task's data and the noise map for the tile ``image[rows, cols]``."""
        return self.window(data, rows, cols), sigma[rows, cols]

    def _restore_mapped_window(self, image, data_and_sigma, **options):
        """:meth:`restore_window` on a tile with its window of a noise map."""
        data, sigma = data_and_sigma
        return self.restore_window(image, data, sigma, **options)

    def restore_window(self, image, data, sigma, prior, *, rng, exact, progress,
                       stopwatch=NoStopwatch(), device=None, plane_oracles=True):
        """EPLL on one whole window, grey or colour, each plane refined by its oracle stage
        (``plane_oracles``, :meth:`PlaneSettings.oracle_for`; or a pair, the first plane's (the
        luminance) and the others'); float32 result clipped to [0, 1]."""
        operator = self.operator(data)
        luminance, chrominance = per_plane_kind(plane_oracles)
        restore_plane, restore_chroma = (
            partial(self.restore_plane, data=data, operator=operator, sigma=sigma, prior=prior,
                    rng=rng, exact=exact, progress=progress, stopwatch=stopwatch,
                    device=device, plane_oracles=oracles) for oracles in (luminance, chrominance))
        if image.ndim == 2:
            return restore_plane(image, sigma, True)
        half = self.chroma_half_resolution and min(image.shape[:2]) >= 4 * prior.patch_size
        return colour.restore_planes(image, sigma, restore_plane, chroma_half_resolution=half,
                                     restore_chroma=restore_chroma)

    def restore_plane(self, plane, plane_sigma, clip, *, data, operator, sigma, prior, rng,
                      exact, progress, stopwatch=NoStopwatch(), device=None, plane_oracles=True):
        """EPLL on one 2-D ``plane`` of noise ``plane_sigma`` (``sigma``: the whole image's),
        then the plane's oracle stage (``plane_oracles``, :meth:`PlaneSettings.oracle_for`);
        clipped to [0, 1] if ``clip``."""
        observed, plane_operator, plane_data, kept = self.domain(
            np.ascontiguousarray(plane), data, operator)
        start = self.start(observed, plane_data, sigma, prior, rng=rng, exact=exact,
                           device=device)
        settings = self.plane_settings(prior, plane_sigma)
        oracle = settings.oracle_for(plane_oracles)
        restored = epll(observed, plane_operator, plane_sigma, prior, settings.schedule,
                        init=start, exact=exact, fast=settings.fast,
                        patch_window=self.patch_window, rng=rng,
                        progress=progress, clip=clip, stopwatch=stopwatch, device=device)
        if oracle is not None:
            with stopwatch.stage("oracle"):
                restored = oracle(observed, restored, np.square(plane_sigma))
            restored = np.clip(restored, 0, 1) if clip else restored
        return np.ascontiguousarray(restored[kept])
