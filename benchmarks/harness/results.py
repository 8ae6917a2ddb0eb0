"""JSON results: atomic writes, paths shown relative to the repository, runs joined.

A benchmark's JSON document is ``{"settings": {...}, "rows": [...], ...}``;
``settings["json"]`` is where it was written, relative to the repository when
inside it (so no machine's absolute path is recorded).
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

#: The repository root (this file is ``benchmarks/harness/results.py``).
ROOT = Path(__file__).resolve().parents[2]
#: Where the benchmarks write their JSON by default.
RESULTS_DIR = ROOT / "benchmarks" / "results"


def shown_path(path):
    """``path`` as text relative to the repository (``benchmarks/results/x.json``,
    ``../shared/data/bsd68``), so that no machine's absolute path is recorded."""
    try:
        return os.path.relpath(Path(path).resolve(), ROOT)
    except ValueError:  # another drive (Windows)
        return Path(path).name


def _json_safe(value):
    """Turn NaN and infinities (invalid JSON) into None, recursively."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_json_atomic(path, data):
    """Write ``data`` as JSON to ``path`` atomically (temporary file + rename).

    Readers see either the old file or the complete new one. NaN and
    infinities are written as ``null``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(_json_safe(data), handle, indent=1, allow_nan=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_tuning_run(path, prog, argv, args, summary, rows, **settings):
    """Write a tuning script's run to ``path``: its arguments, the command that repeats it
    (``python -m prog argv``), the machine and the time as settings, beside ``summary``
    and ``rows``."""
    import sys

    from benchmarks.harness.machine import machine_info, utc_now

    argv = sys.argv[1:] if argv is None else argv
    command = f"python -m {prog} " + " ".join(f"'{a}'" if not a or " " in a else a
                                               for a in argv)
    write_json_atomic(path, dict(settings=dict(vars(args), command=command, json=shown_path(path),
                                               machine=machine_info(), finished=utc_now(),
                                               **settings),
                                 summary=summary, rows=rows))


def read_json(path):
    """The JSON document at ``path``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


#: Settings that describe one run rather than what was measured.
RUN_KEYS = ("command", "json", "tag", "started", "machine", "skipped")


def join_runs(results, joined=(), free=()):
    """Join runs that measured the same thing on different parts into one result.

    Parameters
    ----------
    results : list of dict
        JSON documents; all settings but :data:`RUN_KEYS` and ``joined`` must agree.
    joined : tuple of str
        Settings whose lists are concatenated (e.g. ``("sigmas",)`` for runs at
        different noise levels).
    free : tuple of str
        Settings that may differ; the first run's are kept (the caller may
        combine them).

    Returns
    -------
    dict
        The first run's settings with the ``joined`` lists concatenated and
        ``runs``: per run its ``command``, ``json``, ``started`` and ``machine``;
        the rows of all runs in order; ``complete`` if every run was. Summaries
        are the caller's to recompute.

    Raises
    ------
    ValueError
        If the runs differ in anything else.
    """
    first = results[0]["settings"]
    ignored = set(RUN_KEYS) | set(joined) | set(free)
    reference = {k: v for k, v in first.items() if k not in ignored}
    for result in results[1:]:
        other = {k: v for k, v in result["settings"].items() if k not in ignored}
        if other != reference:
            differing = sorted(k for k in set(other) | set(reference)
                               if other.get(k) != reference.get(k))
            raise ValueError(f"{result['settings'].get('json')} differs from "
                             f"{first.get('json')} in {differing}; only "
                             f"{', '.join(joined) or 'the run'} may differ")
    settings = dict(first)
    for key in joined:
        settings[key] = [value for r in results for value in r["settings"][key]]
    settings["runs"] = [{key: r["settings"].get(key) for key in ("command", "json", "started",
                                                                 "machine")}
                        for r in results]
    settings["started"] = min(r["settings"]["started"] for r in results)
    return {"settings": settings, "rows": [row for r in results for row in r["rows"]],
            "complete": all(r.get("complete", True) for r in results)}
