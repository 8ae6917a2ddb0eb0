"""Choose the stride of the pilot's random patch grids in the denoising noise bands, or
the shortlist of its component search.

Usage::

    python -m benchmarks.tuning.pilot_stride --train ../shared/data/train400 \\
        --bsds ../shared/data/bsds500_test [--sigmas 15 25 50] [--strides 2 3 4] \\
        [--shortlists 8 4 2] [--colour N]

The images and noise of :mod:`benchmarks.tuning.oracle_stage` (every 50th Train400 and
every 40th BSDS500-test image, grey). Each z-step of the fast path denoises the patches of
a random grid of this stride (:class:`restore.solvers.epll.FastSettings`); stride 3 visits
4/9 as many patches as stride 2. For each stride, every band of
:data:`restore.recipes.settings.DENOISE_NOISE_BANDS` takes it and the default denoising
recipe (pilot, then the oracle stage) runs with the default prior. Writes
``benchmarks/results/pilot_stride_tuning.json`` and prints, per stride and level, the mean
PSNR against the first stride listed and the median seconds per image. ``--shortlists``:
instead of strides, the orbits the orientation search keeps from its first pass
(:class:`restore.solvers.epll.FastSettings` ``shortlist``, the bands' own stride kept),
written to ``pilot_shortlist_tuning.json``. ``--colour N``: instead N BSDS500-test colour
images (every 20th from the 6th, as :mod:`benchmarks.tuning.colour_oracle`), restored in
colour, written with the suffix ``_colour``.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys

from benchmarks.harness.data import load_dataset, refuse_test_set
from benchmarks.harness.results import RESULTS_DIR
from benchmarks.tuning.oracle_stage import training_images
from benchmarks.tuning.pilot_schedule import write_gains
from benchmarks.tuning.recipe_variants import compare_recipes


def with_pilot_fast(recipe, **changes):
    """``recipe`` whose noise bands' pilots take these :class:`FastSettings` changes
    (``stride=3``, ``shortlist=4``)."""
    bands = tuple(band._replace(fast=dataclasses.replace(band.fast, **changes))
                  for band in recipe.noise_bands)
    return dataclasses.replace(recipe, noise_bands=bands)


def colour_images(bsds, count):
    """``[(name, RGB clean image)]``: every 20th BSDS500-test image from the 6th."""
    refuse_test_set(bsds)
    images, _ = load_dataset(bsds, mode="RGB", suffixes=(".jpg",))
    return [(f"bsds500_test/{image.name}", image.clean) for image in images[5::20][:count]]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.pilot_stride")
    parser.add_argument("--train", required=True)
    parser.add_argument("--bsds", required=True)
    parser.add_argument("--sigmas", nargs="+", type=float, default=[15.0, 25.0, 50.0])
    parser.add_argument("--strides", nargs="+", type=int, default=[2, 3, 4])
    parser.add_argument("--shortlists", nargs="+", type=int,
                        help="compare these shortlists instead of strides")
    parser.add_argument("--colour", type=int, default=0, metavar="N",
                        help="N colour images instead of the grey tuning set")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from priors.registry import get_prior
    from restore.recipes import DENOISE

    prior = get_prior(DENOISE.default_prior)
    knob, values = (("shortlist", args.shortlists) if args.shortlists
                    else ("stride", args.strides))
    recipes = {f"{knob} {value}": with_pilot_fast(DENOISE, **{knob: value}) for value in values}
    lowest = min(band.least for band in DENOISE.noise_bands) * 255
    if min(args.sigmas) < lowest:
        parser.error(f"every sigma must be in a noise band (at least {lowest:g})")
    images = (colour_images(args.bsds, args.colour) if args.colour
              else training_images(args.train, args.bsds))
    rows = compare_recipes(recipes, images, args.sigmas, prior, args.seed)
    path = RESULTS_DIR / f"pilot_{knob}_tuning{'_colour' if args.colour else ''}.json"
    write_gains(path, "benchmarks.tuning.pilot_stride", argv, args, rows, list(recipes),
                next(iter(recipes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
