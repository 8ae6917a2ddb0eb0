"""Noise that varies across the image (issue 22): ours with the true noise map beside ours and
BM3D at the map's root-mean-square sigma.

Usage::

    python -m benchmarks.noise_map --data ../shared/data/bsd68 [--limit N] \\
        [--low 5 --high 50] [--level-ratio R] [--tag T] [--markdown BENCHMARKS.md]

Each clean grey image ``x`` (sorted by name, the first ``--limit``) gets
``y = x + s * n``, ``n`` standard white noise seeded by image, and ``s`` a map rising
linearly from ``--low`` at the left edge to ``--high`` at the right (0-255 scale).
Methods, in one process:

- ``epll-map``: ``restore.denoise(y, sigma=s)``, the true map;
- ``epll-rms``: ``restore.denoise(y, sigma=rms(s))``, one sigma, the map's root-mean-square;
- ``bm3d-rms``: BM3D 4 (``bm3d.bm3d``, default profile) at ``rms(s)``.

``--level-ratio`` replaces :data:`restore.solvers.noise_levels.LEVEL_RATIO` (the rounding of
each patch's variance; for choosing it on training images). Outputs
``<out>/<dataset>_noise_map[_<tag>].json`` and the section ``noise-map[-<tag>]`` of
``--markdown``.
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

METHODS = ("epll-map", "epll-rms", "bm3d-rms")


def ramp_map(shape, low, high):
    """Sigma on the [0, 1] scale rising linearly from ``low`` (left) to ``high`` (right),
    both on the 0-255 scale."""
    return np.broadcast_to(np.linspace(low, high, shape[1]) / 255, shape).copy()


def run_method(name, noisy, sigma_map):
    """The restored image of one method."""
    from restore import denoise

    rms = float(np.sqrt(np.mean(sigma_map ** 2)))
    if name == "epll-map":
        return denoise(noisy, sigma_map, rng=0)
    if name == "epll-rms":
        return denoise(noisy, rms, rng=0)
    if name == "bm3d-rms":
        import bm3d

        return np.asarray(bm3d.bm3d(noisy, sigma_psd=rms), dtype=np.float64).reshape(noisy.shape)
    raise ValueError(f"unknown method {name!r}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.noise_map",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--low", type=float, default=5.0)
    parser.add_argument("--high", type=float, default=50.0)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--level-ratio", type=float)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tag")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)
    if args.level_ratio is not None:
        from restore.solvers import noise_levels

        noise_levels.LEVEL_RATIO = args.level_ratio
    from restore.solvers.noise_levels import LEVEL_RATIO

    images, _ = load_dataset(args.data, limit=args.limit)
    dataset = Path(args.data).name
    suffix = f"_{args.tag}" if args.tag else ""
    json_path = Path(args.out) / f"{dataset}_noise_map{suffix}.json"
    settings = dict(command="python -m benchmarks.noise_map " + shlex.join(
        sys.argv[1:] if argv is None else argv), started=utc_now(), machine=machine_info(),
        data=shown_path(args.data), dataset=dataset, n_images=len(images), low=args.low,
        high=args.high, methods=args.methods, level_ratio=LEVEL_RATIO, seed=args.seed,
        json=shown_path(json_path), tag=args.tag)
    rows = []
    for image in images:
        sigma_map = ramp_map(image.clean.shape, args.low, args.high)
        rng = np.random.default_rng([args.seed, image.index])
        noisy = (image.clean + sigma_map * rng.standard_normal(image.clean.shape)).astype(
            np.float32)
        for name in args.methods:
            start = time.perf_counter()
            restored = run_method(name, noisy, sigma_map)
            rows.append(dict(image=image.name, method=name, psnr=psnr(image.clean, restored),
                             seconds=time.perf_counter() - start))
            print(f"{image.name} {name}: {rows[-1]['psnr']:.2f} dB {rows[-1]['seconds']:.1f} s",
                  file=sys.stderr, flush=True)
        write_json_atomic(json_path, dict(settings=settings, rows=rows))
    result = dict(settings=settings, rows=rows, finished=utc_now())
    write_json_atomic(json_path, result)
    key = "noise-map" + (f"-{args.tag}" if args.tag else "")
    publish(render_section(result), key, args.markdown, json_path)
    return 0


def render_section(result):
    settings, rows = result["settings"], result["rows"]
    methods = settings["methods"]
    lines = [title_line("Noise maps", settings), "", *run_lines(settings), "",
             f"{settings['n_images']} images of {settings['data']}; y = x + s n with s rising "
             f"linearly from {settings['low']:g} (left edge) to {settings['high']:g} (right "
             "edge) on the 0-255 scale; `-rms` methods are told one sigma, the map's "
             f"root-mean-square. Level ratio {settings['level_ratio']:.4f}.", ""]
    header = ["method", "mean PSNR (dB)", "median s / image"]
    if "epll-map" in methods:
        header.append("epll-map wins on")
    body = []
    by_method = {m: {r["image"]: r for r in rows if r["method"] == m} for m in methods}
    for method in methods:
        mine = list(by_method[method].values())
        if not mine:
            continue
        cells = [method, f"{statistics.mean(r['psnr'] for r in mine):.2f}",
                 f"{statistics.median(r['seconds'] for r in mine):.1f}"]
        if "epll-map" in methods:
            ours = by_method["epll-map"]
            shared = [name for name in by_method[method] if name in ours]
            wins = sum(ours[name]["psnr"] > by_method[method][name]["psnr"] for name in shared)
            cells.append("—" if method == "epll-map" else f"{wins} / {len(shared)} images")
        body.append(cells)
    lines += [table(header, body), "", f"Raw results: `{settings['json']}`."]
    return section_text(lines)


def render_results(results):
    """``(key, markdown section)`` of a saved run."""
    (result,) = results
    tag = result["settings"].get("tag")
    return "noise-map" + (f"-{tag}" if tag else ""), render_section(result)


if __name__ == "__main__":
    sys.exit(main())
