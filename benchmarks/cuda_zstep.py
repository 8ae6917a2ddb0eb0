"""The GMM z-step on a CUDA GPU against the CPU path: BSD68 grey denoising, seconds and PSNR.

Usage::

    python -m benchmarks.cuda_zstep [--data ../shared/data/bsd68] [--sigma 25] \\
        [--priors gmm gmm-untied] [--device cuda] [--limit N] [--seed 0] \\
        [--out benchmarks/results]

Every image of ``--data`` (sorted by name, the first ``--limit``) gets the seeded
noise of the BSD68 benchmark (:mod:`benchmarks.harness.noise`) and is denoised
twice per prior with the denoising recipe's fast path (:data:`restore.recipes.DENOISE`),
the same ``rng``: once on the CPU (numpy and numba, ``device=None``) and once with the
z-step on ``--device`` (:mod:`priors.gmm_torch`). Recorded per image: wall seconds of
each run, the seconds of its patch stages (extraction, z-step, accumulation) and of its
x-steps, and PSNR. A tied prior (``gmm``) searches its components by orientation on
the CPU and exhaustively on the device (the two agree on about 96 % of the patches and
give the same mean PSNR; docs/tuning.md#component-search).

``--device cuda`` refuses at once, with one line, when torch sees no CUDA GPU.
``--device cpu`` runs the torch backend on the CPU: a check of this script on machines
without a GPU (``--device cpu --limit 2``), not a timing. Before timing, both paths
run once on a 64x64 crop (numba compilation, CUDA context, cuBLAS). The JSON is written
after every image (a run cut short keeps what it did): ``<out>/cuda_zstep_<device>.json``
and a markdown table ``<out>/cuda_zstep_<device>.md``.

Not yet run on a GPU. Expected length (an estimate, not a measurement): the CPU path
takes most of it, about 2-4 s an image for ``gmm`` and 1 s for ``gmm-untied`` on a
machine of 16 cores, so about 5 minutes for both priors on all 68 images; ``--priors
gmm`` alone fits in less.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.harness.data import load_dataset
from benchmarks.harness.machine import machine_info, machine_sentence
from benchmarks.harness.noise import method_rng, noisy_pair
from benchmarks.harness.results import write_json_atomic
from benchmarks.harness.scoring import psnr

ROOT = Path(__file__).resolve().parents[1]
PATCH_STAGES = ("extract", "z-step", "accumulate")
WARMUP_SIZE = 64


def torch_device(name):
    """The torch device of ``--device``; one line on stderr and exit 2 without CUDA."""
    import torch

    if name == "cuda" and not torch.cuda.is_available():
        sys.exit(f"error: --device cuda, but torch {torch.__version__} sees no CUDA GPU here; "
                 "run on a machine with one, or check this script with --device cpu --limit 2")
    return torch.device(name)


def run_once(noisy, sigma, prior, device, rng):
    """``(estimate, seconds, stage seconds)`` of one denoising on ``device``."""
    import torch

    from restore.core.stopwatch import Stopwatch
    from restore.recipes import DENOISE

    watch = Stopwatch()
    start = time.perf_counter()
    estimate = DENOISE.restore(noisy, sigma, prior, rng=rng, stopwatch=watch, device=device)
    if device is not None and device.type == "cuda":
        torch.cuda.synchronize(device)
    return estimate, time.perf_counter() - start, dict(watch.seconds)


def summary(rows, priors, device_label):
    """Per prior: mean PSNR and median seconds of both runs, the median speed-up."""
    lines = []
    for prior in priors:
        mine = [row for row in rows if row["prior"] == prior]
        if not mine:
            continue
        cpu = statistics.median(row["cpu"]["seconds"] for row in mine)
        dev = statistics.median(row["device"]["seconds"] for row in mine)
        cpu_patch = statistics.median(row["cpu"]["patch_seconds"] for row in mine)
        dev_patch = statistics.median(row["device"]["patch_seconds"] for row in mine)
        lines.append({
            "prior": prior, "images": len(mine),
            "psnr_cpu": statistics.fmean(row["cpu"]["psnr"] for row in mine),
            "psnr_device": statistics.fmean(row["device"]["psnr"] for row in mine),
            "median_seconds_cpu": cpu, "median_seconds_device": dev,
            "median_speedup": statistics.median(row["cpu"]["seconds"] / row["device"]["seconds"]
                                                for row in mine),
            "median_patch_seconds_cpu": cpu_patch, "median_patch_seconds_device": dev_patch,
            "device": device_label})
    return lines


def markdown(result):
    head = ("| prior | images | PSNR cpu (dB) | PSNR device (dB) | median s cpu | "
            "median s device | median speed-up | patch stages s cpu | patch stages s device |")
    lines = [f"# GMM z-step on {result['device_name']} against the CPU", "",
             f"BSD68 grey, sigma {result['sigma']}, fast path; {result['date']}.",
             f"Machine: {machine_sentence(result['machine'])}.", "",
             head, "|" + "---|" * 9]
    for s in result["summary"]:
        lines.append(f"| {s['prior']} | {s['images']} | {s['psnr_cpu']:.2f} | "
                     f"{s['psnr_device']:.2f} | {s['median_seconds_cpu']:.2f} | "
                     f"{s['median_seconds_device']:.2f} | {s['median_speedup']:.1f}x | "
                     f"{s['median_patch_seconds_cpu']:.2f} | "
                     f"{s['median_patch_seconds_device']:.2f} |")
    lines += ["", "Patch stages: extraction, z-step and accumulation (on the device they "
              "include the transfers of each z-step's image). Wall seconds per image, the "
              "prior loaded and both paths warmed up before."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "bsd68"))
    parser.add_argument("--sigma", type=int, default=25, help="0-255 scale (default 25)")
    parser.add_argument("--priors", nargs="+", default=["gmm", "gmm-untied"])
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda",
                        help="where the z-step runs against the CPU path (cpu: torch on the "
                             "CPU, to check this script)")
    parser.add_argument("--limit", type=int, help="the first N images only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args(argv)
    device = torch_device(args.device)
    import torch

    from priors.registry import get_prior

    images, available = load_dataset(args.data, args.limit)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "torch on the CPU"
    out = Path(args.out)
    json_path, md_path = out / f"cuda_zstep_{args.device}.json", out / f"cuda_zstep_{args.device}.md"
    info = machine_info(("numpy", "numba", "torch"))
    result = {"sigma": args.sigma, "device": str(device), "device_name": name,
              "data": args.data, "images_available": available, "seed": args.seed,
              "date": info["date"], "machine": info, "rows": [], "summary": []}
    sigma = args.sigma / 255
    for prior_name in args.priors:
        prior = get_prior(prior_name)
        _, warm = noisy_pair(images[0], args.sigma, args.seed, crop=WARMUP_SIZE)
        for where in (None, device):
            run_once(warm, sigma, prior, where, 0)
        for image in images:
            clean, noisy = noisy_pair(image, args.sigma, args.seed)
            row = {"image": image.name, "index": image.index, "prior": prior_name}
            for key, where in (("cpu", None), ("device", device)):
                estimate, seconds, stages = run_once(
                    noisy, sigma, prior, where, method_rng(args.seed, image.index, args.sigma))
                row[key] = {"seconds": seconds, "psnr": psnr(clean, estimate),
                            "patch_seconds": sum(stages.get(s, 0.0) for s in PATCH_STAGES),
                            "stages": stages}
            result["rows"].append(row)
            result["summary"] = summary(result["rows"], args.priors, str(device))
            write_json_atomic(json_path, result)
            md_path.write_text(markdown(result))
            print(f"{prior_name} {image.name}: cpu {row['cpu']['seconds']:.2f} s "
                  f"{row['cpu']['psnr']:.2f} dB, {device} {row['device']['seconds']:.2f} s "
                  f"{row['device']['psnr']:.2f} dB", file=sys.stderr, flush=True)
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
