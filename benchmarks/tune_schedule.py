"""Choose the EPLL denoising schedule on TRAINING images (never on BSD68).

    python -m benchmarks.tune_schedule --data ../shared/data/train400 --images 8 --sigmas 15 25 50

Runs every candidate schedule on a spread of training images with seeded
noise and writes JSON plus a table to ``benchmarks/results/schedule_tuning.*``.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from skimage.metrics import peak_signal_noise_ratio

from priors.registry import get_prior
from restore.epll import Schedule, epll_denoise
from restore.training import list_training_images, load_grey

CANDIDATES = {
    f"{list(betas)}, lam {lam}": Schedule(betas, float(lam))
    for betas in [(1, 4, 8, 16, 32), (1, 4, 8, 16, 32, 64)] for lam in (16, 24, 32, 48, 64)
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder of training images")
    parser.add_argument("--images", type=int, default=8, help="how many images, spread evenly")
    parser.add_argument("--sigmas", type=float, nargs="+", default=[15, 25, 50])
    parser.add_argument("--only", nargs="*", help="names of candidates to run (default: all)")
    parser.add_argument("--fast", action="store_true", help="tune the fast path (exact=False)")
    parser.add_argument("--out", default="benchmarks/results/schedule_tuning.json")
    args = parser.parse_args(argv)

    paths = list_training_images([args.data])
    picks = [paths[i] for i in np.linspace(0, len(paths) - 1, args.images).astype(int)]
    images = [load_grey(p).astype(np.float64) for p in picks]
    prior = get_prior("gmm")
    candidates = {k: v for k, v in CANDIDATES.items() if not args.only or k in args.only}
    results = []
    for sigma in args.sigmas:
        noisy = [img + np.random.default_rng([i, int(sigma)]).normal(0, sigma / 255, img.shape)
                 for i, img in enumerate(images)]
        for name, schedule in candidates.items():
            start = time.perf_counter()
            psnrs = [peak_signal_noise_ratio(img, epll_denoise(y, sigma / 255, prior, schedule=schedule,
                                                               exact=not args.fast, rng=0),
                                                  data_range=1)
                     for img, y in zip(images, noisy)]
            row = {"sigma": sigma, "schedule": name, "mean_psnr": float(np.mean(psnrs)),
                   "seconds_per_image": (time.perf_counter() - start) / len(images)}
            results.append(row)
            print(f"sigma {sigma:4.0f}  {name:36s} {row['mean_psnr']:.3f} dB  "
                  f"{row['seconds_per_image']:.1f} s/image", flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"data": Path(args.data).name, "images": [p.name for p in picks],
                               "path": "fast" if args.fast else "exact",
                               "results": results}, indent=1))


if __name__ == "__main__":
    main()
