"""Poisson-Gaussian denoising on BSD68 (issue 22): ours and BM3D through the same transform.

Usage::

    python -m benchmarks.poisson_gaussian --data ../shared/data/bsd68 --limit 20 \\
        [--levels 0.01,0.02 0.04,0.04] [--markdown BENCHMARKS.md]

Each clean grey image ``x`` (the first ``--limit``, sorted by name) gets
``y = a Poisson(x / a) + N(0, b^2)`` for each level ``a,b`` of ``--levels`` (the
[0, 1] scale; unclipped, seeded by image and level). Methods, in one process:

- ``epll``: ``restore.denoise(y, noise=PoissonGaussian(a, b))``, the true parameters (the
  recipe's method, :data:`restore.recipes.settings.POISSON_GAUSSIAN_METHOD`: the model's
  noise map);
- ``epll-estimated``: ``restore.denoise(y, noise="poisson-gaussian")``;
- ``epll-anscombe``: ours through the generalised Anscombe transform and its exact
  unbiased inverse instead (``DenoiseRecipe(poisson_gaussian="anscombe")``), true parameters;
- ``bm3d-gat`` / ``bm3d-gat-estimated``: BM3D 4 (``bm3d.bm3d``, default profile)
  through the same transform and inverse
  (:func:`restore.core.anscombe.restore_poisson_gaussian`), true / estimated parameters;
- ``epll-gaussian``: our Gaussian-only denoiser at the equivalent mean sigma,
  ``sqrt(mean(a x + b^2))`` (computed from the clean image).

The estimated parameters are also recorded. Outputs
``<out>/<dataset>_poisson_gaussian_n<limit>[_<tag>].json`` and the section
``poisson-gaussian[-<tag>]`` of ``--markdown``.
"""
from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.harness.data import load_dataset
from benchmarks.harness.machine import machine_info, utc_now
from benchmarks.harness.markdown import publish, run_lines, section_text, table, title_line
from benchmarks.harness.results import RESULTS_DIR, shown_path, write_json_atomic
from benchmarks.harness.scoring import psnr

METHODS = ("epll", "epll-estimated", "epll-anscombe", "bm3d-gat", "bm3d-gat-estimated",
           "epll-gaussian")


def _bm3d(plane, sigma):
    import bm3d

    return np.asarray(bm3d.bm3d(plane, sigma_psd=sigma), dtype=np.float64).reshape(plane.shape)


def run_method(name, clean, noisy, noise, estimated):
    """The restored image of one method."""
    from restore import PoissonGaussian, denoise
    from restore.core.anscombe import restore_poisson_gaussian

    if name == "epll":
        return denoise(noisy, noise=noise, rng=0)
    if name == "epll-estimated":
        return denoise(noisy, noise="poisson-gaussian", rng=0)
    if name == "epll-anscombe":
        import dataclasses

        from priors.registry import get_prior
        from restore.recipes import DENOISE

        anscombe = dataclasses.replace(DENOISE, poisson_gaussian="anscombe")
        return anscombe.restore_poisson_gaussian(noisy, noise, get_prior("gmm"), rng=0)
    if name.startswith("bm3d-gat"):
        used = noise if name == "bm3d-gat" else PoissonGaussian(*estimated)
        return restore_poisson_gaussian(noisy, used, _bm3d)
    if name == "epll-gaussian":
        return denoise(noisy, float(np.sqrt(np.mean(noise.gain * clean + noise.sigma**2))),
                       rng=0)
    raise ValueError(f"unknown method {name!r}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.poisson_gaussian",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--levels", nargs="+", default=["0.01,0.02", "0.04,0.04"])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--tag", help="suffix of the JSON file and the markdown section")
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)
    from restore import PoissonGaussian, estimate_noise_poisson_gaussian

    levels = [tuple(float(v) for v in level.split(",")) for level in args.levels]
    images, _ = load_dataset(args.data, limit=args.limit)
    dataset = Path(args.data).name
    suffix = f"_{args.tag}" if args.tag else ""
    json_path = Path(args.out) / f"{dataset}_poisson_gaussian_n{args.limit}{suffix}.json"
    settings = dict(command="python -m benchmarks.poisson_gaussian " + shlex.join(
        sys.argv[1:] if argv is None else argv), started=utc_now(), machine=machine_info(),
        data=shown_path(args.data), limit=args.limit, levels=levels, methods=args.methods,
        seed=args.seed, json=shown_path(json_path), tag=f"n{args.limit}{suffix}")
    rows = []
    for level_index, (gain, sigma) in enumerate(levels):
        noise = PoissonGaussian(gain, sigma)
        for image in images:
            rng = np.random.default_rng([args.seed, image.index, level_index])
            noisy = (gain * rng.poisson(image.clean / gain)
                     + rng.normal(0, sigma, image.clean.shape)).astype(np.float32)
            estimated = estimate_noise_poisson_gaussian(noisy)
            for name in args.methods:
                start = time.perf_counter()
                restored = run_method(name, image.clean, noisy, noise, estimated)
                rows.append(dict(image=image.name, gain=gain, sigma=sigma, method=name,
                                 psnr=psnr(image.clean, restored),
                                 seconds=time.perf_counter() - start,
                                 estimated_gain=estimated[0], estimated_sigma=estimated[1]))
                print(f"{image.name} a={gain} b={sigma} {name}: {rows[-1]['psnr']:.2f} dB "
                      f"{rows[-1]['seconds']:.1f} s", file=sys.stderr, flush=True)
            write_json_atomic(json_path, dict(settings=settings, rows=rows))
    result = dict(settings=settings, rows=rows)
    write_json_atomic(json_path, result)
    key = "poisson-gaussian" + (f"-{args.tag}" if args.tag else "")
    publish(render_section(result), key, args.markdown, json_path)
    return 0


def render_section(result):
    settings, rows = result["settings"], result["rows"]
    lines = [title_line("Poisson-Gaussian noise", settings), "", *run_lines(settings), "",
             f"The first {settings['limit']} images of {settings['data']}; "
             "y = a Poisson(x / a) + N(0, b^2) on the [0, 1] scale. Mean PSNR (dB) and median "
             "seconds per image.", ""]
    header = ["a, b", *settings["methods"], "estimated a (mean rel. error)",
              "estimated b (mean rel. error)"]
    body = []
    for gain, sigma in settings["levels"]:
        mine = [r for r in rows if r["gain"] == gain and r["sigma"] == sigma]
        if not mine:  # a run still going
            continue
        cells = [f"{gain:g}, {sigma:g}"]
        for method in settings["methods"]:
            chosen = [r for r in mine if r["method"] == method]
            cells.append(f"{statistics.mean(r['psnr'] for r in chosen):.2f} "
                         f"({statistics.median(r['seconds'] for r in chosen):.1f} s)"
                         if chosen else "—")
        first = [r for r in mine if r["method"] == settings["methods"][0]]
        cells.append(f"{statistics.mean(abs(r['estimated_gain'] / gain - 1) for r in first):.1%}")
        cells.append(f"{statistics.mean(abs(r['estimated_sigma'] / sigma - 1) for r in first):.1%}")
        body.append(cells)
    lines += [table(header, body), "", f"Raw results: `{settings['json']}`."]
    return section_text(lines)


def render_results(results):
    """``("poisson-gaussian", markdown section)`` of a saved run."""
    (result,) = results
    return "poisson-gaussian", render_section(result)


if __name__ == "__main__":
    sys.exit(main())
