"""Choose how RGB images take the oracle stage: once per plane, once on the channels
jointly, or both (restore.recipes.DenoiseRecipe.colour_oracle).

Usage::

    python -m benchmarks.tuning.colour_oracle --bsds ../shared/data/bsds500_test \\
        [--images 6] [--sigmas 25]

BSDS500-test colour images (every 20th from the 6th, ``--images`` of them) get white
noise (seeded by image and sigma); the denoising recipe restores each with the default
prior, with each of :data:`restore.recipes.denoise.COLOUR_ORACLES`. Writes
``benchmarks/results/colour_oracle_tuning.json`` and prints the mean PSNR of each and the
median seconds per image.
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time

from benchmarks.harness.data import load_dataset, refuse_test_set
from benchmarks.harness.results import RESULTS_DIR, write_tuning_run
from benchmarks.harness.scoring import psnr
from benchmarks.tuning.recipe_variants import noisy_version


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.colour_oracle")
    parser.add_argument("--bsds", required=True)
    parser.add_argument("--images", type=int, default=6)
    parser.add_argument("--sigmas", nargs="+", type=float, default=[25.0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    refuse_test_set(args.bsds)
    from priors.registry import get_prior
    from restore.recipes import DENOISE
    from restore.recipes.denoise import COLOUR_ORACLES

    prior = get_prior(DENOISE.default_prior)
    variants = {mode: dataclasses.replace(DENOISE, colour_oracle=mode)
                for mode in COLOUR_ORACLES}
    images, _ = load_dataset(args.bsds, mode="RGB", suffixes=(".jpg",))
    rows = []
    for index, image in enumerate(images[5::20][:args.images]):
        for sigma in args.sigmas:
            noisy = noisy_version(image.clean, sigma, args.seed, index)
            row = dict(image=image.name, sigma=sigma)
            for label, recipe in variants.items():
                start = time.perf_counter()
                restored = recipe.restore(noisy, sigma / 255, prior, channel_axis=-1, rng=0)
                row[f"{label} seconds"] = time.perf_counter() - start
                row[label] = psnr(image.clean, restored)
            rows.append(row)
            print(f"{image.name} sigma {sigma:g}: " + ", ".join(
                f"{label} {row[label]:.3f} dB {row[label + ' seconds']:.2f} s"
                for label in variants), file=sys.stderr, flush=True)
    summary = {f"{label} sigma {sigma:g}": dict(
        psnr=statistics.mean(r[label] for r in rows if r["sigma"] == sigma),
        seconds=statistics.median(r[f"{label} seconds"] for r in rows if r["sigma"] == sigma))
        for label in variants for sigma in args.sigmas}
    path = RESULTS_DIR / "colour_oracle_tuning.json"
    write_tuning_run(path, "benchmarks.tuning.colour_oracle", argv, args, summary, rows)
    for key, value in summary.items():
        print(f"{key}: {value['psnr']:.3f} dB, median {value['seconds']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
