"""Choose how EPLL handles correlated noise, on TRAINING images (Train400), never BSD68.

    python -m benchmarks.tuning.tune_correlated --data ../shared/data/train400 \\
        --names test_005 test_055 ... --out benchmarks/results/correlated_noise_tuning.json

The noise of the benchmark (:mod:`benchmarks.correlated_noise`): white N(0, 1) filtered
circularly by the 3x3 Gaussian kernel of standard deviation 1 pixel, sigma 25/255 after
filtering, seeded ``[7, i]`` for the ``i``-th image named. Candidates (``--variants``), the
fast path of :data:`restore.recipes.DENOISE` with the tied ``gmm`` prior and the
z-step under the patch noise correlation (:class:`priors.gmm_correlated.CorrelatedMixture`):

- ``noise-<L>``: the coupling weighted by the inverse noise correlation, so the x-step is
  the white one (``correlated_coupling="noise"``), lambda ``L / sigma^2``;
- ``white-<L>``: the plain coupling, the x-step weighting the data term alone
  (:class:`restore.operators.CorrelatedData`, ``correlated_coupling="white"``).

The betas stay the denoising schedule's. Writes every PSNR and the means to the JSON.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.correlated_noise import correlated_noise, noise_kernel
from benchmarks.harness.data import load_image, refuse_test_set
from benchmarks.harness.machine import utc_now
from benchmarks.harness.results import shown_path
from benchmarks.harness.scoring import psnr


def restore_variant(noisy, noise, prior, variant):
    """EPLL with the candidate ``<coupling>-<lambda>``."""
    from restore.operators import CorrelatedData, Identity
    from restore.recipes import DENOISE
    from restore.recipes.correlated import correlated_denoiser
    from restore.solvers.epll import epll

    coupling, lam = variant.split("-")
    schedule = replace(DENOISE.schedule_for(prior), lambda_factor=float(lam))
    operator = Identity() if coupling == "noise" else CorrelatedData(noise)
    return epll(noisy, operator, noise.sigma, correlated_denoiser(prior, noise), schedule,
                exact=False, fast=DENOISE.fast, rng=0)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.tune_correlated",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--names", nargs="+", required=True, help="image names, no suffix")
    parser.add_argument("--variants", nargs="+", default=["noise-48", "white-48"])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    refuse_test_set(args.data)
    from priors.registry import get_prior
    from restore import CorrelatedNoise

    prior, kernel, sigma = get_prior("gmm"), noise_kernel(), 25 / 255
    noise = CorrelatedNoise.from_kernel(kernel, sigma)
    rows = []
    for i, name in enumerate(args.names):
        clean = load_image(Path(args.data) / f"{name}.png", mode="L")
        rng = np.random.default_rng([7, i])
        noisy = (clean + correlated_noise(clean.shape, sigma, rng, kernel)).astype(np.float32)
        for variant in args.variants:
            start = time.perf_counter()
            restored = restore_variant(noisy, noise, prior, variant)
            rows.append(dict(image=name, variant=variant, psnr=psnr(clean, restored),
                             seconds=time.perf_counter() - start))
            print(f"{name} {variant}: {rows[-1]['psnr']:.3f} dB", file=sys.stderr, flush=True)
    means = {v: float(np.mean([r["psnr"] for r in rows if r["variant"] == v]))
             for v in args.variants}
    command = "python -m benchmarks.tuning.tune_correlated " + shlex.join(
        sys.argv[1:] if argv is None else argv)
    args.out.write_text(json.dumps(dict(command=command, started=utc_now(),
                                        data=shown_path(args.data), names=args.names,
                                        means=means,
                                        rows=rows), indent=1) + "\n")
    print(json.dumps(means, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
