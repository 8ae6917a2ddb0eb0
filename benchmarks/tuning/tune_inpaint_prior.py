"""Compare inpainting variants (prior, flat-tail threshold, patch window, schedules) on
TRAINING images (Train400), never BSD68.

    python -m benchmarks.tuning.tune_inpaint_prior --data ../shared/data/train400 \\
        --indices 10 200 333 50 120 280 --missing 0.8 \\
        --variants "prior=gmm-untied tail=1 window=0" "prior=gmm tail=10 window=3" \\
        --out benchmarks/results/inpaint_prior_tuning.json

Every variant is the inpainting recipe (:data:`restore.recipes.INPAINT`: EPLL
on the 2x2-block averages, then on the full image from that result upsampled;
fast path, ``rng=0``) changed by its settings and run by its ``restore``:
``prior``, the registered prior of both stages; ``tail``, the fast z-step's
flat-tail threshold (``fast.tail_ratio``); ``window``, the Gaussian patch
window in pixels (``patch_window``, 0: plain averages); ``steps`` / ``first``,
the full-resolution stage's number of steps and first std (``schedule.steps``,
``schedule.first_std``); and any other setting of the recipe as
``field.attribute=value`` (``coarse_schedule.first_std=0.1``, see
:mod:`benchmarks.tuning.recipe_variants`). A setting not given is the
recipe's (:data:`DEFAULTS`). Images: the PNGs of ``--data`` sorted by name, at
``--indices``; image ``i`` loses each pixel with probability ``--missing``
from ``np.random.default_rng(1000 + i)``. Writes every PSNR (and
biharmonic's, for scale) to the JSON and prints the mean PSNR minus
biharmonic's per variant.

The files ``benchmarks/results/inpaint_prior_tuning_first_std*.json`` were
written by the previous version of this script (commit 41b214f), whose variants
named the prior of each stage (``coarse``, ``fine``) and also had ``polish``
and ``csigma`` keys, which the recipe does not offer; its variant ``""`` is the
default of the time, ``first=0.03``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.harness.cli import parse_training_arguments
from benchmarks.harness.data import list_images, load_image
from benchmarks.harness.machine import utc_now
from benchmarks.harness.results import RESULTS_DIR, write_json_atomic
from benchmarks.harness.scoring import psnr
from benchmarks.tuning.recipe_variants import parse_value, recipe_variant
from restore.recipes import INPAINT
from restore.recipes.settings import INPAINT_DEFAULT_SIGMA

#: Short keys of a variant and the recipe setting each stands for.
SHORT_KEYS = {"tail": "fast.tail_ratio", "window": "patch_window", "steps": "schedule.steps",
              "first": "schedule.first_std"}
#: The recipe's values of the short keys, and its default prior.
DEFAULTS = {"prior": INPAINT.default_prior, "tail": str(INPAINT.fast.tail_ratio),
            "window": str(INPAINT.patch_window), "steps": str(INPAINT.schedule.steps),
            "first": str(INPAINT.schedule.first_std)}
#: Keys of the previous version that the recipe cannot express.
RETIRED = ("coarse", "fine", "polish", "csigma")


def parse_variant(text):
    """``"prior=P tail=T window=W steps=N first=S schedule.lambda_factor=..."`` (any subset)
    -> ``{key: text}``, the short keys not given from :data:`DEFAULTS`.

    Raises
    ------
    ValueError
        For an item that is not ``key=value``, or a retired key (``coarse``, ``fine``,
        ``polish``, ``csigma``).
    """
    settings = dict(DEFAULTS)
    for item in text.split():
        key, _, value = item.partition("=")
        if key in RETIRED:
            raise ValueError(f"variant key {key!r} belongs to the previous version of this "
                             "script; the recipe runs one prior at both stages (prior=P) and "
                             "has no polish pass or coarse-stage sigma")
        if not value or not (key in DEFAULTS or "." in key):
            raise ValueError(f"bad variant item {item!r}; use {' '.join(DEFAULTS)} or a "
                             "recipe setting field.attribute as key=value")
        settings[key] = value
    return settings


def variant_recipe(settings):
    """The inpainting recipe changed by a variant's settings (the prior aside)."""
    changes = {SHORT_KEYS.get(key, key): parse_value(value)
               for key, value in settings.items() if key != "prior"}
    return recipe_variant(INPAINT, changes)


def inpaint_variant(damaged, known, settings, sigma=INPAINT_DEFAULT_SIGMA):
    """Inpaint with a variant: the changed recipe's ``restore`` with its prior (``rng=0``)."""
    from priors.registry import get_prior

    return variant_recipe(settings).restore(damaged, known, sigma, get_prior(settings["prior"]),
                                            rng=0)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.tune_inpaint_prior",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--indices", type=int, nargs="+", default=[10, 200, 333, 50, 120, 280])
    parser.add_argument("--missing", type=float, default=0.8)
    parser.add_argument("--variants", nargs="+", default=[
        "prior=gmm-untied tail=1 window=0", " ".join(f"{k}={v}" for k, v in DEFAULTS.items())])
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "inpaint_prior_tuning.json")
    return parser


def main(argv=None):
    from skimage.restoration import inpaint_biharmonic

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parse_training_arguments(parser, argv)
    try:
        variants = {text: parse_variant(text) for text in args.variants}
        for settings in variants.values():
            variant_recipe(settings)
    except ValueError as error:
        parser.error(str(error))
    paths = list_images(args.data, (".png",))
    result = {"started": utc_now(), "data": args.data.name, "missing": args.missing,
              "command": "python -m benchmarks.tuning.tune_inpaint_prior " + " ".join(argv),
              "rows": [], "summary": {}}
    for index in args.indices:
        clean = load_image(paths[index], mode="L")
        known = np.random.default_rng(1000 + index).random(clean.shape) >= args.missing
        damaged = np.where(known, clean, 0.0)
        peer = psnr(clean, inpaint_biharmonic(damaged, ~known))
        for text, settings in variants.items():
            started = time.perf_counter()
            estimate = inpaint_variant(damaged, known, settings)
            seconds = time.perf_counter() - started
            score = psnr(clean, estimate)
            result["rows"].append({"image": paths[index].name, "index": index, "variant": text,
                                   "settings": settings, "psnr": score, "biharmonic_psnr": peer,
                                   "seconds": seconds})
            print(f"{paths[index].name} [{text}]: {score:.3f} dB ({score - peer:+.3f} over "
                  f"biharmonic) {seconds:.1f} s", flush=True)
        result["summary"] = {
            text: {key: float(np.mean([row[key] for row in result["rows"]
                                       if row["variant"] == text]))
                   for key in ("psnr", "biharmonic_psnr", "seconds")} for text in variants}
        write_json_atomic(args.out, result)
    result["finished"] = utc_now()
    write_json_atomic(args.out, result)
    for text, summary in result["summary"].items():
        print(f"{text}: {summary['psnr']:.3f} dB, "
              f"{summary['psnr'] - summary['biharmonic_psnr']:+.3f} over biharmonic, "
              f"{summary['seconds']:.1f} s per image")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
