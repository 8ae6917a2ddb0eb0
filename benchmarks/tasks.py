"""Pieces shared by the deblurring and inpainting benchmarks.

A run measures every method on every (image, condition) pair, a
*condition* being one degradation (a kernel and a noise level, or a mask).
Both benchmarks follow the conventions of :mod:`benchmarks.common` (time,
memory) and score like :mod:`benchmarks.bsds` (PSNR and SSIM of the
estimate clipped to [0, 1], ``data_range=1``).
"""
from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass, field

import numpy as np

from benchmarks.bsds import Method, score
from benchmarks.common import max_rss_mib, measure_call, utc_now, write_json_atomic


@dataclass(frozen=True)
class Degraded:
    """One degraded test case: what the methods see and what they are scored against.

    Attributes
    ----------
    condition : str
        Label of the degradation (e.g. ``"k3, σ=2.55"`` or ``"80% missing"``).
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


def method_rng(seed, index, case_number):
    """Generator for a method's own randomness on one case, independent of the degradation's."""
    return np.random.default_rng([int(seed), int(index), int(case_number), 1])


def run_cases(images, degrade, methods, *, settings, seed, json_path=None, warmup=None, log=None):
    """Run every method on every degraded version of every image.

    Parameters
    ----------
    images : list of benchmarks.bsds.TestImage
    degrade : callable
        ``degrade(image) -> list of Degraded``.
    methods : list of Method
        ``run(observed, *, rng, **params) -> estimate``.
    settings : dict
        Recorded as the JSON's ``settings``.
    seed : int
        Seeds the methods' generators (see :func:`method_rng`).
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
        Row labels, in order.
    methods : list of Method
    group_title : str
        Title of the first column.
    """
    found = {(s["group"], s["method"]): s for s in summaries}
    header = [group_title, "n", "input PSNR"] + [f"{m.label} PSNR / SSIM" for m in methods] \
        + [f"{m.label} s/image" for m in methods]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for group in groups:
        cells = [found.get((group, m.name)) for m in methods]
        present = [c for c in cells if c]
        if not present:
            continue
        row = [group, str(max(c["n"] for c in present)), f"{present[0]['input_psnr_mean']:.2f}"]
        row += ["—" if c is None else f"{c['psnr_mean']:.2f} / {c['ssim_mean']:.4f}"
                for c in cells]
        row += ["—" if c is None else f"{c['seconds_median']:.2f}" for c in cells]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def machine_sentence(machine):
    """One line on the machine and software of a run."""
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v)
    load = machine.get("load_average")
    return (f"{machine['platform']}, {machine['cpu_count']} cores"
            + (f" (load average {load[0]:.2f} at start)" if load else "")
            + f"; Python {machine['python']}, {versions}"
            + (f"; git {machine['git_revision']}" if machine.get("git_revision") else ""))


def task_method(name, label, run, unavailable=lambda: None):
    """A :class:`benchmarks.bsds.Method` for a task benchmark.

    ``run(observed, *, rng, **params)`` gets the degraded image and the
    case's parameters (kernel and sigma, or the mask of known pixels).
    """
    return Method(name, label, run, unavailable)

