"""Choose the white-noise estimator's settings on TRAINING images (Train400, BSDS500-test),
never BSD68.

    python -m benchmarks.tuning.tune_noise_estimation --data ../shared/data/train400 \\
        --images 30 --out benchmarks/results/noise_estimation_tuning.json

Each variant of :func:`restore.core.noise_level.plane_noise_variance` (statistic,
confidence of the weak-texture selection, patch size, rounds, the number of smallest
eigenvalues of ``"mp-fit"``), and scikit-image's wavelet estimator for scale, estimates
sigma on the first ``--images`` images of ``--data`` with seeded white noise
(``noise_rng(seed, index, sigma)``, unclipped) at ``--sigmas``. A folder of colour JPEGs
(BSDS500-test) is measured on the luma ``0.299 R + 0.587 G + 0.114 B`` rounded to 8 bits
(full-size images; Train400 crops are 180x180). Prints and writes the mean signed and
absolute error per variant and sigma (0-255 scale).
"""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.harness.cli import parse_training_arguments
from benchmarks.harness.data import list_images, load_image
from benchmarks.harness.machine import machine_info, utc_now
from benchmarks.harness.noise import add_gaussian_noise, noise_rng
from benchmarks.harness.results import RESULTS_DIR, shown_path, write_json_atomic

SIGMAS = (1, 2, 5, 10, 15, 25, 50, 75)
LIU = 1 - 1e-6  # Liu, Tanaka & Okutomi's confidence
#: ``name: (plane_noise_variance options, FIT_EIGENVALUES)``.
VARIANTS = {
    "chen (all patches, Chen et al. 2015)": (dict(statistic="chen", rounds=0), 4),
    "chen after selection, c 1-1e-6": (dict(statistic="chen", confidence=LIU), 4),
    "min (Liu et al. 2013), c 1-1e-6": (dict(statistic="min", confidence=LIU), 4),
    "min, c 0.99": (dict(statistic="min", confidence=0.99), 4),
    "mp-fit 4, c 1-1e-6": (dict(statistic="mp-fit", confidence=LIU), 4),
    "mp-fit 4, c 0.999": (dict(statistic="mp-fit", confidence=0.999), 4),
    "mp-fit 4, c 0.99 (default)": (dict(statistic="mp-fit", confidence=0.99), 4),
    "mp-fit 4, c 0.95": (dict(statistic="mp-fit", confidence=0.95), 4),
    "mp-fit 4, c 0.99, 5x5": (dict(statistic="mp-fit", confidence=0.99, size=5), 4),
    "mp-fit 1, c 0.99": (dict(statistic="mp-fit", confidence=0.99), 1),
    "mp-fit 12, c 0.99": (dict(statistic="mp-fit", confidence=0.99), 12),
}


def load_planes(folder, count):
    """``count`` grey planes: the PNGs of a grey folder, or the 8-bit luma of colour JPEGs."""
    paths = list_images(folder, (".png", ".jpg"))[:count]
    if paths[0].suffix.lower() == ".png":
        return [load_image(p) for p in paths]
    luma = np.array([0.299, 0.587, 0.114])
    return [np.round(load_image(p, "RGB") @ luma * 255) / 255 for p in paths]


def variant_sigma(plane, options, fit_eigenvalues):
    """Sigma of one plane by a variant (``FIT_EIGENVALUES`` set for the call)."""
    from restore.core import noise_level

    saved, noise_level.FIT_EIGENVALUES = noise_level.FIT_EIGENVALUES, fit_eigenvalues
    try:
        return float(np.sqrt(noise_level.plane_noise_variance(plane, **options)))
    finally:
        noise_level.FIT_EIGENVALUES = saved


def main(argv=None):
    from skimage.restoration import estimate_sigma as wavelet_sigma

    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.tune_noise_estimation",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--images", type=int, default=30)
    parser.add_argument("--sigmas", type=int, nargs="+", default=list(SIGMAS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "noise_estimation_tuning.json")
    args = parse_training_arguments(parser, argv)
    planes = load_planes(args.data, args.images)
    methods = {"scikit-image wavelet": lambda plane: float(wavelet_sigma(plane))}
    methods.update({name: (lambda plane, o=o, m=m: variant_sigma(plane, o, m))
                    for name, (o, m) in VARIANTS.items()})
    errors = {name: {s: [] for s in args.sigmas} for name in methods}
    seconds = {name: 0.0 for name in methods}
    for index, plane in enumerate(planes):
        for sigma in args.sigmas:
            noisy = add_gaussian_noise(plane, sigma / 255, noise_rng(args.seed, index, sigma))
            for name, method in methods.items():
                start = time.perf_counter()
                errors[name][sigma].append(method(noisy) * 255 - sigma)
                seconds[name] += time.perf_counter() - start
    summary = {name: {str(s): {"bias": float(np.mean(e)), "mae": float(np.mean(np.abs(e)))}
                      for s, e in by_sigma.items()} for name, by_sigma in errors.items()}
    print("MAE / mean error (0-255):  " + "  ".join(f"{s:>11}" for s in args.sigmas))
    for name in methods:
        print(f"{name:38s}" + "  ".join(f"{summary[name][str(s)]['mae']:5.2f}/"
                                        f"{summary[name][str(s)]['bias']:+5.2f}"
                                        for s in args.sigmas)
              + f"  {seconds[name] / len(planes) / len(args.sigmas) * 1000:.0f} ms")
    runs = {}
    if args.out.exists():  # one JSON for several folders: keep the other folders' runs
        from benchmarks.harness.results import read_json

        runs = read_json(args.out).get("runs", {})
    runs[shown_path(args.data)] = {
        "command": "python -m benchmarks.tuning.tune_noise_estimation " + shlex.join(argv),
        "started": utc_now(), "machine": machine_info(), "images": len(planes),
        "variants": {name: {"options": o, "fit_eigenvalues": m}
                     for name, (o, m) in VARIANTS.items()},
        "summary": summary,
        "ms_per_image": {n: seconds[n] / len(planes) / len(args.sigmas) * 1000 for n in methods}}
    write_json_atomic(args.out, {"runs": runs})
    print(f"wrote {shown_path(args.out)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
