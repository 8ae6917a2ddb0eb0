"""Colour denoising benchmark on CBSD68: our EPLL beside CBM3D, measured in the same run.

Usage::

    python -m benchmarks.cbsd --data ../shared/data/cbsd68 --sigmas 15 25 50 \\
        [--limit N] [--crop N] [--methods epll cbm3d] [--markdown BENCHMARKS.md]

The machinery (noise seeds, timing, memory, JSON rewritten after every image,
markdown section between markers) is that of :mod:`benchmarks.bsds`; only the
methods and the data differ. ``epll`` is the library's colour path
(``restore.denoise(..., channel_axis=-1)``: per plane in the opponent colour
space, the luminance as the mean of R, G, B, the chrominance at half
resolution (``restore.api.COLOUR_CHROMA``), chosen on BSDS500-test images by
:mod:`benchmarks.tune_colour`);
``epll-rgb`` denoises R, G and B separately (the naive strategy, for
comparison); ``cbm3d`` is ``bm3d.bm3d_rgb`` with its default profile and
opponent colour space. PSNR is over all three channels; SSIM is averaged
over them. JSON goes to ``<out>/cbsd68_denoise[_<tag>].json``, the section
key is ``cbsd68-denoise[-<tag>]``.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import numpy as np

from benchmarks import bsds
from benchmarks.bsds import Method, load_dataset, render_section, run_benchmark, run_tag

#: Published CBSD68 PSNR (dB), full images, as tabulated by Zhang et al. 2017 (DnCNN, Table 3).
PUBLISHED = {
    "cbm3d": {"label": "CBM3D (Dabov et al. 2007)", "psnr": {15: 33.52, 25: 30.71, 50: 27.38}},
}
PUBLISHED_SOURCE = "CBM3D as tabulated by Zhang et al. 2017 (DnCNN, Table 3), full images"
DEFAULT_METHODS = ("epll", "cbm3d")


def _run_epll_colour(noisy, sigma, *, rng):
    """Our EPLL on an (H, W, 3) image, the library's colour path (fast default)."""
    from restore import denoise

    return denoise(noisy, sigma=sigma, prior="gmm", channel_axis=-1, rng=rng)


def _run_epll_rgb(noisy, sigma, *, rng):
    """Our EPLL on R, G and B separately (no decorrelation)."""
    from restore import denoise

    return np.stack([denoise(np.ascontiguousarray(noisy[..., c]), sigma=sigma, prior="gmm",
                             rng=rng) for c in range(noisy.shape[2])], axis=-1)


def _run_cbm3d(noisy, sigma, *, rng):
    """CBM3D: ``bm3d.bm3d_rgb``, default profile, opponent colour space (``rng`` unused)."""
    import bm3d

    return np.asarray(bm3d.bm3d_rgb(noisy, sigma_psd=sigma), dtype=np.float64)


#: Colour denoisers, name -> :class:`benchmarks.bsds.Method`.
METHODS = {
    "epll": Method("epll", "EPLL colour (ours, default)", _run_epll_colour,
                   bsds.METHODS["epll"].unavailable),
    "epll-rgb": Method("epll-rgb", "EPLL per RGB channel (ours)", _run_epll_rgb,
                       bsds.METHODS["epll"].unavailable),
    "cbm3d": Method("cbm3d", "CBM3D (this run)", _run_cbm3d, bsds.METHODS["bm3d"].unavailable),
}


def build_parser():
    """Command-line parser of ``python -m benchmarks.cbsd``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.cbsd",
        description="Colour denoising benchmark (CBSD68): PSNR/SSIM, time and memory of our "
                    "EPLL beside CBM3D and the published numbers.")
    parser.add_argument("--data", type=Path,
                        help="folder of the colour test PNGs, e.g. ../shared/data/cbsd68")
    bsds.add_run_arguments(parser, METHODS, DEFAULT_METHODS)
    parser.add_argument("--from-json", type=Path, metavar="JSON",
                        help="measure nothing: render the table of an earlier (possibly "
                             "interrupted) run's JSON, and with --markdown update its section")
    return parser


def _render(result, methods):
    colour = result["settings"].get("colour") or {}
    factor, chroma = colour.get("chroma_factor"), colour.get("chrominance")
    detail = (f", chrominance at {factor:g} sigma" if factor else
              f", luminance as the mean of R, G, B, chrominance at {chroma}" if chroma else "")
    return render_section(
        result, methods, title=f"{result['settings']['dataset'].upper()} colour denoising",
        published=PUBLISHED, published_source=PUBLISHED_SOURCE,
        notes=["EPLL colour: the grey prior on each plane of the opponent colour space"
               + detail + "; CBM3D: `bm3d.bm3d_rgb`, default profile. SSIM averaged over "
               "the three channels."])


def _from_json(args):
    """Re-render a stored run (``--from-json``)."""
    import json

    result = json.loads(args.from_json.read_text())
    methods = [METHODS[name] for name in result["settings"]["methods"]]
    section = _render(result, methods)
    print(section)
    if args.markdown is not None:
        tag = result["settings"].get("tag")
        key = f"{result['settings']['dataset']}-denoise" + (f"-{tag}" if tag else "")
        bsds.update_markdown_file(args.markdown, key, section)
        print(f"updated section {key!r} of {args.markdown}", file=sys.stderr)
    return 0


def main(argv=None):
    """Entry point; returns the exit status."""
    from restore.api import COLOUR_CHROMA

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.from_json is not None:
        return _from_json(args)
    if args.data is None:
        parser.error("--data is required (the folder of the colour test PNGs)")
    bsds._check_args(parser, args)
    names = list(dict.fromkeys(args.methods))
    methods, skipped = bsds.available_methods(names, METHODS)
    if not methods:
        print("error: none of the requested methods can run here", file=sys.stderr)
        return 1
    try:
        images, n_available = load_dataset(args.data, args.limit, mode="RGB")
        dataset = args.data.resolve().name
        tag = args.tag if args.tag is not None else run_tag(args.limit, args.crop, names,
                                                           DEFAULT_METHODS)
        json_path = args.out / f"{dataset}_denoise{'_' + tag if tag else ''}.json"
        result = run_benchmark(
            images, n_available, dataset=dataset, sigmas=list(dict.fromkeys(args.sigmas)),
            methods=methods, seed=args.seed, crop=args.crop, tag=tag, json_path=json_path,
            command="python -m benchmarks.cbsd " + shlex.join(argv), skipped=skipped,
            warmup=args.warmup)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    result["settings"]["colour"] = {"chrominance": COLOUR_CHROMA,
                                    "strategy": "opponent planes, grey GMM prior"}
    bsds.write_json_atomic(json_path, result)
    section = _render(result, methods)
    print(section)
    if args.markdown is not None:
        key = f"{dataset}-denoise" + (f"-{tag}" if tag else "")
        bsds.update_markdown_file(args.markdown, key, section)
        print(f"updated section {key!r} of {args.markdown}", file=sys.stderr)
    print(f"wrote {json_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
