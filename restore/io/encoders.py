"""Encoders by extension: each writes channels-last uint8/uint16/float32 pixels to a binary file."""
from __future__ import annotations

from io import BytesIO

import numpy as np

#: Output extension -> name of the encoder in this module (looked up when writing).
ENCODERS = {".png": "encode_png", ".tif": "encode_tiff", ".tiff": "encode_tiff",
            ".npy": "encode_npy"}


def encode_png(file, pixels):
    """8 or 16-bit grey, grey+alpha, RGB or RGBA PNG, through imagecodecs (libpng)."""
    import imagecodecs

    file.write(imagecodecs.png_encode(pixels))


def encode_tiff(file, pixels):
    import tifffile

    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    options = {"photometric": "rgb" if channels >= 3 else "minisblack"}
    if pixels.ndim == 3:
        options["planarconfig"] = "contig"
    if channels in (2, 4):
        options["extrasamples"] = ["unassalpha"]
    buffer = BytesIO()  # tifffile wants a named file or a buffer, not a bare descriptor
    tifffile.imwrite(buffer, pixels, **options)
    file.write(buffer.getbuffer())


def encode_npy(file, pixels):
    np.save(file, pixels, allow_pickle=False)
