"""EPLL by half-quadratic splitting (Zoran & Weiss 2011), for any linear degradation.

Restores ``x`` from ``y = A x + n``, ``n ~ N(0, sigma^2 I)``, by minimising

    lambda/2 ||A x - y||^2 - sum_i log p(P_i x)

(``P_i`` extracts the i-th overlapping patch, ``p`` is the patch prior) and
alternating, for a growing weight ``beta``,

* z-step: ``z_i = prior.denoise(P_i x, 1/beta)`` for every patch;
* x-step: ``(lambda A^T A + beta sum_i P_i^T P_i) x = lambda A^T y + beta sum_i P_i^T z_i``,
  solved by the operator (:meth:`restore.operators.Operator.x_step`): per
  pixel for denoising and inpainting, FFT-preconditioned conjugate gradients
  for a blur.

One loop, :func:`epll_restore`, serves every task; what differs between
tasks is the operator ``A``, the schedule of ``beta`` and ``lambda`` and the
starting point (chosen in :mod:`restore.api`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from restore._patches import (accumulate_patches, extract_patches, full_grid, patch_counts,
                              separable_window, window_sums)
from restore.core.progress import Progress
from restore.core.stopwatch import NoStopwatch
from restore.operators import Identity

PATCHES_PER_CHUNK = 1 << 16
#: Relative residual of the iterative x-steps (blur) on the exact path.
EXACT_CG_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Schedule:
    """HQS schedule in units of the noise level.

    ``beta = beta_factors[t] / sigma**2`` and ``lambda = lambda_factor / sigma**2``;
    each beta runs ``inner_iterations`` z/x alternations. ``patch_window``: see
    :func:`patch_average` (0: every pixel of a patch weighs the same, as in the original).
    """

    beta_factors: tuple = (1, 4, 8, 16, 32)
    lambda_factor: float = 64.0
    inner_iterations: int = 1
    patch_window: float = 0.0

    def betas(self, sigma):
        return [factor / sigma**2 for factor in self.beta_factors
                for _ in range(self.inner_iterations)]


@dataclass(frozen=True)
class GeometricSchedule:
    """HQS schedule whose z-step noise level falls geometrically.

    Step ``t = 0 .. steps-1`` denoises the patches at standard deviation

    .. math::

        s_t = s_0 \\left(\\frac{s_{end}}{s_0}\\right)^{t/(steps-1)}, \\qquad
        s_{end} = \\frac{\\sigma}{\\sqrt{\\text{last\\_beta\\_factor}}}, \\qquad
        s_0 = \\max(\\text{first\\_std},\\ \\text{first\\_factor}\\cdot\\sigma,\\ s_{end}),

    that is ``beta_t = 1 / s_t^2``, and ``lambda = lambda_factor / sigma^2``.
    The first z-steps must remove the artefacts of the starting point:
    deconvolution noise and ringing scale with ``sigma`` (``first_factor``),
    the error of a crude fill of missing pixels does not (``first_std``, on
    the image's [0, 1] scale). ``patch_window`` as in :class:`Schedule`.
    """

    steps: int
    lambda_factor: float
    last_beta_factor: float = 1.0
    first_std: float = 0.0
    first_factor: float = 0.0
    inner_iterations: int = 1
    patch_window: float = 0.0

    def betas(self, sigma):
        last = sigma / np.sqrt(self.last_beta_factor)
        first = max(self.first_std, self.first_factor * sigma, last)
        stds = np.geomspace(first, last, self.steps) if self.steps > 1 else [last]
        return [1.0 / s**2 for s in stds for _ in range(self.inner_iterations)]


#: The original code's denoising settings: lambda = d / sigma^2, beta = [1,4,8,16,32] / sigma^2.
ORIGINAL_DENOISE_SCHEDULE = Schedule()

#: Our default, chosen on six Train400 images at sigma 15/25/50 with the fast path
#: (benchmarks/tune_schedule.py; benchmarks/results/schedule_tuning_*.json): the original
#: betas beat every other list tried (denser, sparser, longer, two inner iterations);
#: with the original's uniform patch weighting lambda 56 beats 64 by 0.01-0.07 dB and
#: 80 by 0.25 dB (round 4: uniform weighting itself gained 0.13-0.36 dB over true counts).
#: Round 5, with the prior tied over rotations and flips (README, "The pretrained priors"),
#: on 16 Train400 images: lambda 48 beats 56 by 0.06 / 0.05 / 0.04 dB at sigma 15 / 25 / 50
#: and 40 by 0.01-0.03 dB (but for 0.01 dB below it at sigma 15); a sixth beta, 64, adds
#: 0.02 / 0.01 / 0.01 dB (a seventh, 128, nothing; two inner iterations or denser betas
#: lose 0.2-0.9 dB).
DENOISE_SCHEDULE = Schedule((1, 4, 8, 16, 32, 64), lambda_factor=48.0)


def denoise_schedule(prior):
    """:data:`DENOISE_SCHEDULE`; where the prior sets ``prior.denoise_lambda_factor`` (its
    z-step was tuned with another ``lambda``, and the original betas), that schedule."""
    factor = 64.0 if type(prior).__name__ == "VAEPrior" else None
    return DENOISE_SCHEDULE if factor is None else replace(ORIGINAL_DENOISE_SCHEDULE,
                                                           lambda_factor=float(factor))

#: Deblurring, started from a Wiener deconvolution of balance 30 sigma^2 (see
#: :func:`restore.deblur`): 16 steps from 10 sigma down to sigma / 4, lambda 128 / sigma^2.
#: Chosen by coordinate search on three Train400 images x Levin kernels k0, k2, k4, k6
#: (circular) x noise 2.55 and 7.65, fast path (benchmarks/tune_schedule.py --task deblur,
#: then --refine; JSON in benchmarks/results/schedule_tuning_deblur*.json). A first std
#: and a Wiener balance fixed on the [0, 1] scale suited only one noise level (the best at
#: 2.55 lost up to 7 dB at 7.65), hence both in units of sigma; a first std of 3-5 sigma
#: breaks down at 2.55 (21.5-23.7 dB), 10-20 sigma tie. With lambda 64 more than 6 steps
#: lose PSNR (the EPLL optimum is over-smoothed); lambda 128 with 12-16 steps gains
#: 0.13 dB more, lambda 192 loses 0.4. Mean PSNR there: 28.46 / 24.94 dB at 2.55 / 7.65
#: (blurred input 20.66 / 20.12, the Wiener start 22.90 / 20.98; scikit-image's
#: unsupervised_wiener 26.56 / 23.20, tuned wiener 26.22 / 23.22), above its input and its
#: start on every case.
DEBLUR_SCHEDULE = GeometricSchedule(steps=16, lambda_factor=128.0, last_beta_factor=16.0,
                                    first_factor=10.0)

#: Inpainting at half resolution, started from :func:`restore.initial.fill_missing`:
#: 128 steps from 0.1 down to sigma (1/255 by default), lambda 256 / sigma^2.
#: Chosen on Train400 images only, fast path. First, coordinate search on four images x
#: {50 %, 80 % random, text} masks (benchmarks/tune_schedule.py --task inpaint, then
#: --refine; JSON in benchmarks/results/schedule_tuning_inpaint*.json): the first std and
#: the number of steps matter most (0.1 beats 0.02-0.05 by 0.1-0.4 dB, 0.15-0.2 lose
#: 0.02-0.05; 16 -> 24 -> 32 -> 48 steps gain 0.14, 0.07, 0.07 dB); lambda 16-256 moves
#: less than 0.1 dB; starting from biharmonic instead of the fill ties at 50 % more time.
#: Then, on Train400 images 10, 200 and 333 x 50 % / 80 % random masks: 48 -> 96 -> 128
#: steps gain 0.15 / 0.14 and 0.05 / 0.06 dB, ending at sigma rather than 2 sigma 0.14 /
#: 0.01 dB more; stride-1 grids gain nothing. Mean PSNR there: 34.93 / 28.45 dB against
#: biharmonic's 33.30 / 27.71.
INPAINT_COARSE_SCHEDULE = GeometricSchedule(steps=128, lambda_factor=256.0,
                                            last_beta_factor=1.0, first_std=0.1, patch_window=3.0)

#: Inpainting at full resolution, started from the half-resolution result
#: (:func:`restore.initial.coarse_to_fine_start`, which runs
#: :data:`INPAINT_COARSE_SCHEDULE` on 2x2-block averages): the same steps from 0.05 (see
#: the end). On the same Train400 images this start (then from 0.03) gains 0.26 dB at
#: 80 % missing (28.71 against 28.45 dB; a first std of 0.05 within 0.02 dB) and 0.04 dB
#: at 50 %, for about 25 % more time.
#:
#: Both stages average the denoised patches with a Gaussian window of 3 pixels
#: (``patch_window``) and default to the tied prior ``"gmm"`` with the fast path's
#: flat-tail threshold at 10 (:data:`INPAINT_FAST`). On six Train400 images (10, 200, 333,
#: 50, 120, 280) x 80 % missing, EPLL minus biharmonic: +0.75 dB with the untied prior,
#: uniform averaging and threshold 1; window sd 2 / 3 / 5 pixels +0.77 / +0.77 / +0.76;
#: threshold 10 +0.78 (and faster); the tied prior at the full-resolution stage only
#: +0.92 (threshold 1, 5 times the time) / +0.95 (10); tied at both stages with threshold
#: 3 / 10 / 30 +0.96 / +0.98 / +0.95; and with the window +1.01, 20 s against 5.5 s per
#: 180x180 image. Not adopted: 256 steps (+0.71), stride 1 (+0.70), three resolution
#: levels (+0.74), ending at sigma / 2 (+0.74) or 2 sigma (+0.72), posterior-weighted
#: z-steps, Gibbs sampling after EPLL, 10x10 patches, blends with biharmonic.
#: With the tied prior and the window the full-resolution stage's first std was chosen
#: again (benchmarks/tune_inpaint_prior.py, JSON in
#: benchmarks/results/inpaint_prior_tuning_first_std*.json): from 0.03 / 0.05 / 0.07 / 0.1,
#: +1.01 / +1.09 / +1.08 / +1.00 dB over biharmonic on those six images (the coarse stage
#: assuming block-average noise of 3 or 8 / 255 instead of 1: +1.00 / +1.02); on six
#: other Train400 images (30, 90, 150, 230, 310, 370) 0.05 gains on every one, +0.96
#: against +0.85 (the variant "" in those files is the default of the time, 0.03).
INPAINT_SCHEDULE = GeometricSchedule(steps=128, lambda_factor=256.0, last_beta_factor=1.0,
                                     first_std=0.05, patch_window=3.0)


@dataclass(frozen=True)
class FastSettings:
    """Approximations of the fast path (``exact=False``).

    ``stride``: each z-step uses the patches on a grid of this stride with a
    random offset (plus the last row and column, so every pixel is covered);
    the prior's own fast z-step (``prior.fast_denoiser()``) does the rest.
    ``cg_tolerance``: relative residual at which iterative x-steps stop.
    ``tail_ratio``: for Gaussian-mixture priors, the flat-tail threshold of
    their fast z-step (:mod:`priors.gmm_fast`; ``None``: the prior's default).
    """

    stride: int = 2
    cg_tolerance: float = 1e-4
    tail_ratio: float | None = None

    def zstep(self, prior):
        """The prior's fast z-step under these settings."""
        from priors.protocols import FastPath
        return prior.fast_denoiser(self.tail_ratio) if isinstance(prior, FastPath) else prior


#: The fast path of both inpainting stages: a flat-tail threshold of 10 (the default is 1).
#: At the small noise of inpainting the default keeps nearly every direction of every
#: component; 10 keeps fewer and scores no worse (see :data:`INPAINT_SCHEDULE`).
INPAINT_FAST = FastSettings(tail_ratio=10.0)


def random_subgrid(shape, p, stride, rng):
    """Patch corners every ``stride`` pixels from a random offset, covering every pixel."""
    grid = []
    for n in (shape[0] - p + 1, shape[1] - p + 1):
        offset = int(rng.integers(min(stride, n)))
        grid.append(np.unique(np.concatenate([[0], np.arange(offset, n, stride), [n - 1]])))
    return tuple(grid)


def patch_zstep_sum(image, prior, noise_var, grid=None, stopwatch=NoStopwatch(), weights=None):
    """``sum_i P_i^T (w . z_i)`` with ``z_i = prior.denoise(P_i x, noise_var)`` over a patch
    grid (default: every patch), streamed in bands of rows; ``weights`` ``w``, a ``(p*p,)``
    patch, default all ones."""
    p = prior.patch_size
    rows, cols = full_grid(image.shape, p) if grid is None else grid
    band = max(1, PATCHES_PER_CHUNK // len(cols))
    total = np.zeros_like(image)
    for start in range(0, len(rows), band):
        band_rows = rows[start:start + band]
        with stopwatch.stage("extract"):
            patches = extract_patches(image, p, band_rows, cols)
        with stopwatch.stage("z-step"):
            denoised = prior.denoise(patches, noise_var)
        with stopwatch.stage("accumulate"):
            if weights is not None:
                denoised *= weights
            accumulate_patches(total, denoised, p, band_rows, cols)
    return total


def patch_average(image, prior, noise_var, grid=None, stopwatch=NoStopwatch(), window=0.0):
    """Weighted average of the denoised patches covering each pixel,
    ``sum_i P_i^T (w . z_i) / sum_i P_i^T w`` over a patch grid (default: every patch).

    ``window`` 0: ``w = 1``, the plain average. ``window > 0``: ``w`` is a
    Gaussian of that standard deviation in pixels centred on the patch, so
    each patch speaks mostly for its middle, where its estimate is surest.
    """
    p = prior.patch_size
    rows, cols = full_grid(image.shape, p) if grid is None else grid
    if window <= 0:
        total = patch_zstep_sum(image, prior, noise_var, (rows, cols), stopwatch)
        with stopwatch.stage("accumulate"):
            return total / patch_counts(image.shape, p, rows, cols, dtype=image.dtype)
    profile = np.exp(-0.5 * ((np.arange(p) - (p - 1) / 2) / window) ** 2)
    weights = separable_window(profile).astype(image.dtype)
    total = patch_zstep_sum(image, prior, noise_var, (rows, cols), stopwatch, weights)
    with stopwatch.stage("accumulate"):
        return total / window_sums(image.shape, profile, rows, cols, dtype=image.dtype)


def denoise_x_step(y, z_sum, counts, lam, beta):
    """Per-pixel solution of ``(lam I + beta diag(counts)) x = lam y + beta z_sum``."""
    return Identity().x_step(y, z_sum, counts, lam, beta)


def epll_restore(observed, operator, sigma, prior, *, schedule, init=None, rng=None,
                 exact=True, fast=FastSettings(), progress=False, clip=True,
                 stopwatch=NoStopwatch()):
    """Restore a 2-D image from ``y = A x + n`` with EPLL.

    Parameters
    ----------
    observed : ndarray, (H, W)
        The observation ``y`` (its values where a mask hides pixels are ignored).
    operator : restore.operators.Operator
        The degradation ``A``.
    sigma : float
        Noise standard deviation on the image's intensity scale.
    prior : PatchPrior
        The patch prior; its ``denoise`` (or ``fast_denoiser().denoise``) is the z-step.
    schedule : Schedule or GeometricSchedule
        Gives ``betas(sigma)`` and ``lambda_factor`` (``lambda = lambda_factor / sigma^2``).
    init : ndarray, (H, W), optional
        Starting estimate (default ``observed``).
    rng : int or numpy.random.Generator, optional
        Seed for the random patch grids of the fast path.
    exact : bool
        ``True``: every patch, the prior's exact z-step, tight x-step
        tolerance. ``False``: the approximations of ``fast`` (random patch
        grids, ``prior.fast_denoiser()``, looser conjugate gradients).
    fast : FastSettings
    progress : bool
        Progress bar on stderr.
    clip : bool
        Clip the result to [0, 1].
    stopwatch : restore.core.stopwatch.Stopwatch, optional
        Collects the seconds spent per stage (extract, z-step, accumulate, x-step).

    Returns
    -------
    ndarray, (H, W), float32
        Works in float32 (the z-step dominates the cost).
    """
    p = prior.patch_size
    if observed.ndim != 2 or min(observed.shape) < p:
        raise ValueError(f"EPLL needs a 2-D image of at least {p}x{p} pixels, got shape "
                         f"{observed.shape}")
    y = np.ascontiguousarray(observed, dtype=np.float32)
    x = y.copy() if init is None else np.array(init, dtype=np.float32)
    # Every pixel weighs its average patch estimate as if p*p patches covered it, as the
    # original code does: with the true counts the border pixels, covered by fewer
    # patches, lean on the noisy data and stay noisy (-0.2 dB on Train400, see DENOISE_SCHEDULE).
    coverage = np.full(y.shape, p * p, dtype=np.float32)
    lam = schedule.lambda_factor / sigma**2
    betas = schedule.betas(sigma)
    zstep = prior if exact else fast.zstep(prior)
    tolerance = EXACT_CG_TOLERANCE if exact else fast.cg_tolerance
    rng = np.random.default_rng(rng)
    with Progress(len(betas), "EPLL", enabled=progress) as bar:
        for beta in betas:
            grid = None if exact else random_subgrid(y.shape, p, fast.stride, rng)
            z_sum = coverage * patch_average(x, zstep, 1.0 / beta, grid, stopwatch,
                                             schedule.patch_window)
            with stopwatch.stage("x-step"):
                x = operator.x_step(y, z_sum, coverage, lam, beta, x0=x, tol=tolerance)
                x = np.ascontiguousarray(x, dtype=np.float32)
            bar.update()
    return np.clip(x, 0.0, 1.0) if clip else x


def epll_denoise(noisy, sigma, prior, *, schedule=DENOISE_SCHEDULE, rng=None,
                 exact=True, fast=FastSettings(), progress=False, clip=True,
                 stopwatch=NoStopwatch()):
    """Denoise a 2-D image with EPLL: :func:`epll_restore` with ``A = I``, starting at
    ``x = y``. ``sigma`` on the image's intensity scale; returns float32."""
    return epll_restore(noisy, Identity(), sigma, prior, schedule=schedule, rng=rng,
                        exact=exact, fast=fast, progress=progress, clip=clip,
                        stopwatch=stopwatch)
