"""Choose the colour strategy of the denoiser on TRAINING images (BSDS500 test split), never CBSD68.

    python -m benchmarks.tuning.tune_colour --data ../shared/data/bsds500_test --images 8 \\
        --crop 160 --sigmas 15 25 50 --peer-sigmas 25 \\
        --out benchmarks/results/colour_tuning.json

Candidates, all with the grey prior of the denoising recipe
(:data:`restore.recipes.DENOISE`) and its default (fast) path:

- ``rgb``: each of R, G, B denoised on its own (the recipe on a grey image);
- ``opponent, luminance as mean, chroma at full resolution``: the recipe's
  colour path (the opponent planes of :mod:`restore.recipes.colour`, the
  luminance as the mean of R, G, B) with ``chroma_half_resolution=False``;
- ``opponent, luminance as mean, chroma at half resolution``: the recipe as it
  is (the chrominance planes restored as 2x2 block means, noise ``sigma / 2``,
  and upsampled bilinearly);
- ``cbm3d`` (``bm3d.bm3d_rgb``, when installed) at ``--peer-sigmas``, for scale.

Noise: ``noise_rng(seed, image_index, sigma)`` as in the benchmarks, on the
first ``--images`` JPEGs of the folder sorted by name, then the centre crop.
Writes every PSNR to the JSON and prints the mean per candidate and sigma.

``benchmarks/results/colour_tuning.json`` was written by the previous version
of this script (commit 3090a32), which also restored the chrominance as if its
noise were ``F`` times larger (``--factors``) and tried the unscaled luminance
``(R+G+B)/sqrt 3``; the recipe has no such settings, so those candidates are gone.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.harness.cli import parse_training_arguments
from benchmarks.harness.data import centre_crop, list_images, load_image
from benchmarks.harness.machine import utc_now
from benchmarks.harness.noise import add_gaussian_noise, noise_rng
from benchmarks.harness.results import RESULTS_DIR, write_json_atomic
from benchmarks.harness.scoring import psnr
from benchmarks.tuning.recipe_variants import recipe_variant
from restore.recipes import DENOISE


def candidates(with_cbm3d):
    """name -> run(noisy, sigma, rng), each returning an RGB image in [0, 1]."""
    from priors.registry import get_prior

    prior = get_prior(DENOISE.default_prior)
    full = recipe_variant(DENOISE, {"chroma_half_resolution": False})
    table = {
        "rgb": lambda y, s, rng: np.stack(
            [DENOISE.restore(np.ascontiguousarray(y[..., c]), s, prior, rng=rng)
             for c in range(3)], axis=-1),
        "opponent, luminance as mean, chroma at full resolution":
            lambda y, s, rng: full.restore(y, s, prior, channel_axis=-1, rng=rng),
        "opponent, luminance as mean, chroma at half resolution":
            lambda y, s, rng: DENOISE.restore(y, s, prior, channel_axis=-1, rng=rng),
    }
    if with_cbm3d:
        import bm3d

        table["cbm3d"] = lambda y, s, rng: np.clip(bm3d.bm3d_rgb(y, s), 0.0, 1.0)
    return table


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.tune_colour",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--images", type=int, default=6)
    parser.add_argument("--sigmas", type=int, nargs="+", default=[15, 25, 50])
    parser.add_argument("--peer-sigmas", type=int, nargs="*", default=[25])
    parser.add_argument("--crop", type=int, help="centre crop of N x N pixels (after the noise)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "colour_tuning.json")
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_training_arguments(build_parser(), argv)
    paths = list_images(args.data, (".jpg", ".png"))[:args.images]
    result = {"started": utc_now(), "data": args.data.name, "images": [p.name for p in paths],
              "crop": args.crop, "command": "python -m benchmarks.tuning.tune_colour "
              + " ".join(argv), "seed": args.seed, "rows": [], "summary": {}}
    for index, path in enumerate(paths):
        full = load_image(path, mode="RGB")
        for sigma255 in args.sigmas:
            noisy = add_gaussian_noise(full, sigma255 / 255, noise_rng(args.seed, index, sigma255))
            clean, noisy = centre_crop(full, args.crop), centre_crop(noisy, args.crop)
            for name, run in candidates(sigma255 in args.peer_sigmas).items():
                start = time.perf_counter()
                estimate = run(noisy, sigma255 / 255, np.random.default_rng([args.seed, index]))
                seconds = time.perf_counter() - start
                score = psnr(clean, estimate)
                result["rows"].append({"image": path.name, "sigma": sigma255, "candidate": name,
                                       "psnr": score, "seconds": seconds})
                print(f"{path.name} sigma {sigma255} {name}: {score:.2f} dB {seconds:.1f} s",
                      flush=True)
        summary = {}
        for row in result["rows"]:
            summary.setdefault(f"{row['candidate']} @ {row['sigma']}", []).append(row["psnr"])
        result["summary"] = {key: {"psnr_mean": float(np.mean(v)), "n": len(v)}
                             for key, v in summary.items()}
        write_json_atomic(args.out, result)
    result["finished"] = utc_now()
    write_json_atomic(args.out, result)
    for key, value in sorted(result["summary"].items()):
        print(f"{key}: {value['psnr_mean']:.3f} dB over {value['n']} images")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
