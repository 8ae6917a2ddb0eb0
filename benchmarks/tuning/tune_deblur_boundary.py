"""Choose the settings of deblurring with unknown boundaries on TRAINING images (never BSD68).

    python -m benchmarks.tuning.tune_deblur_boundary --data ../shared/data/train400 \\
        --kernels ../shared/data/kernels/levin09_kernels.npz --images 6 --kernel-indices 0 3 6 \\
        --variants "" "smoothness=0.03" "smoothing_iterations=0"

Each training image (a spread of ``--images`` over the folder) is blurred by each chosen
kernel twice, with circular and with mirrored boundaries, plus seeded white Gaussian noise
(``--sigma``, 0-255 scale), and restored by the deblurring recipe with
``boundary="unknown"`` under each variant (``key=value;key=value`` settings of
:class:`restore.recipes.deblur.DeblurRecipe`, see
:mod:`benchmarks.tuning.recipe_variants`; ``""`` is the recipe as it is). Records the
PSNR of each case and its input's, and per variant and blur the mean PSNR and the
smallest gain over the input. Writes ``benchmarks/results/deblur_boundary_tuning.json``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.harness.data import load_kernels
from benchmarks.harness.results import RESULTS_DIR, shown_path, write_json_atomic
from benchmarks.harness.scoring import psnr
from benchmarks.tuning.recipe_variants import parse_value, recipe_variant, spread_training_images


def parse_variant(text):
    """``"a=1;b.c=2"`` -> ``{"a": 1, "b.c": 2}``."""
    pairs = [part.split("=", 1) for part in text.split(";") if part]
    return {key: parse_value(value) for key, value in pairs}


def main(argv=None):
    from priors.registry import get_prior
    from restore.operators import Blur
    from restore.recipes import DEBLUR

    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.tune_deblur_boundary",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--kernels", required=True, type=Path)
    parser.add_argument("--images", type=int, default=6)
    parser.add_argument("--kernel-indices", type=int, nargs="+", default=[0, 3, 6])
    parser.add_argument("--sigma", type=float, default=2.55)
    parser.add_argument("--variants", nargs="+", default=[""])
    parser.add_argument("--out", type=Path,
                        default=RESULTS_DIR / "deblur_boundary_tuning.json")
    args = parser.parse_args(argv)
    kernels = list(load_kernels(args.kernels).items())
    paths, images = spread_training_images(args.data, args.images)
    prior = get_prior(DEBLUR.default_prior)
    sigma = args.sigma / 255
    result = {"settings": {**{k: (shown_path(v) if isinstance(v, Path) else v)
                              for k, v in vars(args).items()},
                           "images": [p.name for p in paths], "prior": DEBLUR.default_prior},
              "rows": [], "summary": []}
    for variant in args.variants:
        recipe = recipe_variant(DEBLUR, parse_variant(variant))
        for blur in ("circular", "reflect"):
            rows = []
            for index, (path, clean) in enumerate(zip(paths, images)):
                for k in args.kernel_indices:
                    name, kernel = kernels[k]
                    rng = np.random.default_rng([0, index, k])
                    blurred = Blur(kernel, blur).apply(clean) + sigma * rng.standard_normal(
                        clean.shape)
                    start = time.process_time()
                    restored = recipe.restore(blurred, kernel, sigma, prior, boundary="unknown",
                                              rng=0)
                    rows.append({"variant": variant, "blur": blur, "image": path.name,
                                 "kernel": name, "psnr": psnr(clean, restored),
                                 "input_psnr": psnr(clean, np.clip(blurred, 0, 1)),
                                 "cpu_seconds": time.process_time() - start})
            gains = [r["psnr"] - r["input_psnr"] for r in rows]
            summary = {"variant": variant, "blur": blur, "n": len(rows),
                       "psnr_mean": float(np.mean([r["psnr"] for r in rows])),
                       "input_psnr_mean": float(np.mean([r["input_psnr"] for r in rows])),
                       "min_gain": float(min(gains)),
                       "cpu_seconds_mean": float(np.mean([r["cpu_seconds"] for r in rows]))}
            result["rows"] += rows
            result["summary"].append(summary)
            print(f"{variant or '(as is)':40s} {blur:8s} PSNR {summary['psnr_mean']:.2f} "
                  f"(input {summary['input_psnr_mean']:.2f}, smallest gain "
                  f"{summary['min_gain']:+.2f}) {summary['cpu_seconds_mean']:.1f} s CPU",
                  flush=True)
            write_json_atomic(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
