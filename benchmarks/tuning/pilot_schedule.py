"""Choose how much EPLL the oracle stage needs: shorter pilot schedules, then the stage.

Usage::

    python -m benchmarks.tuning.pilot_schedule --train ../shared/data/train400 \\
        --bsds ../shared/data/bsds500_test [--sigmas 15 25 50] \\
        [--schedules 1,4,8,16,32,64 1,4,16,64 1,8,64] [--passes 1 2] [--tag NAME]

The images and noise of :mod:`benchmarks.tuning.oracle_stage` (every 50th Train400 and
every 40th BSDS500-test image, grey). For each listed schedule (the denoising schedule's
``beta_factors``, its ``lambda_factor`` kept), EPLL with the default prior gives a pilot;
the default :class:`restore.solvers.group_wiener.GroupWiener` then refines it once, and
with ``--passes 2`` once more with the first result as the pilot. Writes
``benchmarks/results/pilot_schedule_tuning[_NAME].json`` and prints, per schedule and pass, the
mean PSNR against the full schedule with one pass, and the median seconds per image.
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time

import numpy as np

from benchmarks.harness.results import RESULTS_DIR, write_tuning_run
from benchmarks.harness.scoring import psnr
from benchmarks.tuning.oracle_stage import training_images
from benchmarks.tuning.recipe_variants import noisy_version


def parse_schedule(text):
    """``"1,4,16,64"`` -> ``(1.0, 4.0, 16.0, 64.0)``."""
    return tuple(float(value) for value in text.split(","))


def gains_by_sigma(rows, labels, sigmas, reference):
    """``{"<label> sigma <s>": {gain, seconds}}``: per label and noise level, the mean PSNR
    of ``row[label]`` minus ``row[reference]`` and the median ``row["<label> seconds"]``."""
    return {f"{key} sigma {sigma:g}": dict(
        gain=statistics.mean(r[key] - r[reference] for r in rows if r["sigma"] == sigma),
        seconds=statistics.median(r[f"{key} seconds"] for r in rows if r["sigma"] == sigma))
        for key in labels for sigma in sigmas}


def print_gains(summary, reference):
    for key, value in summary.items():
        print(f"{key}: {value['gain']:+.4f} dB against {reference}, "
              f"median {value['seconds']:.2f} s")


def write_gains(path, module, argv, args, rows, labels, reference):
    """Summarise ``rows`` (:func:`gains_by_sigma` over ``args.sigmas``), write the tuning
    run to ``path`` and print the summary."""
    summary = gains_by_sigma(rows, labels, args.sigmas, reference)
    write_tuning_run(path, module, argv, args, summary, rows, reference=reference)
    print_gains(summary, reference)


def label(factors, passes):
    return f"{','.join(f'{f:g}' for f in factors)} x{passes}"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.pilot_schedule")
    parser.add_argument("--train", required=True)
    parser.add_argument("--bsds", required=True)
    parser.add_argument("--sigmas", nargs="+", type=float, default=[15.0, 25.0, 50.0])
    parser.add_argument("--schedules", nargs="+", type=parse_schedule,
                        default=[parse_schedule(t) for t in ("1,4,8,16,32,64", "1,4,16,64",
                                                            "1,8,64", "1,16")])
    parser.add_argument("--passes", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tag", default="", help="suffix of the results file's name")
    args = parser.parse_args(argv)
    from priors.registry import get_prior
    from restore.recipes import DENOISE

    prior = get_prior(DENOISE.default_prior)
    stage = DENOISE.oracle
    reference = label(DENOISE.schedule.beta_factors, 1)
    rows = []
    for index, (name, clean) in enumerate(training_images(args.train, args.bsds)):
        for sigma in args.sigmas:
            noisy = noisy_version(clean, sigma, args.seed, index)
            row = dict(image=name, sigma=sigma)
            for factors in args.schedules:
                recipe = dataclasses.replace(
                    DENOISE, oracle=None,
                    schedule=dataclasses.replace(DENOISE.schedule, beta_factors=factors))
                start = time.perf_counter()
                estimate = recipe.restore(noisy, sigma / 255, prior, rng=0)
                row[label(factors, 0)] = psnr(clean, estimate)
                for passes in range(1, max(args.passes) + 1):
                    estimate = np.clip(stage(noisy, estimate, (sigma / 255) ** 2), 0, 1)
                    if passes in args.passes:
                        row[label(factors, passes)] = psnr(clean, estimate)
                        row[label(factors, passes) + " seconds"] = time.perf_counter() - start
            rows.append(row)
            print(f"{name} sigma {sigma:g}: " + ", ".join(
                f"{key} {value:.2f}" for key, value in row.items()
                if key not in ("image", "sigma") and not key.endswith("seconds")),
                file=sys.stderr, flush=True)
    labels = [label(f, p) for f in args.schedules for p in args.passes]
    path = RESULTS_DIR / f"pilot_schedule_tuning{'_' + args.tag if args.tag else ''}.json"
    write_gains(path, "benchmarks.tuning.pilot_schedule", argv, args, rows,
                labels if reference in rows[0] else [], reference)
    return 0


if __name__ == "__main__":
    sys.exit(main())
