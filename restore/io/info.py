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
    check_shape(pixels.shape)
    return pixels


def check_shape(shape):
    """A one-line ValueError unless ``shape`` is (H, W) or (H, W, C), C in 1..4, with pixels;
    a (N, H, W) stack gets advice that fits it."""
    shape = tuple(shape)
    if len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] not in range(1, 5)):
        advice = ("expected (H, W) or (H, W, C) with 1 to 4 channels")
        if len(shape) == 3 and 1 <= shape[0] <= 4:
            advice += ("; channels first? move them last (numpy.moveaxis(array, 0, -1)) and "
                       "save it again")
        elif len(shape) == 3:
            advice += (f"; a stack of {shape[0]} images? save each image (array[i]) to its "
                       "own file and restore them as a batch")
        raise ValueError(f"an array of shape {shape} is not an image; {advice}")
    if 0 in shape:
        raise ValueError(f"the image has no pixels (shape {shape}); give an image with "
                         "at least one pixel")
