"""Choose the VAE prior's z-step and EPLL's lambda for it on training images (never BSD68).

    python -m benchmarks.vae_zstep_choice --data ../shared/data/train400 --images 4 --crop 128

EPLL (fast default path) with the shipped VAE on centre crops of the first
``--images`` training images at sigma 15/25/50, for each z-step variant
(``--variants``) and each ``lambda * sigma^2`` (``--lambdas``), beside the
GMM prior with its own default schedule: the encoder's mean then the Wiener
filter (``encoder``), the same at the MAP latent after Adam steps on
``log p(z) + log N(y; mu(z), v(z) + s2)`` (``refineS-R``: S steps at rate R),
and the importance-weighted posterior mean over 8 latents around it
(``refine20-0.5+samples8``). Writes ``benchmarks/results/vae_zstep_choice.json``.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from skimage.metrics import peak_signal_noise_ratio

from benchmarks.common import add_gaussian_noise, centre_crop, noise_rng, utc_now, write_json_atomic
from priors.training import list_training_images, load_grey

VARIANTS = {
    "encoder": dict(denoise_samples=1, refine_steps=0),
    "refine10-0.5": dict(denoise_samples=1, refine_steps=10, refine_rate=0.5),
    "refine20-0.3": dict(denoise_samples=1, refine_steps=20, refine_rate=0.3),
    "refine20-0.5": dict(denoise_samples=1, refine_steps=20, refine_rate=0.5),
    "refine40-0.3": dict(denoise_samples=1, refine_steps=40, refine_rate=0.3),
    "refine20-0.5+samples8": dict(denoise_samples=8, refine_steps=20, refine_rate=0.5),
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.vae_zstep_choice")
    parser.add_argument("--data", type=Path, default=Path("../shared/data/train400"))
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--crop", type=int, default=128)
    parser.add_argument("--sigmas", type=int, nargs="+", default=[15, 25, 50])
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--lambdas", type=float, nargs="+", default=[56.0, 64.0, 72.0],
                        help="lambda * sigma^2 values of the EPLL schedule to try")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/vae_zstep_choice.json"))
    args = parser.parse_args(argv)
    from priors.registry import get_prior
    from restore.epll import DENOISE_SCHEDULE, epll_denoise

    gmm, vae = get_prior("gmm"), get_prior("vae")
    paths = list_training_images([args.data])[: args.images]
    rows = []

    def measure(clean, noisy, sigma, prior, schedule, **row):
        start = time.perf_counter()
        out = epll_denoise(noisy, sigma / 255, prior, schedule=schedule, rng=0, exact=False)
        rows.append({**row, "sigma": sigma, "lambda_factor": schedule.lambda_factor,
                     "psnr": float(peak_signal_noise_ratio(clean, out, data_range=1)),
                     "seconds": time.perf_counter() - start})
        print(rows[-1], file=sys.stderr, flush=True)

    for index, path in enumerate(paths):
        clean = centre_crop(load_grey(path), args.crop)
        for sigma in args.sigmas:
            noisy = add_gaussian_noise(clean, sigma / 255, noise_rng(0, index, sigma)).astype(np.float32)
            measure(clean, noisy, sigma, gmm, DENOISE_SCHEDULE, image=path.name, variant="gmm")
            for name in args.variants:
                for key, value in VARIANTS[name].items():
                    setattr(vae, key, value)
                for factor in args.lambdas:
                    measure(clean, noisy, sigma, vae, replace(DENOISE_SCHEDULE, lambda_factor=factor),
                            image=path.name, variant=name)
    summary = {}
    for row in rows:
        key = f"{row['variant']} lambda {row['lambda_factor']:g} sigma {row['sigma']}"
        summary.setdefault(key, []).append(row["psnr"])
    summary = {key: float(np.mean(values)) for key, values in summary.items()}
    write_json_atomic(args.out, {"command": "python -m benchmarks.vae_zstep_choice "
                                 + " ".join(argv or sys.argv[1:]), "finished": utc_now(),
                                 "summary": summary, "rows": rows})
    for key, value in summary.items():
        print(f"{key}: {value:.2f} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
