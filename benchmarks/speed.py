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
  (:func:`benchmarks.common.measure_call`);
- for EPLL, the seconds per solver stage (:class:`restore.core.stopwatch.Stopwatch`:
  patch extraction, z-step, accumulation, x-step);
- PSNR against the clean image.

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

from benchmarks.bsds import METHODS as DENOISERS, _machine_line
from benchmarks.common import (add_gaussian_noise, machine_info, measure_call, noise_rng,
                               update_markdown_file, utc_now, write_json_atomic)
from restore.core.stopwatch import Stopwatch

ROOT = Path(__file__).resolve().parent.parent
SOURCE_IMAGE = ROOT / "data" / "examples" / "cameraman.png"
DEFAULT_SIZES = (128, 256, 512, 1024, 2048, 4096)
DEFAULT_MAX_SIZE = {"epll-exact": 1024, "bm3d": 2048}
METHOD_LABELS = {"epll": "EPLL, default fast path", "epll-exact": "EPLL, exact path",
                 "bm3d": "BM3D (bm3d package)"}
STAGES = ("extract", "z-step", "accumulate", "x-step")


def tiled_image(source, size):
    """``size x size`` image: ``source`` mirror-tiled (``np.pad`` symmetric) and cropped."""
    reps = [max(0, size - n) for n in source.shape]
    return np.ascontiguousarray(np.pad(source, [(0, r) for r in reps], mode="symmetric")[:size, :size])


def _epll(exact):
    def run(noisy, sigma, stopwatch):
        from priors.registry import get_prior
        from restore.epll import epll_denoise

        return epll_denoise(noisy, sigma, get_prior("gmm"), exact=exact, rng=0,
                            stopwatch=stopwatch)
    return run


def _bm3d(noisy, sigma, stopwatch):
    import bm3d

    return np.asarray(bm3d.bm3d(noisy, sigma_psd=sigma)).reshape(noisy.shape)


RUNNERS = {"epll": _epll(False), "epll-exact": _epll(True), "bm3d": _bm3d}


def time_method(name, noisy, clean, sigma, repeats):
    """Best of ``repeats`` calls: seconds, peak memory, stage seconds and PSNR."""
    from skimage.metrics import peak_signal_noise_ratio

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
        "psnr": float(peak_signal_noise_ratio(clean, np.clip(estimate, 0, 1), data_range=1)),
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


def render_section(result):
    settings, rows = result["settings"], result["rows"]
    methods = settings["methods"]
    lines = [
        "## Speed and memory against image size (grey denoising)",
        "",
        f"Command: `{settings['command']}`  ",
        f"Date: {settings['started'][:10]} (UTC). Machine: {_machine_line(settings['machine'])}.",
        f"Image: `{settings['source']}` mirror-tiled, "
        f"sigma {settings['sigma']:g}, one process, methods warmed up first.",
        "",
        "| size | megapixels | " + " | ".join(
            f"{METHOD_LABELS[m]} s | s/MP | peak MiB" for m in methods) + " |",
        "|---|---|" + "---|---|---|" * len(methods),
    ]
    for row in rows:
        cells = []
        for m in methods:
            cells += [_cell(row, m, "seconds", ".2f"), _cell(row, m, "seconds_per_megapixel", ".2f"),
                      _cell(row, m, "peak_rss_mib", ".0f")]
        lines.append(f"| {row['size']}x{row['size']} | {row['pixels'] / 1e6:.3f} | "
                     + " | ".join(cells) + " |")
    lines += ["", "Linear fit over the sizes from 512x512 up (seconds = a * megapixels + b; "
              "a log-log exponent of 1 means time linear in pixels):", ""]
    for method, fit in result["fits"].items():
        if fit:
            lines.append(f"- {METHOD_LABELS[method]}: a = {fit['seconds_per_megapixel']:.2f} s/MP, "
                         f"b = {fit['intercept_seconds']:.2f} s, exponent "
                         f"{fit['loglog_exponent']:.3f} ({fit['sizes_used']} sizes)")
    stage_methods = [m for m in methods if m.startswith("epll")]
    for method in stage_methods:
        lines += ["", f"Time by stage, {METHOD_LABELS[method]} (seconds; share of the call):", "",
                  "| size | " + " | ".join(STAGES) + " | other |",
                  "|---|" + "---|" * (len(STAGES) + 1)]
        for row in rows:
            values = row["methods"].get(method)
            if values is None:
                continue
            total = values["seconds"]
            parts = [values["stages"].get(stage, 0.0) for stage in STAGES]
            cells = [f"{p:.2f} ({100 * p / total:.0f} %)" for p in parts + [total - sum(parts)]]
            lines.append(f"| {row['size']}x{row['size']} | " + " | ".join(cells) + " |")
    if "bm3d" in methods and "epll" in methods:
        ratios = [f"{r['size']}: {r['methods']['bm3d']['seconds'] / r['methods']['epll']['seconds']:.1f}x"
                  for r in rows if "bm3d" in r["methods"] and "epll" in r["methods"]]
        lines += ["", "BM3D time / EPLL default time, same run: " + ", ".join(ratios) + "."]
    lines += ["", f"Plot: `{settings['plot']}`. Raw results: `{settings['json']}`."]
    return "\n".join(lines) + "\n"


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__.split("\n")[0])
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
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--markdown", type=Path, help="markdown file whose 'speed' section to replace")
    return parser


def _max_sizes(parser, specs):
    sizes = dict(DEFAULT_MAX_SIZE)
    for spec in specs:
        name, _, value = spec.partition("=")
        if name not in RUNNERS or not value.isdigit():
            parser.error(f"--max-size takes METHOD=N with METHOD in {sorted(RUNNERS)}, got {spec!r}")
        sizes[name] = int(value)
    return sizes


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv)
    if any(size < 16 for size in args.sizes):
        parser.error("--sizes must be at least 16")
    max_sizes = _max_sizes(parser, args.max_size)
    methods = list(args.methods)
    missing = DENOISERS["bm3d"].unavailable() if "bm3d" in methods else None
    if missing:
        print(f"skipping bm3d: {missing}", file=sys.stderr)
        methods.remove("bm3d")

    from restore.io import read_image

    source = read_image(SOURCE_IMAGE)[0].astype(np.float32)
    sigma = args.sigma / 255
    args.out.mkdir(parents=True, exist_ok=True)
    json_path, plot_path = args.out / "speed.json", args.out / "speed.png"
    settings = {"command": "python -m benchmarks.speed " + shlex.join(argv), "started": utc_now(),
                "machine": machine_info(), "source": str(SOURCE_IMAGE.relative_to(ROOT)),
                "sigma": args.sigma, "sizes": args.sizes, "methods": methods, "seed": args.seed,
                "max_size": max_sizes, "json": str(json_path), "plot": str(plot_path)}
    warm = tiled_image(source, 64)
    for method in methods:
        RUNNERS[method](warm, sigma, Stopwatch())
    rows = []
    for size in sorted(args.sizes):
        clean = tiled_image(source, size)
        noisy = add_gaussian_noise(clean, sigma, noise_rng(args.seed, size, args.sigma)).astype(np.float32)
        row = {"size": size, "pixels": size * size, "methods": {}, "skipped": {}}
        for method in methods:
            if size > max_sizes.get(method, size):
                row["skipped"][method] = f"> {max_sizes[method]}"
                continue
            repeats = args.repeats if size <= 512 else 1
            row["methods"][method] = time_method(method, noisy, clean, sigma, repeats)
            m = row["methods"][method]
            print(f"{size}x{size} {method}: {m['seconds']:.2f} s ({m['seconds_per_megapixel']:.2f} s/MP), "
                  f"peak {m['peak_rss_mib']:.0f} MiB, PSNR {m['psnr']:.2f} dB", file=sys.stderr, flush=True)
        rows.append(row)
        result = {"settings": settings, "rows": rows, "complete": False,
                  "fits": {m: linear_fit(rows, m) for m in methods}}
        write_json_atomic(json_path, result)
    result["complete"] = True
    write_json_atomic(json_path, result)
    plot(result, plot_path)
    section = render_section(result)
    print(section)
    if args.markdown:
        update_markdown_file(args.markdown, "speed", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
