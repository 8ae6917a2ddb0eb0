"""Grey inpainting benchmark on BSD68: our EPLL beside scikit-image's biharmonic inpainting.

Usage::

    python -m benchmarks.inpaint --data ../shared/data/bsd68 [--limit 20] \\
        [--masks random50 random80 text] [--methods epll biharmonic] [--crop N] \\
        [--out benchmarks/results] [--markdown BENCHMARKS.md] [--seed 0]

For every image (sorted by name, the first ``--limit``) and every mask
(:mod:`benchmarks.harness.degradations`: drawn for the full image, then
cropped), hide the mask's missing pixels (no noise is added: the known pixels
are the clean 8-bit values), run every method in one process
(:mod:`benchmarks.harness.cases`) and score PSNR and SSIM over the whole image.

Methods (``run(damaged, *, known, rng)``): ``epll`` is
``restore.inpaint(damaged, known)`` (default sigma 1/255, fast path);
``epll-exact`` (``exact=True``, not run by default) is the reference of the
fast path; ``biharmonic`` is ``skimage.restoration.inpaint_biharmonic(damaged,
~known)``.

With ``epll`` or ``epll-exact`` in the run, the ``restore`` command is also
timed once end to end on the first image's first mask
(:mod:`benchmarks.harness.command_time`: ``--task inpaint --mask``).

Outputs ``<out>/<dataset>_inpaint[_<tag>].json`` (rewritten after every
image) and a markdown section (key ``<dataset>-inpaint[-<tag>]``) on stdout
and, with ``--markdown``, in that file.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from benchmarks.harness.cases import Degraded, render_table
from benchmarks.harness.cli import add_run_arguments, prepare_run, section_key
from benchmarks.harness.command_time import command_note, run_cases_and_command
from benchmarks.harness.data import centre_crop
from benchmarks.harness.degradations import MASKS, TEXT_SIZE, make_mask, random_mask
from benchmarks.harness.markdown import (closing_lines, run_lines, scope_note, section_text,
                                         title_line)
from benchmarks.harness.methods import Method


def run_epll(damaged, *, known, rng):
    from restore import inpaint

    return inpaint(damaged, known, rng=rng)


def run_epll_exact(damaged, *, known, rng):
    from restore import inpaint

    return inpaint(damaged, known, rng=rng, exact=True)


def run_biharmonic(damaged, *, known, rng):
    """``skimage.restoration.inpaint_biharmonic`` (its mask marks the missing pixels)."""
    from skimage.restoration import inpaint_biharmonic

    return inpaint_biharmonic(damaged, ~known)


METHODS = {m.name: m for m in (
    Method("epll", "EPLL (ours)", run_epll),
    Method("epll-exact", "EPLL (ours, exact path)", run_epll_exact),
    Method("biharmonic", "biharmonic (skimage)", run_biharmonic),
)}
DEFAULT_METHODS = ("epll", "biharmonic")
#: Our methods as the ``restore`` command runs them: name -> options besides the task's.
COMMAND_OPTIONS = {"epll": [], "epll-exact": ["--exact"]}


def case_command(case):
    """The command's input, options and files for one case: the damaged image and its mask
    (white = known)."""
    return (case.observed, ["--task", "inpaint", "--mask", "{dir}/mask.png"],
            {"mask.png": case.params["known"]})


def degrader(masks, seed, crop=None):
    """``degrade(image) -> [Degraded]``, one per mask kind."""
    def degrade(image):
        cases = []
        for kind in masks:
            known = centre_crop(make_mask(kind, image.clean.shape, seed, image.index), crop)
            clean = centre_crop(image.clean, crop)
            cases.append(Degraded(condition=MASKS[kind], clean=clean,
                                  observed=np.where(known, clean, 0.0),
                                  params={"known": np.ascontiguousarray(known)},
                                  fields={"group": MASKS[kind], "mask": kind,
                                          "missing_fraction": float(1 - known.mean())}))
        return cases
    return degrade


def render_results(results):
    """``(section key, markdown section)`` of a saved run (one JSON document in a list)."""
    (result,) = results
    settings = result["settings"]
    methods = [METHODS[name] for name in settings["methods"]]
    fractions = {}
    for row in result["rows"]:
        fractions.setdefault(row["mask"], []).append(row["missing_fraction"])
    text = (f" Text: Pillow {settings['pillow']} default font, size {settings['text_size']}."
            if "text" in settings["masks"] else "")
    lines = [
        title_line(f"{settings['dataset'].upper()} grey inpainting", settings), "",
        *run_lines(settings), "", scope_note(settings),
        "Masks: " + "; ".join(f"{MASKS[k]} (mean {100 * np.mean(v):.1f} % missing)"
                              for k, v in fractions.items()) + "." + text + " No noise added.",
        "",
        render_table(result["summaries"], [MASKS[k] for k in settings["masks"]], methods,
                     "mask"), "",
        "PSNR (dB) / SSIM over the whole image (`data_range=1`, estimate clipped to [0, 1]); "
        "input PSNR: missing pixels set to 0. s/image: median wall-clock seconds of the method "
        "call. EPLL: `restore.inpaint(damaged, known)` (sigma 1/255, fast path); biharmonic: "
        "`skimage.restoration.inpaint_biharmonic`.",
        *filter(None, [command_note(result)]), *closing_lines(result)]
    return section_key(settings["dataset"], "inpaint", settings["tag"]), section_text(lines)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inpaint",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="folder of grey test PNGs")
    parser.add_argument("--masks", nargs="+", choices=list(MASKS), default=list(MASKS))
    return add_run_arguments(parser, METHODS, DEFAULT_METHODS)


def main(argv=None):
    """Entry point; returns the exit status."""
    import PIL

    argv = sys.argv[1:] if argv is None else list(argv)
    run = prepare_run(build_parser(), argv, prog="python -m benchmarks.inpaint", task="inpaint",
                      methods=METHODS)
    if run is None:
        return 1
    args, images = run.args, run.images
    masks = list(dict.fromkeys(args.masks))
    settings = {
        **run.settings, "masks": masks,
        "mask_seeds": "random: default_rng([seed, image_index, 50|80]); text: "
                      "default_rng([seed, image_index, 1]); drawn on the full image, then cropped",
        "pillow": PIL.__version__, "text_size": TEXT_SIZE,
    }
    warm = images[0].clean[:64, :64]
    known = random_mask(warm.shape, 0.5, np.random.default_rng(0))
    small = Degraded("warm-up", warm, np.where(known, warm, 0.0), params={"known": known})
    return run_cases_and_command(run, degrader(masks, args.seed, args.crop), settings, small,
                                 render_results, COMMAND_OPTIONS, case_command)


if __name__ == "__main__":
    sys.exit(main())
