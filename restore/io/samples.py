"""Sample types of image files: bit depths, and conversions between them and [0, 1] floats."""
from __future__ import annotations

import numpy as np

#: Bit depth -> the dtype its samples are stored in.
DTYPES = {8: np.uint8, 16: np.uint16, "float": np.float32}


def bit_depth_of(dtype, what):
    """8, 16 or ``"float"`` for samples of ``dtype``; ``what`` names them in the error."""
    if dtype in (np.uint8, np.uint16):
        return 8 * np.dtype(dtype).itemsize
    if np.issubdtype(dtype, np.floating):
        return "float"
    raise ValueError(f"{what} samples of type {np.dtype(dtype)} are not supported; give 8 or "
                     "16-bit unsigned integers or floats")


def integers_to_unit(pixels):
    """uint8/uint16 samples as float32 in [0, 1]."""
    return pixels.astype(np.float32) / np.float32(np.iinfo(pixels.dtype).max)


def to_bit_depth(array, bit_depth):
    """``array`` (floats in [0, 1] or uint8/uint16) as samples of ``bit_depth``.

    Converting to integers clips to [0, 1] and rounds to the nearest level;
    float outputs are not clipped.
    """
    dtype = DTYPES[bit_depth]
    if array.dtype == dtype:
        return array
    unit = integers_to_unit(array) if np.issubdtype(array.dtype, np.integer) else array
    if bit_depth == "float":
        return unit.astype(np.float32)
    top = np.iinfo(dtype).max
    out = np.empty(unit.shape, dtype=dtype)
    rows = max(1, (1 << 20) // max(1, unit[0].size))  # about a million samples at a time
    for start in range(0, unit.shape[0], rows):  # bounded float64 temporaries on huge images
        band = np.clip(unit[start:start + rows].astype(np.float64), 0.0, 1.0)
        out[start:start + rows] = np.round(band * top)
    return out
