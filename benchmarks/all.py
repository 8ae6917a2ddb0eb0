"""Every user benchmark with its standard options, each rewriting its section of BENCHMARKS.md.

Usage::

    python -m benchmarks.all --data-root ../shared/data [--only bsds cbsd ...] \\
        [--markdown BENCHMARKS.md]
    python -m benchmarks.all --from-results [--only ...] [--markdown BENCHMARKS.md]

``--data-root`` is the folder holding ``bsd68``, ``cbsd68``, ``train400``,
``bsds500_test`` and ``kernels`` (the paths are recorded relative to the
repository). The benchmarks run one after the other, in :data:`STANDARD`'s
order, each writing its JSON under ``benchmarks/results/`` and replacing its
section of ``--markdown``. All of them take hours on a 2-core machine (the
Deep Image Prior and inpainting runs most of it); ``--only`` picks some.

``--from-results`` measures nothing: it renders each section from the JSON
files listed in :data:`STANDARD` (the latest runs with the current default
settings; several files are joined into one section), so the numbers are
exactly those of the runs.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from benchmarks.harness.markdown import update_markdown_file
from benchmarks.harness.results import RESULTS_DIR, ROOT, read_json


@dataclass(frozen=True)
class Standard:
    """A user benchmark's standard run.

    Attributes
    ----------
    module : str
        The benchmark (``python -m <module>``).
    arguments : callable
        ``arguments(data_root) -> argv`` of the standard run (without ``--markdown``).
    results : tuple of str
        The JSON files (in ``benchmarks/results/``) of the latest standard run, joined
        into the section by ``--from-results``.
    tag : str
        The tag of the standard run (its JSON name and section key).
    """

    module: str
    arguments: Callable[[Path], list]
    results: tuple
    tag: str = ""


#: The user benchmarks, in the order of BENCHMARKS.md.
STANDARD = {
    "bsds": Standard(
        "benchmarks.bsds",
        lambda root: ["--data", str(root / "bsd68"), "--sigmas", "15", "25", "50",
                      "--methods", "epll", "bm3d", "nl-means", "wavelet"],
        ("bsd68_denoise.json",)),
    "cbsd": Standard(
        "benchmarks.cbsd",
        lambda root: ["--data", str(root / "cbsd68"), "--sigmas", "25", "--methods", "epll",
                      "cbm3d"],
        ("cbsd68_denoise.json",)),
    "deblur": Standard(
        "benchmarks.deblur",
        lambda root: ["--data", str(root / "bsd68"), "--kernels",
                      str(root / "kernels" / "levin09_kernels.npz"), "--limit", "20",
                      "--sigmas", "2.55", "7.65"],
        ("bsd68_deblur_n20.json", "bsd68_deblur_n20-s7.65.json"), "n20"),
    "inpaint": Standard(
        "benchmarks.inpaint",
        lambda root: ["--data", str(root / "bsd68"), "--limit", "20", "--masks", "random50",
                      "random80"],
        ("bsd68_inpaint_n20.json",), "n20"),
    "dip": Standard(
        "benchmarks.dip",
        lambda root: ["--data", str(root / "bsd68"), "--train", str(root / "train400"),
                      "--limit", "8", "--crop", "128", "--tasks", "denoise", "inpaint",
                      "--methods", "dip-direct", "tv", "biharmonic", "--width", "64",
                      "--iterations", "1200", "6000", "--threads", "1", "--tag", "w64"],
        ("bsd68_dip_w64-denoise.json", "bsd68_dip_w64-inpaint.json"), "w64"),
    "upscale": Standard(
        "benchmarks.upscale",
        lambda root: ["--data", str(root / "bsd68"), "--limit", "20", "--scales", "2", "3",
                      "4"],
        ("bsd68_upscale_n20.json",), "n20"),
    "upscale_dip": Standard(
        "benchmarks.upscale",
        lambda root: ["--data", str(root / "bsd68"), "--limit", "8", "--crop", "128",
                      "--scales", "4", "--methods", "dip", "bicubic", "lanczos",
                      "--dip-width", "64", "--dip-iterations", "1200", "--threads", "1",
                      "--tag", "dip-w64"],
        ("bsd68_upscale_dip-w64.json", "bsd68_upscale_dip-w64-b.json",
         "bsd68_upscale_dip-w64-c.json"), "dip-w64"),
    "speed": Standard("benchmarks.speed", lambda root: [], ("speed.json",)),
    "cluster": Standard(
        "benchmarks.cluster",
        lambda root: ["--data", str(root / "bsd68"), "--limit", "16", "--sigma", "25",
                      "--em-data", str(root / "train400")],
        ("cluster.json",)),
    "large_photo": Standard(
        "benchmarks.large_photo",
        lambda root: ["--source", str(root / "bsds500_test" / "100007.jpg")],
        ("large_photo.json",)),
    "noise": Standard(
        "benchmarks.noise_estimation",
        lambda root: ["--train", str(root / "train400"), "--test", str(root / "bsd68")],
        ("noise_estimation.json",)),
    "poisson_gaussian": Standard(
        "benchmarks.poisson_gaussian",
        lambda root: ["--data", str(root / "bsd68"), "--limit", "20"],
        ("bsd68_poisson_gaussian_n20.json",)),
    "noise_map": Standard(
        "benchmarks.noise_map",
        lambda root: ["--data", str(root / "bsd68")],
        ("bsd68_noise_map.json",)),
    "correlated_noise": Standard(
        "benchmarks.correlated_noise",
        lambda root: ["--data", str(root / "bsd68")],
        ("bsd68_correlated_noise.json",)),
}


def render_from_results(name, results_dir=RESULTS_DIR):
    """``(section key, section)`` of a benchmark's standard run, from its saved JSON."""
    standard = STANDARD[name]
    results = [read_json(Path(results_dir) / file) for file in standard.results]
    for result in results:  # joined runs carry the standard run's tag (its section key)
        result["settings"]["tag"] = standard.tag
    return importlib.import_module(standard.module).render_results(results)


def repository_relative(path):
    """``path`` relative to the repository, so the recorded commands hold no absolute path."""
    return Path(os.path.relpath(Path(path).resolve(), ROOT))


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.all",
                                     description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data-root", type=Path,
                        help="folder of the data sets, e.g. ../shared/data")
    source.add_argument("--from-results", action="store_true",
                        help="measure nothing: render the sections from the saved JSON")
    parser.add_argument("--only", nargs="+", choices=list(STANDARD), default=list(STANDARD),
                        help="benchmarks to run (default: all, in this order)")
    parser.add_argument("--markdown", type=Path, default=ROOT / "BENCHMARKS.md",
                        help="markdown file whose sections to replace (default BENCHMARKS.md)")
    return parser


def main(argv=None):
    """Entry point; the exit status (the first failing benchmark's)."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    for name in [n for n in STANDARD if n in args.only]:
        if args.from_results:
            key, section = render_from_results(name)
            update_markdown_file(args.markdown, key, section)
            print(f"{name}: section {key!r} of {args.markdown} rendered from "
                  f"{', '.join(STANDARD[name].results)}", file=sys.stderr)
            continue
        standard = STANDARD[name]
        argv_run = standard.arguments(repository_relative(args.data_root))
        print(f"{name}: python -m {standard.module} {' '.join(argv_run)}", file=sys.stderr,
              flush=True)
        status = importlib.import_module(standard.module).main(
            [*argv_run, "--markdown", str(args.markdown)])
        if status:
            print(f"error: {name} failed (exit status {status})", file=sys.stderr)
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
