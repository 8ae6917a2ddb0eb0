"""Grey inpainting benchmark on BSD68: our EPLL beside scikit-image's biharmonic inpainting.

Usage::

    python -m benchmarks.inpaint --data ../shared/data/bsd68 [--limit 20] \\
        [--masks random50 random80 text] [--methods epll biharmonic] [--crop N] \\
        [--out benchmarks/results] [--markdown BENCHMARKS.md] [--seed 0]

For every image (sorted by name, the first ``--limit``) and every mask,
hide the mask's missing pixels (no noise is added: the known pixels are the
clean 8-bit values), run every method in one process and score PSNR and
SSIM over the whole image as :mod:`benchmarks.bsds` does.

Masks (``True`` = known pixel), drawn for the full image, then cropped:

- ``random50``, ``random80``: each pixel missing with probability 0.5 / 0.8,
  from ``np.random.default_rng([seed, image_index, 50 or 80])``;
- ``text``: lines of random words drawn with Pillow's default font at size
  20 (``ImageFont.load_default(size=20)``), every pixel the text touches
  missing (about 20 % of them); words, offsets and line spacing from
  ``np.random.default_rng([seed, image_index, 1])`` (see :func:`text_mask`;
  the glyphs depend on the Pillow version, recorded in the JSON).

Methods (``run(damaged, *, known, rng)``): ``epll-exact`` (``exact=True``, not run by
default) is the reference of the fast path; ``epll`` is
``restore.inpaint(damaged, known)`` (default sigma 1/255, fast path);
``biharmonic`` is ``skimage.restoration.inpaint_biharmonic(damaged,
~known)``.

Outputs ``<out>/<dataset>_inpaint[_<tag>].json`` (rewritten after every
image) and a markdown section (key ``<dataset>-inpaint[-<tag>]``) on stdout
and, with ``--markdown``, in that file.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import numpy as np

from benchmarks.bsds import available_methods, load_dataset
from benchmarks.common import centre_crop, machine_info, update_markdown_file, utc_now
from benchmarks.tasks import (Degraded, machine_sentence, render_table,
                              run_cases, task_method)

MASKS = {"random50": "50% missing at random", "random80": "80% missing at random",
         "text": "text overlay"}
TEXT_SIZE = 20
WORDS = ("the quick brown fox jumps over a lazy dog while patches of noise blur every "
         "pixel in sight restore image prior mixture model").split()


def random_mask(shape, missing, rng):
    """Known-pixel mask with each pixel missing independently with probability ``missing``."""
    return rng.random(shape) >= missing


def text_mask(shape, rng, size=TEXT_SIZE):
    """Known-pixel mask hiding lines of random words (Pillow's default font at ``size``).

    Lines start ``0-9`` pixels from the top and follow each other every
    ``1.2-1.7 * size`` pixels, each shifted left by up to ``2 * size``
    pixels; every pixel a glyph touches (anti-aliasing included) is missing.
    """
    from PIL import Image, ImageDraw, ImageFont

    height, width = shape
    font = ImageFont.load_default(size=size)
    canvas = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    top = int(rng.integers(0, 10))
    while top < height:
        words = " ".join(rng.choice(WORDS, size=max(4, width // (3 * size))))
        draw.text((-int(rng.integers(0, 2 * size)), top), words, fill=255, font=font)
        top += int(rng.integers(int(1.2 * size), int(1.7 * size) + 1))
    return np.asarray(canvas) == 0


def make_mask(kind, shape, seed, index):
    """The known-pixel mask ``kind`` (a key of :data:`MASKS`) of image ``index``."""
    if kind == "text":
        return text_mask(shape, np.random.default_rng([seed, index, 1]))
    missing = {"random50": 50, "random80": 80}[kind]
    return random_mask(shape, missing / 100, np.random.default_rng([seed, index, missing]))


# ----------------------------------------------------------------------------- methods
def _run_epll(damaged, *, known, rng):
    from restore import inpaint

    return inpaint(damaged, known, rng=rng)


def _run_epll_exact(damaged, *, known, rng):
    from restore import inpaint

    return inpaint(damaged, known, rng=rng, exact=True)


def _run_biharmonic(damaged, *, known, rng):
    from skimage.restoration import inpaint_biharmonic

    return inpaint_biharmonic(damaged, ~known)


METHODS = {m.name: m for m in (
    task_method("epll", "EPLL (ours)", _run_epll),
    task_method("epll-exact", "EPLL (ours, exact path)", _run_epll_exact),
    task_method("biharmonic", "biharmonic (skimage)", _run_biharmonic),
)}


# ----------------------------------------------------------------------------- the run
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


def render_section(result, methods):
    """The markdown report of a run."""
    settings = result["settings"]
    partial = []
    if settings["n_images"] < settings["n_images_in_folder"]:
        partial.append(f"first {settings['n_images']} of {settings['n_images_in_folder']} images")
    if settings["crop"]:
        partial.append(f"centre crop {settings['crop']}x{settings['crop']}")
    fractions = {}
    for row in result["rows"]:
        fractions.setdefault(row["mask"], []).append(row["missing_fraction"])
    lines = [
        f"## {settings['dataset'].upper()} grey inpainting"
        + (f" ({settings['tag']})" if settings["tag"] else ""),
        "",
        f"Command: `{settings['command']}`  ",
        f"Date: {settings['started'][:10]} (UTC). "
        f"Machine: {machine_sentence(settings['machine'])}.",
        "",
        ("**Partial run**: " + ", ".join(partial) + ".") if partial
        else f"Full run: all {settings['n_images']} images.",
        "Masks: " + "; ".join(f"{MASKS[k]} (mean {100 * np.mean(v):.1f} % missing)"
                              for k, v in fractions.items())
        + f". Text: Pillow {settings['pillow']} default font, size {TEXT_SIZE}. No noise added.",
        "",
        render_table(result["summaries"], [MASKS[k] for k in settings["masks"]], methods,
                     "mask"),
        "",
        "PSNR (dB) / SSIM over the whole image (`data_range=1`, estimate clipped to [0, 1]); "
        "input PSNR: missing pixels set to 0. s/image: median wall-clock seconds of the method "
        "call. EPLL: `restore.inpaint(damaged, known)` (sigma 1/255, fast path); biharmonic: "
        "`skimage.restoration.inpaint_biharmonic`.",
    ]
    if settings["skipped"]:
        lines.append("Skipped: " + "; ".join(f"{k}: {v}" for k, v in settings["skipped"].items()))
    if not result.get("complete", True):
        lines.append("**Incomplete**: the run stopped before the last image.")
    lines.append(f"Raw results: `{settings['json']}`.")
    return "\n".join(lines)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inpaint",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="folder of grey test PNGs")
    parser.add_argument("--masks", nargs="+", choices=list(MASKS), default=list(MASKS))
    parser.add_argument("--limit", type=int, help="use only the first N images")
    parser.add_argument("--crop", type=int, help="centre crop of N x N pixels (partial run)")
    parser.add_argument("--methods", nargs="+", choices=list(METHODS),
                        default=[name for name in METHODS if name != "epll-exact"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--tag", help="suffix of the JSON name and markdown key")
    parser.add_argument("--markdown", type=Path, help="markdown file to update (BENCHMARKS.md)")
    return parser


def main(argv=None):
    """Entry point; returns the exit status."""
    import PIL

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error(f"--limit must be at least 1, got {args.limit}")
    if args.seed < 0:
        parser.error("--seed must be non-negative")
    methods, skipped = available_methods(args.methods, METHODS)
    if not methods:
        print("error: none of the requested methods can run here", file=sys.stderr)
        return 1
    try:
        images, n_available = load_dataset(args.data, args.limit)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    dataset = args.data.resolve().name
    parts = [f"n{args.limit}"] if args.limit else []
    parts += [f"crop{args.crop}"] if args.crop else []
    tag = args.tag if args.tag is not None else "_".join(parts)
    json_path = args.out / f"{dataset}_inpaint{'_' + tag if tag else ''}.json"
    masks = list(dict.fromkeys(args.masks))
    settings = {
        "dataset": dataset, "task": "inpaint", "n_images": len(images),
        "n_images_in_folder": n_available, "crop": args.crop, "masks": masks, "seed": args.seed,
        "mask_seeds": "random: default_rng([seed, image_index, 50|80]); text: "
                      "default_rng([seed, image_index, 1]); drawn on the full image, then cropped",
        "pillow": PIL.__version__, "text_size": TEXT_SIZE, "tag": tag,
        "methods": [m.name for m in methods], "skipped": skipped,
        "command": "python -m benchmarks.inpaint " + shlex.join(argv), "json": str(json_path),
        "started": utc_now(), "machine": machine_info(),
    }
    warm = images[0].clean[:64, :64]
    known = random_mask(warm.shape, 0.5, np.random.default_rng(0))
    small = Degraded("warm-up", warm, np.where(known, warm, 0.0), params={"known": known})
    result = run_cases(images, degrader(masks, args.seed, args.crop), methods, settings=settings,
                       seed=args.seed, json_path=json_path, warmup=small)
    section = render_section(result, methods)
    print(section)
    if args.markdown is not None:
        key = f"{dataset}-inpaint" + (f"-{tag}" if tag else "")
        update_markdown_file(args.markdown, key, section)
        print(f"updated section {key!r} of {args.markdown}", file=sys.stderr)
    print(f"wrote {json_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
