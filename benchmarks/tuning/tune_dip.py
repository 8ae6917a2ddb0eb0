"""Choose Deep Image Prior's iteration counts and early stop on training images (never BSD68).

Usage::

    python -m benchmarks.tuning.tune_dip --data ../shared/data/train400 --images 6 --crop 128 \\
        --widths 16 32 128 --iterations 2000 3000 [--device cuda] [--out FILE]

For every network width (``channels_down = channels_up``; depth 5, skip 4,
32 input channels as in the paper) and every training crop, DIP runs all
its iterations on denoising at sigma 25 and on inpainting with 50 % of the
pixels missing (the benchmark's degradations, seeds as there), recording
every ``--every`` steps the PSNR of the moving average and its discrepancy
``mean((A x - y)^2)``. The summary gives, per width, the mean PSNR at each
recorded step (inpainting: the cap to choose) and, for denoising, what the
discrepancy stop ``mean((A x - y)^2) <= tau sigma^2`` would give for a grid
of ``tau`` (stopping step and PSNR).

``--mode hqs`` instead runs the whole-image HQS mode (the network as the
z-step) through the task's recipe (:mod:`restore.recipes`, as the library
runs it) with ``--iterations`` as its budget and the default early stops,
and records its final PSNR and steps, to compare the two modes on training
images.

``--restarts R`` instead denoises each crop (sigma 25) R times with the
direct mode through the denoising recipe, as the library runs it (default
early stop, ``--iterations`` as the cap), from seeds ``seed, seed + 1, ...``,
and records the PSNR of the mean of the first k fits for k = 1..R, beside TV
at each weight of the benchmark's grid on the same crops: how many restarts
to average.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.harness.cli import parse_training_arguments
from benchmarks.harness.data import centre_crop, load_dataset
from benchmarks.harness.degradations import make_mask
from benchmarks.harness.machine import machine_info, utc_now
from benchmarks.harness.noise import noisy_pair
from benchmarks.harness.results import RESULTS_DIR, shown_path, write_json_atomic
from benchmarks.harness.scoring import psnr

SIGMA255 = 25
TAUS = (0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2)


def run_curve(prior, observed, operator, sigma, clean, iterations, every):
    """PSNR and discrepancy of the moving average every ``every`` steps of one full fit."""
    steps, psnrs, residuals = [], [], []

    def record(step, average, residual):
        if step % every == 0:
            steps.append(step)
            psnrs.append(psnr(clean, average))
            residuals.append(residual)

    start = time.perf_counter()
    prior.fit(observed, operator, sigma, iterations=iterations, callback=record)
    return {"steps": steps, "psnr": psnrs, "residual": residuals,
            "seconds": time.perf_counter() - start}


def run_hqs(shape, observed, known, sigma, clean, iterations, args):
    """Final PSNR and steps of the HQS mode on one case, through the task's recipe
    (``known``: the inpainting mask, None for denoising)."""
    from priors.dip import DeepImagePrior
    from restore.recipes import DENOISE, INPAINT

    prior = DeepImagePrior(shape, iterations=iterations, mode="hqs", device=args.device,
                           seed=args.seed)
    start = time.perf_counter()
    estimate = (DENOISE.restore(observed, sigma, prior) if known is None
                else INPAINT.restore(observed, known, sigma, prior))
    return {"steps": [prior.n_iter_], "psnr": [psnr(clean, estimate)], "residual": [None],
            "seconds": time.perf_counter() - start}


def run_restarts(shape, noisy, clean, sigma, restarts, iterations, args):
    """PSNR of the mean of the first k direct fits, k = 1..restarts, and their steps."""
    from priors.dip import DeepImagePrior
    from restore.recipes import DENOISE

    estimates, steps = [], []
    start = time.perf_counter()
    for restart in range(restarts):
        prior = DeepImagePrior(shape, iterations=iterations, device=args.device,
                               seed=args.seed + restart)
        estimates.append(DENOISE.restore(noisy, sigma, prior))
        steps.append(prior.n_iter_)
    return {"psnr_of_mean": [psnr(clean, np.mean(estimates[:k], axis=0))
                             for k in range(1, restarts + 1)],
            "steps": steps, "seconds": time.perf_counter() - start}


def tune_restarts(images, args):
    """``--restarts``: per width, mean PSNR of the mean of k fits; TV on the same crops."""
    from benchmarks.dip import tv_psnr_by_weight
    from priors.dip import Hourglass

    sigma = SIGMA255 / 255
    pairs = [noisy_pair(image, SIGMA255, args.seed, args.crop) for image in images]
    tv = {str(w): value for w, value in tv_psnr_by_weight(pairs).items()}
    summary, runs = {"tv_mean_psnr_by_weight": tv}, {}
    for width in args.widths:
        shape = Hourglass(channels_down=width, channels_up=width)
        runs[str(width)] = []
        for image, (clean, noisy) in zip(images, pairs):
            run = run_restarts(shape, noisy, clean, sigma, args.restarts, args.iterations[0], args)
            runs[str(width)].append({"image": image.name, **run})
            print(f"width {width} {image.name}: mean of k fits "
                  f"{[round(p, 2) for p in run['psnr_of_mean']]} dB, steps {run['steps']}, "
                  f"{run['seconds']:.1f} s", flush=True)
        summary[str(width)] = {"mean_psnr_of_mean_of_k": [
            float(np.mean([r["psnr_of_mean"][k] for r in runs[str(width)]]))
            for k in range(args.restarts)]}
    return summary, runs


def discrepancy_stop(curve, sigma, tau, min_iterations):
    """(step, PSNR) where the rule ``residual <= tau sigma^2`` stops, or the last recorded."""
    for step, psnr, residual in zip(curve["steps"], curve["psnr"], curve["residual"]):
        if step >= min_iterations and residual <= tau * sigma**2:
            return step, psnr
    return curve["steps"][-1], curve["psnr"][-1]


def summarise(runs, sigma, min_iterations):
    """Per width and task: mean PSNR per recorded step; denoising: the stop for each tau."""
    summary = {}
    for width, by_task in runs.items():
        summary[width] = {}
        for task, curves in by_task.items():
            steps = curves[0]["steps"]
            mean_psnr = np.mean([c["psnr"] for c in curves], axis=0)
            best = int(np.argmax(mean_psnr))
            entry = {"best_step": steps[best], "best_mean_psnr": float(mean_psnr[best]),
                     "mean_psnr_by_step": dict(zip(map(str, steps[9::10]),
                                                   map(float, mean_psnr[9::10]))),
                     "seconds_per_iteration": float(np.mean(
                         [c["seconds"] / c["steps"][-1] for c in curves]))}
            if task == "denoise":
                entry["discrepancy"] = {}
                for tau in TAUS:
                    stops = [discrepancy_stop(c, sigma, tau, min_iterations) for c in curves]
                    entry["discrepancy"][str(tau)] = {
                        "mean_step": float(np.mean([s for s, _ in stops])),
                        "max_step": int(max(s for s, _ in stops)),
                        "mean_psnr": float(np.mean([p for _, p in stops]))}
            summary[width][task] = entry
    return summary


def main(argv=None):
    from priors.dip import MIN_ITERATIONS, DeepImagePrior, Hourglass
    from restore.operators import Identity, Mask

    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.tune_dip",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="training images (Train400)")
    parser.add_argument("--images", type=int, default=6)
    parser.add_argument("--crop", type=int, default=128)
    parser.add_argument("--widths", type=int, nargs="+", default=[16, 32, 128])
    parser.add_argument("--iterations", type=int, nargs=2, default=[2000, 3000],
                        metavar=("DENOISE", "INPAINT"))
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--device", choices=("cpu", "cuda"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mode", choices=("direct", "hqs"), default="direct")
    parser.add_argument("--restarts", type=int, default=1,
                        help="> 1: compare the mean of 1..R direct denoising fits with TV")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "dip_tuning.json")
    args = parse_training_arguments(parser, argv)
    images, _ = load_dataset(args.data, args.images)
    sigma = SIGMA255 / 255
    runs = {}
    result = {"settings": {**vars(args), "data": shown_path(args.data),
                           "out": shown_path(args.out),
                           "sigma255": SIGMA255, "min_iterations": MIN_ITERATIONS,
                           "started": utc_now(), "machine": machine_info(("numpy", "torch"))}}
    if args.restarts > 1:
        result["summary"], result["runs"] = tune_restarts(images, args)
        write_json_atomic(args.out, result)
        print(result["summary"])
        return 0
    for width in args.widths:
        shape = Hourglass(channels_down=width, channels_up=width)
        runs[width] = {"denoise": [], "inpaint": []}
        for image in images:
            clean, noisy = noisy_pair(image, SIGMA255, args.seed, args.crop)
            known = centre_crop(make_mask("random50", image.clean.shape, args.seed, image.index),
                                args.crop)
            for task, observed, operator, noise, steps in (
                    ("denoise", noisy, Identity(), sigma, args.iterations[0]),
                    ("inpaint", np.where(known, clean, 0.0), Mask(known), 1 / 255,
                     args.iterations[1])):
                if args.mode == "hqs":
                    curve = run_hqs(shape, observed, None if task == "denoise" else known, noise,
                                    clean, steps, args)
                    runs[width][task].append(curve)
                    print(f"width {width} {image.name} {task} hqs: {curve['psnr'][0]:.2f} dB "
                          f"in {curve['steps'][0]} steps, {curve['seconds']:.1f} s", flush=True)
                    continue
                prior = DeepImagePrior(shape, discrepancy=None, device=args.device,
                                       seed=args.seed)
                curve = run_curve(prior, observed, operator, noise, clean, steps, args.every)
                runs[width][task].append(curve)
                print(f"width {width} {image.name} {task}: best {max(curve['psnr']):.2f} dB at "
                      f"step {curve['steps'][int(np.argmax(curve['psnr']))]}, last "
                      f"{curve['psnr'][-1]:.2f}, {curve['seconds']:.1f} s", flush=True)
        result["summary"] = summarise(runs, sigma, MIN_ITERATIONS) if args.mode == "direct" \
            else {w: {t: {"mean_psnr": float(np.mean([c["psnr"][0] for c in cs])),
                          "mean_steps": float(np.mean([c["steps"][0] for c in cs]))}
                      for t, cs in r.items()} for w, r in runs.items()}
        result["runs"] = {str(w): r for w, r in runs.items()}
        write_json_atomic(args.out, result)
    for width, by_task in result["summary"].items():
        for task, entry in by_task.items():
            print(width, task, {k: v for k, v in entry.items() if k != "mean_psnr_by_step"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
