"""Grey super-resolution benchmark on BSD68: our EPLL (and Deep Image Prior) beside bicubic
and Lanczos interpolation.

Usage::

    python -m benchmarks.upscale --data ../shared/data/bsd68 [--limit 20] [--scales 2 3 4] \\
        [--methods epll bicubic lanczos] [--crop N] [--out benchmarks/results] \\
        [--markdown BENCHMARKS.md] [--seed 0]
    # the README's picture: a crop at x4, nearest / bicubic / ours
    python -m benchmarks.upscale figure --image ../shared/data/bsd68/test005.png \\
        --scale 4 --box 40 150 96 96 --out benchmarks/results/upscale_x4.png
    # Deep Image Prior at x4 on the CPU subset of benchmarks.dip (8 crops of 128x128)
    python -m benchmarks.upscale --data ../shared/data/bsd68 --limit 8 --crop 128 \\
        --scales 4 --methods dip bicubic lanczos --dip-width 64 --dip-iterations 1200 \\
        --threads 1 --tag dip-w64

For every image (sorted by name, the first ``--limit``; with ``--crop`` its
centre crop) and every scale ``s``: crop the clean image to multiples of ``s``
(bottom and right), shrink it as MATLAB's ``imresize(x, 1/s, "bicubic")``
(antialiasing on, mirrored borders; :func:`bicubic_degradation`, whose kernel
matches Pillow's bicubic reduction away from the borders to 1e-7) and round it
to 8-bit levels, as ``imresize`` of a uint8 image does; no noise is added.
Every method enlarges the small image ``s`` times; PSNR (and SSIM) on the grey
image with ``s`` pixels cropped from every border, the convention of
super-resolution papers. Input PSNR: the small image enlarged by nearest
neighbour.

Methods (``run(small, *, scale, rng)``):

- ``epll``: ``restore.upscale(small, scale)``, the default prior and fast path;
- ``epll-gmm``: the same with ``prior="gmm"`` (tied; about 5 times slower, not run by default);
- ``bicubic``: ``skimage.transform.resize(small, ..., order=3, anti_aliasing=False)``;
- ``lanczos``: Pillow's ``Image.resize(..., Image.LANCZOS)`` on the float image (mode F);
- ``nearest``: nearest-neighbour enlargement (``np.kron``), for the pictures;
- ``dip``: ``restore.upscale(small, scale, prior=DeepImagePrior(...))``, direct mode
  (``--dip-width``, ``--dip-iterations``).

Outputs ``<out>/<dataset>_upscale[_<tag>].json`` (rewritten after every image)
and a markdown section (key ``<dataset>-upscale[-<tag>]``) on stdout and, with
``--markdown``, in that file.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.harness.cases import render_table, summarise
from benchmarks.harness.cli import add_run_arguments, prepare_run, section_key
from benchmarks.harness.data import centre_crop
from benchmarks.harness.machine import utc_now
from benchmarks.harness.markdown import (closing_lines, publish, run_lines, scope_note,
                                         section_text, title_line)
from benchmarks.harness.measure import max_rss_mib, measure_call
from benchmarks.harness.methods import Method
from benchmarks.harness.noise import method_rng
from benchmarks.harness.results import join_runs, write_json_atomic

DEFAULT_SCALES = (2, 3, 4)
#: Deep Image Prior's network width and Adam steps in the standard run (as benchmarks.dip).
DIP_WIDTH, DIP_ITERATIONS = 64, 2000


def bicubic_degradation(clean, scale):
    """``(clean cropped to multiples of scale, its MATLAB-bicubic reduction in 8-bit levels)``."""
    from restore.operators.downsample import Downsample, bicubic_kernel

    height, width = (n - n % scale for n in clean.shape[:2])
    clean = np.ascontiguousarray(clean[:height, :width], dtype=np.float64)
    shrink = Downsample(scale, bicubic_kernel(scale), clean.shape, boundary="reflect")
    small = np.round(np.clip(shrink.downsample(clean), 0, 1) * 255) / 255
    return clean, small


def border_psnr(clean, estimate, scale):
    """PSNR (dB) of ``estimate`` clipped to [0, 1] with ``scale`` pixels cropped off each border."""
    from benchmarks.harness.scoring import psnr

    inside = (slice(scale, -scale), slice(scale, -scale))
    return psnr(clean[inside], np.asarray(estimate)[inside])


def border_score(clean, estimate, scale):
    """PSNR and SSIM as :func:`benchmarks.harness.scoring.score`, borders cropped."""
    from benchmarks.harness.scoring import score

    inside = (slice(scale, -scale), slice(scale, -scale))
    return score(clean[inside], np.asarray(estimate)[inside])


def run_epll(small, *, scale, rng):
    from restore import upscale

    return upscale(small, scale, rng=rng)


def run_epll_tied(small, *, scale, rng):
    from restore import upscale

    return upscale(small, scale, prior="gmm", rng=rng)


def run_bicubic(small, *, scale, rng=None):
    from skimage.transform import resize

    return resize(small, (small.shape[0] * scale, small.shape[1] * scale), order=3,
                  anti_aliasing=False)


def run_lanczos(small, *, scale, rng=None):
    from PIL import Image

    enlarged = Image.fromarray(np.asarray(small, dtype=np.float32), mode="F").resize(
        (small.shape[1] * scale, small.shape[0] * scale), Image.LANCZOS)
    return np.asarray(enlarged, dtype=np.float64)


def run_nearest(small, *, scale, rng=None):
    return np.kron(small, np.ones((scale, scale)))


class DipRunner:
    """``run(small, *, scale, rng)`` by direct Deep Image Prior through the library,
    recording the Adam steps and seconds of every call."""

    def __init__(self, width=DIP_WIDTH, iterations=DIP_ITERATIONS, device=None):
        from priors.dip import DeepImagePrior, Hourglass

        self.prior = DeepImagePrior(Hourglass(channels_down=width, channels_up=width),
                                    iterations=iterations, device=device)
        self.calls = []

    def __call__(self, small, *, scale, rng):
        from restore import upscale

        start = time.perf_counter()
        out = upscale(small, scale, prior=self.prior, rng=int(rng.integers(2**31)))
        self.calls.append({"iterations": self.prior.n_iter_,
                           "seconds": time.perf_counter() - start})
        return out


METHODS = {m.name: m for m in (
    Method("epll", "EPLL (ours)", run_epll),
    Method("epll-gmm", "EPLL (ours, tied gmm)", run_epll_tied),
    Method("dip", "DIP (ours)", None),
    Method("bicubic", "bicubic (skimage)", run_bicubic),
    Method("lanczos", "Lanczos (Pillow)", run_lanczos),
    Method("nearest", "nearest", run_nearest),
)}
DEFAULT_METHODS = ("epll", "bicubic", "lanczos")


def run_scales(run, scales, methods, log=sys.stderr):
    """Every method on every image at every scale; rows as the task benchmarks'."""
    result = {"settings": run.settings, "rows": [], "summaries": [], "complete": False}
    for image in run.images:
        clean_image = centre_crop(image.clean, run.args.crop)
        for number, scale in enumerate(scales):
            clean, small = bicubic_degradation(clean_image, scale)
            nearest = border_psnr(clean, run_nearest(small, scale=scale), scale)
            for method in methods:
                estimate, measured = measure_call(method.run, small, scale=scale,
                                                  rng=method_rng(run.args.seed, image.index,
                                                                 number))
                if np.shape(estimate) != clean.shape:
                    raise ValueError(f"method {method.name} returned shape "
                                     f"{np.shape(estimate)}, expected {clean.shape}")
                psnr, ssim = border_score(clean, estimate, scale)
                row = {"image": image.name, "index": image.index, "condition": f"x{scale}",
                       "group": f"x{scale}", "scale": scale, "method": method.name,
                       "psnr": psnr, "ssim": ssim, "input_psnr": nearest,
                       "seconds": measured.seconds, "peak_rss_mib": measured.peak_rss_mib,
                       "peak_growth_mib": measured.peak_growth_mib}
                calls = getattr(method.run, "calls", None)
                if calls:
                    row["iterations"] = calls[-1]["iterations"]
                result["rows"].append(row)
                print(f"[{len(result['rows'])}] {image.name} x{scale} {method.name}: PSNR "
                      f"{psnr:.2f} dB (nearest {nearest:.2f})  SSIM {ssim:.4f}  "
                      f"{measured.seconds:.2f} s", file=log, flush=True)
        result["summaries"] = summarise(result["rows"])
        result["process_max_rss_mib"] = max_rss_mib()
        write_json_atomic(run.json_path, result)
    result["complete"] = True
    result["finished"] = utc_now()
    write_json_atomic(run.json_path, result)
    return result


def gains(summaries, scales, ours, peer="bicubic"):
    """``x2: +1.23 dB`` lines: each of ``ours`` minus ``peer`` per scale."""
    by = {(s["group"], s["method"]): s["psnr_mean"] for s in summaries}
    lines = []
    for name in ours:
        parts = [f"x{scale} {by[(f'x{scale}', name)] - by[(f'x{scale}', peer)]:+.2f} dB"
                 for scale in scales if (f"x{scale}", name) in by and (f"x{scale}", peer) in by]
        if parts:
            lines.append(f"{METHODS[name].label} − {METHODS[peer].label}: {', '.join(parts)}.  ")
    return lines


def finished_images(result):
    """The images of a saved run with a row for every scale and method, in order."""
    settings, seen = result["settings"], {}
    expected = {(scale, method) for scale in settings["scales"] for method in settings["methods"]}
    for row in result["rows"]:
        seen.setdefault(row["image"], set()).add((row["scale"], row["method"]))
    return [image for image, pairs in seen.items() if pairs >= expected]


def join_image_parts(results):
    """One result from runs of the same settings split by image (``--first``): each part's
    finished images (a part stopped early keeps those, and says so), in image order."""
    parts = sorted(results, key=lambda r: r["settings"].get("first", 0))
    joined = join_runs(parts, free=("first", "n_images", "tag"))
    rows, cut_short = [], []
    for part in parts:
        images = finished_images(part)
        if not part.get("complete", False):
            cut_short.append(f"`{part['settings']['json']}` stopped after {len(images)} of its "
                             f"{part['settings']['n_images']} images")
        rows += [row for row in part["rows"] if row["image"] in images]
    joined["settings"].update(first=parts[0]["settings"].get("first", 0),
                              n_images=len(dict.fromkeys(row["image"] for row in rows)),
                              cut_short=cut_short)
    return {**joined, "rows": rows, "complete": True}


def render_results(results):
    """``(section key, markdown section)`` of saved runs: one, or several joined by scale or
    (runs with different ``--first``) by image."""
    if len(results) == 1:
        result = results[0]
    elif len({r["settings"].get("first", 0) for r in results}) > 1:
        result = join_image_parts(results)
    else:
        result = join_runs(results, joined=("scales",))
    settings = result["settings"]
    methods = [METHODS[name] for name in settings["methods"]]
    summaries = summarise(result["rows"])
    scales = settings["scales"]
    dip = [r for r in result["rows"] if r["method"] == "dip" and "iterations" in r]
    dip_line = [] if not dip else [
        f"DIP: direct mode, hourglass width {settings['dip_width']}, at most "
        f"{settings['dip_iterations']} Adam steps (mean "
        f"{np.mean([r['iterations'] for r in dip]):.0f}), torch {settings.get('torch')} on {settings.get('device')}, "
        f"{settings.get('threads')} thread(s)."]
    lines = [
        title_line(f"{settings['dataset'].upper()} grey super-resolution", settings), "",
        *run_lines(settings), "", scope_note(settings),
        "Degradation: MATLAB-style bicubic `imresize(x, 1/s)` (antialiasing, mirrored borders) "
        "of the image cropped to multiples of s, rounded to 8-bit levels, no noise. PSNR (dB) / "
        "SSIM on the grey image with s pixels cropped from each border; input PSNR: the small "
        "image enlarged by nearest neighbour.", "",
        render_table(summaries, [f"x{s}" for s in scales], methods, "scale"), "",
        *gains(summaries, scales, [m for m in ("epll", "epll-gmm", "dip")
                                   if m in settings["methods"]]),
        "", *dip_line, *[f"The part {part}; its finished images are kept."
                         for part in settings.get("cut_short", [])],
        "s/image: median wall-clock seconds of the method call on a shared machine (niced), "
        "single-threaded. EPLL: `restore.upscale(small, s)`, default prior and fast path; "
        "bicubic: `skimage.transform.resize(order=3, anti_aliasing=False)`; Lanczos: Pillow.",
        *closing_lines(result)]
    return section_key(settings["dataset"], "upscale", settings["tag"]), section_text(lines)


def figure(image_path, scale, box, out, zoom=2):
    """Save a picture of the crop ``box = (top, left, height, width)`` of an image shrunk
    ``scale`` times (:func:`bicubic_degradation`) and enlarged back by nearest neighbour,
    bicubic interpolation and ``restore.upscale`` (default settings), side by side with
    the original, each shown ``zoom`` times larger by pixel repetition and labelled with
    its PSNR on the crop; returns ``{panel: PSNR}``."""
    from PIL import Image, ImageDraw

    from benchmarks.harness.data import load_image
    from benchmarks.harness.scoring import psnr
    from restore import upscale

    clean, small = bicubic_degradation(load_image(image_path), scale)
    top, left, height, width = box
    inside = (slice(top, top + height), slice(left, left + width))
    panels = {"nearest": run_nearest(small, scale=scale),
              "bicubic": run_bicubic(small, scale=scale), "ours (EPLL)": upscale(small, scale, rng=0), "original": clean}
    scores, tiles = {}, []
    for label, enlarged in panels.items():
        crop = np.clip(enlarged[inside], 0, 1)
        if label != "original":
            scores[label] = psnr(clean[inside], crop)
        tile = Image.fromarray(np.round(crop * 255).astype(np.uint8)).resize(
            (width * zoom, height * zoom), Image.NEAREST)
        caption = label if label == "original" else f"{label} {scores[label]:.2f} dB"
        canvas = Image.new("L", (tile.width, tile.height + 18), 255)
        canvas.paste(tile, (0, 18))
        ImageDraw.Draw(canvas).text((4, 3), caption, fill=0)
        tiles.append(canvas)
    sheet = Image.new("L", (sum(t.width for t in tiles) + 6 * (len(tiles) - 1), tiles[0].height),
                      255)
    for number, tile in enumerate(tiles):
        sheet.paste(tile, (number * (tile.width + 6), 0))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    return scores


def figure_main(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.upscale figure",
                                     description=figure.__doc__.splitlines()[0])
    parser.add_argument("--image", required=True, type=Path)
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--box", type=int, nargs=4, required=True,
                        metavar=("TOP", "LEFT", "HEIGHT", "WIDTH"))
    parser.add_argument("--zoom", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/upscale_x4.png"))
    args = parser.parse_args(argv)
    scores = figure(args.image, args.scale, args.box, args.out, args.zoom)
    print(", ".join(f"{k}: {v:.2f} dB" for k, v in scores.items())
          + f"; wrote {args.out}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.upscale",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="folder of grey test PNGs")
    parser.add_argument("--scales", nargs="+", type=int, default=list(DEFAULT_SCALES),
                        help="enlargement factors (default: 2 3 4)")
    parser.add_argument("--dip-width", type=int, default=DIP_WIDTH,
                        help="dip: channels of the hourglass (default %(default)s)")
    parser.add_argument("--dip-iterations", type=int, default=DIP_ITERATIONS,
                        help="dip: most Adam steps (default %(default)s)")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    parser.add_argument("--first", type=int, default=0,
                        help="skip the first N of the --limit images (to split a run over "
                             "processes; the parts' JSON files are joined when rendered)")
    parser.add_argument("--device", choices=("cpu", "cuda"), help="dip: where it runs")
    return add_run_arguments(parser, METHODS, DEFAULT_METHODS)


def main(argv=None):
    """Entry point; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["figure"]:
        return figure_main(argv[1:])
    parser = build_parser()
    run = prepare_run(parser, argv, prog="python -m benchmarks.upscale", task="upscale",
                      methods=METHODS)
    if run is None:
        return 1
    args = run.args
    scales = list(dict.fromkeys(args.scales))
    if min(scales) < 2:
        print(f"error: --scales must be at least 2, got {scales}", file=sys.stderr)
        return 1
    run.images = run.images[args.first:]
    if not run.images:
        print(f"error: --first {args.first} leaves no image", file=sys.stderr)
        return 1
    settings = {**run.settings, "scales": scales, "first": args.first,
                "n_images": len(run.images), "degradation": "MATLAB bicubic imresize "
                "(restore.operators.downsample.bicubic_kernel, reflect), 8-bit rounding"}
    methods = list(run.methods)
    if "dip" in settings["methods"]:
        import torch

        if args.threads:
            torch.set_num_threads(args.threads)
        runner = DipRunner(args.dip_width, args.dip_iterations, args.device)
        methods = [Method("dip", METHODS["dip"].label, runner) if m.name == "dip" else m
                   for m in methods]
        settings.update(dip_width=args.dip_width, dip_iterations=args.dip_iterations,
                        torch=torch.__version__, device=runner.prior.device,
                        threads=torch.get_num_threads())
    run.settings = settings
    warm = run.images[0].clean[:48, :48]  # numba compilation and first torch calls, untimed
    for method in methods:
        if method.name in ("epll", "epll-gmm", "dip"):
            method.run(bicubic_degradation(warm, 4)[1], scale=4, rng=np.random.default_rng(0))
            getattr(method.run, "calls", []).clear()
    result = run_scales(run, scales, methods)
    key, section = render_results([result])
    publish(section, key, args.markdown, run.json_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
