"""Choose the oracle stage's settings (restore.solvers.group_wiener) on training images.

Usage::

    python -m benchmarks.tuning.oracle_stage --train ../shared/data/train400 \\
        --bsds ../shared/data/bsds500_test [--sigmas 15 25 50] \\
        [--variants "" stride=5 group_size=24 radius=10]

Every 50th Train400 image and every 40th BSDS500-test image (made grey: the mean of R,
G and B, as the colour recipe's luminance) gets white noise (seeded by image and sigma);
EPLL (``denoise(..., oracle=False)``) gives the pilot, which each variant of
:class:`restore.solvers.group_wiener.GroupWiener` (keyword overrides of the default,
``""`` the default itself) refines. Writes ``benchmarks/results/oracle_tuning.json`` and
prints each variant's mean gain over the pilot and its time per image.
"""
from __future__ import annotations

import argparse
import ast
import statistics
import sys
import time

import numpy as np

from benchmarks.harness.data import load_dataset, refuse_test_set
from benchmarks.harness.results import RESULTS_DIR, write_tuning_run
from benchmarks.harness.scoring import psnr
from benchmarks.tuning.recipe_variants import noisy_version


def parse_variant(text):
    """``"stride=5,radius=10"`` -> ``{"stride": 5, "radius": 10}``."""
    pairs = [item.split("=", 1) for item in text.split(",") if item]
    return {key.strip(): ast.literal_eval(value) for key, value in pairs}


def training_images(train, bsds, offset=0):
    """``[(name, grey clean image)]``: every 50th Train400, every 40th BSDS500-test image,
    from the ``offset``-th."""
    for folder in (train, bsds):
        refuse_test_set(folder)
    grey, _ = load_dataset(train)
    colour, _ = load_dataset(bsds, mode="RGB", suffixes=(".jpg",))
    return ([(f"train400/{image.name}", image.clean) for image in grey[offset::50]]
            + [(f"bsds500_test/{image.name}", image.clean.mean(axis=2))
               for image in colour[offset::40]])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.oracle_stage")
    parser.add_argument("--train", required=True)
    parser.add_argument("--bsds", required=True)
    parser.add_argument("--sigmas", nargs="+", type=float, default=[15.0, 25.0, 50.0])
    parser.add_argument("--variants", nargs="+", default=["", "stride=5", "group_size=24",
                                                          "group_size=48", "radius=10"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from restore import denoise
    from restore.solvers.group_wiener import GroupWiener

    variants = {text or "default": GroupWiener(**parse_variant(text)) for text in args.variants}
    rows = []
    for index, (name, clean) in enumerate(training_images(args.train, args.bsds)):
        for sigma in args.sigmas:
            noisy = noisy_version(clean, sigma, args.seed, index)
            start = time.perf_counter()
            pilot = denoise(noisy, sigma / 255, rng=0, oracle=False)
            row = dict(image=name, sigma=sigma, pilot=psnr(clean, pilot),
                       pilot_seconds=time.perf_counter() - start)
            for label, stage in variants.items():
                start = time.perf_counter()
                refined = np.clip(stage(noisy, pilot, (sigma / 255) ** 2), 0, 1)
                row[label] = psnr(clean, refined)
                row[f"{label}_seconds"] = time.perf_counter() - start
            rows.append(row)
            print(f"{name} sigma {sigma:g}: pilot {row['pilot']:.2f} dB, "
                  + ", ".join(f"{label} {row[label] - row['pilot']:+.3f}" for label in variants),
                  file=sys.stderr, flush=True)
    summary = {f"{label} sigma {sigma:g}": dict(
        gain=statistics.mean(r[label] - r["pilot"] for r in rows if r["sigma"] == sigma),
        seconds=statistics.median(r[f"{label}_seconds"] for r in rows if r["sigma"] == sigma))
        for label in variants for sigma in args.sigmas}
    path = RESULTS_DIR / "oracle_tuning.json"
    write_tuning_run(path, "benchmarks.tuning.oracle_stage", argv, args, summary, rows)
    for key, value in summary.items():
        print(f"{key}: {value['gain']:+.3f} dB over EPLL, median {value['seconds']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
