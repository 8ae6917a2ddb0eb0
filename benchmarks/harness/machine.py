"""The machine, software and date of a run, recorded in its JSON and shown in its section."""
from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path

#: Distributions whose versions a run records by default.
PACKAGES = ("numpy", "scipy", "scikit-image", "numba", "bm3d")


def utc_now():
    """Current time, UTC, ISO 8601 to the second."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _version(distribution):
    """Installed version of a distribution, or None."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def git_revision(cwd=None):
    """Commit of the working tree at ``cwd`` (default: this checkout), ``+dirty`` if
    tracked files are modified; None outside git."""
    cwd = Path(__file__).resolve().parent if cwd is None else cwd
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=cwd, capture_output=True, text=True, timeout=10,
                               check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def machine_info(packages=PACKAGES):
    """Describe the machine and software of a run.

    Parameters
    ----------
    packages : iterable of str
        Distributions whose versions to record (None where not installed).

    Returns
    -------
    dict
        Platform, processor, CPU counts (``os.cpu_count`` and the cores this
        process may use), load averages at the time of the call (the
        benchmark machine may be shared: a load above the core count makes
        timings pessimistic), Python and package versions, git revision and
        the date (UTC, ISO 8601).
    """
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        load = None
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "cpu_usable": usable,
        "load_average": load,
        "python": platform.python_version(),
        "versions": {name: _version(name) for name in packages},
        "git_revision": git_revision(),
        "date": utc_now(),
    }


def machine_sentence(machine):
    """One sentence on the machine and software of a run (from :func:`machine_info`)."""
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v)
    load = machine.get("load_average")
    cores = [f"{machine['cpu_usable']} usable"] if machine.get("cpu_usable") else []
    cores += [f"load average {load[0]:.2f} at start"] if load else []
    return (f"{machine['platform']}, {machine['cpu_count']} cores"
            + (f" ({', '.join(cores)})" if cores else "")
            + f"; Python {machine['python']}" + (f", {versions}" if versions else "")
            + (f"; git {machine['git_revision']}" if machine.get("git_revision") else ""))
