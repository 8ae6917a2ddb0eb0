"""Choose the VAE prior's z-step on training images (never BSD68).

    python -m benchmarks.vae_zstep_choice --data ../shared/data/train400 --images 4 --crop 128

EPLL (fast default path) with the shipped VAE on centre crops of the first
``--images`` training images at sigma 15/25/50, for each z-step variant:
the encoder's mean then the Wiener filter (``samples=1``), the same after a
few gradient steps on ``log p(z) + log N(y; mu(z), v(z) + s2)``
(``refine``), and the importance-weighted posterior mean over ``samples``
latents. Writes ``benchmarks/results/vae_zstep_choice.json``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from skimage.metrics import peak_signal_noise_ratio

from benchmarks.common import add_gaussian_noise, centre_crop, noise_rng, utc_now, write_json_atomic
from restore.training import list_training_images, load_grey

VARIANTS = {
    "encoder": dict(denoise_samples=1, refine_steps=0),
    "refine5": dict(denoise_samples=1, refine_steps=5),
    "samples8": dict(denoise_samples=8, refine_steps=0),
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.vae_zstep_choice")
    parser.add_argument("--data", type=Path, default=Path("../shared/data/train400"))
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--crop", type=int, default=128)
    parser.add_argument("--sigmas", type=int, nargs="+", default=[15, 25, 50])
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/vae_zstep_choice.json"))
    args = parser.parse_args(argv)
    from priors.registry import get_prior
    from restore import denoise

    prior = get_prior("vae")
    paths = list_training_images([args.data])[: args.images]
    rows = []
    for index, path in enumerate(paths):
        clean = centre_crop(load_grey(path), args.crop)
        for sigma in args.sigmas:
            noisy = add_gaussian_noise(clean, sigma / 255, noise_rng(0, index, sigma)).astype(np.float32)
            for name in args.variants:
                for key, value in VARIANTS[name].items():
                    setattr(prior, key, value)
                start = time.perf_counter()
                out = denoise(noisy, sigma / 255, prior=prior, rng=0)
                rows.append({"image": path.name, "sigma": sigma, "variant": name,
                             "psnr": float(peak_signal_noise_ratio(clean, out, data_range=1)),
                             "seconds": time.perf_counter() - start})
                print(rows[-1], file=sys.stderr, flush=True)
    summary = {f"{v} sigma {s}": float(np.mean([r["psnr"] for r in rows
                                                 if r["variant"] == v and r["sigma"] == s]))
               for v in args.variants for s in args.sigmas}
    write_json_atomic(args.out, {"command": "python -m benchmarks.vae_zstep_choice "
                                 + " ".join(argv or sys.argv[1:]), "finished": utc_now(),
                                 "summary": summary, "rows": rows})
    for key, value in summary.items():
        print(f"{key}: {value:.2f} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
