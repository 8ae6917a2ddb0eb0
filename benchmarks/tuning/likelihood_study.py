"""Patch likelihood against restoration quality (after Zoran & Weiss 2011, Fig. 2 / Table 1).

Usage::

    python -m benchmarks.tuning.likelihood_study --train ../shared/data/train400 \\
        --heldout ../shared/data/bsd68 --markdown BENCHMARKS.md

For each prior: the mean log-likelihood per patch of held-out 8x8 patches
and the denoising PSNR of EPLL (library default, fast path) at sigma 25 on
the first few test images. The priors:

* an independent-pixel Gaussian (every pixel of the patch i.i.d.; its
  zero-mean part is then isotropic, ``N(0, s^2 I)`` in the 63 orthonormal
  zero-mean coordinates), fitted in closed form;
* one full Gaussian (sample covariance, closed form);
* GMMs with K = 1, 5, 20 fitted here by EM (:class:`priors.gmm.GaussianMixturePrior`)
  on random Train400 patches, from a k-means and from a Gaussian-scale-mixture
  start, keeping the fit with the higher training log-likelihood; and the
  two shipped ones: K = 200 (``gmm-untied``, ``gmm_8x8_200_untied.npz`` in
  ``priors/pretrained/``) and 200 orbits tied over rotations and flips (``gmm``,
  ``gmm_8x8_200.npz``);
* the shipped VAE (``vae_8x8.npz``): importance-weighted estimate with K = 64
  and 512 samples (a lower bound in expectation) and its ELBO.

Every density is of the same thing: the zero-mean part of the patch, in
nats with respect to Lebesgue measure on the 63 orthonormal zero-mean
coordinates of a patch on the [0, 1] intensity scale (the GMM's and the VAE's
``log_prob``; the Gaussians are GMMs with one component). Bits per pixel:
the code length of the zero-mean part quantised to 8-bit steps (1/255),
``(63 log 255 - LL) / (64 log 2)`` (the DC is not coded), lower is better.

Held-out patches: random patches of the ``--heldout`` images, which no prior
was trained or tuned on (the shipped priors saw Train400 and BSDS500-test,
whose Train400 crops overlap BSDS500-test, so the only disjoint images here
are the BSD68 test set, used for evaluation only). The PSNR uses the first
``--psnr-images`` images of ``--test`` with the BSD68 benchmark's noise.
Writes ``likelihood_study.json``, ``.md`` and ``.png`` under ``--out``.
"""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.harness.data import load_dataset
from benchmarks.harness.machine import machine_info, utc_now
from benchmarks.harness.markdown import update_markdown_file
from benchmarks.harness.noise import method_rng, noisy_pair
from benchmarks.harness.results import RESULTS_DIR, shown_path, write_json_atomic
from benchmarks.harness.scoring import psnr
from priors.gmm import GaussianMixturePrior
from priors.training import list_training_images, load_grey, sample_patches

PATCH = 8
DIM = PATCH * PATCH - 1


def bits_per_pixel(log_likelihood):
    """Code length (bits/pixel) of the 8-bit-quantised zero-mean part, from nats/patch."""
    return (DIM * np.log(255.0) - log_likelihood) / (PATCH * PATCH * np.log(2.0))


def single_gaussian(patches, isotropic):
    """A one-component GMM fitted in closed form: the sample covariance of the zero-mean
    coordinates, or ``s^2 I`` (the independent-pixel Gaussian) with ``s^2`` its mean eigenvalue."""
    prior = GaussianMixturePrior(1, PATCH)
    coords = patches.astype(np.float64) @ prior.basis
    mean = coords.mean(axis=0, keepdims=True)
    covariance = np.cov(coords, rowvar=False) + prior.reg_covar * np.eye(DIM)
    if isotropic:
        mean = np.zeros_like(mean)
        covariance = np.mean(np.sum(coords ** 2, axis=1)) / DIM * np.eye(DIM)
    prior._set_subspace_parameters(np.ones(1), mean, covariance[None])
    return prior


def fitted_gmm(patches, k, seed, max_iter):
    """EM on training patches from both starts (k-means, Gaussian scale mixture); the fit
    with the higher training log-likelihood is kept (with few components the k-means
    start stalls near one Gaussian, see :class:`priors.gmm.GaussianMixturePrior`)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fits = [GaussianMixturePrior(k, PATCH, max_iter=max_iter, rng=seed, init=init).fit(patches)
                for init in ("kmeans", "scales")]
    return max(fits, key=lambda fit: fit.lower_bound_)


def build_priors(train_patches, seed, max_iter, log):
    """(name, prior, notes) for every prior of the study."""
    from priors.registry import get_prior

    priors = []
    start = time.perf_counter()
    priors.append(("Independent-pixel Gaussian", single_gaussian(train_patches, True),
                   "closed form"))
    priors.append(("Full Gaussian", single_gaussian(train_patches, False), "closed form"))
    for k in (1, 5, 20):
        t = time.perf_counter()
        gmm = fitted_gmm(train_patches, k, seed, max_iter)
        priors.append((f"GMM K={k}", gmm, f"EM here, {train_patches.shape[0]} Train400 patches, "
                                          f"{gmm.init} start"))
        print(f"fitted GMM K={k} in {time.perf_counter() - t:.0f} s", file=log, flush=True)
    shipped = "shipped priors/pretrained/"
    priors.append(("GMM K=200", get_prior("gmm-untied"), shipped + "gmm_8x8_200_untied.npz"))
    priors.append(("GMM 200 orbits x 8 (tied)", get_prior("gmm"), shipped + "gmm_8x8_200.npz"))
    priors.append(("VAE", get_prior("vae"), shipped + "vae_8x8.npz"))
    print(f"priors ready in {time.perf_counter() - start:.0f} s", file=log, flush=True)
    return priors


def likelihoods(name, prior, patches, seed):
    """Mean log-likelihood (nats/patch) and its standard error; the VAE gives several estimates."""
    def stats(values):
        return {"mean": float(np.mean(values)),
                "sem": float(np.std(values) / np.sqrt(len(values)))}

    if name != "VAE":
        return {"log_prob": stats(prior.log_prob(patches))}
    return {"log_prob": stats(prior.log_prob(patches, n_samples=512, rng=seed)),
            "iw64": stats(prior.log_prob(patches, n_samples=64, rng=seed)),
            "elbo": stats(prior.elbo(patches, n_samples=16, rng=seed))}


def denoising_psnr(prior, images, sigma255, seed):
    """Per-image PSNR (dB) and seconds of EPLL (fast default path) with this prior."""
    from restore import denoise

    out = []
    for image in images:
        clean, noisy = noisy_pair(image, sigma255, seed)
        start = time.perf_counter()
        estimate = denoise(noisy, sigma=sigma255 / 255.0, prior=prior,
                           rng=method_rng(seed, image.index, sigma255))
        out.append({"image": image.name, "seconds": time.perf_counter() - start,
                    "psnr": psnr(clean, estimate)})
    return out


def render_table(result):
    """Markdown table: one row per prior."""
    settings = result["settings"]
    lines = [
        f"Held-out patches: {settings['n_heldout']} random 8x8 patches of "
        f"`{settings['heldout']}` (no prior trained or tuned on them); density of the zero-mean "
        "part, nats per patch on the 63 orthonormal zero-mean coordinates ([0, 1] scale), "
        "+- standard error; bits/pixel = (63 ln 255 - LL) / (64 ln 2). PSNR: EPLL fast path at "
        f"sigma {settings['sigma']} on the first {settings['n_psnr_images']} images of "
        f"`{settings['test']}`. Command: `{settings['command']}`.",
        "",
        "| prior | held-out LL (nats/patch) | bits/pixel | train LL (nats/patch) | "
        f"PSNR sigma {settings['sigma']} (dB) | s/image | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in result["priors"]:
        ll = row["heldout"]["log_prob"]
        psnr = np.mean([r["psnr"] for r in row["denoising"]])
        seconds = np.median([r["seconds"] for r in row["denoising"]])
        notes = row["notes"]
        if "elbo" in row["heldout"]:
            notes += (f"; LL: importance-weighted, K=512 (K=64: "
                      f"{row['heldout']['iw64']['mean']:.2f}, ELBO: "
                      f"{row['heldout']['elbo']['mean']:.2f})")
        lines.append(f"| {row['name']} | {ll['mean']:.2f} +- {ll['sem']:.2f} | "
                     f"{bits_per_pixel(ll['mean']):.3f} | {row['train']['log_prob']['mean']:.2f} | "
                     f"{psnr:.2f} | {seconds:.1f} | {notes} |")
    return "\n".join(lines)


def plot(result, path):
    """Held-out log-likelihood against PSNR, one labelled point per prior."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=120)
    points = {}  # priors at the same point (one Gaussian fitted twice) share one label
    for row in result["priors"]:
        x = row["heldout"]["log_prob"]["mean"]
        y = float(np.mean([r["psnr"] for r in row["denoising"]]))
        points.setdefault((round(x, 2), round(y, 2)), []).append(row["name"])
    ordered = sorted(points.items())
    span = max(x for (x, _), _ in ordered) - min(x for (x, _), _ in ordered) or 1.0
    for i, ((x, y), names) in enumerate(ordered):
        ax.scatter(x, y, s=30, color="tab:red" if "VAE" in names else "tab:blue")
        # neighbours alternate below / above; a label whose right neighbour is close goes left
        crowded = i + 1 < len(ordered) and ordered[i + 1][0][0] - x < 0.04 * span
        ax.annotate(" = ".join(names), (x, y), textcoords="offset points", fontsize=8,
                    xytext=(-5 if crowded else 5, -10 if i % 2 == 0 else 5),
                    ha="right" if crowded else "left")
    settings = result["settings"]
    ax.set_xlabel("held-out log-likelihood (nats per 8x8 patch, zero-mean part)")
    ax.set_ylabel(f"EPLL PSNR at sigma {settings['sigma']} "
                  f"(dB, {settings['n_psnr_images']} images)")
    ax.set_title("Patch likelihood vs denoising (after Zoran & Weiss 2011)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    tmp = path.with_name(f".{path.stem}.tmp.png")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(path)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.likelihood_study",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=Path, default=Path("../shared/data/train400"),
                        help="training images for the small GMMs and the Gaussians")
    parser.add_argument("--heldout", type=Path, default=Path("../shared/data/bsd68"),
                        help="images whose patches are scored (never trained on)")
    parser.add_argument("--test", type=Path, default=Path("../shared/data/bsd68"),
                        help="test images for the denoising PSNR")
    parser.add_argument("--n-train", type=int, default=60_000, help="training patches")
    parser.add_argument("--n-heldout", type=int, default=10_000, help="held-out patches")
    parser.add_argument("--psnr-images", type=int, default=5, help="images for the PSNR")
    parser.add_argument("--sigma", type=int, default=25, help="noise level, 0-255 scale")
    parser.add_argument("--max-iter", type=int, default=30, help="EM iterations of the small GMMs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--markdown", type=Path, help="also update this file's section")
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    log = sys.stderr
    rng = np.random.default_rng(args.seed)
    train_images = [load_grey(p) for p in list_training_images([args.train])]
    train_patches = sample_patches(train_images, args.n_train, PATCH, rng)
    heldout_images = [load_grey(p) for p in sorted(args.heldout.glob("*.png"))]
    if not heldout_images:
        print(f"error: no PNG images in {args.heldout}", file=sys.stderr)
        return 1
    heldout = sample_patches(heldout_images, args.n_heldout, PATCH, rng)
    train_eval = train_patches[:args.n_heldout]
    test_images, _ = load_dataset(args.test, args.psnr_images)
    settings = {
        "train": shown_path(args.train), "heldout": shown_path(args.heldout),
        "test": shown_path(args.test),
        "n_train": args.n_train, "n_heldout": int(heldout.shape[0]),
        "n_psnr_images": len(test_images), "sigma": args.sigma, "seed": args.seed,
        "density": "zero-mean part of 8x8 patches on [0, 1], nats w.r.t. Lebesgue measure on "
                   "the 63 orthonormal zero-mean coordinates",
        "bits_per_pixel": "(63 ln 255 - LL) / (64 ln 2)",
        "command": "python -m benchmarks.tuning.likelihood_study " + shlex.join(argv),
        "started": utc_now(), "machine": machine_info(packages=("numpy", "torch", "scikit-learn")),
    }
    rows = []
    for name, prior, notes in build_priors(train_patches, args.seed, args.max_iter, log):
        start = time.perf_counter()
        row = {"name": name, "notes": notes,
               "heldout": likelihoods(name, prior, heldout, args.seed),
               "train": likelihoods(name, prior, train_eval, args.seed)}
        row["denoising"] = denoising_psnr(prior, test_images, args.sigma, args.seed)
        rows.append(row)
        print(f"{name}: held-out {row['heldout']['log_prob']['mean']:.2f} nats/patch, PSNR "
              f"{np.mean([r['psnr'] for r in row['denoising']]):.2f} dB "
              f"({time.perf_counter() - start:.0f} s)", file=log, flush=True)
    result = {"settings": settings, "priors": rows, "finished": utc_now()}
    args.out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(args.out / "likelihood_study.json", result)
    table = render_table(result)
    markdown = (f"## Patch likelihood vs denoising (Zoran & Weiss 2011 style)\n\n{table}\n\n"
                "![log-likelihood vs PSNR](likelihood_study.png)\n")
    tmp = args.out / ".likelihood_study.md.tmp"
    tmp.write_text(markdown, encoding="utf-8")
    tmp.replace(args.out / "likelihood_study.md")
    plot(result, args.out / "likelihood_study.png")
    if args.markdown is not None:
        update_markdown_file(args.markdown, "likelihood-study", markdown.replace(
            "](likelihood_study.png)", "](benchmarks/results/likelihood_study.png)"))
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
