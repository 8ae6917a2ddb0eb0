"""Choose the tied mixture's component search on TRAINING images (never BSD68).

    python -m benchmarks.tuning.component_search --data ../shared/data/train400 \\
        --images 16 --sigmas 15 25 50 --shortlists 1 2 4 8 16

For each noise level, each training image (a spread of ``--images`` from the
folder, seeded noise) and each search (the exhaustive flat-tail search, the
reference, and the orientation search with each shortlist size), this runs
the denoising recipe and records:

* how often the search's component differs from the exhaustive one, on the
  patches of the first z-step (the noisy image's patches on the stride-2 grid,
  at noise variance sigma^2) and of the last one (the exhaustive run's
  result's patches at the last step's noise variance). A component counts as
  different when its Wiener estimate of the patch differs from the exhaustive
  choice's by more than 1e-5 (on the [0, 1] scale): orbits with a symmetry of
  their own have identical components, which the two searches may label
  differently;
* the PSNR of the restored image, and its difference to the exhaustive run;
* the CPU seconds (``time.process_time``) of the whole restoration and by
  stage (extract, z-step, accumulate, x-step), so the numbers do not depend
  on what else runs on the machine.

Writes ``benchmarks/results/component_search.json`` and a markdown table
(``.md`` beside it). docs/tuning.md#component-search reads them.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.harness.results import RESULTS_DIR, write_json_atomic
from benchmarks.harness.scoring import psnr
from benchmarks.tuning.recipe_variants import spread_training_images
from priors.gmm_search import OrientationSearch
from priors.registry import get_prior, pretrained_path
from restore.core.stopwatch import Stopwatch
from restore.recipes import DENOISE
from restore.solvers.patches import extract_patches, full_grid


class _Searching:
    """The tied prior with its fast z-step replaced by one search."""

    def __init__(self, prior, search):
        self.prior, self.search, self.patch_size = prior, search, prior.patch_size

    def denoise(self, patches, noise_var):
        return self.prior.denoise(patches, noise_var)

    def fast_denoiser(self, tail_ratio=None, search=None):
        return self.search


def _patch_sample(image, stride=2):
    rows, cols = full_grid(image.shape, 8)
    return extract_patches(image.astype(np.float32), 8, rows[::stride], cols[::stride])


def _differs(estimates, reference, tolerance=1e-5):
    """The fraction of patches whose estimates differ by more than ``tolerance``."""
    return float(np.mean(np.abs(estimates - reference).max(axis=1) > tolerance))


def evaluate(images, sigmas, shortlists, seed):
    prior = get_prior("gmm")
    searches = {"exhaustive": prior.fast_denoiser(search="exhaustive")}
    searches.update({f"shortlist-{m}": OrientationSearch(prior, shortlist=m) for m in shortlists})
    schedule = DENOISE.schedule_for(prior)
    rows = []
    for sigma in sigmas:
        rng = np.random.default_rng([seed, sigma])
        s = sigma / 255
        last_var = 1.0 / schedule.betas(s)[-1]
        for name, clean in images:
            noisy = clean + s * rng.standard_normal(clean.shape)
            first = _patch_sample(noisy)
            reference = {}
            for label, search in searches.items():
                watch = Stopwatch()
                start = time.process_time()
                restored = DENOISE.restore(noisy, s, _Searching(prior, search), rng=0,
                                           stopwatch=watch)
                seconds = time.process_time() - start
                if label == "exhaustive":
                    late = _patch_sample(restored)
                    reference = {"first": search.denoise(first, s * s),
                                 "last": search.denoise(late, last_var)}
                row = {"sigma": sigma, "image": name, "search": label,
                       "psnr": psnr(clean, restored), "cpu_seconds": seconds,
                       "stage_wall_seconds": dict(watch.seconds),
                       "differs_first_step": _differs(search.denoise(first, s * s),
                                                      reference["first"]),
                       "differs_last_step": _differs(search.denoise(late, last_var),
                                                     reference["last"])}
                rows.append(row)
                print(f"sigma {sigma} {name} {label}: {row['psnr']:.3f} dB, "
                      f"{seconds:.2f} s cpu, differs {row['differs_first_step']:.3f} / "
                      f"{row['differs_last_step']:.3f}", file=sys.stderr, flush=True)
    return rows


def summarise(rows):
    table = []
    for sigma in sorted({r["sigma"] for r in rows}):
        at = [r for r in rows if r["sigma"] == sigma]
        reference = {r["image"]: r["psnr"] for r in at if r["search"] == "exhaustive"}
        for label in dict.fromkeys(r["search"] for r in at):
            mine = [r for r in at if r["search"] == label]
            table.append({
                "sigma": sigma, "search": label,
                "psnr": float(np.mean([r["psnr"] for r in mine])),
                "psnr_change": float(np.mean([r["psnr"] - reference[r["image"]] for r in mine])),
                "differs_first_step": float(np.mean([r["differs_first_step"] for r in mine])),
                "differs_last_step": float(np.mean([r["differs_last_step"] for r in mine])),
                "cpu_seconds": float(np.mean([r["cpu_seconds"] for r in mine])),
                "z_step_wall_seconds": float(np.mean([r["stage_wall_seconds"].get("z-step", 0)
                                                      for r in mine]))})
    return table


def markdown(summary, settings):
    lines = [f"Component search on {settings['images']} Train400 images "
             f"({settings['command']}); CPU seconds per image (process time).", "",
             "| sigma | search | PSNR (dB) | change vs exhaustive | differs, first step "
             "| differs, last step | CPU s / image | z-step wall s |",
             "|---|---|---|---|---|---|---|---|"]
    for r in summary:
        lines.append(f"| {r['sigma']} | {r['search']} | {r['psnr']:.3f} | {r['psnr_change']:+.4f} "
                     f"| {100 * r['differs_first_step']:.1f} % | "
                     f"{100 * r['differs_last_step']:.1f} % | {r['cpu_seconds']:.2f} | "
                     f"{r['z_step_wall_seconds']:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.component_search",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="training images (Train400)")
    parser.add_argument("--images", type=int, default=16)
    parser.add_argument("--sigmas", type=int, nargs="+", default=[15, 25, 50])
    parser.add_argument("--shortlists", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "component_search.json")
    args = parser.parse_args(argv)
    paths, pixels = spread_training_images(args.data, args.images)
    images = [(Path(path).name, image) for path, image in zip(paths, pixels)]
    settings = {"command": "python -m benchmarks.tuning.component_search "
                           + " ".join(argv if argv is not None else sys.argv[1:]),
                "images": [name for name, _ in images], "sigmas": args.sigmas,
                "shortlists": args.shortlists, "seed": args.seed,
                "prior": str(pretrained_path("gmm").name)}
    rows = evaluate(images, args.sigmas, args.shortlists, args.seed)
    summary = summarise(rows)
    write_json_atomic(args.out, {"settings": settings, "summary": summary, "rows": rows})
    text = markdown(summary, dict(settings, images=len(images)))
    args.out.with_suffix(".md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
