"""Many images, one Dask task each (or one after another without a client)."""
from __future__ import annotations

from pathlib import Path

from restore.core.progress import Progress

#: ``task=`` -> the library function that restores one image.
TASKS = ("denoise", "deblur", "inpaint", "upscale")


def restore_one(task, item, options):
    """Restore one image (an array, or the path of a file, read as floats with its colour
    channels last) with the library's ``task`` function and ``options``."""
    from restore import api

    if isinstance(item, (str, Path)):
        from restore.io import read_image

        item, _ = read_image(item)
        options = {"channel_axis": -1 if item.ndim == 3 else None, **options}
    return getattr(api, task)(item, **options)


def restore_many(items, *, task="denoise", client=None, futures=False, progress=False,
                 **options):
    """Restore every image of ``items`` (arrays, or paths of image files).

    Parameters
    ----------
    items : iterable of ndarray or path
    task : {"denoise", "deblur", "inpaint", "upscale"}
        The library function to apply; ``options`` are its keyword arguments,
        the same for every image (``sigma=``, ``prior=``, ``kernel=``, ``mask=``,
        ``scale=``, ``rng=``, ...). Files are read as floats, colour channels last.
    client : dask.distributed.Client, optional
        Run one task per image on its workers (see :func:`restore.cluster.connect`);
        a shipped prior named in ``prior=`` is loaded once per worker. ``None``: one
        image after another in this process.
    futures : bool
        With a client, return the futures at once instead of the results.
    progress : bool
        One progress bar over the images (per-image bars are off).

    Returns
    -------
    list
        The restored arrays in the order of ``items`` (or their futures). A
        failing image raises its error here; with ``futures=True`` each
        future holds its own result or error.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    items = list(items)
    options = {**options, "progress": False}
    if client is None:
        with Progress(len(items), task, enabled=progress) as bar:
            return [_done(restore_one(task, item, options), bar) for item in items]
    submitted = [client.submit(restore_one, task, item, options, pure=False) for item in items]
    if futures:
        return submitted
    from dask.distributed import as_completed

    with Progress(len(items), task, enabled=progress) as bar:
        for _ in as_completed(submitted):
            bar.update()
    return client.gather(submitted)


def _done(result, bar):
    bar.update()
    return result
