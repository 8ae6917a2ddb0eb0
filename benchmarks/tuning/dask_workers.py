"""Why local Dask workers drop two of Dask's defaults (docs/tuning.md#dask-workers).

Usage::

    python -m benchmarks.tuning.dask_workers --data ../shared/data/train400 --limit 4

Denoises the first ``--limit`` images of ``--data`` (grey, or the luma of colour ones) (sigma 25, default prior,
seed 0), each way warmed on the first image: a plain loop in this process with
numba and BLAS on one thread, and one single-threaded worker of a ``LocalCluster``
with Dask's defaults, without its ``MALLOC_TRIM_THRESHOLD_=65536``, without its
statistical profiler (stacks sampled every 10 ms), and without both.
Writes ``benchmarks/results/dask_workers.json``.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from benchmarks.harness.data import refuse_test_set
from benchmarks.harness.machine import machine_info, utc_now
from benchmarks.harness.noise import add_gaussian_noise, noise_rng
from benchmarks.harness.results import RESULTS_DIR, shown_path, write_json_atomic


def on_one_worker(noisy, config):
    """Seconds of the batch on one local worker started with the Dask ``config``."""
    from restore.cluster import client as cluster_client
    from restore.cluster import connect, restore_many

    saved = cluster_client.WORKER_CONFIG
    cluster_client.WORKER_CONFIG = config
    try:
        with connect(workers=1) as client:
            restore_many(noisy[:1], client=client, sigma=25 / 255, rng=0)
            start = time.perf_counter()
            restore_many(noisy, client=client, sigma=25 / 255, rng=0)
            return time.perf_counter() - start
    finally:
        cluster_client.WORKER_CONFIG = saved


def in_a_loop(noisy):
    import numba
    from threadpoolctl import threadpool_limits

    from restore import denoise

    numba.set_num_threads(1)
    with threadpool_limits(1):
        denoise(noisy[0], 25 / 255, rng=0)
        start = time.perf_counter()
        for image in noisy:
            denoise(image, 25 / 255, rng=0)
        return time.perf_counter() - start


WORKER_CONFIG_KEYS = ("distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_",
                      "distributed.worker.profile.enabled")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tuning.dask_workers")
    parser.add_argument("--data", required=True)
    parser.add_argument("--limit", type=int, default=4)
    args = parser.parse_args(argv)
    refuse_test_set(args.data)
    from priors.training import list_training_images, load_grey

    paths = list_training_images([args.data])[:args.limit]  # grey (luma of colour images)
    noisy = [add_gaussian_noise(load_grey(path), 25 / 255, noise_rng(0, index, 25))
             .astype(np.float32) for index, path in enumerate(paths)]
    trim, profile = WORKER_CONFIG_KEYS
    seconds = {"worker, Dask's defaults": on_one_worker(noisy, {}),
               "worker, glibc's malloc trimming": on_one_worker(noisy, {trim: None}),
               "worker, no profiler": on_one_worker(noisy, {profile: False}),
               "worker, both (restore's local workers)": on_one_worker(
                   noisy, {trim: None, profile: False}),
               "plain loop, 1 thread": in_a_loop(noisy)}
    result = dict(settings=dict(command="python -m benchmarks.tuning.dask_workers "
                                        + " ".join(sys.argv[1:] if argv is None else argv),
                                started=utc_now(), machine=machine_info(),
                                data=shown_path(args.data), limit=args.limit),
                  seconds=seconds)
    path = RESULTS_DIR / "dask_workers.json"
    write_json_atomic(path, result)
    for name, value in seconds.items():
        print(f"{name}: {value:.1f} s")
    print(f"wrote {shown_path(path)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
