"""Speed and memory of grey denoising against image size: EPLL (fast and exact) and BM3D.

Usage::

    python -m benchmarks.speed [--sizes 128 256 512 1024 2048 4096] [--sigma 25] \\
        [--methods epll epll-exact bm3d] [--max-size epll-exact=1024 bm3d=2048] \\
        [--out benchmarks/results] [--markdown BENCHMARKS.md]

Every size ``N`` is an ``N x N`` test image made by mirror-tiling the bundled
``data/examples/cameraman.png`` (natural image statistics at any size, no
external data), with seeded, unclipped Gaussian noise of ``--sigma`` (0-255
scale). In one process, after a warm-up call of every method on a 64x64 crop
(numba compilation is not timed), each method denoises each size once, or
the best of ``--repeats`` runs for images of at most 512x512:

- seconds of the call (wall clock) and seconds per megapixel: time linear in
  the pixel count means a flat seconds-per-megapixel column;
- peak resident memory during the call (interpreter and libraries
  included) and its growth over the resident memory before the call
  (:func:`benchmarks.harness.measure.measure_call`);
- for EPLL, the seconds per solver stage (:class:`restore.core.stopwatch.Stopwatch`:
  patch extraction, z-step, accumulation, x-step);
- PSNR against the clean image.

Besides, the ``restore`` command itself is timed once end to end, in a child
process, on the bundled ``data/examples/cameraman_noisy25.png`` with ``--sigma
25`` (:mod:`benchmarks.harness.command_time`): process start to output
written, prior loading included (``--exact`` when only the exact path is run).

EPLL runs the denoising recipe (:data:`restore.recipes.DENOISE`: its schedule,
fast-path settings and patch window, the library's default prior) with a
stopwatch that times its stages.

The slow methods stop at ``--max-size`` (defaults: the exact path at
1024x1024, about 3 min there; BM3D at 2048x2048); skipped cells are recorded
as such. Outputs: ``<out>/speed.json``, ``<out>/speed.png`` (seconds against
pixels, log-log, with a slope-1 guide) and, with ``--markdown``, the section
``speed`` of that file.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import numpy as np

from benchmarks.harness.command_time import command_note, record_command, time_restore_command
from benchmarks.harness.data import mirror_tiled
from benchmarks.harness.machine import machine_info, utc_now
from benchmarks.harness.markdown import (publish, run_lines, section_text, table,
                                         title_line)
from benchmarks.harness.measure import measure_call
from benchmarks.harness.methods import bm3d_unavailable
from benchmarks.harness.noise import add_gaussian_noise, noise_rng
from benchmarks.harness.results import RESULTS_DIR, ROOT, shown_path, write_json_atomic
from benchmarks.harness.scoring import psnr
from restore.core.stopwatch import Stopwatch

SOURCE_IMAGE = ROOT / "data" / "examples" / "cameraman.png"
#: The image the command is timed on, end to end (issue 20's start-up criterion).
COMMAND_IMAGE = ROOT / "data" / "examples" / "cameraman_noisy25.png"
DEFAULT_SIZES = (128, 256, 512, 1024, 2048, 4096)
DEFAULT_MAX_SIZE = {"epll-exact": 1024, "bm3d": 2048}
METHOD_LABELS = {"epll": "EPLL, default fast path", "epll-exact": "EPLL, exact path",
                 "bm3d": "BM3D (bm3d package)"}
STAGES = ("extract", "z-step", "accumulate", "x-step", "oracle")


def epll_runner(exact):
    """``run(noisy, sigma, stopwatch)``: grey EPLL denoising with the recipe's settings."""
    def run(noisy, sigma, stopwatch):
        from priors.registry import get_prior
        from restore.recipes import DENOISE

        prior = get_prior(DENOISE.default_prior)
        return DENOISE.restore(noisy, sigma, prior, exact=exact, rng=0, stopwatch=stopwatch)
    return run


def run_bm3d(noisy, sigma, stopwatch):
    import bm3d

    return np.asarray(bm3d.bm3d(noisy, sigma_psd=sigma)).reshape(noisy.shape)


RUNNERS = {"epll": epll_runner(False), "epll-exact": epll_runner(True), "bm3d": run_bm3d}


def time_method(name, noisy, clean, sigma, repeats):
    """Best of ``repeats`` calls: seconds, peak memory, stage seconds and PSNR."""
    best = None
    for _ in range(repeats):
        watch = Stopwatch()
        estimate, measurement = measure_call(RUNNERS[name], noisy, sigma, watch)
        if best is None or measurement.seconds < best[1].seconds:
            best = (estimate, measurement, dict(watch.seconds))
    estimate, measurement, stages = best
    pixels = noisy.size
    return {
        "seconds": measurement.seconds,
        "seconds_per_megapixel": measurement.seconds / (pixels / 1e6),
        "peak_rss_mib": measurement.peak_rss_mib,
        "peak_growth_mib": measurement.peak_growth_mib,
        "stages": stages,
        "psnr": psnr(clean, estimate),
        "repeats": repeats,
    }


def linear_fit(rows, method, min_pixels=512 * 512):
    """Least-squares ``seconds = a * megapixels + b`` over sizes of at least ``min_pixels``,
    and the exponent of a log-log fit (1 means linear)."""
    points = [(r["pixels"] / 1e6, r["methods"][method]["seconds"]) for r in rows
              if method in r["methods"] and r["pixels"] >= min_pixels]
    if len(points) < 2:
        return None
    mp, sec = np.array(points).T
    slope, intercept = np.polyfit(mp, sec, 1)
    exponent = np.polyfit(np.log(mp), np.log(sec), 1)[0]
    return {"seconds_per_megapixel": float(slope), "intercept_seconds": float(intercept),
            "loglog_exponent": float(exponent), "sizes_used": len(points)}


def plot(result, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    rows = result["rows"]
    for method in result["settings"]["methods"]:
        points = [(r["pixels"], r["methods"][method]["seconds"]) for r in rows
                  if method in r["methods"]]
        if points:
            px, sec = zip(*points)
            ax.loglog(px, sec, "o-", label=METHOD_LABELS[method])
    px = np.array([r["pixels"] for r in rows], dtype=float)
    largest = next((r for r in reversed(rows) if "epll" in r["methods"]), None)
    if largest is not None:
        ax.loglog(px, largest["methods"]["epll"]["seconds"] * px / largest["pixels"], "k:",
                  label="linear in pixels (slope 1, through the largest)")
    ax.set_xlabel("pixels")
    ax.set_ylabel("seconds per image")
    ax.set_title(f"Grey denoising, sigma {result['settings']['sigma']:g}, "
                 f"{result['settings']['machine']['cpu_count']} cores")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _cell(row, method, key, fmt):
    values = row["methods"].get(method)
    if values is None:
        return f"skipped ({row['skipped'][method]})" if key == "seconds" else ""
    value = values[key]
    return "-" if value is None else format(value, fmt)


def _stage_table(rows, method):
    """Seconds per solver stage of one EPLL path, and their share of the call."""
    body = []
    for row in rows:
        values = row["methods"].get(method)
        if values is None:
            continue
        total = values["seconds"]
        parts = [values["stages"].get(stage, 0.0) for stage in STAGES]
        body.append([f"{row['size']}x{row['size']}"]
                    + [f"{p:.2f} ({100 * p / total:.0f} %)" for p in parts + [total - sum(parts)]])
    return table(["size", *STAGES, "other"], body)


def render_section(result):
    """The markdown section of a run."""
    settings, rows = result["settings"], result["rows"]
    methods = settings["methods"]
    header = ["size", "megapixels"]
    for m in methods:
        header += [f"{METHOD_LABELS[m]} s", "s/MP", "peak MiB"]
    body = [[f"{row['size']}x{row['size']}", f"{row['pixels'] / 1e6:.3f}"]
            + [c for m in methods for c in (_cell(row, m, "seconds", ".2f"),
                                            _cell(row, m, "seconds_per_megapixel", ".2f"),
                                            _cell(row, m, "peak_rss_mib", ".0f"))]
            for row in rows]
    lines = [title_line("Speed and memory against image size (grey denoising)", settings), "",
             *run_lines(settings),
             f"Image: `{settings['source']}` mirror-tiled, sigma {settings['sigma']:g}, one "
             "process, methods warmed up first.", "", table(header, body), "",
             "Linear fit over the sizes from 512x512 up (seconds = a * megapixels + b; a log-log "
             "exponent of 1 means time linear in pixels):", ""]
    lines += [f"- {METHOD_LABELS[method]}: a = {fit['seconds_per_megapixel']:.2f} s/MP, "
              f"b = {fit['intercept_seconds']:.2f} s, exponent {fit['loglog_exponent']:.3f} "
              f"({fit['sizes_used']} sizes)" for method, fit in result["fits"].items() if fit]
    for method in [m for m in methods if m.startswith("epll")]:
        lines += ["", f"Time by stage, {METHOD_LABELS[method]} (seconds; share of the call):", "",
                  _stage_table(rows, method)]
    if "bm3d" in methods and "epll" in methods:
        ratios = [f"{r['size']}: "
                  f"{r['methods']['bm3d']['seconds'] / r['methods']['epll']['seconds']:.1f}x"
                  for r in rows if "bm3d" in r["methods"] and "epll" in r["methods"]]
        lines += ["", "BM3D time / EPLL default time, same run: " + ", ".join(ratios) + "."]
    note = command_note(result)
    lines += ["", note] if note else []
    lines += ["", f"Plot: `{settings['plot']}`. Raw results: `{settings['json']}`."]
    return section_text(lines)


def render_results(results):
    """``("speed", markdown section)`` of a saved run (one JSON document in a list)."""
    (result,) = results
    return "speed", render_section(result)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES),
                        help="image side lengths (default: %(default)s)")
    parser.add_argument("--sigma", type=float, default=25.0, help="noise level, 0-255 scale")
    parser.add_argument("--methods", nargs="+", choices=sorted(RUNNERS),
                        default=["epll", "epll-exact", "bm3d"])
    parser.add_argument("--max-size", nargs="*", default=[], metavar="METHOD=N",
                        help="largest side per method (defaults: epll-exact=1024 bm3d=2048)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="best of this many calls for images up to 512x512 (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--markdown", type=Path,
                        help="markdown file whose 'speed' section to replace")
    return parser


def _max_sizes(parser, specs):
    sizes = dict(DEFAULT_MAX_SIZE)
    for spec in specs:
        name, _, value = spec.partition("=")
        if name not in RUNNERS or not value.isdigit():
            parser.error(f"--max-size takes METHOD=N with METHOD in {sorted(RUNNERS)}, "
                         f"got {spec!r}")
        sizes[name] = int(value)
    return sizes


def measure_sizes(source, args, methods, max_sizes, settings, json_path):
    """Every method at every size (skipping those over its largest size); the result,
    written after every size."""
    sigma = args.sigma / 255
    warm = mirror_tiled(source, 64, 64)
    for method in methods:
        RUNNERS[method](warm, sigma, Stopwatch())
    rows, result = [], {"settings": settings, "rows": [], "complete": False, "fits": {}}
    for size in sorted(args.sizes):
        clean = mirror_tiled(source, size, size)
        noisy = add_gaussian_noise(clean, sigma, noise_rng(args.seed, size, args.sigma))
        noisy = noisy.astype(np.float32)
        row = {"size": size, "pixels": size * size, "methods": {}, "skipped": {}}
        for method in methods:
            if size > max_sizes.get(method, size):
                row["skipped"][method] = f"> {max_sizes[method]}"
                continue
            repeats = args.repeats if size <= 512 else 1
            row["methods"][method] = m = time_method(method, noisy, clean, sigma, repeats)
            print(f"{size}x{size} {method}: {m['seconds']:.2f} s "
                  f"({m['seconds_per_megapixel']:.2f} s/MP), peak {m['peak_rss_mib']:.0f} MiB, "
                  f"PSNR {m['psnr']:.2f} dB", file=sys.stderr, flush=True)
        rows.append(row)
        result = {"settings": settings, "rows": rows, "complete": False,
                  "fits": {m: linear_fit(rows, m) for m in methods}}
        write_json_atomic(json_path, result)
    result["complete"] = True
    write_json_atomic(json_path, result)
    return result


def time_command(methods):
    """``(measurement, details)`` of the command on :data:`COMMAND_IMAGE` at sigma 25, for
    the default path (or the exact one when only it runs); ``(None, {})`` without EPLL."""
    method = next((m for m in ("epll", "epll-exact") if m in methods), None)
    if method is None:
        return None, {}
    options = ["--sigma", "25"] + (["--exact"] if method == "epll-exact" else [])
    measured = time_restore_command(COMMAND_IMAGE, options, input_name=COMMAND_IMAGE.name)
    return measured, {"method": method, "image": shown_path(COMMAND_IMAGE)}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if any(size < 16 for size in args.sizes):
        parser.error("--sizes must be at least 16")
    max_sizes = _max_sizes(parser, args.max_size)
    methods = list(args.methods)
    missing = bm3d_unavailable() if "bm3d" in methods else None
    if missing:
        print(f"skipping bm3d: {missing}", file=sys.stderr)
        methods.remove("bm3d")

    from restore.io import read_image

    source = read_image(SOURCE_IMAGE)[0].astype(np.float32)
    json_path, plot_path = args.out / "speed.json", args.out / "speed.png"
    settings = {"command": "python -m benchmarks.speed " + shlex.join(argv), "started": utc_now(),
                "machine": machine_info(), "source": shown_path(SOURCE_IMAGE),
                "sigma": args.sigma, "sizes": args.sizes, "methods": methods, "seed": args.seed,
                "max_size": max_sizes, "json": shown_path(json_path),
                "plot": shown_path(plot_path)}
    measured, details = time_command(methods)
    result = measure_sizes(source, args, methods, max_sizes, settings, json_path)
    record_command(result, measured, **details)
    write_json_atomic(json_path, result)
    plot(result, plot_path)
    publish(render_section(result), "speed", args.markdown, json_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
