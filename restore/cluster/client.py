"""A Dask client: a local cluster of worker processes, or a running scheduler."""
from __future__ import annotations

import contextlib
import logging

#: Environment of local workers: one thread each for numba and BLAS, so that N workers use
#: N cores (parallelism comes from the workers, not from threads inside them).
WORKER_ENVIRONMENT = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                      "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: Dask settings of local workers: glibc's default malloc trimming (Dask sets
#: ``MALLOC_TRIM_THRESHOLD_=65536``, so large arrays are mapped and unmapped afresh) and no
#: statistical profiler (Dask samples the workers' stacks every 10 ms). With other jobs on
#: the cores, one worker restored 13-33 % faster without them; on a quiet machine the
#: difference was within noise (docs/tuning.md#dask-workers).
WORKER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                 "distributed.worker.profile.enabled": False}
#: Seconds to wait for a scheduler to answer.
CONNECT_TIMEOUT = 10


@contextlib.contextmanager
def connect(workers=None, scheduler=None, *, threads_per_worker=1):
    """A ``dask.distributed.Client``, closed (with its local cluster) on exit.

    ``workers=N`` starts a ``LocalCluster`` of ``N`` processes of
    ``threads_per_worker`` threads each (numba and BLAS single-threaded,
    :data:`WORKER_ENVIRONMENT`); ``scheduler="tcp://host:8786"`` connects to a
    running cluster, whose workers need ``restore`` installed and the files
    at the same paths. Give exactly one of them.
    """
    from dask.distributed import Client, LocalCluster

    if (workers is None) == (scheduler is None):
        raise ValueError("give either workers=N (a local cluster of N processes) or "
                         "scheduler=ADDRESS (a running Dask scheduler), not both or neither")
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except OSError as error:
            raise OSError(f"cannot reach the Dask scheduler at '{scheduler}' ({error}); start "
                          "one with `dask scheduler` and workers with `dask worker ADDRESS`, "
                          "or use --workers N for a local cluster") from None
        with client:
            yield client
        return
    if isinstance(workers, bool) or int(workers) != workers or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    import dask

    with dask.config.set(WORKER_CONFIG):
        cluster = LocalCluster(n_workers=int(workers), threads_per_worker=threads_per_worker,
                               processes=True, dashboard_address=None, env=WORKER_ENVIRONMENT,
                               silence_logs=logging.ERROR)
    with cluster, Client(cluster) as client:
        yield client


def worker_count(client):
    """Threads the cluster has to run tasks on (workers x threads per worker)."""
    return max(1, sum(client.nthreads().values()))
