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
