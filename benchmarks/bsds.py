"""Grey denoising benchmark on BSD68: our EPLL beside BM3D and scikit-image, in one run.

Usage::

    python -m benchmarks.bsds --data ../shared/data/bsd68 --sigmas 15 25 50 \\
        [--limit N] [--crop N] [--methods epll bm3d nl-means wavelet] \\
        [--out benchmarks/results] [--markdown BENCHMARKS.md] [--seed 0]

The run (seeds, timing, memory, scores) is :mod:`benchmarks.harness.denoising`.
Outputs ``<out>/<dataset>_denoise[_<tag>].json`` (rewritten after every image;
the tag is ``--tag`` or, by default, what differs from a full run of the
default methods: ``n<limit>``, ``crop<size>``, the methods) and a markdown
section (key ``<dataset>-denoise[-<tag>]``) on stdout and, with
``--markdown``, in that file. Runs with ``--limit`` or ``--crop`` are labelled
partial.

Methods (``run(noisy, sigma, *, rng)``, ``sigma`` on the [0, 1] scale):
``epll`` (``restore.denoise``, the default fast path), ``epll-exact``
(``exact=True``), ``epll-vae`` (the VAE prior), ``bm3d`` (the ``bm3d``
package, default profile), ``nl-means`` (``skimage.restoration.denoise_nl_means``,
fast mode, 5x5 patches, 13x13 search, ``h = 0.8 sigma``: scikit-image's
gallery settings) and ``wavelet`` (``skimage.restoration.denoise_wavelet``,
BayesShrink, soft thresholds).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from benchmarks.harness import denoising, denoising_report
from benchmarks.harness.cli import section_key
from benchmarks.harness.methods import Method, bm3d_unavailable, vae_unavailable

DEFAULT_SIGMAS = (15, 25, 50)
DEFAULT_METHODS = ("epll", "bm3d", "nl-means", "wavelet")

#: Published BSD68 grey PSNR (dB), full images, as tabulated by Zhang et al.
#: 2017 (DnCNN, Table 2).
PUBLISHED = {
    "epll": {"label": "EPLL (Zoran & Weiss 2011)", "psnr": {15: 31.21, 25: 28.68, 50: 25.67}},
    "bm3d": {"label": "BM3D (Dabov et al. 2007)", "psnr": {15: 31.07, 25: 28.57, 50: 25.62}},
}
PUBLISHED_SOURCE = ("Zoran & Weiss 2011 and Dabov et al. 2007, as tabulated by Zhang et al. "
                    "2017 (DnCNN, Table 2), full images")
NOTES = ("EPLL (ours, default): the fast path; EPLL exact: every patch, every component; "
         "NL-means and wavelet: scikit-image, given the true sigma.",)


def run_epll(noisy, sigma, *, rng):
    """Our EPLL, the library's defaults (the tied GMM, fast path)."""
    from restore import denoise

    return denoise(noisy, sigma=sigma, rng=rng)


def run_epll_estimated_sigma(noisy, sigma, *, rng):
    """Our EPLL, default path, told nothing: sigma estimated from the image
    (:func:`restore.estimate_sigma`); ``sigma`` unused."""
    from restore import denoise

    return denoise(noisy, rng=rng)


def run_epll_exact(noisy, sigma, *, rng):
    """Our EPLL's exact reference path (every patch, every component)."""
    from restore import denoise

    return denoise(noisy, sigma=sigma, exact=True, rng=rng)


def run_epll_vae(noisy, sigma, *, rng):
    """Our EPLL with the patch VAE prior, the default (fast) path."""
    from restore import denoise

    return denoise(noisy, sigma=sigma, prior="vae", rng=rng)


def run_bm3d(noisy, sigma, *, rng):
    """BM3D from the ``bm3d`` package, default profile (``rng`` unused)."""
    import bm3d

    return np.asarray(bm3d.bm3d(noisy, sigma_psd=sigma), dtype=np.float64).reshape(noisy.shape)


def run_nl_means(noisy, sigma, *, rng):
    """``skimage.restoration.denoise_nl_means``, fast mode, h = 0.8 sigma (``rng`` unused)."""
    from skimage.restoration import denoise_nl_means

    return denoise_nl_means(noisy, h=0.8 * sigma, sigma=sigma, fast_mode=True, patch_size=5,
                            patch_distance=6)


def run_wavelet(noisy, sigma, *, rng):
    """``skimage.restoration.denoise_wavelet``, BayesShrink, soft (``rng`` unused)."""
    from skimage.restoration import denoise_wavelet

    return denoise_wavelet(noisy, sigma=sigma, method="BayesShrink", mode="soft",
                           rescale_sigma=True)


#: Our methods as the ``restore`` command runs them: name -> options besides ``--sigma``.
COMMAND_OPTIONS = {"epll": [], "epll-exact": ["--exact"], "epll-vae": ["--prior", "vae"]}

#: Grey denoisers, name -> Method.
METHODS = {m.name: m for m in (
    Method("epll", "EPLL (ours, default)", run_epll),
    Method("epll-exact", "EPLL exact (ours)", run_epll_exact),
    Method("epll-estimated-sigma", "EPLL, sigma estimated (ours)", run_epll_estimated_sigma),
    Method("epll-vae", "EPLL + VAE prior (ours)", run_epll_vae, vae_unavailable),
    Method("bm3d", "BM3D (this run)", run_bm3d, bm3d_unavailable),
    Method("nl-means", "NL-means (skimage)", run_nl_means),
    Method("wavelet", "wavelet BayesShrink (skimage)", run_wavelet),
)}


def render_results(results):
    """``(section key, markdown section)`` of a saved run (one JSON document in a list)."""
    (result,) = results
    settings = result["settings"]
    methods = [METHODS[name] for name in settings["methods"]]
    section = denoising_report.render_section(
        result, methods, title=f"{settings['dataset'].upper()} grey denoising",
        published=PUBLISHED, published_source=PUBLISHED_SOURCE, notes=NOTES)
    return section_key(settings["dataset"], "denoise", settings["tag"]), section


def build_parser():
    """Command-line parser of ``python -m benchmarks.bsds``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bsds",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path,
                        help="folder of the grey test PNGs, e.g. ../shared/data/bsd68")
    return denoising.add_denoising_arguments(parser, METHODS, DEFAULT_METHODS, DEFAULT_SIGMAS)


def main(argv=None):
    """Entry point; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    return denoising.run_command(build_parser(), argv, prog="python -m benchmarks.bsds",
                                 methods=METHODS, default_methods=DEFAULT_METHODS,
                                 render=render_results, command_options=COMMAND_OPTIONS)


if __name__ == "__main__":
    sys.exit(main())
