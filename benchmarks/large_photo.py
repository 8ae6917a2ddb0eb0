"""Time and peak memory of the command on one large noisy RGB photo (issue 5: 24 megapixels).

Usage::

    python -m benchmarks.large_photo --source ../shared/data/bsds500_test/100007.jpg \\
        [--width 6000] [--height 4000] [--sigma 25] [--tile N] [--markdown BENCHMARKS.md]

The photo is ``--source`` (an 8-bit RGB training image; BSD68/CBSD68 are
refused) mirror-tiled to ``--width x --height`` pixels, with seeded,
unclipped Gaussian noise of ``--sigma`` (0-255 scale), then rounded to an
8-bit PNG, as a camera would deliver it. The command itself then restores
it in a child process, exactly as a user would run it::

    python -m restore.cli noisy.png --sigma 25 -o restored.png

so the time is the command's end-to-end wall time (process start to output
written: the interpreter, the prior loading, reading and writing the PNGs
included; recorded as ``command_wall_seconds`` too), and the peak memory is
the child's own high-water mark (``getrusage(RUSAGE_CHILDREN).ru_maxrss``,
taken in a small intermediate process: the interpreter, the libraries and
the image included). PSNR is measured
against the clean tiled photo. Outputs: ``<out>/large_photo.json`` and, with
``--markdown``, the section ``large-photo`` of that file.
"""
from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.harness.data import load_image, mirror_tiled, refuse_test_set
from benchmarks.harness.machine import machine_info, utc_now
from benchmarks.harness.markdown import publish, run_lines, section_text, table, title_line
from benchmarks.harness.noise import add_gaussian_noise, noise_rng
from benchmarks.harness.results import RESULTS_DIR, ROOT, shown_path, write_json_atomic
from benchmarks.harness.scoring import psnr


#: Runs argv[1:] and prints its peak RSS (KiB). A child's ru_maxrss starts from the high-water
#: mark of the process that forked it, so the command is started from this small process
#: rather than from the benchmark, whose own peak (the photo in float64) would be reported.
_PEAK_REPORTER = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
                  "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run_command(noisy_path, restored_path, sigma255, tile):
    """Run the command in a child process: ``(seconds, its peak RSS in MiB, the command shown)``."""
    command = [sys.executable, "-m", "restore.cli", str(noisy_path), "--sigma", f"{sigma255:g}",
               "-o", str(restored_path)]
    if tile:
        command += ["--tile", str(tile)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _PEAK_REPORTER, *command], check=True, env=env,
                          cwd=ROOT, stdout=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    *output, peak_kib = done.stdout.strip().splitlines()  # KiB on Linux
    print("\n".join(output), file=sys.stderr)
    shown = ["restore", noisy_path.name] + command[4:]
    shown[shown.index("-o") + 1] = restored_path.name
    return seconds, int(peak_kib) / 1024, shlex.join(shown)


def render_section(result):
    """The markdown section of a run."""
    s, m = result["settings"], result["measured"]
    return section_text([
        title_line("Large photo (the command, one RGB image)", s), "", *run_lines(s),
        f"Photo: `{s['source']}` mirror-tiled to {s['width']}x{s['height']} pixels "
        f"({s['width'] * s['height'] / 1e6:.1f} megapixels, RGB), noise sigma {s['sigma']:g}/255 "
        f"(seed {s['seed']}), saved as an 8-bit PNG; restored by `{m['child_command']}` in a "
        "child process (reading and writing the PNGs included).", "",
        table(["pixels", "seconds (command, end to end)", "s / megapixel",
               "peak memory of the command (MiB)", "PSNR noisy -> restored (dB)"],
              [[f"{s['width']}x{s['height']}x3", f"{m['seconds']:.0f}",
                f"{m['seconds_per_megapixel']:.1f}", f"{m['peak_rss_mib']:.0f}",
                f"{m['psnr_noisy']:.2f} -> {m['psnr_restored']:.2f}"]]), "",
        "Seconds: the command's wall time, process start to output written (interpreter, "
        "prior loading, PNG reading and writing included; measured around the small process "
        "that starts it). Peak memory: the child's "
        "high-water resident set (`getrusage`), interpreter and libraries included.",
        f"Raw results: `{s['json']}`."])


def render_results(results):
    """``("large-photo", markdown section)`` of a saved run (one JSON document in a list)."""
    (result,) = results
    return "large-photo", render_section(result)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.large_photo",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, required=True,
                        help="an 8-bit RGB training image (not BSD68/CBSD68)")
    parser.add_argument("--width", type=int, default=6000)
    parser.add_argument("--height", type=int, default=4000)
    parser.add_argument("--sigma", type=float, default=25.0, help="noise level, 0-255 scale")
    parser.add_argument("--tile", type=int, help="passed to the command's --tile")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--markdown", type=Path,
                        help="markdown file whose 'large-photo' section to replace")
    return parser


def main(argv=None):
    from PIL import Image

    from restore.io import read_image

    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        refuse_test_set(args.source, "take the photo from")
    except ValueError as error:
        parser.error(f"--source must be a training image: {error}")
    if args.width < 16 or args.height < 16:
        parser.error("--width and --height must be at least 16")
    clean = mirror_tiled(load_image(args.source, mode="RGB"), args.height, args.width)
    noisy = add_gaussian_noise(clean, args.sigma / 255, noise_rng(args.seed, 0, args.sigma))
    noisy8 = np.clip(np.round(noisy * 255), 0, 255).astype(np.uint8)
    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.out / "large_photo.json"
    settings = {"command": "python -m benchmarks.large_photo " + shlex.join(argv),
                "started": utc_now(), "machine": machine_info(), "source": shown_path(args.source),
                "width": args.width, "height": args.height, "sigma": args.sigma,
                "seed": args.seed, "tile": args.tile, "json": shown_path(json_path)}
    with tempfile.TemporaryDirectory(prefix="large-photo-") as folder:
        noisy_path, restored_path = Path(folder) / "noisy.png", Path(folder) / "restored.png"
        Image.fromarray(noisy8).save(noisy_path)
        del noisy
        print(f"restoring {args.width}x{args.height} RGB ...", file=sys.stderr, flush=True)
        seconds, peak_mib, child = run_command(noisy_path, restored_path, args.sigma, args.tile)
        restored = read_image(restored_path)[0].astype(np.float64)  # 8-bit PNG -> [0, 1]
    measured = {
        "seconds": seconds, "seconds_per_megapixel": seconds / (args.width * args.height / 1e6),
        "peak_rss_mib": peak_mib, "child_command": child,
        "psnr_noisy": psnr(clean, noisy8 / 255.0),
        "psnr_restored": psnr(clean, restored),
    }
    result = {"settings": settings, "measured": measured, "finished": utc_now(),
              "command_wall_seconds": seconds,
              "command_wall": {"seconds": seconds, "returncode": 0, "output_written": True,
                               "command": child, "height": args.height, "width": args.width,
                               "channels": 3}}
    write_json_atomic(json_path, result)
    publish(render_section(result), "large-photo", args.markdown, json_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
