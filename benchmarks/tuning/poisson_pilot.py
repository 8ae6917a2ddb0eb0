"""Choose the pilot smoothing of the Poisson-Gaussian noise map on training images.

Usage::

    python -m benchmarks.tuning.poisson_pilot --data ../shared/data/train400 --limit 10 \\
        [--levels 0.04,0.04] [--smoothing 1 2 3 4]

Each image gets ``y = a Poisson(x / a) + N(0, b^2)`` (seeded by image and level, as in
:mod:`benchmarks.poisson_gaussian`) and is denoised under the map
``sqrt(a p + b^2)`` with ``p`` = ``y`` smoothed by each Gaussian of ``--smoothing``
pixels. Writes ``benchmarks/results/<dataset>_poisson_pilot.json`` and prints the mean PSNR.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

from benchmarks.harness.data import load_dataset, refuse_test_set
from benchmarks.harness.machine import utc_now
from benchmarks.harness.results import RESULTS_DIR, write_json_atomic
from benchmarks.harness.scoring import psnr


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.poisson_pilot")
    parser.add_argument("--data", required=True)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--levels", nargs="+", default=["0.04,0.04"])
    parser.add_argument("--smoothing", nargs="+", type=float, default=[1.0, 2.0, 3.0, 4.0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    refuse_test_set(args.data)
    from restore import PoissonGaussian, denoise
    from restore.core.poisson_gaussian_map import poisson_gaussian_sigma_map

    images, _ = load_dataset(args.data, limit=args.limit)
    rows = []
    for level_index, level in enumerate(args.levels):
        gain, sigma = (float(v) for v in level.split(","))
        noise = PoissonGaussian(gain, sigma)
        for image in images:
            rng = np.random.default_rng([args.seed, image.index, level_index])
            noisy = (gain * rng.poisson(image.clean / gain)
                     + rng.normal(0, sigma, image.clean.shape)).astype(np.float32)
            for smoothing in args.smoothing:
                restored = denoise(noisy, poisson_gaussian_sigma_map(noisy, noise, smoothing),
                                   rng=0)
                rows.append(dict(image=image.name, gain=gain, sigma=sigma, smoothing=smoothing,
                                 psnr=psnr(image.clean, restored)))
                print(f"{image.name} {level} smoothing {smoothing:g}: {rows[-1]['psnr']:.2f} dB",
                      file=sys.stderr, flush=True)
    path = RESULTS_DIR / f"{Path(args.data).name}_poisson_pilot.json"
    write_json_atomic(path, dict(settings=dict(vars(args), finished=utc_now()), rows=rows))
    for level in args.levels:
        gain, sigma = (float(v) for v in level.split(","))
        for smoothing in args.smoothing:
            chosen = [r["psnr"] for r in rows if r["smoothing"] == smoothing
                      and r["gain"] == gain and r["sigma"] == sigma]
            print(f"a, b = {level}: smoothing {smoothing:g} px: {statistics.mean(chosen):.3f} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
