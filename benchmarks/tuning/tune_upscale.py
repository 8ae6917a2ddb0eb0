"""Choose the upscaling schedules (one per scale) on TRAINING images, never on BSD68.

    python -m benchmarks.tuning.tune_upscale --data ../shared/data/train400 --images 8 \\
        --scales 2 3 4 [--prior gmm-untied] [--rounds 1] \\
        [--out benchmarks/results/schedule_tuning_upscale.json]

Each scale is tuned on its own: a coordinate search (as
:func:`benchmarks.tuning.tune_schedule.coordinate_search`) over :data:`GRID`, the
settings of :data:`restore.recipes.UPSCALE`'s schedule, starting from the first
value of each. Every evaluation runs the changed recipe's ``restore`` on the
``--images`` Train400 images spread over the folder, each cropped to a multiple
of the scale and degraded as the benchmark degrades BSD68
(:func:`benchmarks.upscale.bicubic_degradation`: MATLAB-style bicubic
``imresize``, 8-bit rounding), and scores PSNR with ``scale`` border pixels
cropped. Bicubic interpolation (the benchmark's peer and the recipe's start) is
scored alongside. The JSON records every evaluation and the best point per scale.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.harness.cli import parse_training_arguments
from benchmarks.harness.results import RESULTS_DIR
from benchmarks.tuning.recipe_variants import parse_value, recipe_variant, spread_training_images
from benchmarks.tuning.tune_schedule import coordinate_search

#: The searched settings of the schedule, the first value of each the starting point. The
#: first search (``schedule_tuning_upscale_round1.json``, x2 only: lambda_factor 1-256,
#: first_std 0.02-0.2, steps 8-64, last_factor 0.5-4 from 16 / 0.05 / 16 / 1) ended at the
#: top of the lambda and first_std ranges, with last_factor 1 best and 64 steps 0.03 dB
#: over 32; this grid goes on from there.
GRID = {
    "schedule.lambda_factor": [256.0, 64.0, 1024.0],
    "schedule.first_std": [0.2, 0.1, 0.4],
    "schedule.steps": [32, 64],
    "schedule.last_factor": [1.0],
}


def scale_recipe(point, scale):
    """:data:`restore.recipes.UPSCALE` for ``scale`` with the settings of ``point``."""
    from restore.recipes import UPSCALE

    variant = recipe_variant(UPSCALE.for_scale(scale), point)
    return dataclasses.replace(variant, schedules={scale: variant.schedule})


def evaluate(point, scale, cases, prior, rng=0):
    """``(PSNRs, seconds per image)`` of the recipe changed by ``point`` on ``cases``."""
    from benchmarks.upscale import border_psnr
    from restore.operators.downsample import bicubic_kernel
    from restore.recipes.settings import UPSCALE_DEFAULT_SIGMA

    recipe = scale_recipe(point, scale)
    start = time.perf_counter()
    scores = [border_psnr(clean, recipe.restore(small, scale, bicubic_kernel(scale),
                                                UPSCALE_DEFAULT_SIGMA, prior, rng=rng), scale)
              for clean, small in cases]
    return scores, (time.perf_counter() - start) / len(cases)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.tune_upscale",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="training images (Train400)")
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--scales", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--prior", default=None, help="registered prior (default: the "
                        "recipe's)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="replace the grid of a setting by one value (or a comma list)")
    parser.add_argument("--out", type=Path,
                        default=RESULTS_DIR / "schedule_tuning_upscale.json")
    return parser


def main(argv=None):
    from benchmarks.upscale import bicubic_degradation, border_psnr, run_bicubic
    from priors.registry import get_prior
    from restore.recipes import UPSCALE

    args = parse_training_arguments(build_parser(), argv)
    grid = {key: list(values) for key, values in GRID.items()}
    for item in args.set:
        key, _, text = item.partition("=")
        value = parse_value(text)
        grid[key] = list(value) if isinstance(value, tuple) else [value]
    prior_name = args.prior or UPSCALE.default_prior
    prior = get_prior(prior_name)
    paths, images = spread_training_images(args.data, args.images)
    record = {"data": Path(args.data).name, "images": [p.name for p in paths],
              "prior": prior_name, "grid": grid, "command": "python -m "
              "benchmarks.tuning.tune_upscale " + " ".join(sys.argv[1:] if argv is None
                                                           else argv),
              "scales": {}}
    for scale in args.scales:
        cases = [bicubic_degradation(image, scale) for image in images]
        bicubic = [border_psnr(clean, run_bicubic(small, scale=scale), scale)
                   for clean, small in cases]
        entry = {"bicubic_mean_psnr": float(np.mean(bicubic)), "bicubic_psnr": bicubic,
                 "evaluations": []}
        record["scales"][str(scale)] = entry
        print(f"x{scale}: bicubic {entry['bicubic_mean_psnr']:.3f} dB", file=sys.stderr,
              flush=True)

        def score(point, scale=scale, cases=cases, entry=entry, bicubic=bicubic):
            scores, seconds = evaluate(point, scale, cases, prior)
            row = {"point": point, "mean_psnr": float(np.mean(scores)), "psnr": scores,
                   "gain_over_bicubic": float(np.mean(scores) - np.mean(bicubic)),
                   "worst_gain_over_bicubic": float(np.min(np.subtract(scores, bicubic))),
                   "seconds_per_image": seconds}
            entry["evaluations"].append(row)
            args.out.write_text(json.dumps(record, indent=1))
            print(f"  x{scale} {point}: {row['mean_psnr']:.3f} dB "
                  f"({row['gain_over_bicubic']:+.3f} over bicubic, worst "
                  f"{row['worst_gain_over_bicubic']:+.2f}), {seconds:.1f} s/image",
                  file=sys.stderr, flush=True)
            return row["mean_psnr"]

        entry["best"] = coordinate_search(grid, score, args.rounds, sys.stderr)
        args.out.write_text(json.dumps(record, indent=1))
        print(f"x{scale} best: {entry['best']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
