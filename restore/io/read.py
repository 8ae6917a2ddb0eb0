"""The one image reader: any supported file -> float array in [0, 1] and its :class:`ImageInfo`."""
from __future__ import annotations

import contextlib
import os
import stat

import numpy as np

from restore.io import decoders
from restore.io.budget import DEFAULT_MAX_PIXELS, check_pixel_budget, png_size
from restore.io.decoders import READ_FORMATS_HINT
from restore.io.info import MODES, ImageInfo, check_image_shape
from restore.io.png16 import is_png16, read_png16
from restore.io.samples import integers_to_unit

NPY_MAGIC = b"\x93NUMPY"
TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def read_image(path, *, max_pixels=DEFAULT_MAX_PIXELS):
    """Read an image file as a float array in [0, 1] and describe it.

    Reads PNG (8/16-bit grey, grey+alpha, RGB, RGBA, palette, interlaced or
    not), TIFF (8/16-bit and float, through tifffile), JPEG and NumPy ``.npy``
    files; other formats Pillow decodes (BMP, GIF, WebP, ...) work too. The
    EXIF orientation is applied, so the array is upright. Palette images
    become RGB (RGBA when the palette has transparency). An alpha channel is
    split off into ``info.alpha``.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Its content, not its extension, decides the decoder.
    max_pixels : int or None
        The largest image to decode, in pixels (width x height), checked
        against the size in the file's header before any decoding (every
        page of a TIFF); default :data:`~restore.io.budget.DEFAULT_MAX_PIXELS`
        (250 megapixels); ``None``: no limit.

    Returns
    -------
    image : ndarray, (H, W) for grey or (H, W, 3) for colour
        Integer files are scaled to float32 in [0, 1] (divided by 255 or
        65535). Float data (.npy, float TIFF) is returned as stored: float32
        and float64 keep their dtype (float16 becomes float32) and the values
        are not clipped (the ``restore`` command refuses float values outside
        [0, 1]).
    info : ImageInfo
        Source path, mode, bit depth and alpha plane, for :func:`write_image`.

    Raises
    ------
    ValueError
        One line saying what is wrong and what to do: the file is missing,
        empty, not a regular file (a FIFO, a device), truncated or corrupt
        (JPEG scan data included), not an image, several images (multi-page
        TIFF, animation), has no pixels, holds NaN/inf or Python objects, has
        signed integer samples (.npy), or declares more than ``max_pixels``.
    MemoryError
        The image fits the budget but not in memory.

    Examples
    --------
    >>> image, info = read_image("data/examples/cameraman.png")
    >>> image.shape, image.dtype, info.mode, info.bit_depth
    ((256, 256), dtype('float32'), 'L', 8)
    """
    path = os.fspath(path)
    try:
        _check_is_file(path)
        with _quiet_decoders():
            pixels, bit_depth, decoder = _decode(path, max_pixels)
        return _to_image_and_info(pixels, bit_depth, decoder, path)
    except ValueError as error:
        raise ValueError(f"cannot read '{path}': {error}") from None


@contextlib.contextmanager
def _quiet_decoders():
    """Silence the decoders' own warnings and log lines (Pillow's "Corrupt EXIF data",
    tifffile's "invalid offset"): a file they cannot decode becomes one ValueError."""
    import logging
    import warnings

    tiff_logger = logging.getLogger("tifffile")
    saved = tiff_logger.disabled
    tiff_logger.disabled = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        tiff_logger.disabled = saved


def _check_is_file(path):
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise ValueError("no such file; check the path") from None
    except OSError as error:
        raise ValueError(f"the file cannot be opened ({error.strerror})") from None
    if stat.S_ISDIR(mode):
        raise ValueError(f"it is a folder, not a file; {READ_FORMATS_HINT}")
    if not stat.S_ISREG(mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a device"
                if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket"
                if stat.S_ISSOCK(mode) else "not a regular file")
        raise ValueError(f"it is {kind}, not an image file; save the image to a file first "
                         f"({READ_FORMATS_HINT})")
    if os.path.getsize(path) == 0:
        raise ValueError(f"the file is empty (0 bytes); {READ_FORMATS_HINT}")


def _decode(path, max_pixels):
    """Pixels (channels last, stored dtype), bit depth and decoder name of a file; each
    decoder checks the size in the header against ``max_pixels`` first."""
    try:
        with open(path, "rb") as file:
            head = file.read(32)
    except OSError as error:
        raise ValueError(f"the file cannot be opened ({error.strerror})") from None
    if head.startswith(NPY_MAGIC):
        return decoders.read_npy(path, max_pixels)
    if head[:4] in TIFF_MAGICS:
        return decoders.read_tiff(path, max_pixels)
    if png_size(head) is not None:
        check_pixel_budget(*png_size(head), max_pixels)
    if is_png16(head):
        return read_png16(path)
    return decoders.read_pillow(path, max_pixels)


def _to_image_and_info(pixels, bit_depth, decoder, path):
    """Check the decoded pixels, split off alpha and scale integers to [0, 1]."""
    pixels = check_image_shape(pixels)
    if bit_depth == "float" and not np.isfinite(pixels).all():
        raise ValueError("it contains NaN or inf values; replace them (e.g. with "
                         "numpy.nan_to_num) and save it again")
    if pixels.dtype == np.float16:
        pixels = pixels.astype(np.float32)
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    alpha = None
    if channels in (2, 4):
        alpha = pixels[..., -1].copy()
        pixels = pixels[..., :-1]
        if pixels.shape[2] == 1:
            pixels = pixels[..., 0]
    image = pixels if bit_depth == "float" else integers_to_unit(pixels)
    info = ImageInfo(path=path, mode=MODES[channels], bit_depth=bit_depth, alpha=alpha,
                     format=decoder)
    return np.ascontiguousarray(image), info
