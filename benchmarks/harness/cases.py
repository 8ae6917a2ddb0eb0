"""The run over degraded cases (deblurring, inpainting, Deep Image Prior).

A run measures every method on every (image, condition) pair, a *condition*
being one degradation (a kernel and a noise level, or a mask). Time and memory
as :mod:`benchmarks.harness.measure`, scores as :mod:`benchmarks.harness.scoring`.
A method is ``run(observed, *, rng, **params) -> estimate``.
"""
from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass, field

import numpy as np

from benchmarks.harness.machine import utc_now
from benchmarks.harness.markdown import publish, table
from benchmarks.harness.measure import max_rss_mib, measure_call
from benchmarks.harness.noise import method_rng
from benchmarks.harness.results import write_json_atomic
from benchmarks.harness.scoring import score


@dataclass(frozen=True)
class Degraded:
    """One degraded test case: what the methods see and what they are scored against.

    Attributes
    ----------
    condition : str
        Label of the degradation (e.g. ``"k3 σ=2.55"`` or ``"80% missing at random"``).
    clean, observed : ndarray
    params : dict
        What a method needs besides ``observed`` (kernel and sigma, or the
        mask of known pixels); passed as keyword arguments to ``Method.run``.
    fields : dict
        Extra columns of the result rows (kernel name, sigma, ...).
    """

    condition: str
    clean: np.ndarray
    observed: np.ndarray
    params: dict = field(default_factory=dict)
    fields: dict = field(default_factory=dict)


def run_cases(images, degrade, methods, *, settings, seed, json_path=None, warmup=None, log=None):
    """Run every method on every degraded version of every image.

    Parameters
    ----------
    images : list of benchmarks.harness.data.TestImage
    degrade : callable
        ``degrade(image) -> list of Degraded``.
    methods : list of benchmarks.harness.methods.Method
    settings : dict
        Recorded as the JSON's ``settings``.
    seed : int
        Seeds the methods' generators (``method_rng(seed, image.index, case_number)``).
    json_path : Path, optional
        Rewritten atomically after every image (``"complete": false`` until the end).
    warmup : Degraded, optional
        Run every method once on it, untimed, first (numba compilation).
    log : file, optional
        Progress stream (default stderr), one line per result.

    Returns
    -------
    dict
        ``settings, rows, summaries, complete, process_max_rss_mib, finished``.
    """
    log = sys.stderr if log is None else log
    result = {"settings": settings, "rows": [], "summaries": [], "complete": False}
    if warmup is not None:
        for method in methods:
            method.run(warmup.observed, rng=method_rng(seed, 0, 0), **warmup.params)
    for image in images:
        for number, case in enumerate(degrade(image)):
            for method in methods:
                estimate, measured = measure_call(method.run, case.observed,
                                                  rng=method_rng(seed, image.index, number),
                                                  **case.params)
                if np.shape(estimate) != case.observed.shape:
                    raise ValueError(f"method {method.name} returned shape {np.shape(estimate)} "
                                     f"for an input of shape {case.observed.shape}")
                psnr, ssim = score(case.clean, estimate)
                row = {"image": image.name, "index": image.index, "condition": case.condition,
                       **case.fields, "method": method.name, "psnr": psnr, "ssim": ssim,
                       "input_psnr": score(case.clean, case.observed)[0],
                       "seconds": measured.seconds, "peak_rss_mib": measured.peak_rss_mib,
                       "peak_growth_mib": measured.peak_growth_mib}
                result["rows"].append(row)
                print(f"[{len(result['rows'])}] {image.name} {case.condition} {method.name}: "
                      f"PSNR {psnr:.2f} dB (input {row['input_psnr']:.2f})  SSIM {ssim:.4f}  "
                      f"{measured.seconds:.2f} s", file=log, flush=True)
        result["summaries"] = summarise(result["rows"])
        result["process_max_rss_mib"] = max_rss_mib()
        if json_path is not None:
            write_json_atomic(json_path, result)
    result["complete"] = True
    result["finished"] = utc_now()
    if json_path is not None:
        write_json_atomic(json_path, result)
    return result


def run_and_publish(run, degrade, settings, warmup, render):
    """Run a prepared task benchmark (:func:`benchmarks.harness.cli.prepare_run`) over its
    cases, write its JSON and publish its section (``render([result]) -> (key, section)``);
    the exit status."""
    result = run_cases(run.images, degrade, run.methods, settings=settings, seed=run.args.seed,
                       json_path=run.json_path, warmup=warmup)
    key, section = render([result])
    publish(section, key, run.args.markdown, run.json_path)
    return 0


def summarise(rows, keys=("group", "method")):
    """Mean PSNR/SSIM, median and mean seconds, per group of rows.

    Rows are grouped by the values of ``keys`` (a row without a key counts
    as ``None`` there); groups keep the order of first appearance.

    Returns
    -------
    list of dict
        The key values, ``n``, ``psnr_mean``, ``ssim_mean``,
        ``input_psnr_mean``, ``seconds_median``, ``seconds_mean``,
        ``peak_rss_mib_max``.
    """
    groups = {}
    for row in rows:
        groups.setdefault(tuple(row.get(key) for key in keys), []).append(row)
    summaries = []
    for values, group in groups.items():
        peaks = [r["peak_rss_mib"] for r in group if r.get("peak_rss_mib") is not None]
        summaries.append({
            **dict(zip(keys, values)), "n": len(group),
            "psnr_mean": statistics.fmean(r["psnr"] for r in group),
            "ssim_mean": statistics.fmean(r["ssim"] for r in group),
            "input_psnr_mean": statistics.fmean(r["input_psnr"] for r in group),
            "seconds_median": statistics.median(r["seconds"] for r in group),
            "seconds_mean": statistics.fmean(r["seconds"] for r in group),
            "peak_rss_mib_max": max(peaks) if peaks else None,
        })
    return summaries


def render_table(summaries, groups, methods, group_title):
    """Markdown table: one row per group, PSNR / SSIM and median s/image per method.

    Parameters
    ----------
    summaries : list of dict
        From :func:`summarise` with keys ``("group", "method")``.
    groups : list of str
        Row labels, in order (groups without any result are left out).
    methods : list of benchmarks.harness.methods.Method
    group_title : str
        Title of the first column.
    """
    found = {(s["group"], s["method"]): s for s in summaries}
    header = [group_title, "n", "input PSNR"] + [f"{m.label} PSNR / SSIM" for m in methods] \
        + [f"{m.label} s/image" for m in methods]
    rows = []
    for group in groups:
        cells = [found.get((group, m.name)) for m in methods]
        present = [c for c in cells if c]
        if not present:
            continue
        row = [group, str(max(c["n"] for c in present)), f"{present[0]['input_psnr_mean']:.2f}"]
        row += ["—" if c is None else f"{c['psnr_mean']:.2f} / {c['ssim_mean']:.4f}"
                for c in cells]
        row += ["—" if c is None else f"{c['seconds_median']:.2f}" for c in cells]
        rows.append(row)
    return table(header, rows)
