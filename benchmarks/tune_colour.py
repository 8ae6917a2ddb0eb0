"""Choose the colour strategy of the denoiser on TRAINING images (BSDS500 test split), never CBSD68.

    python -m benchmarks.tune_colour --data ../shared/data/bsds500_test --images 6 \\
        --crop 160 --sigmas 15 25 50 --factors 1 1.5 2 3 --peer-sigmas --out benchmarks/results/colour_tuning.json

Candidates, all with the grey GMM prior and the default (fast) EPLL path:

- ``rgb``: each of R, G, B denoised on its own at ``sigma``;
- ``opponent xF``: the orthonormal opponent transform (:mod:`restore.colour`),
  luminance at ``sigma``, the two chrominance planes at ``F * sigma``. The
  transform is orthonormal, so the noise stays white with the same ``sigma``
  in every plane; ``F > 1`` regularises the chrominance more, which the grey
  prior (learnt on luminance-like patches, richer in texture than
  chrominance) needs;
- ``opponent, luminance as mean xF``: the same, with the luminance plane divided
  by sqrt(3) (the mean of R, G, B, in [0, 1] like the grey prior's training
  patches; its noise ``sigma / sqrt(3)``), :data:`restore.colour.PLANE_SCALES`;
- ``..., chroma at half resolution xF``: the same, the chrominance planes restored
  as 2x2 block means (noise ``F * sigma / 2``) and upsampled bilinearly
  (:func:`restore.colour.restore_at_half_resolution`);
- ``cbm3d`` (``bm3d.bm3d_rgb``, when installed) at ``--peer-sigmas``, for scale.

Noise: ``noise_rng(seed, image_index, sigma)`` as in the benchmarks, on the
first ``--images`` JPEGs of the folder sorted by name. Writes every PSNR to
the JSON and prints the mean per candidate and sigma.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from skimage.metrics import peak_signal_noise_ratio

from benchmarks.common import (add_gaussian_noise, centre_crop, list_images, load_image, noise_rng, utc_now,
                               write_json_atomic)
from priors.registry import get_prior
from restore.colour import PLANE_SCALES, planes_to_rgb, restore_at_half_resolution, rgb_to_planes
from restore.epll import DENOISE_SCHEDULE, epll_restore
from restore.operators import Identity


def denoise_planes(noisy, sigma, factors, *, scales, rng, half_chroma=False):
    """EPLL on each plane at ``sigma * scales[c] * factors[c]``; clipped RGB result.
    ``scales=None``: the R, G, B planes; otherwise opponent planes times ``scales``
    (:func:`restore.colour.rgb_to_planes`), with ``half_chroma`` the chrominance at half
    resolution (:func:`restore.colour.restore_at_half_resolution`)."""
    prior = get_prior("gmm")
    planes = noisy if scales is None else rgb_to_planes(noisy, scales)
    plane_sigmas = sigma * np.asarray(factors) * (1.0 if scales is None else np.asarray(scales))

    def restore(plane, plane_sigma):
        return epll_restore(np.ascontiguousarray(plane), Identity(), plane_sigma, prior,
                            schedule=DENOISE_SCHEDULE, rng=rng, exact=False, clip=False)

    out = np.stack([restore_at_half_resolution(planes[..., c], plane_sigmas[c], restore)
                    if half_chroma and c > 0 else restore(planes[..., c], plane_sigmas[c])
                    for c in range(3)], axis=-1).astype(np.float64)
    return np.clip(out if scales is None else planes_to_rgb(out, scales), 0.0, 1.0)


def candidates(factors, with_cbm3d):
    """name -> run(noisy, sigma, rng)."""
    table = {"rgb": lambda y, s, rng: denoise_planes(y, s, (1, 1, 1), scales=None, rng=rng)}
    for factor in factors:
        table[f"opponent x{factor:g}"] = (
            lambda y, s, rng, f=factor: denoise_planes(y, s, (1, f, f), scales=(1, 1, 1), rng=rng))
        table[f"opponent, luminance as mean x{factor:g}"] = (
            lambda y, s, rng, f=factor: denoise_planes(y, s, (1, f, f), scales=PLANE_SCALES,
                                                       rng=rng))
        table[f"opponent, luminance as mean, chroma at half resolution x{factor:g}"] = (
            lambda y, s, rng, f=factor: denoise_planes(y, s, (1, f, f), scales=PLANE_SCALES,
                                                       rng=rng, half_chroma=True))
    if with_cbm3d:
        import bm3d

        table["cbm3d"] = lambda y, s, rng: np.clip(bm3d.bm3d_rgb(y, s), 0.0, 1.0)
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tune_colour",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--images", type=int, default=6)
    parser.add_argument("--sigmas", type=int, nargs="+", default=[15, 25, 50])
    parser.add_argument("--factors", type=float, nargs="+", default=[1.0, 1.5, 2.0, 3.0])
    parser.add_argument("--peer-sigmas", type=int, nargs="*", default=[25])
    parser.add_argument("--crop", type=int, help="centre crop of N x N pixels (after the noise)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/colour_tuning.json"))
    args = parser.parse_args(argv)
    if "cbsd68" in str(args.data.resolve()).lower() or "bsd68" in str(args.data.resolve()).lower():
        parser.error("refusing to tune on the BSD68/CBSD68 test set; use training images")
    paths = list_images(args.data, (".jpg", ".png"))[:args.images]
    result = {"started": utc_now(), "data": str(args.data), "images": [p.name for p in paths],
              "crop": args.crop, "command": "python -m benchmarks.tune_colour " + " ".join(
                  argv if argv is not None else __import__("sys").argv[1:]),
              "seed": args.seed, "rows": [], "summary": {}}
    for index, path in enumerate(paths):
        full = load_image(path, mode="RGB")
        for sigma255 in args.sigmas:
            noisy = add_gaussian_noise(full, sigma255 / 255, noise_rng(args.seed, index, sigma255))
            clean, noisy = centre_crop(full, args.crop), centre_crop(noisy, args.crop)
            table = candidates(args.factors, sigma255 in args.peer_sigmas)
            for name, run in table.items():
                start = time.perf_counter()
                estimate = run(noisy, sigma255 / 255, np.random.default_rng([args.seed, index]))
                seconds = time.perf_counter() - start
                psnr = peak_signal_noise_ratio(clean, estimate, data_range=1.0)
                result["rows"].append({"image": path.name, "sigma": sigma255, "candidate": name,
                                       "psnr": psnr, "seconds": seconds})
                print(f"{path.name} sigma {sigma255} {name}: {psnr:.2f} dB {seconds:.1f} s",
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
