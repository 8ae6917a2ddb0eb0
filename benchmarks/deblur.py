"""Grey deblurring benchmark on BSD68: our EPLL beside scikit-image's deconvolutions.

Usage::

    python -m benchmarks.deblur --data ../shared/data/bsd68 \\
        --kernels ../shared/data/kernels/levin09_kernels.npz [--limit 20] \\
        [--sigmas 2.55 7.65] [--methods epll wiener unsupervised_wiener richardson_lucy] \\
        [--crop N] [--blur circular|reflect] [--out benchmarks/results] \\
        [--markdown BENCHMARKS.md] [--seed 0]

For every image (sorted by name, the first ``--limit``), every kernel of the
``.npz`` (arrays ``k0`` ... in name order) and every noise level: blur the
clean image (``--blur``: with circular boundaries, the default, or with mirrored
ones) and add seeded white Gaussian noise
(:mod:`benchmarks.harness.degradations`), then run every method, all in one
process (:mod:`benchmarks.harness.cases`). With ``--crop`` (partial runs
only) the clean image is centre-cropped first and the crop blurred, so the
circular model stays exact.

Methods (``run(blurred, *, kernel, sigma, rng)``):

- ``epll``: ``restore.deblur(..., boundary="circular")``, the fast default path;
- ``epll-exact``: the same with ``exact=True`` (the reference; not run by default);
- ``epll-unknown``: ``restore.deblur(..., boundary="unknown")`` (the library's default:
  no boundary guessed; not run by default);
- ``epll-reflect``: ``restore.deblur(..., boundary="reflect")`` (not run by default);
- ``wiener``: ``skimage.restoration.wiener`` (Laplacian regulariser) with the
  balance chosen on training images (:data:`WIENER_BALANCE`);
- ``unsupervised_wiener``: ``skimage.restoration.unsupervised_wiener``
  (estimates its own regularisation; seeded);
- ``unsupervised_wiener_reflect``: the same on the blurred image mirrored outwards by
  the kernel's size (``np.pad(mode="symmetric")``), cropped back: the peer for mirrored
  blurs, where the plain FFT model wraps (not run by default);
- ``richardson_lucy``: ``skimage.restoration.richardson_lucy`` on the
  blurred image clipped to [0, 1] (it needs non-negative data) and padded
  periodically by the kernel's size (it models zero boundaries; the padding
  tells it the blur is circular), cropped back, with the number of
  iterations chosen on training images (:data:`RL_ITERATIONS`).

The peers' settings come from ``python -m benchmarks.tuning.tune_schedule --task
deblur-peers`` (``benchmarks/results/deblur_peer_tuning.json``): Train400
images, never BSD68. For a noise level that was not tuned the nearest tuned
one's setting is used.

With one of our methods in the run, the ``restore`` command is also timed once
end to end on the first image's first kernel and noise level
(:mod:`benchmarks.harness.command_time`: ``--task deblur --kernel K.npy
--boundary B``, the first of our methods' boundary; the blurred image rounded to an
8-bit PNG).

The acceptance of deblurring without a boundary guess (docs/tuning.md) is two runs,
``--blur reflect --methods epll-unknown unsupervised_wiener_reflect`` and
``--blur circular --methods epll-unknown``, beside the circular run above.

Outputs ``<out>/<dataset>_deblur[_<tag>].json`` (rewritten after every
image) and a markdown section (key ``<dataset>-deblur[-<tag>]``) on stdout
and, with ``--markdown``, in that file.
"""
from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path

import numpy as np

from benchmarks.harness.cases import Degraded, render_table, summarise
from benchmarks.harness.cli import add_run_arguments, prepare_run, section_key
from benchmarks.harness.command_time import command_note, run_cases_and_command
from benchmarks.harness.data import centre_crop, load_kernels
from benchmarks.harness.degradations import blur_and_noise, noise_key
from benchmarks.harness.markdown import (closing_lines, run_lines, scope_note, section_text,
                                         title_line)
from benchmarks.harness.methods import Method
from benchmarks.harness.results import join_runs, shown_path

DEFAULT_SIGMAS = (2.55, 7.65)

#: ``skimage.restoration.wiener`` balance per noise level (0-255 scale), the best of 17
#: values from 1e-4 to 1 (log-spaced) on three Train400 images x the eight kernels
#: (benchmarks/results/deblur_peer_tuning.json).
WIENER_BALANCE = {2.55: 0.00178, 7.65: 0.0316}
#: Richardson-Lucy iterations per noise level, chosen alike among 5, 10, 15, 20, 30, 50.
RL_ITERATIONS = {2.55: 20, 7.65: 10}


def nearest_setting(table, sigma):
    """The setting of ``table`` (keyed by noise level, 0-255 scale) tuned nearest to
    ``sigma`` ([0, 1] scale)."""
    return table[min(table, key=lambda tuned: abs(tuned - sigma * 255))]


def run_epll(blurred, *, kernel, sigma, rng):
    from restore import deblur

    return deblur(blurred, kernel, sigma, boundary="circular", rng=rng)


def run_epll_exact(blurred, *, kernel, sigma, rng):
    from restore import deblur

    return deblur(blurred, kernel, sigma, boundary="circular", rng=rng, exact=True)


def run_epll_unknown(blurred, *, kernel, sigma, rng):
    from restore import deblur

    return deblur(blurred, kernel, sigma, boundary="unknown", rng=rng)


def run_epll_reflect(blurred, *, kernel, sigma, rng):
    from restore import deblur

    return deblur(blurred, kernel, sigma, boundary="reflect", rng=rng)


def run_wiener(blurred, *, kernel, sigma, rng):
    from skimage.restoration import wiener

    return wiener(blurred, kernel, nearest_setting(WIENER_BALANCE, sigma))


def run_unsupervised_wiener(blurred, *, kernel, sigma, rng):
    from skimage.restoration import unsupervised_wiener

    return unsupervised_wiener(blurred, kernel, rng=rng)[0]


def run_unsupervised_wiener_reflect(blurred, *, kernel, sigma, rng):
    from skimage.restoration import unsupervised_wiener

    margin = max(kernel.shape)
    padded = np.pad(blurred, margin, mode="symmetric")
    return unsupervised_wiener(padded, kernel, rng=rng)[0][margin:-margin, margin:-margin]


def richardson_lucy_circular(blurred, kernel, num_iter):
    """``skimage.restoration.richardson_lucy`` for a circular blur: on the image clipped
    to [0, 1] and padded periodically by the kernel's size, then cropped back."""
    from skimage.restoration import richardson_lucy

    margin = max(kernel.shape)
    padded = np.pad(np.clip(blurred, 0, 1), margin, mode="wrap")
    return richardson_lucy(padded, kernel, num_iter=num_iter)[margin:-margin, margin:-margin]


def run_richardson_lucy(blurred, *, kernel, sigma, rng):
    return richardson_lucy_circular(blurred, kernel, nearest_setting(RL_ITERATIONS, sigma))


METHODS = {m.name: m for m in (
    Method("epll", "EPLL (ours)", run_epll),
    Method("epll-exact", "EPLL (ours, exact path)", run_epll_exact),
    Method("epll-unknown", "EPLL (ours, unknown boundary)", run_epll_unknown),
    Method("epll-reflect", "EPLL (ours, reflect boundary)", run_epll_reflect),
    Method("wiener", "Wiener (skimage, tuned)", run_wiener),
    Method("unsupervised_wiener", "unsupervised Wiener (skimage)", run_unsupervised_wiener),
    Method("unsupervised_wiener_reflect", "unsupervised Wiener (skimage, mirrored pad)",
           run_unsupervised_wiener_reflect),
    Method("richardson_lucy", "Richardson-Lucy (skimage, tuned)", run_richardson_lucy),
)}
DEFAULT_METHODS = ("epll", "wiener", "unsupervised_wiener", "richardson_lucy")
#: Our methods as the ``restore`` command runs them: name -> options besides the task's and
#: the boundary (:data:`COMMAND_BOUNDARIES`).
COMMAND_OPTIONS = {"epll": [], "epll-exact": ["--exact"], "epll-unknown": [],
                   "epll-reflect": []}
#: The boundary each of our methods restores with (the command timed uses it).
COMMAND_BOUNDARIES = {"epll": "circular", "epll-exact": "circular", "epll-unknown": "unknown",
                      "epll-reflect": "reflect"}
#: How ``--blur`` blurs the clean image: a boundary of :class:`restore.operators.Blur`.
BLURS = ("circular", "reflect")


def case_command(case, boundary="circular"):
    """The command's input, options and files for one case: the blurred image, its kernel
    (``.npy``) and noise level, and the ``boundary`` of the method timed."""
    return (case.observed, ["--task", "deblur", "--kernel", "{dir}/kernel.npy", "--sigma",
                            f"{case.fields['sigma']:g}", "--boundary", boundary],
            {"kernel.npy": case.params["kernel"]})


def timed_boundary(method_names):
    """The boundary of the first of our methods in the run (the one the command runs)."""
    ours = [name for name in method_names if name in COMMAND_BOUNDARIES]
    return COMMAND_BOUNDARIES[ours[0]] if ours else "circular"


def degrader(kernels, sigmas, seed, crop=None, blur="circular"):
    """``degrade(image) -> [Degraded]`` for every kernel and noise level, the clean image
    blurred with the ``blur`` boundary."""
    def degrade(image):
        cases = []
        for sigma in sigmas:
            for k_index, (name, kernel) in enumerate(kernels.items()):
                rng = np.random.default_rng([seed, image.index, k_index, noise_key(sigma)])
                clean = centre_crop(image.clean, crop)
                cases.append(Degraded(
                    condition=f"{name} σ={sigma:g}", clean=clean,
                    observed=blur_and_noise(clean, kernel, sigma, rng, boundary=blur),
                    params={"kernel": kernel, "sigma": sigma / 255},
                    fields={"group": f"σ={sigma:g}", "kernel": name, "sigma": sigma}))
        return cases
    return degrade


def per_noise(table):
    """``σ=2.55: 0.00178, σ=7.65: 0.0316`` from a setting per noise level."""
    return ", ".join(f"σ={float(sigma):g}: {value}" for sigma, value in table.items())


def smallest_gains(rows):
    """Per method, the row whose PSNR gain over the input is the smallest:
    ``{method: (gain, image, condition)}``."""
    worst = {}
    for row in rows:
        gain = row["psnr"] - row["input_psnr"]
        if row["method"] not in worst or gain < worst[row["method"]][0]:
            worst[row["method"]] = (gain, row["image"], row["condition"])
    return worst


def render_results(results):
    """``(section key, markdown section)`` of saved runs: one JSON document, or runs at
    different noise levels joined (:func:`benchmarks.harness.results.join_runs`)."""
    result = results[0] if len(results) == 1 else join_runs(results, joined=("sigmas",))
    settings = result["settings"]
    methods = [METHODS[name] for name in settings["methods"]]
    by_noise = summarise(result["rows"])
    by_kernel = summarise(result["rows"], keys=("kernel", "method"))
    for summary in by_kernel:
        summary["group"] = summary["kernel"]
    blur = settings.get("boundary", "circular")
    gains = "; ".join(f"{METHODS[name].label} {gain:+.2f} dB ({image}, {condition})"
                      for name, (gain, image, condition) in smallest_gains(result["rows"]).items())
    lines = [
        title_line(f"{settings['dataset'].upper()} grey deblurring", settings), "",
        *run_lines(settings), "", scope_note(settings),
        f"Kernels: {', '.join(settings['kernels'])} (`{settings['kernel_file']}`), {blur} "
        "blur, white Gaussian noise σ/255 (not clipped). Mean over images and kernels:", "",
        render_table(by_noise, [f"σ={s:g}" for s in settings["sigmas"]], methods, "noise"), "",
        "Per kernel, all noise levels together:", "",
        render_table(by_kernel, settings["kernels"], methods, "kernel"), "",
        f"Smallest gain over the input, per image and kernel: {gains}.", "",
        "PSNR (dB) / SSIM (`data_range=1`, estimate clipped to [0, 1]); input PSNR: the blurred, "
        "noisy image. s/image: median wall-clock seconds of the method call. EPLL: "
        "`restore.deblur(..., boundary=...)` with the boundary its label names (plain EPLL: "
        "`\"circular\"`), fast path. Peers' settings chosen on "
        f"Train400: Wiener balance {per_noise(settings['wiener_balance'])}, Richardson-Lucy "
        f"iterations {per_noise(settings['rl_iterations'])} (Richardson-Lucy on the "
        "periodically padded image).",
        *filter(None, [command_note(run) for run in results]), *closing_lines(result)]
    return section_key(settings["dataset"], "deblur", settings["tag"]), section_text(lines)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.deblur",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="folder of grey test PNGs")
    parser.add_argument("--kernels", required=True, type=Path,
                        help="an .npz of blur kernels, e.g. ../shared/data/kernels/"
                             "levin09_kernels.npz")
    parser.add_argument("--sigmas", nargs="+", type=float, default=list(DEFAULT_SIGMAS),
                        help="noise levels on the 0-255 scale (default: 2.55 7.65)")
    parser.add_argument("--blur", choices=BLURS, default="circular",
                        help="how the clean image is blurred: circular (default; the image "
                             "wraps around) or reflect (mirrored outwards, as a photo's scene "
                             "continues)")
    return add_run_arguments(parser, METHODS, DEFAULT_METHODS)


def main(argv=None):
    """Entry point; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    run = prepare_run(build_parser(), argv, prog="python -m benchmarks.deblur", task="deblur",
                      methods=METHODS)
    if run is None:
        return 1
    args, images = run.args, run.images
    try:
        kernels = load_kernels(args.kernels)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    sigmas = list(dict.fromkeys(args.sigmas))
    settings = {
        **run.settings, "sigmas": sigmas, "kernel_file": shown_path(args.kernels),
        "kernels": list(kernels), "boundary": args.blur,
        "noise": f"{args.blur} blur (of the crop with --crop) + sigma/255 * default_rng([seed, "
                 "image_index, kernel_index, round(100*sigma)]).standard_normal, not clipped",
        "wiener_balance": WIENER_BALANCE, "rl_iterations": RL_ITERATIONS,
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
    }
    first_kernel = next(iter(kernels.values()))
    warm = images[0].clean[:64, :64]
    small = Degraded("warm-up", warm, blur_and_noise(warm, first_kernel, sigmas[0],
                                                     np.random.default_rng(0), boundary=args.blur),
                     params={"kernel": first_kernel, "sigma": sigmas[0] / 255})
    command = partial(case_command, boundary=timed_boundary(args.methods))
    return run_cases_and_command(run, degrader(kernels, sigmas, args.seed, args.crop, args.blur),
                                 settings, small, render_results, COMMAND_OPTIONS, command)


if __name__ == "__main__":
    sys.exit(main())
