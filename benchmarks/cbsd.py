"""Colour denoising benchmark on CBSD68: our EPLL beside CBM3D, measured in the same run.

Usage::

    python -m benchmarks.cbsd --data ../shared/data/cbsd68 --sigmas 15 25 50 \\
        [--limit N] [--crop N] [--methods epll cbm3d] [--markdown BENCHMARKS.md]
    python -m benchmarks.cbsd --from-json benchmarks/results/cbsd68_denoise.json \\
        [--markdown BENCHMARKS.md]

The run (noise seeds, timing, memory, JSON rewritten after every image,
markdown section between markers) is :mod:`benchmarks.harness.denoising`, as
for :mod:`benchmarks.bsds`; only the methods and the data differ. ``epll`` is
the library's colour path (``restore.denoise(..., channel_axis=-1)``: per
plane in the opponent colour space, the luminance as the mean of R, G, B, the
chrominance at half resolution, docs/tuning.md#colour-chroma); ``epll-rgb``
denoises R, G and B separately (the naive strategy, for comparison); ``cbm3d``
is ``bm3d.bm3d_rgb`` with its default profile and opponent colour space. PSNR
is over all three channels; SSIM is averaged over them. JSON goes to
``<out>/cbsd68_denoise[_<tag>].json``, the section key is ``cbsd68-denoise[-<tag>]``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from benchmarks.harness import denoising, denoising_report
from benchmarks.harness.cli import section_key
from benchmarks.harness.markdown import publish
from benchmarks.harness.methods import Method, bm3d_unavailable
from benchmarks.harness.results import read_json

DEFAULT_SIGMAS = (15, 25, 50)
DEFAULT_METHODS = ("epll", "cbm3d")

#: Published CBSD68 PSNR (dB), full images, as tabulated by Zhang et al. 2017 (DnCNN, Table 3).
PUBLISHED = {
    "cbm3d": {"label": "CBM3D (Dabov et al. 2007)", "psnr": {15: 33.52, 25: 30.71, 50: 27.38}},
}
PUBLISHED_SOURCE = "CBM3D as tabulated by Zhang et al. 2017 (DnCNN, Table 3), full images"


def run_epll_colour(noisy, sigma, *, rng):
    """Our EPLL on an (H, W, 3) image, the library's colour path (fast default)."""
    from restore import denoise

    return denoise(noisy, sigma=sigma, channel_axis=-1, rng=rng)


def run_epll_rgb(noisy, sigma, *, rng):
    """Our EPLL on R, G and B separately (no decorrelation)."""
    from restore import denoise

    return np.stack([denoise(np.ascontiguousarray(noisy[..., c]), sigma=sigma, rng=rng)
                     for c in range(noisy.shape[2])], axis=-1)


def run_cbm3d(noisy, sigma, *, rng):
    """CBM3D: ``bm3d.bm3d_rgb``, default profile, opponent colour space (``rng`` unused)."""
    import bm3d

    return np.asarray(bm3d.bm3d_rgb(noisy, sigma_psd=sigma), dtype=np.float64)


#: Our methods as the ``restore`` command runs them (a colour PNG takes the colour path):
#: name -> options besides ``--sigma``.
COMMAND_OPTIONS = {"epll": []}

#: Colour denoisers, name -> Method.
METHODS = {m.name: m for m in (
    Method("epll", "EPLL colour (ours, default)", run_epll_colour),
    Method("epll-rgb", "EPLL per RGB channel (ours)", run_epll_rgb),
    Method("cbm3d", "CBM3D (this run)", run_cbm3d, bm3d_unavailable),
)}


def render_results(results):
    """``(section key, markdown section)`` of a saved run (one JSON document in a list)."""
    (result,) = results
    settings = result["settings"]
    colour = settings.get("colour") or {}
    factor, chroma = colour.get("chroma_factor"), colour.get("chrominance")
    detail = (f", chrominance at {factor:g} sigma" if factor else
              f", luminance as the mean of R, G, B, chrominance at {chroma}" if chroma else "")
    notes = ["EPLL (ours, default): the fast path. EPLL colour: the grey prior on each plane of "
             "the opponent colour space" + detail + "; CBM3D: `bm3d.bm3d_rgb`, default "
             "profile. SSIM averaged over the three channels."]
    section = denoising_report.render_section(
        result, [METHODS[name] for name in settings["methods"]],
        title=f"{settings['dataset'].upper()} colour denoising", published=PUBLISHED,
        published_source=PUBLISHED_SOURCE, notes=notes)
    return section_key(settings["dataset"], "denoise", settings["tag"]), section


def build_parser():
    """Command-line parser of ``python -m benchmarks.cbsd``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cbsd",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        help="folder of the colour test PNGs, e.g. ../shared/data/cbsd68")
    denoising.add_denoising_arguments(parser, METHODS, DEFAULT_METHODS, DEFAULT_SIGMAS)
    parser.add_argument("--from-json", type=Path, metavar="JSON",
                        help="measure nothing: render the table of an earlier (possibly "
                             "interrupted) run's JSON, and with --markdown update its section")
    return parser


def main(argv=None):
    """Entry point; returns the exit status."""
    from restore.recipes import DENOISE

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.from_json is not None:
        key, section = render_results([read_json(args.from_json)])
        publish(section, key, args.markdown)
        return 0
    if args.data is None:
        parser.error("--data is required (the folder of the colour test PNGs)")
    half = getattr(DENOISE, "chroma_half_resolution", True)
    chroma = "half resolution" if half else "full resolution"
    return denoising.run_command(
        parser, argv, prog="python -m benchmarks.cbsd", methods=METHODS,
        default_methods=DEFAULT_METHODS, render=render_results, mode="RGB",
        command_options=COMMAND_OPTIONS,
        extra_settings={"colour": {"chrominance": chroma,
                                   "strategy": "opponent planes, grey GMM prior"}})


if __name__ == "__main__":
    sys.exit(main())
