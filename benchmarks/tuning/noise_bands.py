"""Check the denoising noise bands against those they replaced, whole recipe and all.

Usage::

    python -m benchmarks.tuning.noise_bands --train ../shared/data/train400 \\
        --bsds ../shared/data/bsds500_test [--sigmas 15 25 50] [--offset 20] [--colour N]

The default denoising recipe with :data:`restore.recipes.settings.DENOISE_NOISE_BANDS`,
and with :data:`BEFORE` (the bands before the oracle chains of issue 20), restore the 13
grey training images of :mod:`benchmarks.tuning.oracle_stage` (``--offset``: from that
index), or ``--colour N`` BSDS500-test colour images (every 20th from the 6th), with the
default prior. Writes ``benchmarks/results/noise_bands_check[_colour].json`` and prints,
per level, the mean PSNR against :data:`BEFORE` and the median seconds per image.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys

from benchmarks.harness.results import RESULTS_DIR
from benchmarks.tuning.oracle_stage import training_images
from benchmarks.tuning.pilot_schedule import write_gains
from benchmarks.tuning.pilot_stride import colour_images
from benchmarks.tuning.recipe_variants import compare_recipes
from restore.recipes.settings import NoiseBand
from restore.solvers.epll import FastSettings
from restore.solvers.group_wiener import GroupWiener
from restore.solvers.schedule import Schedule

_PILOT_BEFORE = FastSettings(stride=3, shortlist=4)
_ORACLE_BEFORE = GroupWiener(patch_size=8, stride=4, radius=16, group_size=32)
#: The bands before issue 20's oracle chains: one, two, three passes of the same stage.
BEFORE = (
    NoiseBand(12.5 / 255, Schedule(lambda_factor=48.0, beta_factors=(1, 4, 8, 16, 64)),
              _ORACLE_BEFORE, _PILOT_BEFORE),
    NoiseBand(20 / 255, Schedule(lambda_factor=48.0, beta_factors=(1, 4, 16, 64)),
              dataclasses.replace(_ORACLE_BEFORE, passes=2), _PILOT_BEFORE),
    NoiseBand(40 / 255, Schedule(lambda_factor=48.0, beta_factors=(1, 4, 16, 64)),
              dataclasses.replace(_ORACLE_BEFORE, passes=3), _PILOT_BEFORE))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.noise_bands")
    parser.add_argument("--train", required=True)
    parser.add_argument("--bsds", required=True)
    parser.add_argument("--sigmas", nargs="+", type=float, default=[15.0, 25.0, 50.0])
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--colour", type=int, default=0, metavar="N",
                        help="N colour images instead of the grey tuning set")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from priors.registry import get_prior
    from restore.recipes import DENOISE

    recipes = {"before": dataclasses.replace(DENOISE, noise_bands=BEFORE), "default": DENOISE}
    images = (colour_images(args.bsds, args.colour) if args.colour
              else training_images(args.train, args.bsds, args.offset))
    rows = compare_recipes(recipes, images, args.sigmas, get_prior(DENOISE.default_prior),
                           args.seed)
    suffix = "_colour" if args.colour else f"_offset{args.offset}" if args.offset else ""
    write_gains(RESULTS_DIR / f"noise_bands_check{suffix}.json", "benchmarks.tuning.noise_bands",
                argv, args, rows, list(recipes), "before")
    return 0


if __name__ == "__main__":
    sys.exit(main())
