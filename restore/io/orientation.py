"""EXIF orientation: read the tag, turn channels-last pixels upright (as Pillow's exif_transpose)."""
from __future__ import annotations

import contextlib

import numpy as np

EXIF_ORIENTATION = 0x0112

_TRANSFORMS = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a.swapaxes(0, 1)[::-1, ::-1],
    8: lambda a: np.rot90(a, 1),
}


def exif_orientation(exif):
    """The orientation (1..8) in raw EXIF bytes; 1 (upright) when absent or unreadable."""
    if not exif:
        return 1
    from PIL import Image

    data = Image.Exif()
    with contextlib.suppress(Exception):  # a damaged EXIF block leaves the image as stored
        data.load(exif)
    return data.get(EXIF_ORIENTATION, 1)


def orient(pixels, orientation):
    """Apply an EXIF orientation (1..8) to channels-last pixels."""
    transform = _TRANSFORMS.get(orientation)
    return pixels if transform is None else np.ascontiguousarray(transform(pixels))
