"""``restore A.png B.png FOLDER/ -o OUT/``: restore many files into a folder, one progress bar;
with ``--workers N`` or ``--scheduler ADDRESS`` each file is a task on a Dask cluster."""
from __future__ import annotations

import sys
import traceback
from pathlib import Path

from restore.cli.cluster import cluster_client
from restore.cli.kernel_spec import task_kernel
from restore.cli.messages import inform, out_of_memory, print_error
from restore.cli.options import UsageError
from restore.cli.paths import check_output_folder, same_file
from restore.cli.restore_file import check_task_options, restore_file
from restore.core import progress
from restore.io import SUPPORTED_WRITE_EXTENSIONS

#: File endings a batch picks up from a folder (other files there are ignored).
BATCH_EXTENSIONS = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".npy", ".bmp", ".gif", ".webp")


def run(args, inputs):
    """Restore several files into the folder ``-o``: one progress bar, go on past failures,
    list them at the end; exit status 1 if any failed."""
    output_folder = Path(args.output)
    if output_folder.suffix.lower() in SUPPORTED_WRITE_EXTENSIONS and not output_folder.is_dir():
        raise UsageError(f"a folder or several inputs need a folder for -o, got the file name "
                         f"'{output_folder}'")
    if args.reference is not None:
        raise UsageError("--reference compares one image; it cannot be used with a batch")
    if output_folder.exists() and not output_folder.is_dir():
        raise UsageError(f"-o '{output_folder}' is a file; a batch needs a folder")
    jobs = batch_jobs(inputs, output_folder)
    check_task_options(args, {output.suffix.lower() for _, output in jobs})
    kernel = task_kernel(args)
    try:
        output_folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(f"cannot create the output folder '{output_folder}': "
                      f"{error.strerror or error}") from None
    check_output_folder(output_folder / "probe.png")
    failures = []
    with cluster_client(args) as client, \
            progress.Progress(len(jobs), "restore", enabled=not args.quiet) as bar:
        for input_path, failure in _outcomes(args, jobs, kernel, client):
            if failure is not None:
                failures.append((input_path, failure))
            bar.update()
    if failures:
        order = {input_path: index for index, (input_path, _) in enumerate(jobs)}
        failures.sort(key=lambda failure: order[failure[0]])  # a cluster finishes in any order
        listed = "; ".join(f"{path}: {why}" for path, why in failures)
        print_error(f"{len(failures)} of {len(jobs)} files failed ({listed}); the others were "
                    f"written to '{output_folder}'")
        return 1
    inform(args, f"restored {len(jobs)} files into '{output_folder}'")
    return 0


def _outcomes(args, jobs, kernel, client):
    """``(input, None or why it failed)`` for every job, as they finish: here one after
    another, or as tasks of the Dask ``client``."""
    if client is None:
        yield from (restore_job(args, *job, kernel) for job in jobs)
        return
    from dask.distributed import as_completed

    futures = {client.submit(restore_job, args, *job, kernel, pure=False): job[0] for job in jobs}
    for future in as_completed(futures):
        try:
            yield future.result()
        except Exception as error:  # the task itself failed: a worker died, ...
            yield futures[future], (f"its task failed on the cluster "
                                    f"({type(error).__name__}: {error})")


def restore_job(args, input_path, output_path, kernel):
    """Restore one file of the batch; ``(input_path, None)`` or ``(input_path, why)`` on a
    failure that spares the other files (a bad file, no memory, ...)."""
    try:
        done, _ = restore_file(args, input_path, output_path, kernel, progress=False)
        if args.verbose:
            inform(args, f"{input_path}: {done}")
        return input_path, None
    except (ValueError, TypeError, OSError, UsageError, MemoryError) as error:
        if args.verbose:
            traceback.print_exc(file=sys.stderr)
        why = out_of_memory(error) if isinstance(error, MemoryError) else str(error)
        return input_path, " ".join(why.split())


def batch_jobs(inputs, output_folder):
    """(input, output) pairs of a batch: the files given, and the images of the folders given.

    Outputs keep the input's name; formats restore cannot write become ``.png``.
    """
    files = []
    for path in inputs:
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in BATCH_EXTENSIONS)
            if not found:
                raise UsageError(f"the folder '{path}' holds no image "
                                 f"({', '.join(BATCH_EXTENSIONS)})")
            files += found
        else:
            files.append(path)
    jobs, names = [], {}
    for path in files:
        suffix = path.suffix if path.suffix.lower() in SUPPORTED_WRITE_EXTENSIONS else ".png"
        output = output_folder / (path.stem + suffix)
        if output.name in names and names[output.name] != path:
            raise UsageError(f"'{path}' and '{names[output.name]}' would both be written to "
                             f"'{output}'; restore them in separate runs")
        names[output.name] = path
        if path.exists() and same_file(output, path):
            raise UsageError(f"the output folder '{output_folder}' would overwrite the input "
                             f"'{path}'; restore never overwrites an input: give another -o")
        jobs.append((path, output))
    return jobs
