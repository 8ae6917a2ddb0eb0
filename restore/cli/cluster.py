"""The Dask client of ``--workers N`` / ``--scheduler ADDRESS``, or none."""
from __future__ import annotations

import contextlib

from restore.cli.messages import inform


@contextlib.contextmanager
def cluster_client(args):
    """A client for the command's cluster options, closed on exit; ``None`` without them."""
    if args.workers is None and args.scheduler is None:
        yield None
        return
    from restore.cluster import connect

    with connect(args.workers, args.scheduler) as client:
        inform(args, f"running on a Dask cluster of {len(client.nthreads())} workers "
                     f"({args.scheduler or 'local'})")
        yield client
