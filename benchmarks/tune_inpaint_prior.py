"""Compare inpainting variants (prior per stage, flat-tail threshold, patch window, fine
schedule) on TRAINING images (Train400), never BSD68.

    python -m benchmarks.tune_inpaint_prior --data ../shared/data/train400 \\
        --indices 10 200 333 50 120 280 --missing 0.8 \\
        --variants "coarse=gmm-untied fine=gmm-untied tail=1 window=0" \\
                   "coarse=gmm fine=gmm tail=10 window=3" \\
        --out benchmarks/results/inpaint_prior_tuning.json

Every variant runs :func:`restore.inpaint`'s two stages (EPLL on the 2x2-block
averages, :data:`restore.epll.INPAINT_COARSE_SCHEDULE`, then on the full image
from that result upsampled, :data:`restore.epll.INPAINT_SCHEDULE`; fast path,
``rng=0``) with its own settings: ``coarse`` / ``fine``, the prior of each
stage; ``tail``, the fast z-step's flat-tail threshold
(:class:`restore.epll.FastSettings`); ``window``, the Gaussian patch window in
pixels (``patch_window``, 0: plain averages); ``steps`` / ``first``, the
full-resolution stage's number of steps and first std; ``polish``, if above
0, the first std of a second full-resolution pass (same steps) started from
the first pass's result; ``csigma``, the noise level (0-255 scale) that the
half-resolution stage assumes for its block averages (the library: 1). Images: the PNGs of ``--data``
sorted by name, at ``--indices``; image ``i`` loses each pixel with
probability ``--missing`` from ``np.random.default_rng(1000 + i)``. Writes
every PSNR (and biharmonic's, for scale) to the JSON and prints the mean
PSNR minus biharmonic's per variant. The numbers documented at
:data:`restore.epll.INPAINT_SCHEDULE` were measured this way.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from skimage.metrics import peak_signal_noise_ratio
from skimage.restoration import inpaint_biharmonic

from benchmarks.common import list_images, load_image, utc_now, write_json_atomic
from priors.registry import get_prior
from restore.api import INPAINT_DEFAULT_SIGMA
from restore.epll import (INPAINT_COARSE_SCHEDULE, INPAINT_SCHEDULE, FastSettings,
                          epll_restore)
from restore.initial import coarse_to_fine_start, fill_missing
from restore.operators import Mask

DEFAULTS = {"coarse": "gmm", "fine": "gmm", "tail": "10", "window": "3",
            "steps": str(INPAINT_SCHEDULE.steps), "first": str(INPAINT_SCHEDULE.first_std),
            "polish": "0", "csigma": "1"}


def parse_variant(text):
    """``"coarse=P fine=P tail=T window=W steps=N first=S polish=S csigma=C"`` (any subset; the rest from :data:`DEFAULTS`)."""
    settings = dict(DEFAULTS)
    for item in text.split():
        key, _, value = item.partition("=")
        if key not in DEFAULTS or not value:
            raise ValueError(f"bad variant item {item!r}; use {' '.join(DEFAULTS)} as key=value")
        settings[key] = value
    return settings


def inpaint_variant(damaged, known, settings, sigma=INPAINT_DEFAULT_SIGMA):
    """The library's two-stage inpainting with a variant's priors, threshold, window and
    full-resolution schedule."""
    fast = FastSettings(tail_ratio=float(settings["tail"]))
    window = float(settings["window"])

    def restore_half(half, half_known):
        return epll_restore(half, Mask(half_known), float(settings["csigma"]) / 255, get_prior(settings["coarse"]),
                            schedule=replace(INPAINT_COARSE_SCHEDULE, patch_window=window),
                            init=fill_missing(half, half_known), rng=0, exact=False, fast=fast,
                            clip=False)

    fine = replace(INPAINT_SCHEDULE, patch_window=window, steps=int(settings["steps"]),
                   first_std=float(settings["first"]))
    estimate = coarse_to_fine_start(damaged, known, restore_half)
    polish = float(settings["polish"])
    for first_std in (fine.first_std, polish) if polish > 0 else (fine.first_std,):
        estimate = epll_restore(damaged, Mask(known), sigma, get_prior(settings["fine"]),
                                schedule=replace(fine, first_std=first_std), init=estimate,
                                rng=0, exact=False, fast=fast)
    return estimate


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tune_inpaint_prior",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--indices", type=int, nargs="+", default=[10, 200, 333, 50, 120, 280])
    parser.add_argument("--missing", type=float, default=0.8)
    parser.add_argument("--variants", nargs="+", default=[
        "coarse=gmm-untied fine=gmm-untied tail=1 window=0", " ".join(
            f"{key}={value}" for key, value in DEFAULTS.items())])
    parser.add_argument("--out", type=Path,
                        default=Path("benchmarks/results/inpaint_prior_tuning.json"))
    args = parser.parse_args(argv)
    if "bsd68" in str(args.data.resolve()).lower():
        parser.error("refusing to tune on the BSD68/CBSD68 test set; use training images")
    variants = {text: parse_variant(text) for text in args.variants}
    paths = list_images(args.data, (".png",))
    result = {"started": utc_now(), "data": str(args.data), "missing": args.missing,
              "command": "python -m benchmarks.tune_inpaint_prior " + " ".join(
                  argv if argv is not None else sys.argv[1:]), "rows": [], "summary": {}}
    for index in args.indices:
        clean = load_image(paths[index], mode="L")
        known = np.random.default_rng(1000 + index).random(clean.shape) >= args.missing
        damaged = np.where(known, clean, 0.0)
        peer = peak_signal_noise_ratio(clean, inpaint_biharmonic(damaged, ~known), data_range=1.0)
        for text, settings in variants.items():
            started = time.perf_counter()
            estimate = inpaint_variant(damaged, known, settings)
            seconds = time.perf_counter() - started
            psnr = peak_signal_noise_ratio(clean, np.asarray(estimate, np.float64), data_range=1.0)
            result["rows"].append({"image": paths[index].name, "index": index, "variant": text,
                                   "psnr": psnr, "biharmonic_psnr": peer, "seconds": seconds})
            print(f"{paths[index].name} [{text}]: {psnr:.3f} dB ({psnr - peer:+.3f} over "
                  f"biharmonic) {seconds:.1f} s", flush=True)
        result["summary"] = {
            text: {key: float(np.mean([row[key] for row in result["rows"]
                                       if row["variant"] == text]))
                   for key in ("psnr", "biharmonic_psnr", "seconds")} for text in variants}
        write_json_atomic(args.out, result)
    result["finished"] = utc_now()
    write_json_atomic(args.out, result)
    for text, summary in result["summary"].items():
        print(f"{text}: {summary['psnr']:.3f} dB, {summary['psnr'] - summary['biharmonic_psnr']:+.3f} "
              f"over biharmonic, {summary['seconds']:.1f} s per image")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
