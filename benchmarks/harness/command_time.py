"""The command's end-to-end wall time: ``restore`` run once in a child process, as a user runs it.

A benchmark's time per image is the method call alone, in a warm process with
the prior loaded. What a user waits for is the whole command: the interpreter
starting, the imports, the prior loading, reading the image, restoring it and
writing the result. :func:`time_restore_command` writes one input (and any
mask or kernel file) to a temporary folder, runs::

    python -m restore.cli INPUT [OPTIONS] -o OUTPUT

in a child process and takes ``time.perf_counter`` around it: process start to
exit, which is after the output is written (the output file must exist).
Each benchmark that reports a time per image records this once per run as
``command_wall_seconds`` beside ``command_wall`` (the argv, with the temporary
folder shown as ``<tmp>``, the image size, the exit status) and shows it under
its table (:func:`command_note`).
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.harness.results import ROOT

#: How the temporary folder appears in the recorded argv.
TMP = "<tmp>"


def _write(path, value):
    """Write an array (an image in [0, 1] or uint8 as 8-bit PNG; anything to .npy as is) or
    copy a file to ``path``."""
    if isinstance(value, (str, os.PathLike)):
        shutil.copyfile(value, path)
        return
    value = np.asarray(value)
    if path.suffix == ".npy":
        np.save(path, value)
        return
    from PIL import Image

    if value.dtype == np.bool_:
        value = value.astype(np.uint8) * 255
    elif value.dtype != np.uint8:
        value = np.clip(np.round(np.asarray(value, dtype=np.float64) * 255), 0, 255)
    Image.fromarray(value.astype(np.uint8)).save(path)


def _image_size(path):
    from PIL import Image

    with Image.open(path) as image:
        return image.height, image.width, len(image.getbands())


def time_restore_command(image, options=(), *, files=None, input_name="input.png",
                         output_name="restored.png", timeout=None, log=None):
    """Run the ``restore`` command once on one image and time it, process start to exit.

    Parameters
    ----------
    image : ndarray or path
        The input: an array, grey ``(H, W)`` or colour ``(H, W, 3)``, in [0, 1]
        (rounded to an 8-bit PNG, as a camera delivers it) or uint8, or an image file
        (copied).
    options : sequence of str
        The command's options besides the input and ``-o``, e.g. ``["--sigma", "25"]``;
        ``{dir}`` in an option is the temporary folder (``--mask {dir}/mask.png``).
    files : dict, optional
        ``name -> array or path``, more inputs written to the folder first (a mask
        PNG: True or white = known; a kernel ``.npy``).
    input_name, output_name : str
        File names in the folder (their extensions choose the formats).
    timeout : float, optional
        Seconds before the child is killed (``subprocess.TimeoutExpired`` propagates).
    log : file, optional
        Where the child's output goes (default: stderr).

    Returns
    -------
    dict
        ``seconds`` (wall clock, process start to exit), ``returncode``,
        ``output_written`` (the output file exists after the run), ``argv`` (the
        command run, ``python`` for the interpreter and :data:`TMP` for the folder),
        ``command`` (the same as a user types it: ``restore input.png ...``),
        ``height``, ``width``, ``channels`` of the input.
    """
    log = sys.stderr if log is None else log
    with tempfile.TemporaryDirectory(prefix="restore-command-") as folder:
        folder = Path(folder)
        for name, value in (files or {}).items():
            _write(folder / name, value)
        source, output = folder / input_name, folder / output_name
        _write(source, image)
        height, width, channels = _image_size(source)
        options = [str(option).replace("{dir}", str(folder)) for option in options]
        argv = [sys.executable, "-m", "restore.cli", str(source), *options, "-o", str(output)]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=timeout)
        seconds = time.perf_counter() - start
        written = output.is_file() and output.stat().st_size > 0
    if done.stdout:
        print(done.stdout.rstrip("\n"), file=log, flush=True)
    shown = ["python", *[arg.replace(str(folder), TMP) for arg in argv[1:]]]
    typed = ["restore", *[arg.replace(str(folder) + os.sep, "") for arg in argv[3:]]]
    return {"seconds": seconds, "returncode": done.returncode, "output_written": written,
            "argv": shown, "command": shlex.join(typed), "height": height, "width": width,
            "channels": channels}


def record_command(result, measured, **details):
    """Put a :func:`time_restore_command` measurement (or None: not measured) in a run's
    JSON document: ``command_wall_seconds`` (None unless it succeeded) and ``command_wall``
    (the measurement and ``details``, e.g. the method and image it stands for)."""
    ok = measured is not None and measured["returncode"] == 0 and measured["output_written"]
    result["command_wall_seconds"] = measured["seconds"] if ok else None
    result["command_wall"] = None if measured is None else {**measured, **details}
    return result


def command_note(result):
    """A sentence on the command's end-to-end wall time of a run, or None for a run that
    did not record it (runs before it was measured)."""
    if "command_wall" not in result:
        return None
    record = result["command_wall"]
    if record is None:
        return ("Command end to end: not measured (no method of this run is the `restore` "
                "command).")
    size = f"{record['width']}x{record['height']}" + ("" if record["channels"] == 1 else
                                                       f"x{record['channels']}")
    where = f" ({record['image']})" if record.get("image") else ""
    if result.get("command_wall_seconds") is None:
        return (f"Command end to end: `{record['command']}` on a {size} image{where} failed "
                f"(exit status {record['returncode']}, output written: "
                f"{record['output_written']}).")
    return (f"Command end to end: `{record['command']}` on a {size} image{where} took "
            f"{record['seconds']:.2f} s of wall time, process start to output written (prior "
            "loading, reading and writing included), run once in a child process.")


def run_cases_and_command(run, degrade, settings, warmup, render, command_options, case_command):
    """:func:`benchmarks.harness.cases.run_and_publish`, with the ``restore`` command timed
    once first on the first case of the first image, where the run has one of our methods.

    ``command_options``: method name -> the command's options that run it (the first of the
    run's methods found there is timed); ``case_command(case) -> (image, options, files)``:
    the input, the task's options and the extra files for that case. Returns the exit status.
    """
    from benchmarks.harness.cases import run_cases
    from benchmarks.harness.markdown import publish
    from benchmarks.harness.results import write_json_atomic

    chosen = next((m.name for m in run.methods if m.name in command_options), None)
    measured, details = None, {}
    if chosen is not None and run.images:
        image = run.images[0]
        case = degrade(image)[0]
        observed, options, files = case_command(case)
        measured = time_restore_command(observed, [*options, *command_options[chosen]],
                                        files=files)
        details = {"method": chosen, "image": f"{image.name}, {case.condition}"}
    result = run_cases(run.images, degrade, run.methods, settings=settings, seed=run.args.seed,
                       json_path=run.json_path, warmup=warmup)
    record_command(result, measured, **details)
    if run.json_path is not None:
        write_json_atomic(run.json_path, result)
    key, section = render([result])
    publish(section, key, run.args.markdown, run.json_path)
    return 0
