"""Grey denoising benchmark on BSD68: our EPLL beside BM3D and the papers.

Usage::

    python -m benchmarks.bsds --data ../shared/data/bsd68 --sigmas 15 25 50 \\
        [--limit N] [--crop N] [--methods epll epll-exact bm3d] \\
        [--out benchmarks/results] [--markdown BENCHMARKS.md] [--seed 0]

For every image (sorted by name, the first ``--limit``), every noise level
and every method, in one process: add seeded Gaussian noise (see
:mod:`benchmarks.common` for the seeds, timing and memory definitions), run
the method, score PSNR and SSIM (``skimage.metrics``, ``data_range=1``, on
the estimate clipped to [0, 1], SSIM with scikit-image's default window).
Progress goes to stderr, one line per (image, sigma, method).

Outputs:

- ``<out>/<dataset>_denoise[_<tag>].json``: settings, machine, per-image
  rows and per (method, sigma) summaries. It is rewritten (atomically) after
  every image with ``"complete": false``, so an interrupted run keeps what
  it measured. The tag is ``--tag`` or, by default, made of what differs
  from a full run: ``fast``, ``n<limit>``, ``crop<size>``, the methods.
- a markdown table on stdout; with ``--markdown FILE`` the same text
  replaces the section between ``<!-- <dataset>-denoise:start -->`` and
  ``<!-- <dataset>-denoise:end -->`` of FILE (``-fast`` is added to the key
  for ``--fast`` runs), the rest of the file untouched.

Runs with ``--limit`` or ``--crop`` are labelled partial in both outputs.
Before timing, each method runs once on a small crop (``--no-warmup`` to
skip), so numba compilation is not counted in the first image's time.

New methods join the :data:`METHODS` registry with :func:`register_method`;
a method is ``run(noisy, sigma, *, rng) -> estimate`` with ``sigma``
on the [0, 1] scale.
"""
from __future__ import annotations

import argparse
import importlib.util
import shlex
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from benchmarks.common import (
    add_gaussian_noise,
    centre_crop,
    list_images,
    load_image,
    machine_info,
    max_rss_mib,
    measure_call,
    noise_rng,
    update_markdown_file,
    utc_now,
    write_json_atomic,
)

DEFAULT_SIGMAS = (15, 25, 50)
WARMUP_SIZE = 48

#: Published BSD68 grey PSNR (dB), full images, as tabulated by Zhang et al.
#: 2017 (DnCNN, Table 2). Keys: method name in :data:`METHODS`.
PUBLISHED = {
    "epll": {"label": "EPLL (Zoran & Weiss 2011)", "psnr": {15: 31.21, 25: 28.68, 50: 25.67}},
    "bm3d": {"label": "BM3D (Dabov et al. 2007)", "psnr": {15: 31.07, 25: 28.57, 50: 25.62}},
}
PUBLISHED_SOURCE = ("Zoran & Weiss 2011 and Dabov et al. 2007, as tabulated by Zhang et al. "
                    "2017 (DnCNN, Table 2), full images")


# ---------------------------------------------------------------------------
# Methods
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Method:
    """A denoiser the benchmark can run.

    Attributes
    ----------
    name : str
        Registry key and command-line name.
    label : str
        Column title in the tables.
    run : callable
        ``run(noisy, sigma, *, rng) -> estimate``; ``sigma`` on the [0, 1]
        scale, ``rng`` a Generator for methods that draw random numbers.
    unavailable : callable
        ``unavailable() -> str or None``: why the method cannot run here
        (missing package), or None when it can.
    """

    name: str
    label: str
    run: Callable
    unavailable: Callable[[], str | None]


#: Registry of denoisers, name -> :class:`Method`.
METHODS: dict[str, Method] = {}


def register_method(method):
    """Add a :class:`Method` to :data:`METHODS` (replacing one of the same name).

    Parameters
    ----------
    method : Method

    Returns
    -------
    Method
        The same object.
    """
    METHODS[method.name] = method
    return method


def _run_epll(noisy, sigma, *, rng):
    """Our EPLL with the GMM prior, the library's default (fast) path."""
    from restore import denoise

    return denoise(noisy, sigma=sigma, prior="gmm", rng=rng)


def _run_epll_exact(noisy, sigma, *, rng):
    """Our EPLL's exact reference path (every patch, every component)."""
    from restore import denoise

    return denoise(noisy, sigma=sigma, prior="gmm", exact=True, rng=rng)


def _run_epll_vae(noisy, sigma, *, rng):
    """Our EPLL with the patch VAE prior (``priors.vae``), the default (fast) path."""
    from restore import denoise

    return denoise(noisy, sigma=sigma, prior="vae", rng=rng)


def _vae_unavailable():
    """Reason why the VAE prior cannot run (no torch, no trained weights), or None."""
    reason = _epll_unavailable()
    if reason is None and importlib.util.find_spec("torch") is None:
        reason = "torch is not installed (pip install -e '.[deep]')"
    if reason is None:
        from priors.registry import DATA_DIR
        if not (DATA_DIR / "vae_8x8.npz").exists():
            reason = "data/vae_8x8.npz missing (train it with `restore train vae`, see README)"
    return reason


def _epll_unavailable():
    """Reason why ``restore.denoise`` with the GMM prior cannot run, or None."""
    for module in ("restore", "restore.epll", "priors.registry"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:
            found = False
        if not found:
            return f"module {module} not found (engine not built yet?)"
    return None


def _run_bm3d(noisy, sigma, *, rng):
    """BM3D from the ``bm3d`` package, default profile (``rng`` unused)."""
    import bm3d

    return np.asarray(bm3d.bm3d(noisy, sigma_psd=sigma), dtype=np.float64).reshape(noisy.shape)


def _bm3d_unavailable():
    """Reason why the ``bm3d`` package cannot be used, or None."""
    try:
        import bm3d  # noqa: F401
    except Exception as error:  # a broken binary raises more than ImportError
        return f"bm3d package does not import ({type(error).__name__}: {error})"
    return None


register_method(Method("epll", "EPLL (ours, default)", _run_epll, _epll_unavailable))
register_method(Method("epll-exact", "EPLL exact (ours)", _run_epll_exact, _epll_unavailable))
register_method(Method("bm3d", "BM3D (this run)", _run_bm3d, _bm3d_unavailable))
register_method(Method("epll-vae", "EPLL + VAE prior (ours)", _run_epll_vae, _vae_unavailable))


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


@dataclass
class TestImage:
    """One clean test image: ``index`` is its position in the sorted folder."""

    index: int
    name: str
    clean: np.ndarray


def load_dataset(folder, limit=None, mode="L"):
    """Load the PNGs of a folder (grey, or ``mode="RGB"``), sorted by name, as floats in [0, 1].

    Parameters
    ----------
    folder : str or Path
    limit : int, optional
        Keep only the first ``limit`` images.

    Returns
    -------
    images : list of TestImage
    n_available : int
        Number of PNGs in the folder.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be a positive number of images, got {limit}")
    paths = list_images(folder)
    chosen = paths if limit is None else paths[:limit]
    images = [TestImage(i, path.stem, load_image(path, mode=mode)) for i, path in enumerate(chosen)]
    return images, len(paths)


def noisy_pair(image, sigma255, seed, crop=None):
    """Return the (clean, noisy) pair of one image at one noise level.

    The noise is drawn for the full image from
    ``noise_rng(seed, image.index, sigma255)``, then both are centre-cropped.

    Parameters
    ----------
    image : TestImage
    sigma255 : int
        Noise level on the 0-255 scale.
    seed : int
    crop : int, optional
        Side of the centre crop.

    Returns
    -------
    clean, noisy : ndarray
    """
    rng = noise_rng(seed, image.index, sigma255)
    noisy = add_gaussian_noise(image.clean, sigma255 / 255.0, rng)
    return centre_crop(image.clean, crop), centre_crop(noisy, crop)


def method_rng(seed, index, sigma255):
    """Generator for a method's own randomness, independent of the noise's."""
    return np.random.default_rng([int(seed), int(index), int(sigma255), 1])


# ---------------------------------------------------------------------------
# Running and scoring
# ---------------------------------------------------------------------------


def score(clean, estimate):
    """PSNR (dB) and SSIM of an estimate clipped to [0, 1], ``data_range=1``
    (colour (H, W, 3) images: SSIM averaged over the channels).

    Returns
    -------
    psnr, ssim : float
    """
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    estimate = np.clip(np.asarray(estimate, dtype=np.float64), 0.0, 1.0)
    psnr = peak_signal_noise_ratio(clean, estimate, data_range=1.0)
    ssim = structural_similarity(clean, estimate, data_range=1.0,
                                 channel_axis=-1 if clean.ndim == 3 else None)
    return float(psnr), float(ssim)


def run_method(method, clean, noisy, sigma255, *, rng):
    """Run one method on one noisy image and return its result row.

    Parameters
    ----------
    method : Method
    clean, noisy : ndarray
    sigma255 : int
    rng : numpy.random.Generator

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
    return {
        "method": method.name,
        "sigma": sigma255,
        "psnr": psnr,
        "ssim": ssim,
        "seconds": measured.seconds,
        "rss_before_mib": measured.rss_before_mib,
        "peak_rss_mib": measured.peak_rss_mib,
        "peak_growth_mib": measured.peak_growth_mib,
        "peak_source": measured.peak_source,
    }


def warm_up(methods, image, sigma255, seed):
    """Run each method once, untimed, on a small centre crop (JIT, caches)."""
    size = min(WARMUP_SIZE, *image.clean.shape[:2])
    _, noisy = noisy_pair(image, sigma255, seed, crop=size)
    for method in methods:
        rng = method_rng(seed, image.index, sigma255)
        method.run(noisy, sigma255 / 255.0, rng=rng)


def progress_line(row, done, total):
    """One human-readable progress line for stderr."""
    peak = "" if row["peak_rss_mib"] is None else f"  peak {row['peak_rss_mib']:.0f} MiB"
    return (f"[{done}/{total}] {row['image']} sigma={row['sigma']} {row['method']}: "
            f"PSNR {row['psnr']:.2f} dB  SSIM {row['ssim']:.4f}  {row['seconds']:.2f} s{peak}")


# ---------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------


def _max_or_none(values):
    """Largest of the non-None values, or None."""
    values = [v for v in values if v is not None]
    return max(values) if values else None


def summarise(rows, method_order=None):
    """Summarise result rows per (method, sigma).

    Parameters
    ----------
    rows : list of dict
        Rows with ``method, sigma, psnr, ssim, seconds, peak_rss_mib,
        peak_growth_mib``.
    method_order : list of str, optional
        Order of the methods in the output (default: first appearance).

    Returns
    -------
    list of dict
        One per (method, sigma), ordered by method then sigma:
        ``method, sigma, n_images, psnr_mean, ssim_mean, seconds_median,
        seconds_mean, peak_rss_mib_max, peak_growth_mib_max``.
    """
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
            "method": method,
            "sigma": sigma,
            "n_images": len(group),
            "psnr_mean": statistics.fmean(r["psnr"] for r in group),
            "ssim_mean": statistics.fmean(r["ssim"] for r in group),
            "seconds_median": statistics.median(seconds),
            "seconds_mean": statistics.fmean(seconds),
            "peak_rss_mib_max": _max_or_none(r.get("peak_rss_mib") for r in group),
            "peak_growth_mib_max": _max_or_none(r.get("peak_growth_mib") for r in group),
        })
    return summaries


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def partial_note(settings):
    """Describe how a run differs from the full benchmark, or None for a full run."""
    parts = []
    if settings["n_images"] < settings["n_images_in_folder"]:
        parts.append(f"first {settings['n_images']} of {settings['n_images_in_folder']} images")
    if settings.get("crop"):
        parts.append(f"centre crop {settings['crop']}x{settings['crop']}")
    if not parts:
        return None
    return ("**Partial run** (" + ", ".join(parts) + "): not comparable with the published "
            "full-set numbers.")


def _cell(value, fmt):
    """Format a table cell, a dash for a missing value."""
    return "—" if value is None else format(value, fmt)


def render_table(summaries, sigmas, methods, published=None):
    """Render the markdown comparison table, one row per sigma.

    Parameters
    ----------
    summaries : list of dict
        Output of :func:`summarise`.
    sigmas : list of int
    methods : list of Method
        The measured methods, in column order.
    published : dict, optional
        Published numbers, as :data:`PUBLISHED` (the default).

    Returns
    -------
    str
        Columns: sigma, images, measured PSNR / SSIM per method, published
        PSNR (EPLL, BM3D), median seconds per image per method, peak RSS
        MiB per method.
    """
    published = PUBLISHED if published is None else published
    by_key = {(s["method"], s["sigma"]): s for s in summaries}
    header = ["σ", "images"]
    header += [f"{m.label} PSNR / SSIM" for m in methods]
    header += [f"{p['label']} PSNR" for p in published.values()]
    header += [f"{m.label} s/image (median)" for m in methods]
    header += [f"{m.label} peak MiB" for m in methods]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for sigma in sigmas:
        found = [by_key.get((m.name, sigma)) for m in methods]
        n_images = _max_or_none([s["n_images"] for s in found if s])
        cells = [str(sigma), _cell(n_images, "d")]
        cells += ["—" if s is None else f"{s['psnr_mean']:.2f} / {s['ssim_mean']:.4f}"
                  for s in found]
        cells += [_cell(p["psnr"].get(sigma), ".2f") for p in published.values()]
        cells += [_cell(s and s["seconds_median"], ".2f") for s in found]
        cells += [_cell(s and s["peak_rss_mib_max"], ".0f") for s in found]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _machine_line(machine):
    """One sentence on the machine and software of a run."""
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v)
    load = machine.get("load_average")
    load_text = f", load average {load[0]:.2f} at start" if load else ""
    return (f"{machine['platform']}, {machine['cpu_count']} cores "
            f"({machine['cpu_usable']} usable{load_text}); Python {machine['python']}, {versions}"
            + (f"; git {machine['git_revision']}" if machine.get("git_revision") else ""))


def render_section(result, methods, *, title=None, published=None, published_source=None,
                   notes=()):
    """Render the markdown report of a run (also printed to stdout).

    Parameters
    ----------
    result : dict
        The run's JSON document (see :func:`run_benchmark`).
    methods : list of Method
        The measured methods.
    title, published, published_source : optional
        Heading, published numbers and their source (default: grey BSD68's).
    notes : sequence of str
        Extra sentences after the method descriptions.

    Returns
    -------
    str
    """
    settings = result["settings"]
    title = title or f"{settings['dataset'].upper()} grey denoising"
    lines = [
        f"## {title}" + (f" ({settings['tag']})" if settings.get("tag") else ""),
        "",
        f"Command: `{settings['command']}`  ",
        f"Date: {settings['started'][:10]} (UTC). Machine: {_machine_line(settings['machine'])}.  ",
        "EPLL (ours, default): the fast path; EPLL exact: every patch, every component. "
        f"Noise seed {settings['seed']}." + "".join(" " + note for note in notes),
        "",
        partial_note(settings) or f"Full run: all {settings['n_images']} images, full size.",
        "",
        render_table(result["summaries"], settings["sigmas"], methods, published),
        "",
        "PSNR (dB) / SSIM (scikit-image, `data_range=1`, default SSIM window) of the estimate "
        "clipped to [0, 1], averaged over images; noise N(0, (σ/255)²) from "
        "`np.random.default_rng([seed, image_index, σ])`, not clipped. s/image: median wall-clock "
        "seconds of the method call alone. Peak MiB: highest resident memory of the process "
        "during a call (interpreter and libraries included; the JSON also has the growth "
        "during the call).",
        f"Published: {published_source or PUBLISHED_SOURCE}.",
    ]
    if settings.get("skipped"):
        skipped = "; ".join(f"{name}: {why}" for name, why in settings["skipped"].items())
        lines.append(f"Skipped: {skipped}.")
    if not result.get("complete", True):
        lines.append("**Incomplete**: the run stopped before the last image.")
    lines.append(f"Raw results: `{settings['json']}`.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def run_tag(limit, crop, method_names, default_methods=("epll", "bm3d")):
    """Default file tag: what differs from a full run of the default methods."""
    parts = []
    if limit is not None:
        parts.append(f"n{limit}")
    if crop is not None:
        parts.append(f"crop{crop}")
    if list(method_names) != list(default_methods):
        parts.append("-".join(method_names))
    return "_".join(parts)


def run_benchmark(images, n_available, *, dataset, sigmas, methods, seed=0, crop=None,
                  tag="", json_path=None, command="", skipped=None, warmup=True,
                  log=None):
    """Run every method on every image and noise level; return the JSON document.

    Parameters
    ----------
    images : list of TestImage
    n_available : int
        Number of images in the folder (to label limited runs).
    dataset : str
        Data folder name.
    sigmas : list of int
        Noise levels on the 0-255 scale.
    methods : list of Method
        Available methods to run, in order.
    seed : int
    crop : int, optional
    tag : str
        Label of a partial or special run (JSON file suffix, markdown section key).
    json_path : Path, optional
        Where to write the document; rewritten after every image.
    command : str
        The command line, recorded.
    skipped : dict, optional
        Requested methods that cannot run, name -> reason.
    warmup : bool
        Run each method once on a small crop before timing.
    log : file, optional
        Progress stream (default ``sys.stderr``).

    Returns
    -------
    dict
        ``settings``, ``rows``, ``summaries``, ``complete``,
        ``process_max_rss_mib``, ``finished``.
    """
    settings = {
        "dataset": dataset,
        "task": "denoise",
        "n_images": len(images),
        "n_images_in_folder": n_available,
        "limit": None if len(images) == n_available else len(images),
        "crop": crop,
        "partial": len(images) < n_available or crop is not None,
        "sigmas": list(sigmas),
        "seed": seed,
        "noise": "image + sigma/255 * default_rng([seed, image_index, sigma]).standard_normal"
                 "(full image shape), not clipped; crop taken after",
        "tag": tag,
        "methods": [m.name for m in methods],
        "skipped": dict(skipped or {}),
        "metrics": "skimage.metrics PSNR and SSIM (default window), data_range=1, estimate "
                   "clipped to [0, 1]",
        "timing": "time.perf_counter around the method call",
        "memory": "process RSS (VmRSS sampled every 20 ms, plus VmHWM reset/read where "
                  "allowed), MiB",
        "command": command,
        "json": str(json_path) if json_path else None,
        "started": utc_now(),
        "machine": machine_info(),
    }
    log = sys.stderr if log is None else log
    result = {"settings": settings, "rows": [], "summaries": [], "complete": False}
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


def build_parser():
    """Command-line parser of ``python -m benchmarks.bsds``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bsds",
        description="Grey denoising benchmark (BSD68): PSNR/SSIM, time and memory of our EPLL "
                    "beside BM3D and the published numbers.")
    parser.add_argument("--data", required=True, type=Path,
                        help="folder of the grey test PNGs, e.g. ../shared/data/bsd68")
    add_run_arguments(parser, METHODS, ["epll", "bm3d"])
    return parser


def add_run_arguments(parser, methods, default_methods):
    """The options every denoising benchmark shares (noise levels, subset, methods, seed,
    outputs, warm-up); ``--data`` is the caller's."""
    parser.add_argument("--sigmas", nargs="+", type=int, default=list(DEFAULT_SIGMAS),
                        help="noise levels on the 0-255 scale (default: 15 25 50)")
    parser.add_argument("--limit", type=int, help="use only the first N images (partial run)")
    parser.add_argument("--crop", type=int, help="centre crop of N x N pixels (partial run)")
    parser.add_argument("--methods", nargs="+", choices=sorted(methods),
                        default=list(default_methods),
                        help=f"methods to run (default: {' '.join(default_methods)})")
    parser.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"),
                        help="folder of the JSON results (default benchmarks/results)")
    parser.add_argument("--tag", help="suffix of the JSON file name (default: from the options)")
    parser.add_argument("--markdown", type=Path,
                        help="markdown file whose section to replace (e.g. BENCHMARKS.md)")
    parser.add_argument("--no-warmup", dest="warmup", action="store_false",
                        help="do not run each method once on a small crop before timing")
    return parser


def _check_args(parser, args):
    """Reject out-of-range option values with a usage error."""
    if args.limit is not None and args.limit < 1:
        parser.error(f"--limit must be at least 1, got {args.limit}")
    if args.crop is not None and args.crop < 8:
        parser.error(f"--crop must be at least 8 (one patch), got {args.crop}")
    if any(s <= 0 for s in args.sigmas):
        parser.error(f"--sigmas must be positive (0-255 scale), got {args.sigmas}")
    if args.seed < 0:
        parser.error(f"--seed must be non-negative, got {args.seed}")


def available_methods(names, registry=None):
    """The methods among ``names`` (of ``registry``, default :data:`METHODS`) that can run
    here, in order, and ``{name: reason}`` for the others (each noted on stderr)."""
    registry = METHODS if registry is None else registry
    methods, skipped = [], {}
    for name in dict.fromkeys(names):
        reason = registry[name].unavailable()
        if reason is None:
            methods.append(registry[name])
        else:
            skipped[name] = reason
            print(f"note: skipping {name}: {reason}", file=sys.stderr)
    return methods, skipped


def main(argv=None):
    """Entry point; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_args(parser, args)
    methods, skipped = available_methods(args.methods)
    if not methods:
        print("error: none of the requested methods can run here", file=sys.stderr)
        return 1
    try:
        images, n_available = load_dataset(args.data, args.limit)
        smallest = min(min(image.clean.shape[:2]) for image in images)
        if args.crop is not None and args.crop > smallest:
            raise ValueError(f"--crop {args.crop} is larger than the smallest image side "
                             f"({smallest} pixels)")
        dataset = args.data.resolve().name
        tag = args.tag if args.tag is not None else run_tag(args.limit, args.crop,
                                                           list(dict.fromkeys(args.methods)))
        json_path = args.out / f"{dataset}_denoise{'_' + tag if tag else ''}.json"
        result = run_benchmark(
            images, n_available, dataset=dataset, sigmas=list(dict.fromkeys(args.sigmas)),
            methods=methods, seed=args.seed, crop=args.crop, tag=tag,
            json_path=json_path, command="python -m benchmarks.bsds " + shlex.join(argv),
            skipped=skipped, warmup=args.warmup)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    section = render_section(result, methods)
    print(section)
    if args.markdown is not None:
        key = f"{dataset}-denoise" + (f"-{tag}" if tag else "")
        update_markdown_file(args.markdown, key, section)
        print(f"updated section {key!r} of {args.markdown}", file=sys.stderr)
    print(f"wrote {json_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
