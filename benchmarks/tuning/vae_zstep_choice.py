"""Choose the VAE prior's z-step and EPLL's lambda for it on training images (never BSD68).

    python -m benchmarks.tuning.vae_zstep_choice --data ../shared/data/train400 --images 4 \\
        --crop 128

EPLL (fast default path) with the shipped VAE on centre crops of the first
``--images`` training images at sigma 15/25/50, for each z-step variant
(``--variants``) and each ``lambda * sigma^2`` (``--lambdas``), beside the
GMM prior with its own default schedule: the encoder's mean then the Wiener
filter (``encoder``), the same at the MAP latent after Adam steps on
``log p(z) + log N(y; mu(z), v(z) + s2)`` (``refineS-R``: S steps at rate R),
and the importance-weighted posterior mean over 8 latents around it
(``refine20-0.5+samples8``). Writes ``benchmarks/results/vae_zstep_choice.json``.

The GMM runs the denoising recipe (:data:`restore.recipes.DENOISE`). The VAE
runs it with the schedule the recipe keeps for it (``DENOISE.prior_schedules``)
at each lambda, set with ``dataclasses.replace``.
The committed JSON was measured with the denoising schedule of the time
(betas [1, 4, 8, 16, 32]) and the previous VAE weights (docs/tuning.md#vae-lambda).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.harness.data import centre_crop
from benchmarks.harness.machine import utc_now
from benchmarks.harness.noise import add_gaussian_noise, noise_rng
from benchmarks.harness.results import RESULTS_DIR, write_json_atomic
from benchmarks.harness.scoring import psnr

VARIANTS = {
    "encoder": dict(denoise_samples=1, refine_steps=0),
    "refine10-0.5": dict(denoise_samples=1, refine_steps=10, refine_rate=0.5),
    "refine20-0.3": dict(denoise_samples=1, refine_steps=20, refine_rate=0.3),
    "refine20-0.5": dict(denoise_samples=1, refine_steps=20, refine_rate=0.5),
    "refine40-0.3": dict(denoise_samples=1, refine_steps=40, refine_rate=0.3),
    "refine20-0.5+samples8": dict(denoise_samples=8, refine_steps=20, refine_rate=0.5),
}


def denoise_with_lambda(noisy, sigma, prior, lambda_factor):
    """The denoising recipe's grey path with ``prior``'s schedule at ``lambda_factor``."""
    from restore.recipes import DENOISE

    schedule = replace(DENOISE.schedule_for(prior), lambda_factor=float(lambda_factor))
    recipe = replace(DENOISE, prior_schedules={type(prior).__name__: schedule})
    return recipe.restore(noisy, sigma, prior, rng=0)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.vae_zstep_choice",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/train400"))
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--crop", type=int, default=128)
    parser.add_argument("--sigmas", type=int, nargs="+", default=[15, 25, 50])
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--lambdas", type=float, nargs="+", default=[56.0, 64.0, 72.0],
                        help="lambda * sigma^2 values of the EPLL schedule to try")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "vae_zstep_choice.json")
    return parser


def main(argv=None):
    from priors.registry import get_prior
    from priors.training import list_training_images, load_grey
    from restore.recipes import DENOISE

    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    gmm, vae = get_prior(DENOISE.default_prior), get_prior("vae")
    paths = list_training_images([args.data])[: args.images]
    rows = []

    def measure(clean, run, sigma, lambda_factor, **row):
        start = time.perf_counter()
        out = run()
        rows.append({**row, "sigma": sigma, "lambda_factor": lambda_factor,
                     "psnr": psnr(clean, out), "seconds": time.perf_counter() - start})
        print(rows[-1], file=sys.stderr, flush=True)

    for index, path in enumerate(paths):
        clean = centre_crop(load_grey(path), args.crop)
        for sigma in args.sigmas:
            noisy = add_gaussian_noise(clean, sigma / 255, noise_rng(0, index, sigma))
            noisy = noisy.astype(np.float32)
            measure(clean, lambda: DENOISE.restore(noisy, sigma / 255, gmm, rng=0), sigma,
                    DENOISE.schedule_for(gmm).lambda_factor, image=path.name, variant="gmm")
            for name in args.variants:
                for key, value in VARIANTS[name].items():
                    setattr(vae, key, value)
                for factor in args.lambdas:
                    measure(clean, lambda: denoise_with_lambda(noisy, sigma / 255, vae, factor),
                            sigma, factor, image=path.name, variant=name)
    summary = {}
    for row in rows:
        key = f"{row['variant']} lambda {row['lambda_factor']:g} sigma {row['sigma']}"
        summary.setdefault(key, []).append(row["psnr"])
    summary = {key: float(np.mean(values)) for key, values in summary.items()}
    write_json_atomic(args.out, {"command": "python -m benchmarks.tuning.vae_zstep_choice "
                                 + " ".join(argv), "finished": utc_now(),
                                 "summary": summary, "rows": rows})
    for key, value in summary.items():
        print(f"{key}: {value:.2f} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
