"""The ``--kernel`` mini-language: ``gaussian:STD``, ``motion:LENGTH,ANGLE`` or a kernel file."""
from __future__ import annotations

from pathlib import Path

from restore.cli.messages import describe
from restore.cli.options import UsageError

EXPECTED = "expected gaussian:STD or motion:LENGTH,ANGLE, e.g. gaussian:1.6 or motion:15,45"


def parse_kernel(spec, max_pixels=None):
    """The kernel of ``--kernel``, normalised to sum 1.

    Every problem (bad syntax, unreadable file, empty or negative weights) is
    a :class:`~restore.cli.options.UsageError`.
    """
    from restore.operators.kernels import check_kernel

    try:
        kind, _, values = spec.partition(":")
        if kind in ("gaussian", "motion"):
            return _parametric(kind, values)
        return check_kernel(_read_weights(Path(spec), max_pixels))
    except (ValueError, TypeError, OSError) as error:
        raise UsageError(f"bad --kernel '{spec}': {error}") from None


def task_kernel(args):
    """The kernel of the task: deblur's ``--kernel``; upscale's (``"bicubic"`` by default,
    passed on by name); None for the other tasks."""
    if args.task == "upscale" and args.kernel in (None, "bicubic"):
        return "bicubic"
    if args.task in ("deblur", "upscale"):
        return parse_kernel(args.kernel, args.max_pixels)
    return None


def check_kernel_fits(kernel, image):
    """A usage error if the kernel is larger than the image."""
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise UsageError(f"the {kernel.shape[1]}x{kernel.shape[0]} kernel is larger than "
                         f"{describe(image)}; give a smaller kernel")


def _parametric(kind, values):
    from restore.operators.kernels import gaussian_kernel, motion_kernel

    try:
        numbers = [float(v) for v in values.split(",")]
    except ValueError:
        raise ValueError(EXPECTED) from None
    if len(numbers) != (1 if kind == "gaussian" else 2):
        raise ValueError(EXPECTED)
    return gaussian_kernel(*numbers) if kind == "gaussian" else motion_kernel(*numbers)


def _read_weights(path, max_pixels):
    """Weights from a ``.npy`` file, or the grey levels of an image file; sizes over
    ``max_pixels`` are refused from the header, before reading."""
    import numpy as np

    from restore.io import read_image
    from restore.io.budget import check_pixel_budget
    from restore.io.decoders import npy_header

    if not path.is_file():
        raise ValueError("no such file, and not gaussian:STD or motion:LENGTH,ANGLE")
    if path.suffix.lower() == ".npy":
        shape, _ = npy_header(path)
        check_pixel_budget(int(np.prod(shape)), 1, max_pixels, what="the kernel file")
        return np.load(path, allow_pickle=False)
    weights, _ = read_image(path, max_pixels=max_pixels)
    return weights.mean(axis=2) if weights.ndim == 3 else weights
