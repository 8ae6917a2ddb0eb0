"""Deep Image Prior on BSD68 crops: denoising at sigma 25, 50 % inpainting, peers in the same run.

Usage::

    python -m benchmarks.dip --data ../shared/data/bsd68 --train ../shared/data/train400 \\
        [--first 0] [--limit 8] [--crop 128] [--tasks denoise inpaint] \\
        [--methods dip-direct tv biharmonic] [--width 128] [--iterations DENOISE INPAINT] \\
        [--restarts 1] [--device cpu] [--threads 1] [--out benchmarks/results] \\
        [--markdown BENCHMARKS.md]

Degradations as in :mod:`benchmarks.bsds` (noise drawn for the full image,
then the centre crop) and :mod:`benchmarks.inpaint` (``random50`` masks from
``default_rng([seed, index, 50])``, no noise). Methods:

``dip-direct``
    ``restore.denoise`` / ``restore.inpaint`` with a
    :class:`priors.dip.DeepImagePrior` in mode ``"direct"`` (fit
    ``||A f(z) - y||^2``), hourglass of ``--width`` channels (the paper's
    other settings), the task's iterations and early stop; with ``--restarts R``
    the mean of R fits from independent starts.
``dip-hqs``
    The same network as the z-step of whole-image HQS (mode ``"hqs"``).
``tv``
    ``skimage.restoration.denoise_tv_chambolle`` with the weight that
    maximises the mean PSNR on ``--tv-images`` Train400 crops (same crop
    size, sigma 25; never BSD68), chosen at the start of the run.
``biharmonic``
    ``skimage.restoration.inpaint_biharmonic``.

Records per DIP call the Adam steps run (the early stop) and seconds per
step; writes ``<out>/<dataset>_dip[_<tag>].json`` (rewritten after every
image) and a markdown section (key ``<dataset>-dip[-<tag>]``).

On the CPU a run can be split over processes by image (``--first``,
``--limit``, a tag each) and the parts joined into one result::

    python -m benchmarks.dip merge PART.json [PART.json ...] --tag TAG \\
        [--markdown BENCHMARKS.md]
"""
from __future__ import annotations

import argparse
import shlex
import statistics
import sys
from pathlib import Path

import numpy as np

from benchmarks.harness.cases import Degraded, render_table, run_cases, summarise
from benchmarks.harness.cli import json_name, section_key
from benchmarks.harness.data import load_dataset, refuse_test_set
from benchmarks.harness.machine import machine_info, utc_now
from benchmarks.harness.markdown import (closing_lines, publish, run_lines, scope_note,
                                         section_text, table, title_line,
                                         update_markdown_file)
from benchmarks.harness.methods import Method
from benchmarks.harness.noise import noisy_pair
from benchmarks.harness.results import (RESULTS_DIR, join_runs, read_json, shown_path,
                                        write_json_atomic)
from benchmarks.harness.scoring import psnr
from benchmarks.inpaint import degrader as inpaint_degrader

SIGMA255 = 25
TV_WEIGHTS = (0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12, 0.14, 0.16)
GROUPS = {"denoise": f"denoise σ={SIGMA255}", "inpaint": "50% missing at random"}
TASK_METHODS = {"denoise": ("dip-direct", "dip-hqs", "tv"),
                "inpaint": ("dip-direct", "dip-hqs", "biharmonic")}
PEERS = {"denoise": "tv", "inpaint": "biharmonic"}


def tune_tv_weight(folder, n_images, crop, seed):
    """The TV weight of :data:`TV_WEIGHTS` with the best mean PSNR on training crops.

    Returns
    -------
    weight : float
    table : dict
        weight -> mean PSNR.
    """
    refuse_test_set(folder, "tune the TV weight")
    images, _ = load_dataset(folder, n_images)
    table_ = tv_psnr_by_weight([noisy_pair(image, SIGMA255, seed, crop) for image in images])
    return max(table_, key=table_.get), table_


def tv_psnr_by_weight(pairs):
    """Mean PSNR of TV denoising over ``(clean, noisy)`` pairs at each weight of
    :data:`TV_WEIGHTS`, ``{weight: PSNR}``."""
    from skimage.restoration import denoise_tv_chambolle

    return {w: float(np.mean([psnr(clean, denoise_tv_chambolle(noisy, weight=w))
                              for clean, noisy in pairs])) for w in TV_WEIGHTS}


class DipRunner:
    """``run(observed, *, rng, sigma=None, known=None)`` through the public library,
    recording the Adam steps and seconds of every call."""

    def __init__(self, mode, width, iterations, device, restarts=1):
        from priors.dip import DeepImagePrior, Hourglass

        shape = Hourglass(channels_down=width, channels_up=width)
        self.priors = {task: DeepImagePrior(shape, iterations=iterations.get(task), mode=mode,
                                            restarts=restarts, device=device)
                       for task in GROUPS}
        self.calls = []

    def __call__(self, observed, *, rng, sigma=None, known=None):
        import time

        import restore

        seed = int(rng.integers(2**31))
        start = time.perf_counter()
        prior = self.priors["denoise" if known is None else "inpaint"]
        if known is None:
            out = restore.denoise(observed, sigma, prior=prior, rng=seed)
        else:
            out = restore.inpaint(observed, known, prior=prior, rng=seed)
        self.calls.append({"iterations": prior.n_iter_, "seconds": time.perf_counter() - start})
        return out


def denoise_degrader(seed, crop):
    """``degrade(image) -> [Degraded]``: the image with seeded noise of sigma 25."""
    def degrade(image):
        clean, noisy = noisy_pair(image, SIGMA255, seed, crop)
        return [Degraded(GROUPS["denoise"], np.ascontiguousarray(clean),
                         np.ascontiguousarray(noisy), params={"sigma": SIGMA255 / 255},
                         fields={"group": GROUPS["denoise"], "task": "denoise"})]
    return degrade


def tagged(degrade, task):
    """Add ``task`` to the fields of every case ``degrade`` makes."""
    def wrapped(image):
        return [Degraded(c.condition, c.clean, c.observed, c.params, {**c.fields, "task": task})
                for c in degrade(image)]
    return wrapped


def tv_runner(weight):
    """``run(noisy, *, rng, sigma)``: ``denoise_tv_chambolle`` at ``weight``."""
    def run(noisy, *, rng, sigma):
        from skimage.restoration import denoise_tv_chambolle

        return denoise_tv_chambolle(noisy, weight=weight)
    return run


def run_biharmonic(damaged, *, rng, known):
    from skimage.restoration import inpaint_biharmonic

    return inpaint_biharmonic(damaged, ~known)


def dip_statistics(rows, names):
    """Per (task, DIP method): mean/max Adam steps, median seconds per step and per image."""
    stats = []
    for task in GROUPS:
        for name in names:
            chosen = [r for r in rows if r["task"] == task and r["method"] == name]
            if not chosen:
                continue
            stats.append({
                "task": task, "method": name, "n": len(chosen),
                "iterations_mean": statistics.fmean(r["iterations"] for r in chosen),
                "iterations_max": max(r["iterations"] for r in chosen),
                "seconds_per_iteration_median": statistics.median(
                    r["seconds"] / r["iterations"] for r in chosen),
                "seconds_per_image_median": statistics.median(r["seconds"] for r in chosen)})
    return stats


def label(name, settings):
    """Column title of a method in the tables."""
    if name.startswith("dip"):
        return f"DIP {name[4:]}" + (" (default)" if name == settings["default_method"] else "")
    if name == "tv":
        return f"TV (skimage, weight {settings['tv_weight']})"
    return "biharmonic (skimage)"


def _differences(settings, by):
    """Lines ``group: a − b = +x dB`` for the default DIP against the peer and the other mode."""
    default = settings["default_method"]
    other = "dip-hqs" if default == "dip-direct" else "dip-direct"
    lines = []
    for second, suffix in ((PEERS, " (mean PSNR)"), ({t: other for t in GROUPS}, "")):
        for task in settings["tasks"]:
            ours, theirs = by.get((GROUPS[task], default)), by.get((GROUPS[task], second[task]))
            if ours and theirs:
                lines.append(f"{GROUPS[task]}: {default} − {second[task]} = "
                             f"{ours['psnr_mean'] - theirs['psnr_mean']:+.2f} dB{suffix}.  ")
    return lines


def render_section(result):
    """The markdown section of a run (its summaries and DIP statistics recomputed from its rows)."""
    settings, rows = result["settings"], result["rows"]
    names = list(dict.fromkeys(r["method"] for r in rows))
    methods = [Method(name, label(name, settings), None) for name in names]
    summaries = summarise(rows)
    by = {(s["group"], s["method"]): s for s in summaries}
    lines = [title_line(f"{settings['dataset'].upper()} Deep Image Prior (denoising "
                        f"σ={SIGMA255}, 50% inpainting)", settings), "", *run_lines(settings),
             f"torch {settings['torch']} on {settings['device']}, {settings['threads']} "
             "thread(s).", "", scope_note(settings),
             f"DIP network: hourglass depth 5, {settings['width']} down / {settings['width']} up "
             "/ 4 skip channels, 32 input channels (the paper's width is 128); Adam lr 0.01, "
             "input perturbation 1/30, moving average 0.99; at most "
             + ", ".join(f"{n} steps ({t})" for t, n in settings["iterations"].items())
             + "; denoising stops earlier once the average fits the noisy image to within "
             "sigma^2" + (f"; direct DIP averages {settings['restarts']} fits from independent "
                          "starts (seeds s, s+1, ...; Adam steps and seconds count all of them)."
                          if settings.get("restarts", 1) > 1 else ".")]
    lines += [f"The part `{part['json']}` was stopped after {part['finished']} of its "
              f"{part['planned']} images; its finished images are kept."
              for part in settings.get("cut_short_parts", [])]
    if settings.get("tv_weight") is not None:
        lines.append(f"TV weight {settings['tv_weight']} chosen on {settings['tv_images']} "
                     f"Train400 crops (grid {list(TV_WEIGHTS)}; never on BSD68).")
    lines.append("")
    for task in settings["tasks"]:
        present = [m for m in methods if (GROUPS[task], m.name) in by]
        lines += [render_table(summaries, [GROUPS[task]], present, "task"), ""]
    stats = dip_statistics(rows, [n for n in names if n.startswith("dip")])
    if stats:
        lines += [table(["task", "method", "n", "Adam steps mean / max", "s/step (median)",
                         "s/image (median)"],
                        [[s["task"], s["method"], str(s["n"]),
                          f"{s['iterations_mean']:.0f} / {s['iterations_max']}",
                          f"{s['seconds_per_iteration_median']:.3f}",
                          f"{s['seconds_per_image_median']:.1f}"] for s in stats]), ""]
    lines += [*_differences(settings, by), "",
              "PSNR (dB) / SSIM of the estimate clipped to [0, 1] (`data_range=1`); s/image: "
              "median wall-clock seconds of the call, on a machine shared with other jobs "
              "(niced), so an upper bound.", *closing_lines(result)]
    return section_text(lines)


def join_task_runs(results):
    """One result from runs of the same network on the same images that ran different tasks
    (e.g. denoising in one run, inpainting in another)."""
    results = [{**r, "settings": {"first": 0, "restarts": 1, **r["settings"]}} for r in results]
    joined = join_runs(results, joined=("tasks",),
                       free=("methods", "iterations", "tv_weight", "tv_table",
                             "cut_short_parts"))
    settings = joined["settings"]
    settings["methods"] = list(dict.fromkeys(m for r in results for m in r["settings"]["methods"]))
    settings["iterations"] = {task: r["settings"]["iterations"][task] for r in results
                              for task in r["settings"]["tasks"]}
    with_tv = [r["settings"] for r in results if r["settings"].get("tv_weight") is not None]
    settings["tv_weight"] = with_tv[0]["tv_weight"] if with_tv else None
    settings["cut_short_parts"] = [part for r in results
                                   for part in r["settings"].get("cut_short_parts", [])]
    return joined


def render_results(results):
    """``(section key, markdown section)`` of saved runs: one JSON document, or runs of
    different tasks joined (:func:`join_task_runs`)."""
    result = results[0] if len(results) == 1 else join_task_runs(results)
    settings = result["settings"]
    return section_key(settings["dataset"], "dip", settings["tag"]), render_section(result)


def render_saved(json_path, markdown=None):
    """Render the section of a saved (possibly cut-short) run; update ``markdown`` if given."""
    key, section = render_results([read_json(json_path)])
    if markdown is not None:
        update_markdown_file(markdown, key, section)
    return section


def finished_images(part):
    """Images of a saved run that have a row for every (task, method) it runs, in order."""
    settings = part["settings"]
    expected = {(task, m) for task in settings["tasks"] for m in settings["methods"]
                if m in TASK_METHODS[task]}
    seen = {}
    for row in part["rows"]:
        seen.setdefault(row["image"], set()).add((row["task"], row["method"]))
    return [image for image, pairs in seen.items() if pairs >= expected]


def merge_saved(json_paths, tag, out=None, markdown=None):
    """Join the saved results of runs split by image into one result (rows in image order).

    The parts must agree on everything but the images (``first``, ``n_images``),
    the command, the tag and the times, and cover consecutive images. A part
    that was cut short contributes the images it finished (noted in the
    section). Writes ``<out>/<dataset>_dip_<tag>.json`` (``out``: the folder of
    the first part) and returns its rendered section.
    """
    parts = sorted(((read_json(p), Path(p)) for p in json_paths),
                   key=lambda item: item[0]["settings"].get("first", 0))
    varying = {"first", "n_images", "command", "json", "tag", "started", "machine"}
    reference = {k: v for k, v in parts[0][0]["settings"].items() if k not in varying}
    position = parts[0][0]["settings"].get("first", 0)
    rows, cut_short = [], []
    for part, path in parts:
        settings = part["settings"]
        if {k: v for k, v in settings.items() if k not in varying} != reference:
            raise ValueError(f"{settings['json']} was run with other settings than "
                             f"{parts[0][0]['settings']['json']}; only the images may differ")
        if settings.get("first", 0) != position:
            raise ValueError(f"the parts do not cover consecutive images: expected one from "
                             f"image {position + 1}, got {settings['json']}")
        done = settings["n_images"]
        if not part.get("complete", False):
            images = finished_images(part)
            done = len(images)
            cut_short.append({"json": settings["json"], "finished": done,
                              "planned": settings["n_images"]})
            part = {**part, "rows": [r for r in part["rows"] if r["image"] in images]}
        rows += part["rows"]
        position += done
    first = parts[0][0]["settings"]
    start = first.get("first", 0)
    folder = Path(out) if out is not None else parts[0][1].parent
    json_path = folder / json_name(first["dataset"], "dip", tag)
    settings = {**first, "tag": tag, "n_images": position - start,
                "command": [p["settings"]["command"] for p, _ in parts],
                "cut_short_parts": cut_short, "json": shown_path(json_path)}
    merged = {"settings": settings, "rows": rows, "complete": True,
              "finished": max(p.get("finished", p["settings"]["started"]) for p, _ in parts)}
    write_json_atomic(json_path, merged)
    return render_saved(json_path, markdown)


def build_merge_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dip merge",
                                     description="join the results of a run split by image")
    parser.add_argument("parts", nargs="+", type=Path, help="saved JSON of each part")
    parser.add_argument("--tag", required=True, help="tag of the joined result")
    parser.add_argument("--out", type=Path, help="folder of the joined JSON (default: the "
                        "first part's)")
    parser.add_argument("--markdown", type=Path, help="markdown file to update (BENCHMARKS.md)")
    return parser


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dip",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="folder of grey test PNGs")
    parser.add_argument("--train", type=Path, default=Path("../shared/data/train400"),
                        help="training images for the TV weight (never BSD68)")
    parser.add_argument("--tv-images", type=int, default=16)
    parser.add_argument("--first", type=int, default=0,
                        help="index of the first image (to split a run over processes)")
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--crop", type=int, default=128)
    parser.add_argument("--tasks", nargs="+", choices=list(GROUPS), default=list(GROUPS))
    parser.add_argument("--methods", nargs="+",
                        choices=["dip-direct", "dip-hqs", "tv", "biharmonic"],
                        default=["dip-direct", "tv", "biharmonic"])
    parser.add_argument("--width", type=int, default=128,
                        help="channels of the hourglass (the paper's 128 by default)")
    parser.add_argument("--iterations", type=int, nargs=2, metavar=("DENOISE", "INPAINT"),
                        help="most Adam steps per task (default: DEFAULT_ITERATIONS)")
    parser.add_argument("--restarts", type=int, default=1,
                        help="direct DIP: average this many fits from independent starts")
    parser.add_argument("--device", choices=("cpu", "cuda"))
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--tag", help="suffix of the JSON name and markdown key")
    parser.add_argument("--markdown", type=Path, help="markdown file to update (BENCHMARKS.md)")
    return parser


def run_images(images, args, settings, runners, json_path):
    """Image by image, every task (so that a cut-short run covers both); the result."""
    runs = {**runners, "biharmonic": run_biharmonic}
    if settings["tv_weight"] is not None:
        runs["tv"] = tv_runner(settings["tv_weight"])
    registry = {name: Method(name, label(name, settings), run) for name, run in runs.items()}
    methods = {task: [registry[m] for m in TASK_METHODS[task] if m in args.methods]
               for task in args.tasks}
    degraders = {"denoise": denoise_degrader(args.seed, args.crop),
                 "inpaint": tagged(inpaint_degrader(["random50"], args.seed, args.crop),
                                   "inpaint")}
    result = {"settings": settings, "rows": [], "summaries": [], "complete": False}
    for image in images:
        for task in args.tasks:
            done = run_cases([image], degraders[task], methods[task], settings=settings,
                             seed=args.seed)
            for name, runner in runners.items():  # attach steps and seconds, in call order
                rows = [r for r in done["rows"] if r["method"] == name]
                for row, call in zip(rows, runner.calls):
                    row.update(iterations=call["iterations"],
                               seconds_per_iteration=call["seconds"] / call["iterations"])
                runner.calls.clear()
            result["rows"] += done["rows"]
        result["summaries"] = summarise(result["rows"])
        result["dip_statistics"] = dip_statistics(result["rows"], runners)
        write_json_atomic(json_path, result)
    result["complete"] = True
    result["finished"] = utc_now()
    write_json_atomic(json_path, result)
    return result


def main(argv=None):
    """Entry point (``merge`` as the first argument joins saved parts); the exit status."""
    import torch

    from priors.dip import DEFAULT_ITERATIONS, DeepImagePrior, resolve_device

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["merge"]:
        args = build_merge_parser().parse_args(argv[1:])
        print(merge_saved(args.parts, args.tag, args.out, args.markdown))
        return 0
    args = build_parser().parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    images, n_available = load_dataset(args.data, args.first + args.limit)
    images = images[args.first:]
    dataset = args.data.resolve().name
    tag = args.tag or ""
    json_path = args.out / json_name(dataset, "dip", tag)
    settings = {
        "dataset": dataset, "first": args.first, "n_images": len(images),
        "n_images_in_folder": n_available,
        "crop": args.crop, "tasks": args.tasks, "methods": args.methods, "seed": args.seed,
        "width": args.width, "restarts": args.restarts, "device": device,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__, "default_method": f"dip-{DeepImagePrior().mode}",
        "iterations": dict(zip(GROUPS, args.iterations)) if args.iterations
        else {t: DEFAULT_ITERATIONS[t] for t in args.tasks},
        "tag": tag, "command": "python -m benchmarks.dip " + shlex.join(argv),
        "json": shown_path(json_path), "started": utc_now(), "machine": machine_info(),
        "tv_weight": None, "tv_images": args.tv_images,
    }
    if "tv" in args.methods and "denoise" in args.tasks:
        settings["tv_weight"], settings["tv_table"] = tune_tv_weight(
            args.train, args.tv_images, args.crop, args.seed)
        print(f"TV weight {settings['tv_weight']} (Train400 PSNR {settings['tv_table']})",
              file=sys.stderr)
    runners = {name: DipRunner(name.split("-")[1], args.width, settings["iterations"], device,
                               args.restarts)
               for name in args.methods if name.startswith("dip")}
    for runner in runners.values():  # warm-up: first torch calls, untimed
        runner(images[0].clean[:32, :32], rng=np.random.default_rng(0), sigma=0.1)
        runner.calls.clear()
    result = run_images(images, args, settings, runners, json_path)
    key, section = render_results([result])
    publish(section, key, args.markdown, json_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
