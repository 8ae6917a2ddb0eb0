"""Choose cheaper oracle passes: each band's pilot, then variants of its oracle stage.

Usage::

    python -m benchmarks.tuning.oracle_cost --train ../shared/data/train400 \\
        --bsds ../shared/data/bsds500_test --sigmas 25 \\
        --variants 8/4/16/32+8/4/16/32 6/4/16/32+6/4/16/32 8/6/12/16+reuse \\
        [--pilot-schedule 1,4,16,64] [--pilot-stride 4] [--offset 20] [--tag NAME]

The images and noise of :mod:`benchmarks.tuning.oracle_stage` (13 grey training images;
``--offset 20``: 13 others, every 50th Train400 and every 40th BSDS500-test image from the
20th, to confirm a choice). The default recipe's pilot at each level (the band's schedule
and fast path, no oracle; ``--pilot-schedule``, ``--pilot-stride``: every band's pilot
takes these beta factors or this grid stride instead), then each variant: passes joined
by ``+``, each ``patch/stride/radius/group`` of a
:class:`restore.solvers.group_wiener.GroupWiener`, or ``reuse`` for the last pass's
settings and groups again (no new block matching), each on the last result. The first
variant is the reference. Writes ``benchmarks/results/oracle_cost_tuning[_NAME].json``
and prints, per variant and level, the mean PSNR against the reference and the median
seconds of the stage alone (the rows also hold the pilot's seconds).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time

import numpy as np

from benchmarks.harness.results import RESULTS_DIR
from benchmarks.harness.scoring import psnr
from benchmarks.tuning.oracle_stage import training_images
from benchmarks.tuning.pilot_schedule import parse_schedule, write_gains
from benchmarks.tuning.recipe_variants import noisy_version


def parse_variant(text):
    """A :class:`restore.solvers.group_wiener.GroupWiener` chain: ``"8/6/16/32+reuse+8/5/16/32"``
    -> ``GroupWiener(8, 6, 16, 32, passes=2, rematch=False, then=GroupWiener(8, 5, 16, 32))``."""
    from restore.solvers.group_wiener import GroupWiener

    stages = []
    for token in text.split("+"):
        if token == "reuse":
            if not stages:
                raise ValueError(f"{text!r}: 'reuse' needs a pass before it")
            stages[-1] = dataclasses.replace(stages[-1], passes=stages[-1].passes + 1,
                                             rematch=False)
            continue
        patch, stride, radius, group = (int(value) for value in token.split("/"))
        stages.append(GroupWiener(patch_size=patch, stride=stride, radius=radius,
                                  group_size=group))
    chain = None
    for stage in reversed(stages):
        chain = dataclasses.replace(stage, then=chain)
    return chain


def band_pilots(recipe, beta_factors=None, stride=None):
    """``recipe`` whose noise bands have no oracle stage: the pilot alone (with these
    ``beta_factors`` or grid ``stride`` where given)."""
    bands = tuple(band._replace(
        oracle=None, colour_oracle=None,
        schedule=dataclasses.replace(band.schedule, beta_factors=beta_factors or
                                     band.schedule.beta_factors),
        fast=dataclasses.replace(band.fast, stride=stride or band.fast.stride))
        for band in recipe.noise_bands)
    return dataclasses.replace(recipe, noise_bands=bands)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.oracle_cost")
    parser.add_argument("--train", required=True)
    parser.add_argument("--bsds", required=True)
    parser.add_argument("--sigmas", nargs="+", type=float, default=[25.0])
    parser.add_argument("--variants", nargs="+", required=True)
    parser.add_argument("--pilot-schedule", type=parse_schedule, default=None)
    parser.add_argument("--pilot-stride", type=int, default=None)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tag", default="", help="suffix of the results file's name")
    args = parser.parse_args(argv)
    from priors.registry import get_prior
    from restore.recipes import DENOISE

    prior = get_prior(DENOISE.default_prior)
    pilots = band_pilots(DENOISE, args.pilot_schedule, args.pilot_stride)
    variants = {text: parse_variant(text) for text in args.variants}
    rows = []
    for index, (name, clean) in enumerate(training_images(args.train, args.bsds, args.offset)):
        for sigma in args.sigmas:
            noisy = noisy_version(clean, sigma, args.seed, index)
            start = time.perf_counter()
            pilot = pilots.restore(noisy, sigma / 255, prior, rng=0)
            row = dict(image=name, sigma=sigma, pilot=psnr(clean, pilot),
                       pilot_seconds=time.perf_counter() - start)
            for text, passes in variants.items():
                start = time.perf_counter()
                estimate = np.clip(passes(noisy, pilot, (sigma / 255) ** 2), 0, 1)
                row[text + " seconds"] = time.perf_counter() - start
                row[text] = psnr(clean, estimate)
            rows.append(row)
            print(f"{name} sigma {sigma:g}: " + ", ".join(
                f"{key} {value:.3f}" for key, value in row.items()
                if key not in ("image", "sigma") and "seconds" not in key),
                file=sys.stderr, flush=True)
    path = RESULTS_DIR / f"oracle_cost_tuning{'_' + args.tag if args.tag else ''}.json"
    write_gains(path, "benchmarks.tuning.oracle_cost", argv, args, rows, list(variants),
                args.variants[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
