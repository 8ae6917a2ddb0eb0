"""Decoders by format: each returns ``(pixels, bit_depth, decoder_name)``, pixels channels last.

``.npy`` through NumPy, TIFF through tifffile, everything else (8-bit PNG,
palette PNG, JPEG, BMP, GIF, WebP, ...) through Pillow; 16-bit PNG is in
:mod:`restore.io.png16`. Every failure is a one-line ValueError.
"""
from __future__ import annotations

import numpy as np

from restore.io.info import MODES
from restore.io.orientation import orient
from restore.io.samples import bit_depth_of

READ_FORMATS_HINT = "give a PNG, TIFF, JPEG or .npy file"


def read_npy(path):
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"the .npy file is truncated or invalid ({error}); save it again "
                         "with numpy.save") from None
    if array.dtype == np.uint8 or array.dtype == np.uint16:
        return array, 8 * array.dtype.itemsize, "NPY"
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"the array has dtype {array.dtype}; store float32 values in [0, 1] "
                         "(or uint8/uint16)")
    return array, "float", "NPY"


def read_tiff(path):
    """Decode with tifffile; what it does not handle (palette, CMYK, 1-bit, compressions
    it lacks a codec for) goes to Pillow instead."""
    import tifffile

    try:
        with tifffile.TiffFile(path) as tiff:
            page = tiff.pages.first
            photometric = int(page.photometric)
            simple = photometric in (0, 1, 2) and page.dtype not in (None, np.bool_)
            if simple:
                pixels, axes = page.asarray(), page.axes
                orientation = int(page.tags.valueof(274, 1))
    except Exception as error:  # tifffile raises many kinds; Pillow gets a second chance
        try:
            return read_pillow(path)
        except ValueError:
            raise ValueError(f"the TIFF file is truncated or not supported ({error}); "
                             "save it again as an 8/16-bit or float TIFF") from None
    if not simple:
        return read_pillow(path)
    if "S" in axes:
        pixels = np.moveaxis(pixels, axes.index("S"), -1)
    if photometric == 0 and np.issubdtype(pixels.dtype, np.integer):  # min-is-white
        pixels = np.iinfo(pixels.dtype).max - pixels
    return orient(pixels, orientation), bit_depth_of(pixels.dtype, "TIFF"), "TIFF"


def read_pillow(path):
    """Decode with Pillow (its decompression-bomb limit applies), upright."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            opened.load()
            decoder = opened.format or "image"
            image = ImageOps.exif_transpose(opened)
    except UnidentifiedImageError:
        raise ValueError(f"not an image file Pillow can decode; {READ_FORMATS_HINT}") from None
    except Image.DecompressionBombError as error:
        raise ValueError(f"{error}") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ValueError(f"the file is truncated or corrupt ({error}); export or download "
                         "it again") from None
    return _pillow_pixels(image) + (decoder,)


def _pillow_pixels(image):
    """Channels-last pixels and bit depth of a loaded Pillow image."""
    mode = image.mode
    if mode.startswith("I;16"):
        return np.asarray(image).astype(np.uint16), 16
    if mode == "I":
        pixels = np.asarray(image)
        if pixels.size and (pixels.min() < 0 or pixels.max() > 65535):
            raise ValueError("32-bit integer samples outside 0..65535 are not supported; "
                             "give an 8/16-bit or float image")
        return pixels.astype(np.uint16), 16
    if mode == "F":
        return np.asarray(image, dtype=np.float32), "float"
    has_transparency = "transparency" in image.info
    if mode in ("L", "RGB") and has_transparency:
        image = image.convert(mode + "A")
    elif mode in ("P", "PA"):
        image = image.convert("RGBA" if has_transparency or mode == "PA" else "RGB")
    elif mode in ("La", "RGBa"):
        image = image.convert(mode.upper())
    elif mode == "1":
        image = image.convert("L")
    elif mode not in MODES.values():
        image = image.convert("RGB")  # CMYK, YCbCr, LAB, HSV, RGBX
    return np.asarray(image), 8
