"""Choose the EPLL schedules (and the peers' settings) on TRAINING images, never on BSD68.

    # denoising: lambda and betas at sigma 15/25/50
    python -m benchmarks.tune_schedule --data ../shared/data/train400 --images 8 --sigmas 15 25 50
    # deblurring and inpainting: coordinate search over the schedule and the starting point
    python -m benchmarks.tune_schedule --task deblur --data ../shared/data/train400 --images 3
    python -m benchmarks.tune_schedule --task deblur --data ../shared/data/train400 --images 3 --refine
    python -m benchmarks.tune_schedule --task inpaint --data ../shared/data/train400
    python -m benchmarks.tune_schedule --task inpaint --data ../shared/data/train400 --refine --rounds 1
    # the scikit-image peers of the deblurring benchmark (Wiener balance, Richardson-Lucy iterations)
    python -m benchmarks.tune_schedule --task deblur-peers --data ../shared/data/train400 \\
        --images 3 --kernel-names k0 k1 k2 k3 k4 k5 k6 k7

Denoising runs every candidate of :data:`CANDIDATES` on a spread of training
images with seeded noise. Deblurring and inpainting start from a point of
:data:`DEBLUR_GRID` / :data:`INPAINT_GRID` and, ``--rounds`` times, sweep one
parameter at a time over its grid (the others at their best so far), keeping
the value with the best mean PSNR over all cases (images x kernels x noise
levels, or images x masks). Every evaluation, with per-case PSNR, the
input's and the starting point's PSNR (Wiener deconvolution or blurred
image; smooth fill or biharmonic), goes to the JSON (rewritten as the search
goes), so a schedule that makes any case worse than its input or its start
can be spotted. The JSON also records the SHA-256 of the prior file.

Deblurring cases: the Levin kernels ``--kernels`` (circular blur) at noise
2.55 and 7.65 (0-255 scale). Inpainting cases: the benchmark's masks
(:mod:`benchmarks.inpaint`) at 50 % and 80 % missing and text, no noise.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from skimage.metrics import peak_signal_noise_ratio

from priors.symmetry import SYMMETRIES
from restore.epll import FastSettings, GeometricSchedule, Schedule, epll_denoise, epll_restore
from priors.training import list_training_images, load_grey

#: Round 1 (benchmarks/results/schedule_tuning_fast.json): lambda in {16..64} x two beta lists.
ROUND_1 = {
    f"{list(betas)}, lam {lam}": Schedule(betas, float(lam))
    for betas in [(1, 4, 8, 16, 32), (1, 4, 8, 16, 32, 64)] for lam in (16, 24, 32, 48, 64)
}
#: Round 2 (benchmarks/results/schedule_tuning_round2.json): around the round-1 optimum.
ROUND_2 = {
    "[1,4,8,16,32], lam 40": Schedule((1, 4, 8, 16, 32), 40.0),
    "[1,4,8,16,32] x2 inner, lam 40": Schedule((1, 4, 8, 16, 32), 40.0, 2),
    "[0.5,1,2,4,8,16,32], lam 40": Schedule((0.5, 1, 2, 4, 8, 16, 32), 40.0),
    "[1,2,4,8,16,32], lam 40": Schedule((1, 2, 4, 8, 16, 32), 40.0),
    "[2,4,8,16,32], lam 40": Schedule((2, 4, 8, 16, 32), 40.0),
    "[1,4,8,16,32,64,128], lam 40": Schedule((1, 4, 8, 16, 32, 64, 128), 40.0),
}
#: Round 3 (benchmarks/results/schedule_tuning_round3.json): fewer, wider-spaced betas.
ROUND_3 = {
    f"{list(betas)}, lam {lam}": Schedule(betas, float(lam))
    for betas, lam in [((1, 4, 16, 32), 40), ((1, 8, 32), 40), ((1, 4, 8, 16, 32), 56),
                       ((1, 2, 8, 32), 40), ((1, 4, 16, 64), 40), ((2, 8, 32), 40)]
}
#: Round 4 (benchmarks/results/schedule_tuning_round4.json): after switching the x-step to
#: the original code's uniform patch weighting, lambda again.
ROUND_4 = {f"uniform weighting, lam {lam}": Schedule(lambda_factor=float(lam))
           for lam in (40, 48, 56, 64, 80)}
#: Round 5 (benchmarks/results/schedule_tuning_round5.json): lambda again, for the prior
#: tied over the rotations and flips of a patch (README, "The pretrained priors").
ROUND_5 = {**{f"dihedral prior, lam {lam}": Schedule(lambda_factor=float(lam))
              for lam in (40, 48, 56, 64)},
           **{f"dihedral prior, {list(betas)} x{inner}, lam 48": Schedule(betas, 48.0, inner)
              for betas, inner in [((1, 4, 8, 16, 32, 64), 1), ((1, 4, 8, 16, 32), 2),
                                   ((0.5, 1, 2, 4, 8, 16, 32), 1), ((1, 2, 4, 8, 16, 32), 1),
                                   ((1, 4, 8, 16, 32, 64, 128), 1)]},
           **{f"dihedral prior, [1, 4, 8, 16, 32, 64], lam {lam}":
              Schedule((1, 4, 8, 16, 32, 64), float(lam)) for lam in (40, 56)}}
CANDIDATES = {**ROUND_1, **ROUND_2, **ROUND_3, **ROUND_4, **ROUND_5}

#: Deblurring search space: GeometricSchedule fields, and the Wiener balance of the start
#: over sigma^2 (``None``: start from the blurred image). The first value of each is the
#: starting point (from a first search, benchmarks/results/schedule_tuning_deblur_abs.json,
#: with noise-independent first std and balance, which no single value suited at both
#: noise levels).
DEBLUR_GRID = {
    "first_factor": (10.0, 3.0, 5.0, 20.0),
    "last_beta_factor": (16.0, 4.0, 64.0),
    "steps": (6, 4, 8, 12),
    "lambda_factor": (64.0, 40.0, 96.0),
    "wiener_factor": (10.0, None, 3.0, 30.0, 100.0),
}
#: Inpainting search space: GeometricSchedule fields and the start (``"fill"``:
#: :func:`restore.initial.fill_missing`, ``"biharmonic"``: skimage's inpaint_biharmonic).
INPAINT_GRID = {
    "first_std": (0.05, 0.02, 0.03, 0.1),
    "last_beta_factor": (1.0, 0.1, 0.25, 4.0),
    "steps": (16, 8, 24, 32),
    "lambda_factor": (64.0, 16.0, 256.0),
    "start": ("fill", "biharmonic"),
}
#: Second inpainting search (``--refine``), around the first one's best, whose first std
#: and number of steps were at the edge of the grid.
INPAINT_REFINE_GRID = {
    "first_std": (0.1, 0.15, 0.2),
    "last_beta_factor": (0.25, 0.5),
    "steps": (32, 48),
    "lambda_factor": (256.0,),
    "start": ("fill", "biharmonic"),
}
#: Second deblurring search (``--refine``): more steps with a larger lambda, which the
#: one-parameter-at-a-time search cannot reach from the first one's best.
DEBLUR_REFINE_GRID = {
    "first_factor": (10.0,),
    "last_beta_factor": (16.0,),
    "steps": (12, 8, 16),
    "lambda_factor": (128.0, 96.0, 192.0),
    "wiener_factor": (30.0,),
}
DEBLUR_SIGMAS = (2.55, 7.65)
INPAINT_SIGMA = 1 / 255
WIENER_BALANCES = tuple(float(b) for b in np.logspace(-4, 0, 17))
RL_ITERATIONS = (5, 10, 15, 20, 30, 50)


# ----------------------------------------------------------------------------- cases
def training_images(folder, count):
    """``count`` training images spread evenly over the sorted folder (refuses test sets)."""
    paths = list_training_images([folder])
    picks = [paths[i] for i in np.linspace(0, len(paths) - 1, count).astype(int)]
    return picks, [load_grey(p).astype(np.float64) for p in picks]


def deblur_cases(images, kernels, sigmas):
    """``(label, clean, blurred, kernel, sigma)`` with seeded noise."""
    from benchmarks.deblur import blur_and_noise, noise_key

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
    from benchmarks.inpaint import make_mask

    cases = []
    for i, clean in enumerate(images):
        for kind in ("random50", "random80", "text"):
            known = make_mask(kind, clean.shape, seed=7, index=i)
            cases.append((f"image{i} {kind}", clean, np.where(known, clean, 0.0), known))
    return cases


def tuning_prior(args):
    """``(prior, SHA-256 of its file)``: the GMM of ``--prior`` (default: the task's shipped
    default, ``DEFAULT_PRIORS`` of :mod:`priors.registry`), tied over ``--symmetry`` if given."""
    import hashlib

    from priors.gmm import GaussianMixturePrior
    from priors.registry import DEFAULT_PRIORS, pretrained_path

    path = Path(args.prior or pretrained_path(DEFAULT_PRIORS[args.task]))
    prior = GaussianMixturePrior.load(path)
    if args.symmetry is not None:
        prior = prior.with_symmetry(args.symmetry)
    return prior, hashlib.sha256(path.read_bytes()).hexdigest()


def psnr(clean, estimate):
    return float(peak_signal_noise_ratio(clean, np.clip(estimate, 0, 1), data_range=1))


# ----------------------------------------------------------------------------- candidates
def schedule_of(point):
    """The GeometricSchedule of a search point (its other keys are ignored)."""
    return GeometricSchedule(int(point["steps"]), point["lambda_factor"],
                             last_beta_factor=point["last_beta_factor"],
                             first_std=point.get("first_std", 0.0),
                             first_factor=point.get("first_factor", 0.0))


def run_deblur(point, case, prior, exact):
    from restore.initial import wiener_deconvolution
    from restore.operators import Blur

    _, _, blurred, kernel, sigma = case
    blur = Blur(kernel, "circular")
    factor = point["wiener_factor"]
    start = None if factor is None else wiener_deconvolution(blurred, blur, factor * sigma**2)
    restored = epll_restore(blurred, blur, sigma, prior, schedule=schedule_of(point), init=start,
                            rng=0, exact=exact)
    return restored, blurred if start is None else start


def run_inpaint(point, case, prior, exact):
    from skimage.restoration import inpaint_biharmonic

    from restore.initial import fill_missing
    from restore.operators import Mask

    _, _, damaged, known = case
    start = (fill_missing(damaged, known) if point["start"] == "fill"
             else inpaint_biharmonic(damaged, ~known))
    restored = epll_restore(damaged, Mask(known), INPAINT_SIGMA, prior,
                            schedule=schedule_of(point), init=start, rng=0, exact=exact)
    return restored, start


def coordinate_search(grid, evaluate, rounds, log):
    """Sweep each parameter over its grid in turn, ``rounds`` times; returns the best point.

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
    """Coordinate search of one task's schedule; writes every evaluation to ``out``."""
    import sys

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


# ----------------------------------------------------------------------------- denoising
def tune_denoise(args):
    paths = list_training_images([args.data])
    picks = [paths[i] for i in np.linspace(0, len(paths) - 1, args.images).astype(int)]
    images = [load_grey(p).astype(np.float64) for p in picks]
    prior, digest = tuning_prior(args)
    candidates = {k: v for k, v in CANDIDATES.items() if not args.only or k in args.only}
    results = []
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for sigma in args.sigmas:
        noisy = [img + np.random.default_rng([i, int(sigma)]).normal(0, sigma / 255, img.shape)
                 for i, img in enumerate(images)]
        for name, schedule in candidates.items():
            start = time.perf_counter()
            psnrs = [peak_signal_noise_ratio(
                img, epll_denoise(y, sigma / 255, prior, schedule=schedule, exact=not args.fast,
                                  fast=FastSettings(stride=args.stride), rng=0), data_range=1)
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
                                       "prior_sha256": digest,
                                       "symmetry": prior.symmetry, "results": results},
                                      indent=1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=("denoise", "deblur", "inpaint", "deblur-peers"),
                        default="denoise")
    parser.add_argument("--data", required=True, help="folder of training images")
    parser.add_argument("--images", type=int, help="how many images, spread evenly "
                        "(default: 8 for denoise, 4 otherwise)")
    parser.add_argument("--sigmas", type=float, nargs="+", default=[15, 25, 50],
                        help="denoise: noise levels (0-255 scale)")
    parser.add_argument("--prior", help="GMM prior file (.npz) to tune with (default: the "
                        "task's shipped default: gmm for denoise, gmm-untied otherwise)")
    parser.add_argument("--symmetry", choices=SYMMETRIES,
                        help="tie the prior's components over this group first "
                             "(GaussianMixturePrior.with_symmetry)")
    parser.add_argument("--only", nargs="*", help="denoise: names of candidates to run")
    parser.add_argument("--fast", action="store_true", help="denoise: tune the fast path")
    parser.add_argument("--stride", type=int, default=FastSettings.stride,
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
    args = parser.parse_args(argv)
    default_name = ("schedule_tuning.json" if args.task == "denoise" else
                    "deblur_peer_tuning.json" if args.task == "deblur-peers" else
                    f"schedule_tuning_{args.task}{'_refine' if args.refine else ''}"
                    f"{'_exact' if args.exact else ''}.json")
    out = Path(args.out or Path("benchmarks/results") / default_name)
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.task == "denoise":
        args.images = args.images or 8
        args.out = str(out)
        return tune_denoise(args)
    _, images = training_images(args.data, args.images or 4)
    if args.task == "inpaint":
        grid = INPAINT_REFINE_GRID if args.refine else INPAINT_GRID
        return tune_task(args, grid, inpaint_cases(images), run_inpaint, out)
    from benchmarks.deblur import load_kernels

    kernels = {name: kernel for name, kernel in load_kernels(args.kernels).items()
               if name in args.kernel_names}
    cases = deblur_cases(images, kernels, DEBLUR_SIGMAS)
    if args.task == "deblur-peers":
        return tune_deblur_peers(args, cases, out)
    return tune_task(args, DEBLUR_REFINE_GRID if args.refine else DEBLUR_GRID, cases, run_deblur,
                     out)


if __name__ == "__main__":
    main()
