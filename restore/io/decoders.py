"""Decoders by format: each returns ``(pixels, bit_depth, decoder_name)``, pixels channels last.

``.npy`` through NumPy, TIFF through tifffile, everything else (8-bit PNG,
palette PNG, JPEG, BMP, GIF, WebP, ...) through Pillow; 16-bit PNG is in
:mod:`restore.io.png16`. Each checks the size its header declares against the
pixel budget (:mod:`restore.io.budget`) before decoding. Every failure is a
one-line ValueError.
"""
from __future__ import annotations

import contextlib

import numpy as np

from restore.io.budget import Refused, check_pixel_budget
from restore.io.info import MODES, check_shape
from restore.io.jpeg_check import check_jpeg_scan
from restore.io.orientation import orient
from restore.io.samples import bit_depth_of

READ_FORMATS_HINT = "give a PNG, TIFF, JPEG or .npy file"
NPY_AGAIN = "save it again with numpy.save"


def read_npy(path, max_pixels):
    """The array of a ``.npy`` file; its header (dtype, shape, size) is checked first."""
    shape, dtype = npy_header(path)
    if dtype.hasobject:
        raise ValueError(f"the .npy file holds Python objects (dtype {dtype}), not numbers; "
                         "save a numeric array (float32 in [0, 1], uint8 or uint16)")
    if not (dtype in (np.uint8, np.uint16) or np.issubdtype(dtype, np.floating)):
        raise ValueError(f"the array has dtype {dtype}; restore reads float arrays (values in "
                         "[0, 1]), uint8 or uint16: convert it first, e.g. array.astype("
                         "numpy.uint8) for 0..255 levels or array / 255 for floats")
    check_shape(shape)
    check_pixel_budget(shape[1], shape[0], max_pixels)
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"the .npy file is truncated or invalid ({error}); {NPY_AGAIN}") \
            from None
    if array.dtype == np.uint8 or array.dtype == np.uint16:
        return array, 8 * array.dtype.itemsize, "NPY"
    return array, "float", "NPY"


def npy_header(path):
    """``(shape, dtype)`` from a ``.npy`` header, without reading the data."""
    from numpy.lib import format as npy

    try:
        with open(path, "rb") as file:
            version = npy.read_magic(file)
            read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
            shape, _, dtype = read(file)
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"the .npy file is truncated or invalid ({error}); {NPY_AGAIN}") \
            from None
    return shape, dtype


def read_tiff(path, max_pixels):
    """Decode with tifffile, every page's size checked first; a file of several images is
    refused. What tifffile does not handle (palette, CMYK, 1-bit, compressions it lacks a
    codec for) goes to Pillow instead."""
    import tifffile

    try:
        with tifffile.TiffFile(path) as tiff:
            page = _single_page(tiff, max_pixels)
            photometric = int(page.photometric)
            simple = photometric in (0, 1, 2) and page.dtype not in (None, np.bool_)
            if simple:
                pixels, axes = page.asarray(), page.axes
                orientation = int(page.tags.valueof(274, 1))
    except (Refused, MemoryError):
        raise
    except Exception as error:  # tifffile raises many kinds; Pillow gets a second chance
        return _tiff_through_pillow(path, max_pixels, error)
    if not simple:
        return read_pillow(path, max_pixels)
    if "S" in axes:
        pixels = np.moveaxis(pixels, axes.index("S"), -1)
    if photometric == 0 and np.issubdtype(pixels.dtype, np.integer):  # min-is-white
        pixels = np.iinfo(pixels.dtype).max - pixels
    return orient(pixels, orientation), bit_depth_of(pixels.dtype, "TIFF"), "TIFF"


def _single_page(tiff, max_pixels):
    """The one image of a TIFF: every page's size is checked against the budget, and a file
    of several images (reduced-resolution previews aside) is refused."""
    images = 0
    for page in tiff.pages:
        check_pixel_budget(page.imagewidth, page.imagelength * max(1, page.imagedepth),
                           max_pixels)
        images += not (int(page.subfiletype) & 1)
    if images > 1:
        raise Refused(f"the TIFF file holds {images} images (pages); restore reads one "
                      "image: split it (e.g. with tifffile) and restore each page")
    return tiff.pages.first


def _tiff_through_pillow(path, max_pixels, error):
    try:
        return read_pillow(path, max_pixels)
    except Refused:
        raise
    except ValueError:
        raise ValueError(f"the TIFF file is truncated or not supported ({error}); "
                         "save it again as an 8/16-bit or float TIFF") from None


def read_pillow(path, max_pixels):
    """Decode with Pillow, upright; the size and frame count are checked before decoding."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with _pillow_without_its_limit(), Image.open(path) as opened:
            check_pixel_budget(*opened.size, max_pixels)
            frames = getattr(opened, "n_frames", 1)
            if frames > 1 and opened.format != "MPO":  # MPO: a camera JPEG and its previews
                raise Refused(f"the {opened.format} file holds {frames} images (frames); "
                              "restore reads one image: save the frame you want alone")
            opened.load()
            decoder = opened.format or "image"
            image = ImageOps.exif_transpose(opened)
    except UnidentifiedImageError:
        raise ValueError(f"not an image file Pillow can decode; {READ_FORMATS_HINT}") from None
    except Refused:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ValueError(f"the file is truncated or corrupt ({error}); export or download "
                         "it again") from None
    if decoder in ("JPEG", "MPO"):
        check_jpeg_scan(path)
    return _pillow_pixels(image) + (decoder,)


@contextlib.contextmanager
def _pillow_without_its_limit():
    """Pillow's own decompression-bomb check off: the pixel budget replaces it."""
    from PIL import Image

    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = saved


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
