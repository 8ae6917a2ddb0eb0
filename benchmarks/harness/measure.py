"""Time and peak memory of one call.

Time
    ``time.perf_counter`` around the call only (no loading, no noise, no metrics).
Peak memory
    Resident set size (RSS) of the whole process, in MiB (2**20 bytes), as the
    kernel reports it in ``/proc/self/status``. ``tracemalloc`` is not used: it
    misses memory that numba and C libraries allocate. During each call a
    background thread samples ``VmRSS`` every ``interval`` seconds (20 ms by
    default); in addition, where the kernel allows resetting the high-water mark
    (writing ``5`` to ``/proc/self/clear_refs``, Linux 4.0+), ``VmHWM`` is reset
    before the call and read after it, which also catches spikes shorter than
    the sampling interval. The reported peak is the larger of the two.
    ``growth`` is that peak minus the RSS just before the call: the method's own
    working memory, a lower bound when the allocator reuses memory it kept from
    earlier calls. Without ``/proc`` (not Linux) the peak fields are ``None``.
"""
from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")
_KIB_PER_MIB = 1024.0


def _status_kib(field):
    """Read one ``kB`` field (``VmRSS``, ``VmHWM``) of /proc/self/status, or None."""
    try:
        with open(_STATUS, encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def current_rss_mib():
    """Return the process's resident set size in MiB, or None without /proc."""
    kib = _status_kib("VmRSS")
    return None if kib is None else kib / _KIB_PER_MIB


def _reset_high_water_mark():
    """Reset VmHWM to the current RSS; return True where the kernel allows it."""
    try:
        with open(_CLEAR_REFS, "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return _status_kib("VmHWM") is not None


def max_rss_mib():
    """Return the process's lifetime maximum RSS in MiB (``resource.getrusage``).

    Returns
    -------
    float or None
        None where the ``resource`` module is missing (Windows).
    """
    try:
        import resource
    except ImportError:
        return None
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / (_KIB_PER_MIB * 1024.0) if sys.platform == "darwin" else kib / _KIB_PER_MIB


class _RssSampler:
    """Background thread recording the largest VmRSS seen while it runs."""

    def __init__(self, interval):
        self.interval = interval
        self.peak_kib = _status_kib("VmRSS")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _sample(self):
        kib = _status_kib("VmRSS")
        if kib is not None and (self.peak_kib is None or kib > self.peak_kib):
            self.peak_kib = kib

    def _run(self):
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._sample()
        self._stop.set()
        self._thread.join()
        return False


@dataclass
class Measurement:
    """Time and memory of one call, see the module notes for the definitions.

    Attributes
    ----------
    seconds : float
        Wall-clock time of the call (``time.perf_counter``).
    rss_before_mib : float or None
        RSS just before the call.
    peak_rss_mib : float or None
        Highest RSS during the call.
    peak_growth_mib : float or None
        ``peak_rss_mib - rss_before_mib``.
    peak_source : str
        ``"vmhwm+sampled"``, ``"sampled"`` or ``"unavailable"``.
    """

    seconds: float
    rss_before_mib: float | None
    peak_rss_mib: float | None
    peak_growth_mib: float | None
    peak_source: str


def measure_call(func, *args, interval=0.02, **kwargs):
    """Call ``func(*args, **kwargs)`` and measure its time and peak RSS.

    Parameters
    ----------
    func : callable
    *args, **kwargs
        Passed to ``func``.
    interval : float
        Seconds between two RSS samples of the background thread.

    Returns
    -------
    result : object
        What ``func`` returned (exceptions propagate; the sampler stops).
    measurement : Measurement
    """
    rss_before = _status_kib("VmRSS")
    hwm_ok = rss_before is not None and _reset_high_water_mark()
    with _RssSampler(interval) as sampler:
        start = time.perf_counter()
        result = func(*args, **kwargs)
        seconds = time.perf_counter() - start
    peak_kib = sampler.peak_kib
    source = "unavailable" if peak_kib is None else "sampled"
    if hwm_ok:
        hwm = _status_kib("VmHWM")
        if hwm is not None:
            peak_kib = max(peak_kib or 0, hwm)
            source = "vmhwm+sampled"
    if peak_kib is None or rss_before is None:
        return result, Measurement(seconds, None, None, None, "unavailable")
    return result, Measurement(
        seconds=seconds,
        rss_before_mib=rss_before / _KIB_PER_MIB,
        peak_rss_mib=peak_kib / _KIB_PER_MIB,
        peak_growth_mib=max(peak_kib - rss_before, 0) / _KIB_PER_MIB,
        peak_source=source,
    )
