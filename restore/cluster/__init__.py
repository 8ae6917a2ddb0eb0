"""Restore and train beyond one process, on Dask (``dask.distributed``).

- :func:`connect`: a local cluster of single-threaded worker processes, or a
  running scheduler (``dask scheduler`` / ``dask worker``, dask-jobqueue, ...);
- :func:`restore_many`: many images, one task each; each worker loads a
  shipped prior once (:mod:`priors.registered`);
- one huge image: the library's ``executor=`` argument runs its tiles as tasks
  (:func:`restore.recipes.tiling.restore_in_tiles`);
- :func:`train_gmm`: EM of the mixture with the patches drawn and kept on the
  workers (:mod:`restore.cluster.em`).

Nothing here is imported by ``import restore``; Dask is imported when used.
"""
from restore.cluster.batch import restore_many
from restore.cluster.client import connect
from restore.cluster.em import train_gmm

__all__ = ["connect", "restore_many", "train_gmm"]
