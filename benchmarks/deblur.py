"""Grey deblurring benchmark on BSD68: our EPLL beside scikit-image's deconvolutions.

Usage::

    python -m benchmarks.deblur --data ../shared/data/bsd68 \\
        --kernels ../shared/data/kernels/levin09_kernels.npz [--limit 20] \\
        [--sigmas 2.55 7.65] [--methods epll wiener unsupervised_wiener richardson_lucy] \\
        [--crop N] [--out benchmarks/results] [--markdown BENCHMARKS.md] [--seed 0]

For every image (sorted by name, the first ``--limit``), every kernel of the
``.npz`` (arrays ``k0`` ... in name order) and every noise level: blur the
clean image with circular boundaries (:class:`restore.operators.Blur`), add
white Gaussian noise of ``sigma/255`` drawn from
``np.random.default_rng([seed, image_index, kernel_index, round(100 * sigma)])``
(not clipped), then run every method, all in one process, and score PSNR
and SSIM as :mod:`benchmarks.bsds` does. With ``--crop`` (partial runs
only) the clean image is centre-cropped first and the crop blurred
circularly, so the model stays exact.

Methods (``run(blurred, *, kernel, sigma, rng)``):

- ``epll``: ``restore.deblur(..., boundary="circular")``, the fast default path;
- ``epll-exact``: the same with ``exact=True`` (the reference; not run by default);
- ``wiener``: ``skimage.restoration.wiener`` (Laplacian regulariser) with the
  balance chosen on training images (:data:`WIENER_BALANCE`);
- ``unsupervised_wiener``: ``skimage.restoration.unsupervised_wiener``
  (estimates its own regularisation; seeded);
- ``richardson_lucy``: ``skimage.restoration.richardson_lucy`` on the
  blurred image clipped to [0, 1] (it needs non-negative data) and padded
  periodically by the kernel's size (it models zero boundaries; the padding
  tells it the blur is circular), cropped back, with the number of
  iterations chosen on training images (:data:`RL_ITERATIONS`).

The peers' settings come from ``python -m benchmarks.tune_schedule --task
deblur-peers`` (``benchmarks/results/deblur_peer_tuning.json``): Train400
images, never BSD68. For a noise level that was not tuned the nearest tuned
one's setting is used.

Outputs ``<out>/<dataset>_deblur[_<tag>].json`` (rewritten after every
image) and a markdown section (key ``<dataset>-deblur[-<tag>]``) on stdout
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
                              run_cases, summarise, task_method)

DEFAULT_SIGMAS = (2.55, 7.65)

#: ``skimage.restoration.wiener`` balance per noise level (0-255 scale), the best of 17
#: values from 1e-4 to 1 (log-spaced) on three Train400 images x the eight kernels
#: (benchmarks/results/deblur_peer_tuning.json).
WIENER_BALANCE = {2.55: 0.00178, 7.65: 0.0316}
#: Richardson-Lucy iterations per noise level, chosen alike among 5, 10, 15, 20, 30, 50.
RL_ITERATIONS = {2.55: 20, 7.65: 10}


def load_kernels(path):
    """The kernels of an ``.npz`` file, ``{name: kernel}`` in name order, each summing to 1."""
    from restore.operators.kernels import check_kernel

    with np.load(path) as data:
        return {name: check_kernel(data[name], name=f"kernel {name!r}")
                for name in sorted(data.files)}


def blur_and_noise(clean, kernel, sigma255, rng):
    """Circular blur plus white Gaussian noise of ``sigma255 / 255`` (not clipped)."""
    from restore.operators import Blur

    blurred = Blur(kernel, "circular").apply(np.asarray(clean, dtype=np.float64))
    return blurred + sigma255 / 255 * rng.standard_normal(blurred.shape)


def noise_key(sigma255):
    """Integer seed key of a noise level: ``round(100 * sigma255)``."""
    return int(round(100 * sigma255))


def _nearest(table, sigma):
    return table[min(table, key=lambda tuned: abs(tuned - sigma * 255))]


# ----------------------------------------------------------------------------- methods
def _run_epll(blurred, *, kernel, sigma, rng):
    from restore import deblur

    return deblur(blurred, kernel, sigma, boundary="circular", rng=rng)


def _run_epll_exact(blurred, *, kernel, sigma, rng):
    from restore import deblur

    return deblur(blurred, kernel, sigma, boundary="circular", rng=rng, exact=True)


def _run_wiener(blurred, *, kernel, sigma, rng):
    from skimage.restoration import wiener

    return wiener(blurred, kernel, _nearest(WIENER_BALANCE, sigma))


def _run_unsupervised_wiener(blurred, *, kernel, sigma, rng):
    from skimage.restoration import unsupervised_wiener

    return unsupervised_wiener(blurred, kernel, rng=rng)[0]


def richardson_lucy_circular(blurred, kernel, num_iter):
    """``skimage.restoration.richardson_lucy`` for a circular blur: on the image clipped
    to [0, 1] and padded periodically by the kernel's size, then cropped back."""
    from skimage.restoration import richardson_lucy

    margin = max(kernel.shape)
    padded = np.pad(np.clip(blurred, 0, 1), margin, mode="wrap")
    return richardson_lucy(padded, kernel, num_iter=num_iter)[margin:-margin, margin:-margin]


def _run_richardson_lucy(blurred, *, kernel, sigma, rng):
    return richardson_lucy_circular(blurred, kernel, _nearest(RL_ITERATIONS, sigma))


METHODS = {m.name: m for m in (
    task_method("epll", "EPLL (ours)", _run_epll),
    task_method("epll-exact", "EPLL (ours, exact path)", _run_epll_exact),
    task_method("wiener", "Wiener (skimage, tuned)", _run_wiener),
    task_method("unsupervised_wiener", "unsupervised Wiener (skimage)",
                _run_unsupervised_wiener),
    task_method("richardson_lucy", "Richardson-Lucy (skimage, tuned)", _run_richardson_lucy),
)}


# ----------------------------------------------------------------------------- the run
def degrader(kernels, sigmas, seed, crop=None):
    """``degrade(image) -> [Degraded]`` for every kernel and noise level."""
    def degrade(image):
        cases = []
        for sigma in sigmas:
            for k_index, (name, kernel) in enumerate(kernels.items()):
                rng = np.random.default_rng([seed, image.index, k_index, noise_key(sigma)])
                clean = centre_crop(image.clean, crop)
                cases.append(Degraded(
                    condition=f"{name} σ={sigma:g}", clean=clean,
                    observed=blur_and_noise(clean, kernel, sigma, rng),
                    params={"kernel": kernel, "sigma": sigma / 255},
                    fields={"group": f"σ={sigma:g}", "kernel": name, "sigma": sigma}))
        return cases
    return degrade


def render_section(result, methods):
    """The markdown report of a run."""
    settings = result["settings"]
    groups = [f"σ={s:g}" for s in settings["sigmas"]]
    by_kernel = summarise(result["rows"], keys=("kernel", "method"))
    for summary in by_kernel:
        summary["group"] = summary["kernel"]
    partial = []
    if settings["n_images"] < settings["n_images_in_folder"]:
        partial.append(f"first {settings['n_images']} of {settings['n_images_in_folder']} images")
    if settings["crop"]:
        partial.append(f"centre crop {settings['crop']}x{settings['crop']}")
    lines = [
        f"## {settings['dataset'].upper()} grey deblurring"
        + (f" ({settings['tag']})" if settings["tag"] else ""),
        "",
        f"Command: `{settings['command']}`  ",
        f"Date: {settings['started'][:10]} (UTC). "
        f"Machine: {machine_sentence(settings['machine'])}.",
        "",
        ("**Partial run**: " + ", ".join(partial) + ".") if partial
        else f"Full run: all {settings['n_images']} images.",
        f"Kernels: {', '.join(settings['kernels'])} ({settings['kernel_file']}), circular "
        "blur, white Gaussian noise σ/255 (not clipped). Mean over images and kernels:",
        "",
        render_table(result["summaries"], groups, methods, "noise"),
        "",
        "Per kernel, all noise levels together:",
        "",
        render_table(by_kernel, settings["kernels"], methods, "kernel"),
        "",
        "PSNR (dB) / SSIM (`data_range=1`, estimate clipped to [0, 1]); input PSNR: the blurred, "
        "noisy image. s/image: median wall-clock seconds of the method call. EPLL: "
        "`restore.deblur(..., boundary=\"circular\")`, fast path. Peers' settings chosen on "
        f"Train400: Wiener balance {settings['wiener_balance']}, Richardson-Lucy iterations "
        f"{settings['rl_iterations']} (Richardson-Lucy on the periodically padded image).",
    ]
    if settings["skipped"]:
        lines.append("Skipped: " + "; ".join(f"{k}: {v}" for k, v in settings["skipped"].items()))
    if not result.get("complete", True):
        lines.append("**Incomplete**: the run stopped before the last image.")
    lines.append(f"Raw results: `{settings['json']}`.")
    return "\n".join(lines)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.deblur",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="folder of grey test PNGs")
    parser.add_argument("--kernels", required=True, type=Path,
                        help="an .npz of blur kernels, e.g. ../shared/data/kernels/"
                             "levin09_kernels.npz")
    parser.add_argument("--sigmas", nargs="+", type=float, default=list(DEFAULT_SIGMAS),
                        help="noise levels on the 0-255 scale (default: 2.55 7.65)")
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
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error(f"--limit must be at least 1, got {args.limit}")
    if any(s <= 0 for s in args.sigmas) or args.seed < 0:
        parser.error("--sigmas must be positive and --seed non-negative")
    methods, skipped = available_methods(args.methods, METHODS)
    if not methods:
        print("error: none of the requested methods can run here", file=sys.stderr)
        return 1
    try:
        images, n_available = load_dataset(args.data, args.limit)
        kernels = load_kernels(args.kernels)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    dataset = args.data.resolve().name
    parts = [f"n{args.limit}"] if args.limit else []
    parts += [f"crop{args.crop}"] if args.crop else []
    tag = args.tag if args.tag is not None else "_".join(parts)
    json_path = args.out / f"{dataset}_deblur{'_' + tag if tag else ''}.json"
    sigmas = list(dict.fromkeys(args.sigmas))
    settings = {
        "dataset": dataset, "task": "deblur", "n_images": len(images),
        "n_images_in_folder": n_available, "crop": args.crop, "sigmas": sigmas, "seed": args.seed,
        "kernel_file": str(args.kernels), "kernels": list(kernels), "tag": tag,
        "boundary": "circular",
        "noise": "circular blur (of the crop with --crop) + sigma/255 * default_rng([seed, "
                 "image_index, kernel_index, round(100*sigma)]).standard_normal, not clipped",
        "methods": [m.name for m in methods], "skipped": skipped,
        "wiener_balance": WIENER_BALANCE, "rl_iterations": RL_ITERATIONS,
        "command": "python -m benchmarks.deblur " + shlex.join(argv), "json": str(json_path),
        "started": utc_now(), "machine": machine_info(),
    }
    degrade = degrader(kernels, sigmas, args.seed, args.crop)
    warm = images[0]
    small = Degraded("warm-up", warm.clean[:64, :64],
                     blur_and_noise(warm.clean[:64, :64], next(iter(kernels.values())), sigmas[0],
                                    np.random.default_rng(0)),
                     params={"kernel": next(iter(kernels.values())), "sigma": sigmas[0] / 255})
    result = run_cases(images, degrade, methods, settings=settings, seed=args.seed,
                       json_path=json_path, warmup=small)
    section = render_section(result, methods)
    print(section)
    if args.markdown is not None:
        key = f"{dataset}-deblur" + (f"-{tag}" if tag else "")
        update_markdown_file(args.markdown, key, section)
        print(f"updated section {key!r} of {args.markdown}", file=sys.stderr)
    print(f"wrote {json_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
