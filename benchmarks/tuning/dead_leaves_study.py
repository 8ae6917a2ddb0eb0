"""What the mixture learnt (after Zoran & Weiss 2012, "Natural images, Gaussian mixtures and
dead leaves"): held-out log-likelihood against K, natural patches vs mini dead leaves.

Usage (the run in ``benchmarks/results/dead_leaves_study.json``)::

    python -m benchmarks.tuning.dead_leaves_study

Fits GMMs (:class:`priors.gmm.GaussianMixturePrior`, EM) with K = 1, 2, 5, 10, 20, 50, 100,
200 to ``--n-train`` random 8x8 patches of Train400 and to as many mini dead leaves patches
(:mod:`priors.dead_leaves`; textures from a Gaussian scale mixture fitted to Train400
patches, half of the patches split by a random straight edge). Each fit runs at most
``--max-iter`` EM iterations from a k-means start; for K <= 20 also from a scale-mixture
start, keeping the fit with the higher training log-likelihood (k-means stalls with few
components, see the GMM's ``init``). Scores: mean log-likelihood (nats per patch, zero-mean
part, 63 orthonormal coordinates, [0, 1] scale) of ``--n-heldout`` held-out patches: for
natural patches, random 8x8 grey patches of BSDS500-test (``--heldout``; never BSD68), for
dead leaves, fresh draws from the same generator. Then :func:`priors.inspection.inspect_prior`
on both K = 200 fits and the two shipped GMMs (eigen-spectra, scale-mixture measures,
sample statistics). Writes ``dead_leaves_study.json``, ``.md``, ``dead_leaves_study_*.png``
and ``dead_leaves_study/<prior>/`` (the inspection files) under ``--out``.
"""
from __future__ import annotations

import argparse
import shlex
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from benchmarks.harness.machine import machine_info, utc_now
from benchmarks.harness.markdown import cell, table
from benchmarks.harness.results import RESULTS_DIR, shown_path, write_json_atomic
from priors.dead_leaves import dead_leaves_patches, fit_gsm
from priors.gmm import GaussianMixturePrior
from priors.inspection import inspect_prior
from priors.training import list_training_images, load_grey, sample_patches

PATCH = 8
KS = (1, 2, 5, 10, 20, 50, 100, 200)
NAME = "dead_leaves_study"


def fit(patches, k, seed, max_iter):
    """The fit kept for ``k`` components and what it cost (see the module docstring)."""
    from sklearn.exceptions import ConvergenceWarning

    starts = ("kmeans", "scales") if k <= 20 else ("kmeans",)
    fits = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for init in starts:
            t = time.perf_counter()
            prior = GaussianMixturePrior(k, PATCH, max_iter=max_iter, rng=seed, init=init)
            fits.append((prior.fit(patches), time.perf_counter() - t))
    best, _ = max(fits, key=lambda f: f[0].lower_bound_)
    return best, {"init": best.init, "n_iter": best.n_iter_, "converged": best.converged_,
                  "seconds": sum(s for _, s in fits),
                  "train_ll_by_start": {f.init: f.lower_bound_ for f, _ in fits}}


def data(args, rng, log):
    """Training and held-out patches of both kinds, and the texture GSM."""
    train_images = [load_grey(p) for p in list_training_images([args.train])]
    natural = sample_patches(train_images, args.n_train, PATCH, rng)
    heldout_images = [load_grey(p) for p in list_training_images([args.heldout])]
    natural_heldout = sample_patches(heldout_images, args.n_heldout, PATCH, rng)
    t = time.perf_counter()
    gsm = fit_gsm(natural[: args.n_gsm], PATCH)
    print(f"GSM fitted in {time.perf_counter() - t:.0f} s", file=log, flush=True)
    leaves = dead_leaves_patches(args.n_train, gsm, edge_fraction=args.edge_fraction, rng=rng)
    leaves_heldout = dead_leaves_patches(args.n_heldout, gsm, edge_fraction=args.edge_fraction,
                                         rng=rng)
    gsm_info = {"weights": gsm.weights.tolist(), "scales": gsm.scales.tolist(),
                "n_patches": min(args.n_gsm, args.n_train)}
    return {"natural": (natural, natural_heldout), "dead_leaves": (leaves, leaves_heldout)}, gsm_info


def render(result):
    """Markdown: the likelihood table, then the inspection measures per prior."""
    s = result["settings"]
    lines = [f"Mean log-likelihood, nats per 8x8 patch (zero-mean part); {s['n_train']} training "
             f"patches per kind, {s['n_heldout']} held-out (natural: grey patches of "
             f"`{s['heldout']}`; dead leaves: fresh draws), at most {s['max_iter']} EM "
             f"iterations. Gain: held-out gain over the previous K.", ""]
    rows, previous = [], {}
    for k in s["ks"]:
        row = [str(k)]
        for kind in ("natural", "dead_leaves"):
            fit_row = next((r for r in result["fits"] if r["kind"] == kind and r["k"] == k), None)
            held = fit_row and fit_row["heldout_ll"]
            gain = None if held is None or kind not in previous else held - previous[kind]
            row += [cell(fit_row and fit_row["train_ll"], ".2f"), cell(held, ".2f"),
                    cell(gain, "+.2f"), cell(fit_row and fit_row["seconds"], ".0f")]
            if held is not None:
                previous[kind] = held
        rows.append(row)
    lines.append(table(["K", "natural train", "natural held-out", "gain", "s",
                        "dead leaves train", "dead leaves held-out", "gain", "s"], rows))
    lines += ["", "Inspection (first 5 components or orbits by weight; eigenvector similarity: "
              "mean |cos| of the best matching of two eigenvector bases, random bases give the "
              "floor; std log10 ratio: 0 when spectra are proportional; residual: "
              "min_c ||S_j - c S_i|| / ||S_j||; kurtosis of horizontal pixel differences of "
              "20,000 samples (natural patches in the last row)):", ""]
    rows = []
    for name, m in result["inspection"].items():
        sm = m["scale_mixture"]
        rows.append([name, f"{sm['mean_similarity']:.2f}", f"{sm['random_basis_similarity']:.2f}",
                     f"{sm['mean_log_ratio_std']:.2f}", f"{sm['mean_scale_residual']:.2f}",
                     f"{m['samples']['difference_kurtosis']:.1f}",
                     f"{m['top_weights'][0]:.3f}"])
    first = next(iter(result["inspection"].values()), None)
    if first and "natural" in first:
        rows.append(["natural patches (held-out)", "", "", "", "",
                     f"{first['natural']['difference_kurtosis']:.1f}", ""])
    lines.append(table(["prior", "eigvec similarity", "random", "std log10 ratio", "residual",
                        "kurtosis", "top weight"], rows))
    lines += ["", f"Total time {result.get('seconds', 0) / 60:.1f} min; command "
              f"`{s['command']}`, {s['started'][:10]}."]
    return "\n".join(lines)


def plot_likelihood(result, path):
    """Held-out (solid) and training (dashed) log-likelihood against K, one panel per kind."""
    from priors.inspection_figures import pyplot, save

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, kind, label in zip(axes, ("natural", "dead_leaves"),
                               ("natural patches (Train400 / BSDS500-test)", "mini dead leaves")):
        rows = sorted((r for r in result["fits"] if r["kind"] == kind), key=lambda r: r["k"])
        ks = [r["k"] for r in rows]
        ax.semilogx(ks, [r["heldout_ll"] for r in rows], "o-", label="held-out")
        ax.semilogx(ks, [r["train_ll"] for r in rows], "s--", alpha=0.6, label="training")
        ax.set_xlabel("number of components K")
        ax.set_ylabel("log-likelihood (nats / patch)")
        ax.set_title(label, fontsize=9)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.suptitle("GMM log-likelihood against K (after Zoran & Weiss 2012)", fontsize=10)
    fig.tight_layout()
    save(fig, path)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.dead_leaves_study",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=Path, default=Path("../shared/data/train400"))
    parser.add_argument("--heldout", type=Path, default=Path("../shared/data/bsds500_test"),
                        help="colour images, read as grey, for held-out natural patches")
    parser.add_argument("--n-train", type=int, default=40_000, help="training patches per kind")
    parser.add_argument("--n-heldout", type=int, default=10_000, help="held-out patches per kind")
    parser.add_argument("--n-gsm", type=int, default=20_000, help="patches to fit the GSM")
    parser.add_argument("--edge-fraction", type=float, default=0.5)
    parser.add_argument("--ks", type=int, nargs="+", default=list(KS))
    parser.add_argument("--max-iter", type=int, default=12, help="EM iterations per fit")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    log, start = sys.stderr, time.perf_counter()
    rng = np.random.default_rng(args.seed)
    settings = {"train": shown_path(args.train), "heldout": shown_path(args.heldout),
                "n_train": args.n_train, "n_heldout": args.n_heldout, "n_gsm": args.n_gsm,
                "edge_fraction": args.edge_fraction, "ks": args.ks, "max_iter": args.max_iter,
                "seed": args.seed, "command": f"python -m benchmarks.tuning.{NAME} "
                                              + shlex.join(argv),
                "started": utc_now(), "machine": machine_info(("numpy", "scipy",
                                                               "scikit-learn", "matplotlib"))}
    patches, settings["gsm"] = data(args, rng, log)
    result = {"settings": settings, "fits": [], "inspection": {}}
    json_path, fitted = args.out / f"{NAME}.json", {}
    for kind, (train, heldout) in patches.items():
        for k in args.ks:
            prior, info = fit(train, k, args.seed, args.max_iter)
            row = {"kind": kind, "k": k, "train_ll": float(np.mean(prior.log_prob(train))),
                   "heldout_ll": float(np.mean(prior.log_prob(heldout))),
                   "heldout_sem": float(np.std(prior.log_prob(heldout)) / np.sqrt(len(heldout))),
                   **info}
            result["fits"].append(row)
            fitted[kind] = prior
            print(f"{kind} K={k}: train {row['train_ll']:.2f}, held-out {row['heldout_ll']:.2f} "
                  f"nats/patch ({row['seconds']:.0f} s, {row['init']} start, {row['n_iter']} it)",
                  file=log, flush=True)
            write_json_atomic(json_path, result)
    from priors.registry import get_prior

    natural_heldout = patches["natural"][1]
    named = [(f"natural K={args.ks[-1]}", fitted["natural"]),
             (f"dead leaves K={args.ks[-1]}", fitted["dead_leaves"]),
             ("shipped gmm-untied", get_prior("gmm-untied")), ("shipped gmm", get_prior("gmm"))]
    for name, prior in named:
        folder = args.out / NAME / name.replace(" ", "_").replace("=", "")
        result["inspection"][name] = inspect_prior(prior, folder, k=8, natural=natural_heldout,
                                                   rng=args.seed, name=name)
        result["inspection"][name]["folder"] = shown_path(folder)
        print(f"inspected {name}", file=log, flush=True)
    from priors.inspection_figures import mosaics_figure, spectra_figure

    plot_likelihood(result, args.out / f"{NAME}_likelihood.png")
    spectra_figure([(n, result["inspection"][n]) for n, _ in named[:2]],
                   args.out / f"{NAME}_spectra.png")
    mosaics_figure([("natural patches (held-out)", natural_heldout),
                    ("mini dead leaves", patches["dead_leaves"][1]),
                    (f"samples, natural K={args.ks[-1]}", fitted["natural"].sample(144, args.seed)),
                    (f"samples, dead leaves K={args.ks[-1]}",
                     fitted["dead_leaves"].sample(144, args.seed))],
                   PATCH, args.out / f"{NAME}_patches.png", title="patches")
    result["seconds"], result["finished"] = time.perf_counter() - start, utc_now()
    write_json_atomic(json_path, result)
    markdown = f"## {NAME.replace('_', ' ')}\n\n{render(result)}\n"
    tmp = args.out / f".{NAME}.md.tmp"
    tmp.write_text(markdown, encoding="utf-8")
    tmp.replace(args.out / f"{NAME}.md")
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
