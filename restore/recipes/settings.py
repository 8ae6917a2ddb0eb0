"""Every tuned constant of the task recipes, each with where its evidence is
(``docs/tuning.md`` and the results JSON in ``benchmarks/results/``). Chosen on Train400
and BSDS500-test only; BSD68 and CBSD68 only measure."""
from __future__ import annotations

from typing import NamedTuple, Optional

from restore.solvers.epll import FastSettings
from restore.solvers.group_wiener import GroupWiener
from restore.solvers.schedule import Schedule


#: The prior each task uses unless told otherwise. docs/tuning.md#default-priors
DEFAULT_PRIORS = {"denoise": "gmm", "deblur": "gmm-untied", "inpaint": "gmm",
                  "upscale": "gmm-untied"}

#: The original EPLL code's denoising: lambda 64 / sigma^2, beta [1, 4, 8, 16, 32] / sigma^2.
ORIGINAL_DENOISE_SCHEDULE = Schedule(lambda_factor=64.0, beta_factors=(1, 4, 8, 16, 32))
#: Denoising. docs/tuning.md#denoise-schedule (benchmarks/results/schedule_tuning_*.json)
DENOISE_SCHEDULE = Schedule(lambda_factor=48.0, beta_factors=(1, 4, 8, 16, 32, 64))
#: Denoising schedules of priors whose z-step was tuned with another lambda, by class name.
#: docs/tuning.md#vae-lambda (benchmarks/results/bsd68_denoise_epll-epll-vae*.json)
PRIOR_DENOISE_SCHEDULES = {"VAEPrior": Schedule(lambda_factor=64.0,
                                                beta_factors=(1, 4, 8, 16, 32))}
#: Denoising refines EPLL's result by the empirical Wiener filter of block-matched groups,
#: EPLL's result the pilot (NL-Bayes's second step). docs/tuning.md#oracle-stage
#: (benchmarks/results/oracle_tuning.json)
DENOISE_ORACLE = GroupWiener(patch_size=8, stride=4, radius=16, group_size=32)


class NoiseBand(NamedTuple):
    """White noise of at least ``least`` per plane (the [0, 1] scale): EPLL's pilot
    ``schedule`` on the ``fast`` path's settings, then the ``oracle`` stage (the
    ``colour_oracle`` stage instead where the joint colour stage follows; None: ``oracle``)."""

    least: float
    schedule: Schedule
    oracle: GroupWiener
    fast: FastSettings
    colour_oracle: Optional[GroupWiener] = None


#: Stronger white noise (per plane, on the [0, 1] scale): shorter pilot schedules, which
#: smooth less (docs/tuning.md#pilot-schedule, benchmarks/results/pilot_schedule_tuning*.json),
#: the pilot's patches on random grids of stride 5, its component search keeping 4 orbits
#: (docs/tuning.md#pilot-shortlist), then chains of oracle passes, a cheap one of small
#: patches or sparse references first; where the joint colour stage follows, the planes'
#: stage is one sparse pass (docs/tuning.md#oracle-chains,
#: benchmarks/results/oracle_cost_tuning*.json, noise_bands_check*.json).
PILOT_FAST = FastSettings(stride=5, shortlist=4)
PILOT_SCHEDULE = Schedule(lambda_factor=48.0, beta_factors=(1, 4, 16, 64))
DENOISE_NOISE_BANDS = (
    NoiseBand(12.5 / 255, PILOT_SCHEDULE,
              GroupWiener(patch_size=6, stride=6, radius=12, group_size=24,
                          then=GroupWiener(patch_size=7, stride=5, radius=16, group_size=32)),
              PILOT_FAST,
              colour_oracle=GroupWiener(patch_size=7, stride=6, radius=16, group_size=32)),
    NoiseBand(20 / 255, PILOT_SCHEDULE,
              GroupWiener(patch_size=5, stride=4, radius=12, group_size=24,
                          then=GroupWiener(patch_size=8, stride=6, radius=16, group_size=32)),
              PILOT_FAST),
    NoiseBand(40 / 255, PILOT_SCHEDULE,
              GroupWiener(patch_size=9, stride=6, radius=16, group_size=32, passes=2,
                          rematch=False,
                          then=GroupWiener(patch_size=8, stride=5, radius=16, group_size=32)),
              PILOT_FAST))
#: RGB under one noise level: the chrominance planes' oracle stages, then one on the three
#: channels jointly ("chroma"); "both": every plane's stage (the luminance's too), then the
#: joint one; "joint": the joint one alone; "planes": the planes' alone.
#: docs/tuning.md#joint-colour-oracle (benchmarks/results/colour_oracle_tuning.json)
COLOUR_ORACLE = "chroma"
#: Poisson-Gaussian noise: denoised under the model's noise map ("noise-map") rather than
#: through the generalised Anscombe transform ("anscombe"). docs/tuning.md#poisson-gaussian-noise
#: (benchmarks/results/train400_poisson_gaussian_n10_direct-choice.json)
POISSON_GAUSSIAN_METHOD = "noise-map"
#: RGB denoising restores the chrominance planes at half resolution.
#: docs/tuning.md#colour-chroma (benchmarks/results/colour_tuning.json)
CHROMA_HALF_RESOLUTION = True

#: Correlated noise: how the HQS coupling ``beta/2 ||x - z||^2`` is weighted. ``"noise"``: by the
#: inverse noise correlation, like the data term, so the z-step's patch noise is
#: ``Chat / beta`` and ``Chat`` cancels from the x-step; ``"white"``: unweighted, the x-step
#: weights the data term alone (:class:`restore.operators.CorrelatedData`). Same schedule as
#: white noise. docs/tuning.md#correlated-noise
CORRELATED_COUPLING = "noise"

#: Deblurring. docs/tuning.md#deblur-schedule (benchmarks/results/schedule_tuning_deblur*.json)
DEBLUR_SCHEDULE = Schedule(lambda_factor=128.0, steps=16, first_factor=10.0, last_factor=0.25)
#: Balance of the starting Wiener deconvolution, times sigma^2. docs/tuning.md#deblur-wiener
DEBLUR_WIENER_FACTOR = 30.0
#: Deblurring with unknown boundaries starts from the Wiener deconvolution refined by a
#: smoothness-penalised one on the exact model: its weight, and its most CG iterations.
#: docs/tuning.md#deblur-unknown-boundary (benchmarks/results/deblur_boundary_tuning.json)
UNKNOWN_BOUNDARY_SMOOTHNESS = 0.03
UNKNOWN_BOUNDARY_ITERATIONS = 100

#: Default noise level of inpainting: about the rounding error of 8-bit images.
INPAINT_DEFAULT_SIGMA = 1 / 255
#: Inpainting at half resolution (the coarse start). docs/tuning.md#inpaint-coarse-schedule
#: (benchmarks/results/schedule_tuning_inpaint*.json)
INPAINT_COARSE_SCHEDULE = Schedule(lambda_factor=256.0, steps=128, first_std=0.1)
#: Inpainting at full resolution. docs/tuning.md#inpaint-schedule
#: (benchmarks/results/inpaint_prior_tuning_first_std*.json)
INPAINT_SCHEDULE = Schedule(lambda_factor=256.0, steps=128, first_std=0.05)
#: Both inpainting stages average patches with a Gaussian window of this sd in pixels.
#: docs/tuning.md#inpaint-fast (benchmarks/results/inpaint_prior_tuning_first_std*.json)
INPAINT_PATCH_WINDOW = 3.0
#: The fast path of both inpainting stages: flat-tail threshold 10, random patch grids of
#: stride 5. docs/tuning.md#inpaint-fast (benchmarks/results/inpaint_steps_tuning*.json)
INPAINT_FAST = FastSettings(tail_ratio=10.0, stride=5)

#: Whole-image HQS (Deep Image Prior's "hqs" mode) by task. docs/tuning.md#dip-iterations
#: (benchmarks/results/bsd68_dip_w64-modes*.json)
IMAGE_DENOISE_SCHEDULE = Schedule(steps=4, first_factor=1.0, last_factor=0.25)
IMAGE_INPAINT_SCHEDULE = Schedule(steps=4, first_std=0.1, last_factor=2.0)
IMAGE_DEBLUR_SCHEDULE = Schedule(steps=4, first_std=0.1, first_factor=5.0, last_factor=0.5)

#: Default noise level of upscaling: about the rounding error of 8-bit images.
UPSCALE_DEFAULT_SIGMA = 1 / 255
#: Upscaling, by scale (larger scales use the largest's), at UPSCALE_DEFAULT_SIGMA.
#: docs/tuning.md#upscale-schedule (benchmarks/results/schedule_tuning_upscale*.json)
UPSCALE_SCHEDULES = {2: Schedule(lambda_factor=64.0, steps=32, first_std=0.2),
                     3: Schedule(lambda_factor=256.0, steps=32, first_std=0.2),
                     4: Schedule(lambda_factor=256.0, steps=32, first_std=0.4)}
#: Whole-image HQS (Deep Image Prior's "hqs" mode) for upscaling: deblurring's, not tuned.
IMAGE_UPSCALE_SCHEDULE = IMAGE_DEBLUR_SCHEDULE
