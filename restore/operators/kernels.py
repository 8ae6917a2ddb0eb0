"""Blur kernels: validation, and the Gaussian and linear-motion kernels of the CLI.

Kernels are 2-D arrays of non-negative weights summing to 1, their centre at
``(kh // 2, kw // 2)`` (see :class:`restore.operators.Blur`).
"""
from __future__ import annotations

import numpy as np


def check_kernel(kernel, *, name="kernel"):
    """Validate a blur kernel and normalise it to sum 1.

    Parameters
    ----------
    kernel : array_like, (kh, kw)
        Non-negative weights, at least one of them positive.

    Returns
    -------
    ndarray, float64
        ``kernel / kernel.sum()``.

    Raises
    ------
    TypeError
        Not a real numeric array.
    ValueError
        Not 2-D, empty, with NaN/inf, negative weights, or all zero.
    """
    array = np.asarray(kernel)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number) \
            or np.iscomplexobj(array):
        raise TypeError(f"the blur {name} must be a real numeric array, got dtype {array.dtype}")
    if array.ndim != 2:
        raise ValueError(f"the blur {name} must be a 2-D array (kh, kw), got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"the blur {name} is empty (shape {array.shape}); give at least one "
                         "positive weight")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"the blur {name} contains NaN or inf values")
    if array.min() < 0:
        raise ValueError(f"the blur {name} has negative weights (minimum {array.min():.3g}); a "
                         "blur kernel is a non-negative point-spread function")
    total = array.sum()
    if not total > 0:
        raise ValueError(f"the blur {name} is all zeros; give at least one positive weight")
    return array / total


def gaussian_kernel(std, size=None):
    """Isotropic Gaussian kernel of standard deviation ``std`` pixels, sum 1.

    ``size`` (odd) defaults to ``2 * ceil(3 * std) + 1``.
    """
    std = float(std)
    if not (np.isfinite(std) and std > 0):
        raise ValueError(f"the Gaussian kernel's standard deviation must be positive, got {std}")
    radius = int(np.ceil(3 * std)) if size is None else (int(size) - 1) // 2
    offsets = np.arange(-radius, radius + 1)
    profile = np.exp(-0.5 * (offsets / std) ** 2)
    kernel = np.outer(profile, profile)
    return kernel / kernel.sum()


def motion_kernel(length, angle):
    """Linear motion blur: a segment of ``length`` pixels at ``angle`` degrees, sum 1.

    The angle is counter-clockwise from the horizontal (image rows grow
    downwards). The segment, centred on the kernel's centre, is sampled
    every 0.1 pixel and each sample spread bilinearly over its four
    neighbouring pixels (anti-aliased); the kernel is the smallest odd
    square that holds it.
    """
    length, angle = float(length), float(angle)
    if not (np.isfinite(length) and length >= 1):
        raise ValueError(f"the motion length must be at least 1 pixel, got {length}")
    if not np.isfinite(angle):
        raise ValueError(f"the motion angle must be a finite number of degrees, got {angle}")
    radius = int(np.ceil((length - 1) / 2)) + 1
    size = 2 * radius + 1
    steps = np.linspace(-(length - 1) / 2, (length - 1) / 2, max(2, int(np.ceil(10 * length))))
    theta = np.deg2rad(angle)
    rows = np.round(radius - steps * np.sin(theta), 9)  # sin(pi) is not exactly 0
    cols = np.round(radius + steps * np.cos(theta), 9)
    kernel = np.zeros((size, size))
    top, left = np.floor(rows).astype(int), np.floor(cols).astype(int)
    down, right = rows - top, cols - left
    for dr, wr in ((0, 1 - down), (1, down)):
        for dc, wc in ((0, 1 - right), (1, right)):
            np.add.at(kernel, (top + dr, left + dc), wr * wc)
    return kernel / kernel.sum()
