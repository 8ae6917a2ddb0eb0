"""The seeded-noise denoising run (BSD68 grey, CBSD68 colour): every method on every image
and noise level, in one process, scored, timed and measured.

For every image (sorted by name, the first ``--limit``), every noise level
and every method: add seeded Gaussian noise (:mod:`benchmarks.harness.noise`),
run the method (:func:`benchmarks.harness.measure.measure_call`), score PSNR
and SSIM (:mod:`benchmarks.harness.scoring`). Progress goes to stderr, one
line per (image, sigma, method). Before timing, each method runs once on a
small crop, so numba compilation is not counted in the first image's time.
A method is ``run(noisy, sigma, *, rng) -> estimate`` with ``sigma`` on the
[0, 1] scale. Where the run has one of our EPLL methods, the ``restore`` command
is also timed once, end to end, on the first noisy image at the first noise
level (:mod:`benchmarks.harness.command_time`).
"""
from __future__ import annotations

import statistics
import sys

import numpy as np

from benchmarks.harness.cli import add_run_arguments, prepare_run
from benchmarks.harness.command_time import record_command, time_restore_command
from benchmarks.harness.machine import utc_now
from benchmarks.harness.markdown import publish
from benchmarks.harness.measure import max_rss_mib, measure_call
from benchmarks.harness.noise import method_rng, noisy_pair
from benchmarks.harness.results import write_json_atomic
from benchmarks.harness.scoring import score

WARMUP_SIZE = 48


def run_method(method, clean, noisy, sigma255, *, rng):
    """Run one method on one noisy image and return its result row.

    Returns
    -------
    dict
        ``method, sigma, psnr, ssim, seconds, rss_before_mib, peak_rss_mib,
        peak_growth_mib, peak_source``; the caller adds the image fields.

    Raises
    ------
    ValueError
        If the estimate's shape differs from the input's.
    """
    estimate, measured = measure_call(method.run, noisy, sigma255 / 255.0, rng=rng)
    estimate = np.asarray(estimate)
    if estimate.shape != noisy.shape:
        raise ValueError(f"method {method.name} returned shape {estimate.shape} "
                         f"for an input of shape {noisy.shape}")
    psnr, ssim = score(clean, estimate)
    return {"method": method.name, "sigma": sigma255, "psnr": psnr, "ssim": ssim,
            "seconds": measured.seconds, "rss_before_mib": measured.rss_before_mib,
            "peak_rss_mib": measured.peak_rss_mib, "peak_growth_mib": measured.peak_growth_mib,
            "peak_source": measured.peak_source}


def warm_up(methods, image, sigma255, seed):
    """Run each method once, untimed, on a small centre crop (JIT, caches)."""
    size = min(WARMUP_SIZE, *image.clean.shape[:2])
    _, noisy = noisy_pair(image, sigma255, seed, crop=size)
    for method in methods:
        method.run(noisy, sigma255 / 255.0, rng=method_rng(seed, image.index, sigma255))


def progress_line(row, done, total):
    """One human-readable progress line for stderr."""
    peak = "" if row["peak_rss_mib"] is None else f"  peak {row['peak_rss_mib']:.0f} MiB"
    return (f"[{done}/{total}] {row['image']} sigma={row['sigma']} {row['method']}: "
            f"PSNR {row['psnr']:.2f} dB  SSIM {row['ssim']:.4f}  {row['seconds']:.2f} s{peak}")


def _max_or_none(values):
    values = [v for v in values if v is not None]
    return max(values) if values else None


def summarise(rows, method_order=None):
    """Summarise result rows per (method, sigma), ordered by method (``method_order``, else
    first appearance) then sigma: ``method, sigma, n_images, psnr_mean, ssim_mean,
    seconds_median, seconds_mean, peak_rss_mib_max, peak_growth_mib_max``."""
    groups = {}
    for row in rows:
        groups.setdefault((row["method"], row["sigma"]), []).append(row)
    order = list(method_order or [])
    order += [m for m, _ in groups if m not in order]
    summaries = []
    for method, sigma in sorted(groups, key=lambda key: (order.index(key[0]), key[1])):
        group = groups[(method, sigma)]
        seconds = [r["seconds"] for r in group]
        summaries.append({
            "method": method, "sigma": sigma, "n_images": len(group),
            "psnr_mean": statistics.fmean(r["psnr"] for r in group),
            "ssim_mean": statistics.fmean(r["ssim"] for r in group),
            "seconds_median": statistics.median(seconds),
            "seconds_mean": statistics.fmean(seconds),
            "peak_rss_mib_max": _max_or_none(r.get("peak_rss_mib") for r in group),
            "peak_growth_mib_max": _max_or_none(r.get("peak_growth_mib") for r in group),
        })
    return summaries


#: What a denoising run records besides :func:`benchmarks.harness.cli.prepare_run`'s settings.
DENOISING_SETTINGS = {
    "noise": "image + sigma/255 * default_rng([seed, image_index, sigma]).standard_normal"
             "(full image shape), not clipped; crop taken after",
    "metrics": "skimage.metrics PSNR and SSIM (default window), data_range=1, estimate "
               "clipped to [0, 1]",
    "timing": "time.perf_counter around the method call",
    "memory": "process RSS (VmRSS sampled every 20 ms, plus VmHWM reset/read where allowed), MiB",
}


def command_timer(images, methods, settings, command_options):
    """``time() -> (measurement, details)`` of the ``restore`` command on the run's first
    noisy image at its first noise level (rounded to an 8-bit PNG), with the options of the
    first of ``methods`` in ``command_options`` (name -> options besides ``--sigma``);
    ``(None, {})`` where none is."""
    chosen = next((m.name for m in methods if m.name in command_options), None)

    def measure():
        if chosen is None or not images:
            return None, {}
        image, sigma = images[0], settings["sigmas"][0]
        _, noisy = noisy_pair(image, sigma, settings["seed"], settings["crop"])
        measured = time_restore_command(noisy, ["--sigma", f"{sigma:g}",
                                                *command_options[chosen]])
        return measured, {"method": chosen, "image": f"{image.name}, sigma {sigma:g}"}
    return measure


def run_denoising(images, *, settings, methods, json_path=None, warmup=True, log=None,
                  command=None):
    """Run every method on every image and noise level; return the JSON document.

    Parameters
    ----------
    images : list of benchmarks.harness.data.TestImage
    settings : dict
        Recorded as the JSON's settings; the run reads ``sigmas`` (0-255 scale),
        ``seed`` and ``crop`` from it.
    methods : list of benchmarks.harness.methods.Method
    json_path : Path, optional
        Where to write the document; rewritten after every image with
        ``"complete": false`` until the end, so an interrupted run keeps what it measured.
    warmup : bool
        Run each method once on a small crop before timing.
    log : file, optional
        Progress stream (default ``sys.stderr``).
    command : callable, optional
        ``command() -> (measurement, details)`` (:func:`command_timer`), called once
        before the methods run; recorded as ``command_wall_seconds`` and ``command_wall``.

    Returns
    -------
    dict
        ``settings``, ``rows``, ``summaries``, ``complete``,
        ``process_max_rss_mib``, ``finished`` (and the command's fields).
    """
    sigmas, seed, crop = settings["sigmas"], settings["seed"], settings["crop"]
    log = sys.stderr if log is None else log
    result = {"settings": settings, "rows": [], "summaries": [], "complete": False}
    if command is not None:
        measured, details = command()
        record_command(result, measured, **details)
    if warmup and images and methods:
        warm_up(methods, images[0], sigmas[0], seed)
    total, done = len(images) * len(sigmas) * len(methods), 0
    for image in images:
        for sigma in sigmas:
            clean, noisy = noisy_pair(image, sigma, seed, crop)
            for method in methods:
                row = run_method(method, clean, noisy, sigma,
                                 rng=method_rng(seed, image.index, sigma))
                row = {"image": image.name, "index": image.index,
                       "height": clean.shape[0], "width": clean.shape[1], **row}
                result["rows"].append(row)
                done += 1
                print(progress_line(row, done, total), file=log, flush=True)
        result["summaries"] = summarise(result["rows"], [m.name for m in methods])
        result["process_max_rss_mib"] = max_rss_mib()
        if json_path is not None:
            write_json_atomic(json_path, result)
    result["complete"] = True
    result["finished"] = utc_now()
    result["process_max_rss_mib"] = max_rss_mib()
    if json_path is not None:
        write_json_atomic(json_path, result)
    return result


def add_denoising_arguments(parser, methods, default_methods, default_sigmas=(15, 25, 50)):
    """The options of a denoising benchmark besides ``--data``: ``--sigmas``, those of
    :func:`benchmarks.harness.cli.add_run_arguments` and ``--no-warmup``."""
    parser.add_argument("--sigmas", nargs="+", type=int, default=list(default_sigmas),
                        help="noise levels on the 0-255 scale (default: "
                             f"{' '.join(map(str, default_sigmas))})")
    add_run_arguments(parser, methods, default_methods)
    parser.add_argument("--no-warmup", dest="warmup", action="store_false",
                        help="do not run each method once on a small crop before timing")
    return parser


def run_command(parser, argv, *, prog, methods, default_methods, render, mode="L",
                extra_settings=None, command_options=None):
    """Parse ``argv``, load the data, run, write the JSON and publish the section.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        With ``--data`` and :func:`add_denoising_arguments`.
    argv : list of str
    prog : str
        The command, recorded before the arguments.
    methods : dict
        The benchmark's methods, name -> Method.
    default_methods : tuple of str
    render : callable
        ``render([result]) -> (section key, markdown section)``.
    mode : {"L", "RGB"}
        The images' mode.
    extra_settings : dict, optional
        Recorded in the settings.
    command_options : dict, optional
        Method name -> the ``restore`` command's options that run it (besides ``--sigma``):
        the command is timed end to end once (:func:`command_timer`).

    Returns
    -------
    int
        The exit status.
    """
    run = prepare_run(parser, argv, prog=prog, task="denoise", methods=methods,
                      default_methods=default_methods, mode=mode)
    if run is None:
        return 1
    args = run.args
    n_images = len(run.images)
    settings = {**run.settings,
                "limit": None if n_images == run.n_available else n_images,
                "partial": n_images < run.n_available or args.crop is not None,
                "sigmas": list(dict.fromkeys(args.sigmas)), **DENOISING_SETTINGS,
                **(extra_settings or {})}
    timer = None if command_options is None else command_timer(run.images, run.methods,
                                                               settings, command_options)
    result = run_denoising(run.images, settings=settings, methods=run.methods,
                           json_path=run.json_path, warmup=args.warmup, command=timer)
    key, section = render([result])
    publish(section, key, args.markdown, run.json_path)
    return 0
