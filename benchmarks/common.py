"""Pieces shared by the benchmarks: noise, measurement, loading, output.

Everything here is independent of any particular data set or method, so the
grey denoising benchmark (:mod:`benchmarks.bsds`) and later ones (colour,
deblur, inpaint) produce comparable numbers the same way.

Conventions
-----------
Noise seeds
    The noise for image index ``i`` (its position in the folder sorted by
    name, before any ``--limit``) at noise level ``s`` (0-255 scale, an
    integer) is drawn from ``np.random.default_rng([seed, i, s])``:
    ``noise = rng.standard_normal(image.shape) * s / 255``, added to the
    image and *not* clipped. The noise is drawn for the full image; a centre
    crop is taken afterwards, so a cropped run sees exactly the pixels of
    the full run.
Time
    ``time.perf_counter`` around the method call only (no loading, no noise,
    no metrics).
Peak memory
    Resident set size (RSS) of the whole process, in MiB (2**20 bytes), as
    the kernel reports it in ``/proc/self/status``. ``tracemalloc`` is not
    used: it misses memory that numba and C libraries allocate. During each
    call a background thread samples ``VmRSS`` every ``interval`` seconds
    (20 ms by default); in addition, where the kernel allows resetting the
    high-water mark (writing ``5`` to ``/proc/self/clear_refs``, Linux 4.0+),
    ``VmHWM`` is reset before the call and read after it, which also catches
    spikes shorter than the sampling interval. The reported peak is the
    larger of the two. ``growth`` is that peak minus the RSS just before the
    call: the method's own working memory, a lower bound when the allocator
    reuses memory it kept from earlier calls. Without ``/proc`` (not Linux)
    the peak fields are ``None``.
"""
from __future__ import annotations

import datetime
import json
import math
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")
_KIB_PER_MIB = 1024.0

# ---------------------------------------------------------------------------
# Noise
# ---------------------------------------------------------------------------


def noise_rng(seed, index, sigma255):
    """Return the generator of the noise for one image at one noise level.

    Parameters
    ----------
    seed : int
        Run seed (``--seed``), a non-negative integer.
    index : int
        Position of the image in the folder sorted by name (0-based).
    sigma255 : int
        Noise level on the 0-255 scale, an integer (15, 25, 50).

    Returns
    -------
    numpy.random.Generator
        ``np.random.default_rng([seed, index, sigma255])``.

    Raises
    ------
    ValueError
        If a key is negative or not an integer.
    """
    keys = {"seed": seed, "index": index, "sigma255": sigma255}
    for name, value in keys.items():
        if isinstance(value, (bool, np.bool_)) or not float(value).is_integer() or value < 0:
            raise ValueError(f"{name} must be a non-negative integer to seed the noise, "
                             f"got {value!r}; pass e.g. 25 for sigma 25/255")
    return np.random.default_rng([int(seed), int(index), int(sigma255)])


def add_gaussian_noise(image, sigma, rng):
    """Add white Gaussian noise of standard deviation ``sigma``, unclipped.

    Parameters
    ----------
    image : ndarray
        Clean image, floats on the [0, 1] scale, any shape.
    sigma : float
        Noise standard deviation on the [0, 1] scale (``25 / 255``).
    rng : numpy.random.Generator
        Source of the noise, see :func:`noise_rng`.

    Returns
    -------
    ndarray
        ``image + sigma * N(0, 1)`` as float64; values may leave [0, 1].
    """
    image = np.asarray(image, dtype=np.float64)
    if not (np.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"sigma must be a finite non-negative number, got {sigma!r}")
    return image + sigma * rng.standard_normal(image.shape)


def centre_crop(image, size):
    """Return the centre ``size x size`` crop of an image (all channels).

    Parameters
    ----------
    image : ndarray, (H, W) or (H, W, C)
    size : int or None
        Side of the crop; ``None`` returns the image unchanged.

    Returns
    -------
    ndarray
        A view of the crop.

    Raises
    ------
    ValueError
        If ``size`` is not positive or larger than the image.
    """
    if size is None:
        return image
    height, width = image.shape[:2]
    if size < 1 or size > min(height, width):
        raise ValueError(f"crop size must be between 1 and {min(height, width)} for an image "
                         f"of {height}x{width}, got {size}")
    top, left = (height - size) // 2, (width - size) // 2
    return image[top:top + size, left:left + size]


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def list_images(folder, suffixes=(".png",)):
    """List the image files of a folder, sorted by name.

    Parameters
    ----------
    folder : str or Path
    suffixes : tuple of str
        Lower-case file name endings to keep.

    Returns
    -------
    list of Path

    Raises
    ------
    ValueError
        If the folder does not exist or holds no matching file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"data folder {str(folder)!r} does not exist or is not a folder; "
                         "pass the folder of the test images, e.g. --data ../shared/data/bsd68")
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in suffixes and p.is_file())
    if not paths:
        raise ValueError(f"no {'/'.join(suffixes)} files in {str(folder)!r}")
    return paths


def load_image(path, mode="L"):
    """Read an 8-bit image as float64 in [0, 1] (``uint8 / 255``).

    Parameters
    ----------
    path : str or Path
    mode : {"L", "RGB"}
        Expected PIL mode; the file is not converted, so a colour file in a
        grey benchmark is an error rather than a silent conversion.

    Returns
    -------
    ndarray
        (H, W) for ``"L"``, (H, W, 3) for ``"RGB"``.

    Raises
    ------
    ValueError
        If the file's mode differs from ``mode``.
    """
    from PIL import Image

    with Image.open(path) as img:
        if img.mode != mode:
            raise ValueError(f"{path}: expected an 8-bit {mode} image, found PIL mode {img.mode!r}")
        pixels = np.asarray(img, dtype=np.uint8)
    return pixels.astype(np.float64) / 255.0


# ---------------------------------------------------------------------------
# Time and peak memory
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Run description
# ---------------------------------------------------------------------------


def _version(distribution):
    """Installed version of a distribution, or None."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def _git_revision(cwd):
    """Commit of the working tree at ``cwd`` (``+dirty`` if modified), or None."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=cwd, capture_output=True, text=True, timeout=10,
                               check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def machine_info(packages=("numpy", "scipy", "scikit-image", "numba", "bm3d")):
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
        "git_revision": _git_revision(Path(__file__).resolve().parent),
        "date": utc_now(),
    }


def utc_now():
    """Current time, UTC, ISO 8601 to the second."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


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

    Parameters
    ----------
    path : str or Path
    data : dict
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


def section_markers(key):
    """Return the start and end HTML comments that delimit a markdown section."""
    return f"<!-- {key}:start -->", f"<!-- {key}:end -->"


def replace_markdown_section(text, key, body):
    """Replace (or append) the section ``key`` of a markdown text.

    The section is everything from ``<!-- key:start -->`` to
    ``<!-- key:end -->``, markers included; the rest of the text is kept
    byte for byte. Without the markers the section is appended at the end.
    Applying the same body twice gives the same text.

    Parameters
    ----------
    text : str
        The whole markdown document ("" for a new one).
    key : str
        Section name, e.g. ``"bsd68-denoise"``.
    body : str
        New content between the markers.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If the markers are unbalanced, repeated or in the wrong order.
    """
    start, end = section_markers(key)
    section = f"{start}\n{body.strip(chr(10))}\n{end}"
    n_start, n_end = text.count(start), text.count(end)
    if n_start == 0 and n_end == 0:
        head = text.rstrip("\n")
        return f"{head}\n\n{section}\n" if head else f"{section}\n"
    i, j = text.find(start), text.find(end)
    if n_start != 1 or n_end != 1 or j < i:
        raise ValueError(f"markdown section {key!r} is malformed: expected one {start!r} "
                         f"followed by one {end!r}, found {n_start} start and {n_end} end "
                         "markers; fix or remove them by hand")
    return text[:i] + section + text[j + len(end):]


def update_markdown_file(path, key, body, title="# Benchmarks"):
    """Replace (or add) the section ``key`` of a markdown file, atomically.

    Parameters
    ----------
    path : str or Path
        Markdown file; created with ``title`` if missing.
    key, body : str
        See :func:`replace_markdown_section`.
    title : str
        First line of a new file.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else f"{title}\n"
    new_text = replace_markdown_section(text, key, body)
    if new_text == text:
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(new_text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
