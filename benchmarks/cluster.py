"""Scaling on Dask (issue 21): a batch on 1 and 2 workers, and distributed EM, on this machine.

Usage::

    python -m benchmarks.cluster --data ../shared/data/bsd68 --limit 16 --sigma 25 \\
        --em-data ../shared/data/train400 [--em-patches 100000] [--em-components 200] \\
        [--em-iterations 4] [--markdown BENCHMARKS.md]

**Batch.** The first ``--limit`` grey images of ``--data`` with seeded Gaussian
noise of ``--sigma`` (0-255 scale) are denoised with the default prior and an
integer seed, four ways, one after the other:

- a plain sequential loop over :func:`restore.denoise` in this process, numba
  and BLAS limited to one thread (the per-core baseline);
- the same loop with the default threads (what one process does on its own);
- :func:`restore.cluster.restore_many` on a ``LocalCluster`` of 1 and of 2
  single-threaded worker processes (``--workers``), ``--rounds`` times each,
  alternating (this VM's speed drifts by 10-20 % over minutes); each cluster's
  best round is the one compared.

Each cluster is started (timed: ``start_seconds``) and warmed (every worker
loads the prior and restores a small image: ``warm_seconds``) before the timed
batch, so the batch time is the steady-state throughput; the loops are warmed
the same way. Reported: images per second, the speed-up of 2 workers over 1,
the overhead of 1 worker against the single-threaded loop, and the largest
difference of any output from the loop's (0: the same images).

**Distributed EM.** ``--em-patches`` Train400 patches (one stream per image,
:func:`priors.training.sample_rows`) fit a ``--em-components`` mixture for
``--em-iterations`` iterations (tol 0) from the same k-means start: in one
process (default threads, then one thread) and on a LocalCluster of 2 workers
(:func:`restore.cluster.em.fit_on_cluster`, patches drawn on the workers).
Reported: seconds per iteration (median), and the largest parameter
difference from the one-process fit.

Outputs: ``<out>/cluster.json`` and, with ``--markdown``, the section ``cluster``.
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
from benchmarks.harness.markdown import publish, run_lines, section_text, table, title_line
from benchmarks.harness.noise import add_gaussian_noise, noise_rng
from benchmarks.harness.results import RESULTS_DIR, shown_path, write_json_atomic
from benchmarks.harness.scoring import psnr

PRIOR = "gmm"


def _single_threaded():
    """A context in which numba and BLAS use one thread."""
    import contextlib

    import numba
    from threadpoolctl import threadpool_limits

    @contextlib.contextmanager
    def limited():
        saved = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            with threadpool_limits(1):
                yield
        finally:
            numba.set_num_threads(saved)
    return limited()


def _warm_image():
    return np.random.default_rng(0).random((48, 48)).astype(np.float32)


def time_loop(noisy, sigma, threads):
    """Seconds of a plain loop of :func:`restore.denoise` and its outputs."""
    import contextlib

    from restore import denoise

    limit = _single_threaded() if threads == 1 else contextlib.nullcontext()
    with limit:
        denoise(_warm_image(), sigma, prior=PRIOR, rng=0)
        start = time.perf_counter()
        outputs = [denoise(image, sigma, prior=PRIOR, rng=0) for image in noisy]
        return time.perf_counter() - start, outputs


def time_cluster(noisy, sigma, workers):
    """Start, warm-up and batch seconds of :func:`restore_many` on ``workers`` workers."""
    from restore.cluster import connect, restore_many

    start = time.perf_counter()
    with connect(workers=workers) as client:
        client.wait_for_workers(workers)
        started = time.perf_counter()
        restore_many([_warm_image()] * workers, client=client, sigma=sigma, prior=PRIOR, rng=0)
        client.run(lambda: __import__("priors.registry").registry.get_prior(PRIOR))
        warmed = time.perf_counter()
        outputs = restore_many(noisy, client=client, sigma=sigma, prior=PRIOR, rng=0)
        done = time.perf_counter()
    return dict(start_seconds=started - start, warm_seconds=warmed - started,
                batch_seconds=done - warmed), outputs


def batch_scaling(images, sigma255, seed, worker_counts, rounds):
    sigma = sigma255 / 255
    noisy = [add_gaussian_noise(image.clean, sigma, noise_rng(seed, image.index, sigma255))
             .astype(np.float32) for image in images]
    rows = {}
    reference = None
    for name, threads in (("loop, 1 thread", 1), ("loop, default threads", None)):
        seconds, outputs = time_loop(noisy, sigma, threads)
        reference = outputs if reference is None else reference
        rows[name] = dict(batch_seconds=seconds, outputs=outputs)
        print(f"{name}: {seconds:.1f} s", file=sys.stderr, flush=True)
    for round_index in range(rounds):  # alternate the clusters: the machine's speed drifts
        for workers in worker_counts:
            timing, outputs = time_cluster(noisy, sigma, workers)
            row = rows.setdefault(f"{workers} worker{'s' * (workers > 1)}",
                                  dict(workers=workers, rounds=[], outputs=outputs))
            row["rounds"].append(timing)
            print(f"round {round_index + 1}, {workers} workers: {timing}", file=sys.stderr,
                  flush=True)
    for row in rows.values():  # each cluster's best round
        if "rounds" in row:
            row.update(min(row["rounds"], key=lambda timing: timing["batch_seconds"]))
    clean = [image.clean for image in images]
    for row in rows.values():
        outputs = row.pop("outputs")
        row["images_per_second"] = len(noisy) / row["batch_seconds"]
        row["max_difference_from_loop"] = float(max(np.abs(a - b).max()
                                                    for a, b in zip(outputs, reference)))
        row["mean_psnr"] = float(np.mean([psnr(c, o) for c, o in zip(clean, outputs)]))
    return rows


def distributed_em(folder, n_patches, n_components, iterations, seed=0):
    """Seconds per EM iteration in one process and on 2 workers, on the same patches."""
    from priors.gmm import GaussianMixturePrior
    from priors.training import list_training_images, patches_per_image, sample_rows
    from restore.cluster import connect
    from restore.cluster.em import fit_on_cluster

    paths = [str(Path(p).resolve()) for p in list_training_images([folder])]
    counts = patches_per_image(len(paths), n_patches)

    def new_prior():
        return GaussianMixturePrior(n_components, 8, max_iter=iterations, tol=0,
                                    rng=np.random.default_rng(seed))

    patches = sample_rows(paths, counts, 8, seed, 0, n_patches)
    rows, fitted = {}, {}
    for name, threads in (("one process, default threads", None), ("one process, 1 thread", 1)):
        import contextlib
        with _single_threaded() if threads == 1 else contextlib.nullcontext():
            fitted[name] = new_prior().fit(patches)
    with connect(workers=2) as client:
        client.wait_for_workers(2)
        start = time.perf_counter()
        fitted["2 workers"] = fit_on_cluster(new_prior(), client, paths, counts, seed, parts=4)
        rows["2 workers"] = dict(total_seconds=time.perf_counter() - start)
    reference = fitted["one process, default threads"]._orbits
    rows = {name: rows.get(name, {}) for name in fitted}
    for name, prior in fitted.items():
        row = rows[name]
        row["seconds_per_iteration"] = float(np.median(prior.iteration_seconds_))
        row["iteration_seconds"] = list(map(float, prior.iteration_seconds_))
        row["max_parameter_difference"] = float(max(np.abs(a - b).max() for a, b in
                                                    zip(prior._orbits, reference)))
        row["last_log_likelihood"] = float(prior.lower_bounds_[-1])
        print(f"{name}: {row['seconds_per_iteration']:.2f} s/iteration", file=sys.stderr,
              flush=True)
    return rows


def render_section(result):
    settings = result["settings"]
    batch = result["batch"]
    one, two = batch.get("1 worker"), batch.get("2 workers")
    lines = [title_line("Scaling on Dask", settings), "", *run_lines(settings), "",
             f"Batch: the first {settings['limit']} images of {settings['data']}, sigma "
             f"{settings['sigma']}, prior `{PRIOR}`, seed 0; steady state (each cluster "
             "started and warmed first); the clusters' best of "
             f"{settings.get('rounds', 1)} alternating rounds (all rounds below the table).",
             ""]
    body = [[name, f"{row['batch_seconds']:.1f}", f"{row['images_per_second']:.3f}",
             f"{row.get('start_seconds', 0):.1f}" if "start_seconds" in row else "—",
             f"{row['mean_psnr']:.2f}", f"{row['max_difference_from_loop']:.1e}"]
            for name, row in batch.items()]
    lines += [table(["run", "batch s", "images/s", "cluster start s", "PSNR dB",
                     "max diff from loop"], body), ""]
    lines += ["Rounds, batch seconds: " + "; ".join(
        f"{name} " + ", ".join(f"{timing['batch_seconds']:.1f}" for timing in row["rounds"])
        for name, row in batch.items() if row.get("rounds")) + ".", ""]
    if one and two:
        loop, threaded = batch["loop, 1 thread"], batch["loop, default threads"]
        lines += [f"Speed-up of 2 workers over 1: "
                  f"**{one['batch_seconds'] / two['batch_seconds']:.2f}x**. Overhead of 1 worker "
                  f"against the single-threaded loop: "
                  f"{100 * (one['batch_seconds'] / loop['batch_seconds'] - 1):+.1f} %. 2 workers "
                  f"against one process with default threads: "
                  f"{threaded['batch_seconds'] / two['batch_seconds']:.2f}x.", ""]
    em = result.get("em")
    if em:
        lines += [f"Distributed EM: {settings['em_patches']} patches of {settings['em_data']}, "
                  f"{settings['em_components']} components, {settings['em_iterations']} "
                  "iterations from the same k-means start.", ""]
        lines += [table(["run", "s / iteration", "last log-likelihood", "max parameter diff"],
                        [[name, f"{row['seconds_per_iteration']:.2f}",
                          f"{row['last_log_likelihood']:.4f}",
                          f"{row['max_parameter_difference']:.1e}"] for name, row in em.items()]),
                  ""]
    lines.append(f"Raw results: `{settings['json']}`.")
    return section_text(lines)


def render_results(results):
    """``("cluster", markdown section)`` of a saved run (one JSON document in a list)."""
    (result,) = results
    return "cluster", render_section(result)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cluster",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="folder of clean test images (BSD68)")
    parser.add_argument("--limit", type=int, default=16)
    parser.add_argument("--sigma", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=2,
                        help="batches per cluster size, alternating sizes (best one reported)")
    parser.add_argument("--em-data", help="training images for the EM timing (Train400)")
    parser.add_argument("--em-patches", type=int, default=100_000)
    parser.add_argument("--em-components", type=int, default=200)
    parser.add_argument("--em-iterations", type=int, default=4)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--tag", default="")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    images, _ = load_dataset(args.data, limit=args.limit)
    settings = dict(command="python -m benchmarks.cluster " + shlex.join(
        sys.argv[1:] if argv is None else argv), started=utc_now(), machine=machine_info(),
        data=shown_path(args.data), limit=args.limit, sigma=args.sigma, tag=args.tag,
        em_data=shown_path(args.em_data) if args.em_data else None,
        em_patches=args.em_patches, em_components=args.em_components,
        em_iterations=args.em_iterations, rounds=args.rounds)
    result = dict(settings=settings,
                  batch=batch_scaling(images, args.sigma, args.seed, args.workers, args.rounds))
    if args.em_data:
        result["em"] = distributed_em(args.em_data, args.em_patches, args.em_components,
                                      args.em_iterations)
    json_path = Path(args.out) / ("cluster" + (f"-{args.tag}" if args.tag else "") + ".json")
    settings["json"] = shown_path(json_path)
    write_json_atomic(json_path, result)
    publish(render_section(result), "cluster", args.markdown, json_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
