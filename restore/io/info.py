"""What :func:`restore.io.read_image` learnt about a file, for writing the result back alike."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Number of channels -> mode name ("A": an alpha channel).
MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


@dataclass(frozen=True, eq=False)
class ImageInfo:
    """What :func:`~restore.io.read_image` learnt about a file.

    Attributes
    ----------
    path : str
        The file that was read.
    mode : str
        Its channels after palette expansion: ``"L"``, ``"LA"``, ``"RGB"`` or
        ``"RGBA"`` (``"A"``: an alpha channel, split off into :attr:`alpha`).
    bit_depth : {8, 16, "float"}
        Bits per sample of integer files, or ``"float"`` for float data.
    alpha : ndarray or None
        The alpha plane, (H, W), exactly as stored (its original dtype), or
        ``None``. :func:`~restore.io.write_image` re-attaches it untouched.
    format : str
        ``"PNG"``, ``"TIFF"``, ``"JPEG"``, ``"NPY"``, ... (the decoder's name).
    """

    path: str
    mode: str
    bit_depth: int | str
    alpha: np.ndarray | None = field(default=None, repr=False)
    format: str = ""

    @property
    def is_colour(self):
        """``True`` for RGB(A) images, ``False`` for grey ones."""
        return self.mode.startswith("RGB")


def check_image_shape(pixels):
    """``pixels`` as (H, W) or (H, W, C) with C in 1..4 (a single channel axis dropped), with
    at least one pixel; a one-line ValueError otherwise."""
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    if pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] not in MODES):
        raise ValueError(f"an array of shape {pixels.shape} is not an image; expected (H, W) or "
                         "(H, W, C) with 1 to 4 channels")
    if pixels.size == 0:
        raise ValueError(f"the image has no pixels (shape {pixels.shape}); give an image with "
                         "at least one pixel")
    return pixels
