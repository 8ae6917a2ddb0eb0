"""Choose the EPLL schedules (and the peers' settings) on TRAINING images, never on BSD68.

    # denoising: lambda and betas at sigma 15/25/50
    python -m benchmarks.tuning.tune_schedule --data ../shared/data/train400 --images 8 \\
        --sigmas 15 25 50 --fast
    # deblurring and inpainting: coordinate search over the recipe's settings
    python -m benchmarks.tuning.tune_schedule --task deblur --data ../shared/data/train400 \\
        --images 3
    python -m benchmarks.tuning.tune_schedule --task deblur --data ../shared/data/train400 \\
        --images 3 --refine
    python -m benchmarks.tuning.tune_schedule --task inpaint --data ../shared/data/train400
    python -m benchmarks.tuning.tune_schedule --task inpaint --data ../shared/data/train400 \\
        --refine --rounds 1
    # the scikit-image peers of the deblurring benchmark (Wiener balance, RL iterations)
    python -m benchmarks.tuning.tune_schedule --task deblur-peers --data ../shared/data/train400 \\
        --images 3 --kernel-names k0 k1 k2 k3 k4 k5 k6 k7

Denoising runs the recipe :data:`restore.recipes.DENOISE` with each schedule
of :data:`CANDIDATES` on a spread of training images with seeded noise.
Deblurring and inpainting start from the first value of each setting of
:data:`DEBLUR_GRID` / :data:`INPAINT_GRID` (keys as in
:mod:`benchmarks.tuning.recipe_variants`: ``schedule.steps``,
``wiener_factor``, ...) and, ``--rounds`` times, sweep one setting at a
time over its values (the others at their best so far), keeping the value
with the best mean PSNR over all cases (images x kernels x noise levels, or
images x masks). Every evaluation runs the changed recipe's ``restore``; it
goes to the JSON with per-case PSNR, the input's and the starting point's
(the recipe's Wiener start; for inpainting the smooth fill of the holes), so
a setting that makes any case worse than its input or its start can be
spotted. The JSON also records the SHA-256 of the prior file.

Deblurring cases: the Levin kernels ``--kernels`` (circular blur) at noise
2.55 and 7.65 (0-255 scale). Inpainting cases: the benchmark's masks
(:mod:`benchmarks.harness.degradations`) at 50 % and 80 % missing and text, no noise.

The files ``benchmarks/results/schedule_tuning*.json`` were written by earlier
versions of this script (commits 612b184 to e1b66c1), whose solver and recipes
differed as ``docs/tuning.md`` says: the grids here are theirs, in the
recipe's terms (``last_beta_factor`` b is ``last_factor`` 1/sqrt(b); the old
inpainting search tuned the single stage that is now the coarse one, and also
tried starting from the blurred image or from biharmonic inpainting, which the
recipes do not offer).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.harness.degradations import blur_and_noise, make_mask, noise_key
from benchmarks.harness.results import RESULTS_DIR
from benchmarks.harness.scoring import psnr
from benchmarks.tuning.recipe_variants import recipe_variant, spread_training_images
from priors.symmetry import SYMMETRIES
from restore.recipes import DEBLUR, DENOISE, INPAINT, FastSettings
from restore.solvers import Schedule

ORIGINAL_BETAS = (1, 4, 8, 16, 32)


def listed(betas, lam, inner=1):
    """A listed schedule: ``beta_t = betas[t] / sigma^2``, ``lambda = lam / sigma^2``."""
    return Schedule(lambda_factor=float(lam), beta_factors=tuple(betas), inner_iterations=inner)


#: Round 1 (benchmarks/results/schedule_tuning_fast.json): lambda in {16..64} x two beta lists.
ROUND_1 = {f"{list(betas)}, lam {lam}": listed(betas, lam)
           for betas in [ORIGINAL_BETAS, (1, 4, 8, 16, 32, 64)] for lam in (16, 24, 32, 48, 64)}
#: Round 2 (benchmarks/results/schedule_tuning_round2.json): around the round-1 optimum.
ROUND_2 = {
    "[1,4,8,16,32], lam 40": listed(ORIGINAL_BETAS, 40),
    "[1,4,8,16,32] x2 inner, lam 40": listed(ORIGINAL_BETAS, 40, 2),
    "[0.5,1,2,4,8,16,32], lam 40": listed((0.5, 1, 2, 4, 8, 16, 32), 40),
    "[1,2,4,8,16,32], lam 40": listed((1, 2, 4, 8, 16, 32), 40),
    "[2,4,8,16,32], lam 40": listed((2, 4, 8, 16, 32), 40),
    "[1,4,8,16,32,64,128], lam 40": listed((1, 4, 8, 16, 32, 64, 128), 40),
}
#: Round 3 (benchmarks/results/schedule_tuning_round3.json): fewer, wider-spaced betas.
ROUND_3 = {f"{list(betas)}, lam {lam}": listed(betas, lam)
           for betas, lam in [((1, 4, 16, 32), 40), ((1, 8, 32), 40), (ORIGINAL_BETAS, 56),
                              ((1, 2, 8, 32), 40), ((1, 4, 16, 64), 40), ((2, 8, 32), 40)]}
#: Round 4 (benchmarks/results/schedule_tuning_round4.json): after switching the x-step to
#: the original code's uniform patch weighting, lambda again.
ROUND_4 = {f"uniform weighting, lam {lam}": listed(ORIGINAL_BETAS, lam)
           for lam in (40, 48, 56, 64, 80)}
#: Round 5 (benchmarks/results/schedule_tuning_round5*.json): lambda and betas again, for
#: the prior tied over the rotations and flips of a patch.
ROUND_5 = {**{f"dihedral prior, lam {lam}": listed(ORIGINAL_BETAS, lam)
              for lam in (40, 48, 56, 64)},
           **{f"dihedral prior, {list(betas)} x{inner}, lam 48": listed(betas, 48, inner)
              for betas, inner in [((1, 4, 8, 16, 32, 64), 1), (ORIGINAL_BETAS, 2),
                                   ((0.5, 1, 2, 4, 8, 16, 32), 1), ((1, 2, 4, 8, 16, 32), 1),
                                   ((1, 4, 8, 16, 32, 64, 128), 1)]},
           **{f"dihedral prior, [1, 4, 8, 16, 32, 64], lam {lam}":
              listed((1, 4, 8, 16, 32, 64), lam) for lam in (40, 56)}}
CANDIDATES = {**ROUND_1, **ROUND_2, **ROUND_3, **ROUND_4, **ROUND_5}

#: Deblurring search space (the first value of each is the starting point, from a first
#: search with noise-independent first std and balance, schedule_tuning_deblur_abs.json).
DEBLUR_GRID = {
    "schedule.first_factor": (10.0, 3.0, 5.0, 20.0),
    "schedule.last_factor": (0.25, 0.5, 0.125),
    "schedule.steps": (6, 4, 8, 12),
    "schedule.lambda_factor": (64.0, 40.0, 96.0),
    "wiener_factor": (10.0, 3.0, 30.0, 100.0),
}
#: Second deblurring search (``--refine``): more steps with a larger lambda, which the
#: one-setting-at-a-time search cannot reach from the first one's best.
DEBLUR_REFINE_GRID = {
    "schedule.first_factor": (10.0,),
    "schedule.last_factor": (0.25,),
    "schedule.steps": (12, 8, 16),
    "schedule.lambda_factor": (128.0, 96.0, 192.0),
    "wiener_factor": (30.0,),
}
#: Inpainting search space: the half-resolution stage's schedule.
INPAINT_GRID = {
    "coarse_schedule.first_std": (0.05, 0.02, 0.03, 0.1),
    "coarse_schedule.last_factor": (1.0, 3.16, 2.0, 0.5),
    "coarse_schedule.steps": (16, 8, 24, 32),
    "coarse_schedule.lambda_factor": (64.0, 16.0, 256.0),
}
#: Second inpainting search (``--refine``), around the first one's best, whose first std
#: and number of steps were at the edge of the grid.
INPAINT_REFINE_GRID = {
    "coarse_schedule.first_std": (0.1, 0.15, 0.2),
    "coarse_schedule.last_factor": (2.0, 1.41),
    "coarse_schedule.steps": (32, 48),
    "coarse_schedule.lambda_factor": (256.0,),
}
DEBLUR_SIGMAS = (2.55, 7.65)
INPAINT_SIGMA = 1 / 255
WIENER_BALANCES = tuple(float(b) for b in np.logspace(-4, 0, 17))
RL_ITERATIONS = (5, 10, 15, 20, 30, 50)


# ----------------------------------------------------------------------------- cases
def deblur_cases(images, kernels, sigmas):
    """``(label, clean, blurred, kernel, sigma)`` with seeded noise."""
    cases = []
    for i, clean in enumerate(images):
        for k, (name, kernel) in enumerate(kernels.items()):
            for sigma in sigmas:
                rng = np.random.default_rng([i, k, noise_key(sigma), 7])
                cases.append((f"image{i} {name} s{sigma:g}", clean,
                               blur_and_noise(clean, kernel, sigma, rng), kernel, sigma / 255))
    return cases


def inpaint_cases(images):
    """``(label, clean, damaged, known)`` for the benchmark's three mask kinds."""
    cases = []
    for i, clean in enumerate(images):
        for kind in ("random50", "random80", "text"):
            known = make_mask(kind, clean.shape, seed=7, index=i)
            cases.append((f"image{i} {kind}", clean, np.where(known, clean, 0.0), known))
    return cases


def tuning_prior(args):
    """``(prior, SHA-256 of its file)``: the GMM of ``--prior`` (default: the task's recipe's
    default prior), tied over ``--symmetry`` if given."""
    import hashlib

    from priors.gmm import GaussianMixturePrior
    from priors.registry import pretrained_path

    recipe = {"denoise": DENOISE, "inpaint": INPAINT}.get(args.task, DEBLUR)
    path = Path(args.prior or pretrained_path(recipe.default_prior))
    prior = GaussianMixturePrior.load(path)
    if args.symmetry is not None:
        prior = prior.with_symmetry(args.symmetry)
    return prior, hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------------------- evaluations
def run_deblur(point, case, prior, exact):
    """The deblurring recipe changed by ``point`` on one case: ``(restored, start)``."""
    from restore.recipes import BlurData

    _, _, blurred, kernel, sigma = case
    recipe = recipe_variant(DEBLUR, point)
    start = recipe.start(blurred, BlurData(kernel, "circular"), sigma, prior, rng=0, exact=exact)
    restored = recipe.restore(blurred, kernel, sigma, prior, boundary="circular", rng=0,
                              exact=exact)
    return restored, start


def run_inpaint(point, case, prior, exact):
    """The inpainting recipe changed by ``point`` on one case: ``(restored, smooth fill)``."""
    from restore.recipes.starts import fill_missing

    _, _, damaged, known = case
    restored = recipe_variant(INPAINT, point).restore(damaged, known, INPAINT_SIGMA, prior, rng=0,
                                                      exact=exact)
    return restored, fill_missing(damaged, known)


def coordinate_search(grid, evaluate, rounds, log):
    """Sweep each setting over its values in turn, ``rounds`` times; returns the best point.

    ``evaluate(point) -> mean PSNR`` is called once per distinct point.
    """
    best = {name: values[0] for name, values in grid.items()}
    scores = {}

    def score(point):
        key = json.dumps(point, sort_keys=True)
        if key not in scores:
            scores[key] = evaluate(point)
        return scores[key]

    for round_number in range(rounds):
        for name, values in grid.items():
            trials = {value: score({**best, name: value}) for value in values}
            best[name] = max(trials, key=trials.get)
            print(f"round {round_number + 1}: {name} -> {best[name]!r} "
                  f"({trials[best[name]]:.3f} dB)", file=log, flush=True)
    return best


def tune_task(args, grid, cases, run, out):
    """Coordinate search of one task's recipe; writes every evaluation to ``out``."""
    prior, digest = tuning_prior(args)
    record = {"task": args.task, "data": Path(args.data).name, "path": "exact" if args.exact
              else "fast", "prior_sha256": digest, "symmetry": prior.symmetry,
              "grid": {k: list(v) for k, v in grid.items()},
              "cases": [case[0] for case in cases], "evaluations": []}

    def evaluate(point):
        start = time.perf_counter()
        results = [run(point, case, prior, args.exact) for case in cases]
        scores = [psnr(case[1], restored) for case, (restored, _) in zip(cases, results)]
        starts = [psnr(case[1], begin) for case, (_, begin) in zip(cases, results)]
        inputs = [psnr(case[1], case[2]) for case in cases]
        row = {"point": point, "mean_psnr": float(np.mean(scores)), "psnr": scores,
               "input_psnr": inputs, "start_psnr": starts,
               "worst_gain_over_input": float(np.min(np.subtract(scores, inputs))),
               "worst_gain_over_start": float(np.min(np.subtract(scores, starts))),
               "seconds_per_case": (time.perf_counter() - start) / len(cases)}
        groups = {}
        for label, value in zip(record["cases"], scores):
            groups.setdefault(label.split(" ", 1)[1].split(" ")[-1], []).append(value)
        row["mean_psnr_by"] = {k: float(np.mean(v)) for k, v in groups.items()}
        record["evaluations"].append(row)
        out.write_text(json.dumps(record, indent=1))
        print(f"  {point}: {row['mean_psnr']:.3f} dB {row['mean_psnr_by']} "
              f"worst gain over input {row['worst_gain_over_input']:+.2f} dB, over start "
              f"{row['worst_gain_over_start']:+.2f} dB, {row['seconds_per_case']:.1f} s/case",
              file=sys.stderr, flush=True)
        return row["mean_psnr"]

    record["best"] = coordinate_search(grid, evaluate, args.rounds, sys.stderr)
    out.write_text(json.dumps(record, indent=1))
    print(f"best: {record['best']}")


def tune_deblur_peers(args, cases, out):
    """Wiener balance and Richardson-Lucy iterations per noise level, by mean PSNR."""
    from skimage.restoration import wiener

    from benchmarks.deblur import richardson_lucy_circular

    record = {"task": "deblur-peers", "data": Path(args.data).name,
              "cases": [case[0] for case in cases], "wiener": {}, "richardson_lucy": {}}
    for sigma in DEBLUR_SIGMAS:
        chosen = [case for case in cases if case[4] == sigma / 255]
        record["wiener"][str(sigma)] = {
            str(b): float(np.mean([psnr(c[1], wiener(c[2], c[3], b)) for c in chosen]))
            for b in WIENER_BALANCES}
        record["richardson_lucy"][str(sigma)] = {
            str(n): float(np.mean([psnr(c[1], richardson_lucy_circular(c[2], c[3], n))
                                   for c in chosen]))
            for n in RL_ITERATIONS}
        for method in ("wiener", "richardson_lucy"):
            table = record[method][str(sigma)]
            best = max(table, key=table.get)
            print(f"sigma {sigma}: {method} best {best} ({table[best]:.3f} dB)", flush=True)
    out.write_text(json.dumps(record, indent=1))


def tune_denoise(args, out):
    """Every candidate schedule at every noise level; the JSON rewritten after each."""
    picks, images = spread_training_images(args.data, args.images)
    prior, digest = tuning_prior(args)
    candidates = {k: v for k, v in CANDIDATES.items() if not args.only or k in args.only}
    fast = FastSettings(stride=args.stride, cg_tolerance=DENOISE.fast.cg_tolerance,
                        tail_ratio=DENOISE.fast.tail_ratio)
    results = []
    for sigma in args.sigmas:
        noisy = [img + np.random.default_rng([i, int(sigma)]).normal(0, sigma / 255, img.shape)
                 for i, img in enumerate(images)]
        for name, schedule in candidates.items():
            recipe = recipe_variant(DENOISE, {"schedule": schedule, "fast": fast})
            start = time.perf_counter()
            psnrs = [psnr(img, recipe.restore(y, sigma / 255, prior, rng=0, exact=not args.fast))
                     for img, y in zip(images, noisy)]
            row = {"sigma": sigma, "schedule": name, "mean_psnr": float(np.mean(psnrs)),
                   "seconds_per_image": (time.perf_counter() - start) / len(images)}
            results.append(row)
            print(f"sigma {sigma:4.0f}  {name:36s} {row['mean_psnr']:.3f} dB  "
                  f"{row['seconds_per_image']:.1f} s/image", flush=True)
            # rewritten after every candidate, so a cut-short sweep keeps what it measured
            out.write_text(json.dumps({"data": Path(args.data).name,
                                       "images": [p.name for p in picks],
                                       "path": "fast" if args.fast else "exact",
                                       "stride": args.stride if args.fast else 1,
                                       "prior_sha256": digest, "symmetry": prior.symmetry,
                                       "results": results}, indent=1))


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.tune_schedule",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=("denoise", "deblur", "inpaint", "deblur-peers"),
                        default="denoise")
    parser.add_argument("--data", required=True, help="folder of training images")
    parser.add_argument("--images", type=int, help="how many images, spread evenly "
                        "(default: 8 for denoise, 4 otherwise)")
    parser.add_argument("--sigmas", type=float, nargs="+", default=[15, 25, 50],
                        help="denoise: noise levels (0-255 scale)")
    parser.add_argument("--prior", help="GMM prior file (.npz) to tune with (default: the "
                        "task's recipe's default prior)")
    parser.add_argument("--symmetry", choices=SYMMETRIES,
                        help="tie the prior's components over this group first "
                             "(GaussianMixturePrior.with_symmetry)")
    parser.add_argument("--only", nargs="*", help="denoise: names of candidates to run")
    parser.add_argument("--fast", action="store_true", help="denoise: tune the fast path")
    parser.add_argument("--stride", type=int, default=DENOISE.fast.stride,
                        help="denoise, fast path: patch-grid stride (default: %(default)s)")
    parser.add_argument("--exact", action="store_true",
                        help="deblur/inpaint: tune the exact path (default: the fast one)")
    parser.add_argument("--kernels", default="../shared/data/kernels/levin09_kernels.npz",
                        help="deblur: the .npz of kernels")
    parser.add_argument("--kernel-names", nargs="+", default=["k0", "k2", "k4", "k6"],
                        help="deblur: which kernels of the file (default: k0 k2 k4 k6)")
    parser.add_argument("--rounds", type=int, default=2, help="coordinate-search rounds")
    parser.add_argument("--refine", action="store_true",
                        help="search the task's second grid (INPAINT_REFINE_GRID, "
                             "DEBLUR_REFINE_GRID)")
    parser.add_argument("--out", help="JSON file (default: benchmarks/results/"
                        "schedule_tuning[_<task>].json)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    default_name = ("schedule_tuning.json" if args.task == "denoise" else
                    "deblur_peer_tuning.json" if args.task == "deblur-peers" else
                    f"schedule_tuning_{args.task}{'_refine' if args.refine else ''}"
                    f"{'_exact' if args.exact else ''}.json")
    out = Path(args.out) if args.out else RESULTS_DIR / default_name
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.task == "denoise":
        args.images = args.images or 8
        return tune_denoise(args, out)
    _, images = spread_training_images(args.data, args.images or 4)
    if args.task == "inpaint":
        grid = INPAINT_REFINE_GRID if args.refine else INPAINT_GRID
        return tune_task(args, grid, inpaint_cases(images), run_inpaint, out)
    from benchmarks.harness.data import load_kernels

    kernels = {name: kernel for name, kernel in load_kernels(args.kernels).items()
               if name in args.kernel_names}
    cases = deblur_cases(images, kernels, DEBLUR_SIGMAS)
    if args.task == "deblur-peers":
        return tune_deblur_peers(args, cases, out)
    return tune_task(args, DEBLUR_REFINE_GRID if args.refine else DEBLUR_GRID, cases, run_deblur,
                     out)


if __name__ == "__main__":
    main()
