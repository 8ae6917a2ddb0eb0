"""Correlated noise on BSD68 (issue 22, part 3): ours told the covariance, ours assuming white
noise, and BM3D given the same power spectrum.

Usage::

    python -m benchmarks.correlated_noise --data ../shared/data/bsd68 [--limit N] \\
        [--markdown BENCHMARKS.md]

Each clean grey image ``x`` (the first ``--limit``, sorted by name; all by default) gets
``y = x + n``, ``n = s (k * w) / ||k||``: ``w`` white N(0, 1) seeded by image, ``k`` the
3x3 Gaussian kernel of standard deviation 1 pixel (``bm3d.gaussian_kernel((3, 3), 1)``),
circular convolution, ``s = --sigma / 255`` (25 by default) so the filtered noise has
standard deviation ``s`` in expectation; unclipped. Its power spectrum in ``bm3d``'s
``sigma_psd`` convention is ``psd = s^2 H W |F[k]|^2 / ||k||^2``. Methods, in one process:

- ``epll-correlated``: ``restore.denoise(y, noise=CorrelatedNoise(psd=psd))``;
- ``epll-white``: ``restore.denoise(y, s)``, white noise assumed;
- ``bm3d-psd``: BM3D 4, ``bm3d.bm3d(y, sigma_psd=psd)`` (default profile);
- ``epll-correlated-white-coupling`` (not run by default): ours with the recipe's
  ``correlated_coupling="white"`` (:mod:`restore.recipes.correlated`).

Outputs ``<out>/bsd68_correlated_noise.json`` (``..._n<limit>.json`` for part of the set)
and the section ``correlated-noise`` of ``--markdown``.

bm3d 4.0.x calls ``numpy.trapz`` for a spectrum, which numpy 2 removed; this script
puts ``numpy.trapezoid`` (the same function) under that name when it is missing.
"""
from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.harness.data import load_dataset
from benchmarks.harness.machine import machine_info, utc_now
from benchmarks.harness.markdown import publish, run_lines, section_text, table, title_line
from benchmarks.harness.results import RESULTS_DIR, shown_path, write_json_atomic
from benchmarks.harness.scoring import psnr

METHODS = ("epll-correlated", "epll-white", "bm3d-psd", "epll-correlated-white-coupling")
DEFAULT_METHODS = METHODS[:3]
#: BSD68's size: a run of this many images is the whole set.
FULL_SET = 68


def noise_kernel():
    """The 3x3 Gaussian kernel of standard deviation 1 pixel, sum 1 (bm3d's
    ``gaussian_kernel((3, 3), 1)``)."""
    profile = np.exp(-0.5 * np.arange(-1, 2) ** 2)
    kernel = np.outer(profile, profile)
    return kernel / kernel.sum()


def correlated_noise(shape, sigma, rng, kernel):
    """``sigma (k * w) / ||k||``, circular convolution, ``w`` white N(0, 1)."""
    from scipy.ndimage import convolve

    white = rng.standard_normal(shape)
    return sigma * convolve(white, kernel, mode="wrap") / np.sqrt(np.sum(kernel ** 2))


def noise_psd(shape, sigma, kernel):
    """The noise's power spectrum in bm3d's convention (FFT order, mean ``sigma^2 H W``)."""
    otf = np.fft.fft2(kernel, shape)
    return sigma ** 2 * shape[0] * shape[1] * np.abs(otf) ** 2 / np.sum(kernel ** 2)


def run_method(name, noisy, sigma, psd):
    """The restored image of one method."""
    from restore import CorrelatedNoise, denoise

    if name == "epll-correlated":
        return denoise(noisy, noise=CorrelatedNoise(psd=psd), rng=0)
    if name == "epll-white":
        return denoise(noisy, sigma, rng=0)
    if name == "bm3d-psd":
        import bm3d

        if not hasattr(np, "trapz"):
            np.trapz = np.trapezoid
        return np.asarray(bm3d.bm3d(noisy.astype(np.float64), sigma_psd=psd)).reshape(noisy.shape)
    if name == "epll-correlated-white-coupling":
        from dataclasses import replace

        from priors.registry import get_prior
        from restore.recipes import DENOISE

        recipe = replace(DENOISE, correlated_coupling="white")
        return recipe.restore_correlated(noisy, CorrelatedNoise(psd=psd), get_prior("gmm"),
                                         rng=0)
    raise ValueError(f"unknown method {name!r}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.correlated_noise",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--sigma", type=float, default=25.0, help="0-255 scale")
    parser.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS), choices=METHODS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)

    images, available = load_dataset(args.data, limit=args.limit)
    whole = len(images) == available
    tag = "" if whole else f"_n{len(images)}"
    json_path = Path(args.out) / f"bsd68_correlated_noise{tag}.json"
    sigma = args.sigma / 255
    kernel = noise_kernel()
    settings = dict(command="python -m benchmarks.correlated_noise " + shlex.join(
        sys.argv[1:] if argv is None else argv), started=utc_now(), machine=machine_info(),
        data=shown_path(args.data), images=len(images), sigma_255=args.sigma,
        kernel=kernel.tolist(), methods=args.methods, seed=args.seed,
        json=shown_path(json_path), tag="" if whole else f"n{len(images)}")
    rows = []
    for image in images:
        rng = np.random.default_rng([args.seed, image.index])
        noisy = (image.clean + correlated_noise(image.clean.shape, sigma, rng, kernel)
                 ).astype(np.float32)
        psd = noise_psd(noisy.shape, sigma, kernel)
        for name in args.methods:
            start = time.perf_counter()
            restored = run_method(name, noisy, sigma, psd)
            rows.append(dict(image=image.name, method=name, psnr=psnr(image.clean, restored),
                             seconds=time.perf_counter() - start))
            print(f"{image.name} {name}: {rows[-1]['psnr']:.2f} dB {rows[-1]['seconds']:.1f} s",
                  file=sys.stderr, flush=True)
        write_json_atomic(json_path, dict(settings=settings, rows=rows))
    result = dict(settings=settings, rows=rows)
    write_json_atomic(json_path, result)
    publish(render_section(result), "correlated-noise", args.markdown, json_path)
    return 0


def render_section(result):
    settings, rows = result["settings"], result["rows"]
    lines = [title_line("Correlated noise", settings), "", *run_lines(settings), "",
             f"{settings['images']} images of {settings['data']}, grey; white N(0, 1) noise "
             "filtered (circularly) by the 3x3 Gaussian kernel of standard deviation 1 pixel, "
             f"scaled to sigma {settings['sigma_255']:g}/255 after filtering. `epll-correlated`: "
             "`restore.denoise(y, noise=CorrelatedNoise(psd=psd))`; `epll-white`: "
             "`restore.denoise(y, sigma)`; `bm3d-psd`: `bm3d.bm3d(y, sigma_psd=psd)`, the same "
             "power spectrum. Mean PSNR (dB), median seconds per image, and the images where "
             "the first method beats each other one.", ""]
    first = settings["methods"][0]
    by_image = {(r["image"], r["method"]): r["psnr"] for r in rows}
    body = []
    for method in settings["methods"]:
        chosen = [r for r in rows if r["method"] == method]
        if not chosen:
            continue
        wins = sum(by_image.get((r["image"], first), -np.inf) > r["psnr"] for r in chosen)
        body.append([f"`{method}`", f"{statistics.mean(r['psnr'] for r in chosen):.2f}",
                     f"{statistics.median(r['seconds'] for r in chosen):.1f}",
                     "—" if method == first else f"{wins} / {len(chosen)}"])
    lines += [table(["method", "PSNR (dB)", "seconds", f"`{first}` better"], body), "",
              f"Raw results: `{settings['json']}`."]
    return section_text(lines)


def render_results(results):
    """``("correlated-noise", markdown section)`` of a saved run."""
    (result,) = results
    return "correlated-noise", render_section(result)


if __name__ == "__main__":
    sys.exit(main())
