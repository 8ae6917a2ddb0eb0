"""The denoising recipe: ``A = I``, start from ``x = y``, the chrominance at half resolution."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from restore.operators import Identity
from restore.core.stopwatch import NoStopwatch
from restore.core.validation import SIGMA_MAX, SIGMA_MIN, to_channels_last
from restore.recipes.base import PlaneSettings, Recipe, settings_reach
from restore.recipes.settings import (CHROMA_HALF_RESOLUTION, CORRELATED_COUPLING, DEFAULT_PRIORS,
                                      DENOISE_NOISE_BANDS, DENOISE_ORACLE, DENOISE_SCHEDULE,
                                      COLOUR_ORACLE, IMAGE_DENOISE_SCHEDULE,
                                      POISSON_GAUSSIAN_METHOD, PRIOR_DENOISE_SCHEDULES)
from restore.solvers.group_wiener import GroupWiener
from restore.solvers.schedule import Schedule


#: The values of :attr:`DenoiseRecipe.colour_oracle`.
COLOUR_ORACLES = ("both", "chroma", "joint", "planes")


def _band_settings(band):
    """The :class:`PlaneSettings` of a :class:`restore.recipes.settings.NoiseBand`."""
    return PlaneSettings(band.schedule, band.oracle, band.fast, band.colour_oracle)


def one_level(sigma):
    """The noise level of ``sigma`` if it has one (a number or a constant map), else None."""
    if np.ndim(sigma) == 0:
        return float(sigma)
    sigma = np.asarray(sigma)
    return float(sigma.flat[0]) if sigma.size and np.ptp(sigma) == 0 else None


@dataclass(frozen=True)
class DenoiseRecipe(Recipe):
    """Remove white Gaussian noise: ``min_x lambda/2 ||x - y||^2 - sum_i log p(P_i x)``
    (or correlated noise, :meth:`restore_correlated`)."""

    name = "denoise"
    schedule: Schedule = DENOISE_SCHEDULE
    image_schedule: Schedule = IMAGE_DENOISE_SCHEDULE
    chroma_half_resolution: bool = CHROMA_HALF_RESOLUTION
    default_prior: str = DEFAULT_PRIORS["denoise"]
    #: See :data:`restore.recipes.settings.CORRELATED_COUPLING`.
    correlated_coupling: str = CORRELATED_COUPLING
    #: Schedules of priors whose z-step was tuned with another lambda, by class name.
    prior_schedules: dict = field(default_factory=lambda: dict(PRIOR_DENOISE_SCHEDULES))
    #: How Poisson-Gaussian noise is denoised: "noise-map" or "anscombe".
    poisson_gaussian: str = POISSON_GAUSSIAN_METHOD
    #: The second stage after EPLL (:mod:`restore.solvers.group_wiener`); None: EPLL alone.
    oracle: Optional[GroupWiener] = DENOISE_ORACLE
    #: :class:`restore.recipes.settings.NoiseBand` s, rising: a plane of white noise at
    #: least that strong takes the last such band's pilot schedule, fast-path settings and
    #: oracle stage (with an oracle, and a prior without a schedule of its own).
    noise_bands: tuple = DENOISE_NOISE_BANDS
    #: RGB under one noise level: ``"both"``, each plane's oracle stage, then the image
    #: level's on the three channels jointly (patches of ``3 p^2`` values,
    #: :func:`restore.solvers.group_wiener.group_wiener`); ``"chroma"``, the chrominance
    #: planes' stages (not the luminance's), then the joint one; ``"joint"``, the joint stage
    #: alone, after the planes' EPLL; ``"planes"``, the planes' stages alone.
    colour_oracle: str = COLOUR_ORACLE

    def operator(self, data=None):
        return Identity()

    def schedule_for(self, prior):
        """``prior_schedules`` where the prior's class has its own, else ``schedule``."""
        return self.prior_schedules.get(type(prior).__name__, self.schedule)

    def _bands_apply(self, prior):
        return self.oracle is not None and type(prior).__name__ not in self.prior_schedules

    def plane_settings(self, prior, plane_sigma):
        """:meth:`Recipe.plane_settings`, or for one noise level (a number or a constant
        map) the band's."""
        settings = super().plane_settings(prior, plane_sigma)
        level = one_level(plane_sigma)
        if self._bands_apply(prior) and level is not None:
            for band in self.noise_bands:
                settings = _band_settings(band) if level >= band.least else settings
        return settings

    def plane_settings_choices(self, prior):
        bands = ([_band_settings(band) for band in self.noise_bands]
                 if self._bands_apply(prior) else [])
        return super().plane_settings_choices(prior) + bands

    def plane_reach(self, prior, plane_level, plane_oracles):
        """How far (pixels, at the plane's resolution) a plane of white noise ``plane_level``
        depends on the image: its settings' reach (:func:`restore.recipes.base.settings_reach`)
        with the oracle stage ``plane_oracles`` picks (:meth:`PlaneSettings.oracle_for`)."""
        settings = self.plane_settings(prior, plane_level)
        settings = settings._replace(oracle=settings.oracle_for(plane_oracles), colour_oracle=None)
        return settings_reach(settings, plane_level, prior.patch_size)

    def restore_tiled(self, image, data, sigma, tile_size, progress, executor, options):
        """:meth:`Recipe.restore_tiled`; under white noise of one level, stage by stage
        (:func:`restore.recipes.stage_tiling.denoise_by_stage`)."""
        level = one_level(sigma)
        if data is not None or level is None:
            return super().restore_tiled(image, data, sigma, tile_size, progress, executor,
                                         options)
        from restore.recipes.stage_tiling import denoise_by_stage

        return denoise_by_stage(self, image, level, tile_size, progress, executor, options)

    def _plane_oracles(self, joint):
        """What the planes take before the ``joint`` stage (None: there is none), as
        :meth:`restore.recipes.base.PlaneSettings.oracle_for` reads it; a pair for
        ``"chroma"``: the luminance's, then the chrominance's."""
        if joint is None:
            return True
        return {"both": "before-joint", "chroma": (False, "before-joint")}.get(
            self.colour_oracle, False)

    def _joint_oracle(self, prior, level, channels):
        """The oracle stage run on the three channels of an RGB image jointly under white
        noise of one ``level`` (None for a noise map), or None where there is none."""
        if self.colour_oracle == "planes" or level is None or channels != 3:
            return None
        return self.plane_settings(prior, level).oracle

    def restore_poisson_gaussian(self, image, noise, prior, **options):
        """Denoise Poisson-Gaussian ``noise`` (a :class:`restore.core.anscombe.PoissonGaussian`)
        as :attr:`poisson_gaussian` says: ``"noise-map"``, :meth:`restore` under the model's
        noise map (:mod:`restore.core.poisson_gaussian_map`); ``"anscombe"``, through the
        generalised Anscombe transform (:meth:`restore` at the transformed image's noise
        level, then the exact unbiased inverse). Clipped to [0, 1], in the image's dtype.
        ``options``: those of :meth:`restore`."""
        if self.poisson_gaussian == "noise-map":
            from restore.core.poisson_gaussian_map import poisson_gaussian_sigma_map

            sigma = poisson_gaussian_sigma_map(to_channels_last(image, options.get(
                "channel_axis")), noise)
            return self.restore(image, np.clip(sigma, SIGMA_MIN, SIGMA_MAX), prior, **options)
        from restore.core.anscombe import restore_poisson_gaussian

        restored = restore_poisson_gaussian(
            image, noise, lambda plane, sigma: self.restore(plane, min(sigma, 1.0), prior,
                                                            **options))
        return np.clip(restored, 0, 1).astype(image.dtype, copy=False)

    def restore_correlated(self, image, noise, prior, **options):
        """Denoise stationary correlated ``noise`` (a
        :class:`restore.core.correlated_noise.CorrelatedNoise`; :mod:`restore.recipes.correlated`):
        :meth:`restore` with the noise as the task's data. ``options``: those of :meth:`restore`."""
        from restore.recipes.correlated import check_prior

        check_prior(prior)
        channel_axis = options.pop("channel_axis", None)
        return self.restore_image(image, noise, noise.sigma, prior, channel_axis=channel_axis,
                                  **options)

    def restore_window(self, image, data, sigma, prior, *, rng, exact, progress,
                       stopwatch=NoStopwatch(), device=None):
        """:meth:`Recipe.restore_window` (for RGB under one noise level, the oracle stages
        :attr:`colour_oracle` names), or under correlated noise (``data`` a
        ``CorrelatedNoise``) :func:`restore.recipes.correlated.restore_correlated_window`."""
        if self.colour_oracle not in COLOUR_ORACLES:
            raise ValueError(f"colour_oracle must be one of {COLOUR_ORACLES}, got "
                             f"{self.colour_oracle!r}")
        if data is None:
            level = one_level(sigma)
            joint = self._joint_oracle(prior, level, 1 if image.ndim == 2 else image.shape[2])
            restored = super().restore_window(
                image, data, sigma, prior, rng=rng, exact=exact, progress=progress,
                stopwatch=stopwatch, device=device,
                plane_oracles=self._plane_oracles(joint))
            if joint is None:
                return restored
            from restore.recipes.stage_tiling import joint_stage

            return joint_stage(image, restored, joint=joint, variance=level**2,
                               stopwatch=stopwatch)
        from restore.recipes.correlated import restore_correlated_window

        return restore_correlated_window(self, image, data, prior, rng=rng, exact=exact,
                                         progress=progress, stopwatch=stopwatch, device=device)

    def restore(self, image, sigma, prior, *, channel_axis=None, rng=None, exact=False,
                progress=False, tile_size=None, executor=None,
                stopwatch=NoStopwatch(), device=None):
        """Denoise ``image`` (the library's :func:`restore.denoise` without its checks;
        ``prior`` a prior object)."""
        return self.restore_image(image, None, sigma, prior, channel_axis=channel_axis, rng=rng,
                                  exact=exact, progress=progress, tile_size=tile_size,
                                  executor=executor, stopwatch=stopwatch, device=device)
