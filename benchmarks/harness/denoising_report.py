"""The markdown section of a seeded-noise denoising run (:mod:`benchmarks.harness.denoising`):
one row per noise level, measured PSNR / SSIM, time and memory per method beside the
published numbers."""
from __future__ import annotations

from benchmarks.harness.command_time import command_note
from benchmarks.harness.markdown import (cell, closing_lines, run_lines, scope_note,
                                         section_text, table, title_line)

METRICS_NOTE = (
    "PSNR (dB) / SSIM (scikit-image, `data_range=1`, default SSIM window) of the estimate "
    "clipped to [0, 1], averaged over images; noise N(0, (σ/255)²) from "
    "`np.random.default_rng([seed, image_index, σ])`, not clipped. s/image: median wall-clock "
    "seconds of the method call alone. Peak MiB: highest resident memory of the process "
    "during a call (interpreter and libraries included; the JSON also has the growth during "
    "the call).")


def render_table(summaries, sigmas, methods, published):
    """The comparison table, one row per sigma.

    Parameters
    ----------
    summaries : list of dict
        From :func:`benchmarks.harness.denoising.summarise`.
    sigmas : list of int
    methods : list of benchmarks.harness.methods.Method
        The measured methods, in column order.
    published : dict
        ``{key: {"label": str, "psnr": {sigma: dB}}}``, the papers' numbers.

    Returns
    -------
    str
        Columns: sigma, images, measured PSNR / SSIM per method, published
        PSNR, median seconds per image per method, peak RSS MiB per method.
    """
    by_key = {(s["method"], s["sigma"]): s for s in summaries}
    header = ["σ", "images"] + [f"{m.label} PSNR / SSIM" for m in methods]
    header += [f"{p['label']} PSNR" for p in published.values()]
    header += [f"{m.label} s/image (median)" for m in methods]
    header += [f"{m.label} peak MiB" for m in methods]
    rows = []
    for sigma in sigmas:
        found = [by_key.get((m.name, sigma)) for m in methods]
        counts = [s["n_images"] for s in found if s]
        row = [str(sigma), cell(max(counts) if counts else None, "d")]
        row += ["—" if s is None else f"{s['psnr_mean']:.2f} / {s['ssim_mean']:.4f}"
                for s in found]
        row += [cell(p["psnr"].get(sigma, p["psnr"].get(str(sigma))), ".2f")
                for p in published.values()]
        row += [cell(s and s["seconds_median"], ".2f") for s in found]
        row += [cell(s and s["peak_rss_mib_max"], ".0f") for s in found]
        rows.append(row)
    return table(header, rows)


def render_section(result, methods, *, title, published, published_source, notes=()):
    """The markdown section of a run (also printed to stdout).

    Parameters
    ----------
    result : dict
        The run's JSON document.
    methods : list of benchmarks.harness.methods.Method
        The measured methods, in column order.
    title : str
        Heading (the tag is added).
    published, published_source
        The papers' numbers (as in :func:`render_table`) and where they come from.
    notes : sequence of str
        Sentences on the methods.
    """
    settings = result["settings"]
    lines = [title_line(title, settings), "", *run_lines(settings),
             " ".join([*notes, f"Noise seed {settings['seed']}."]), "",
             scope_note(settings, " Not comparable with the published full-set numbers."), "",
             render_table(result["summaries"], settings["sigmas"], methods, published), "",
             METRICS_NOTE, *filter(None, [command_note(result)]),
             f"Published: {published_source}.", *closing_lines(result)]
    return section_text(lines)
