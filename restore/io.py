"""Reading and writing images: bit depth, alpha and orientation survive the round trip.

::

    from restore.io import read_image, write_image
    image, info = read_image("photo.png")       # float in [0, 1], alpha kept in info
    write_image("clean.png", result, info)        # same bit depth, alpha re-attached

Integer files become float32 in [0, 1]; float files (.npy, float TIFF) keep
their values and dtype. Writing is atomic: a failed write leaves nothing
behind and never damages an existing file.
"""
from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import numpy as np

SUPPORTED_WRITE_EXTENSIONS = (".png", ".tif", ".tiff", ".npy")
READ_FORMATS_HINT = "give a PNG, TIFF, JPEG or .npy file"
NPY_MAGIC = b"\x93NUMPY"
TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
DTYPES = {8: np.uint8, 16: np.uint16, "float": np.float32}
EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True, eq=False)
class ImageInfo:
    """What :func:`read_image` learnt about a file, for writing the result back alike.

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
        ``None``. :func:`write_image` re-attaches it untouched.
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


# ----------------------------------------------------------------------------- reading
def read_image(path):
    """Read an image file as a float array in [0, 1] and describe it.

    Reads PNG (8/16-bit grey, grey+alpha, RGB, RGBA, palette), TIFF (8/16-bit
    and float, through tifffile), JPEG and NumPy ``.npy`` files; other
    formats Pillow decodes (BMP, GIF, WebP, ...) work too. The EXIF
    orientation is applied, so the array is upright. Palette images become
    RGB (RGBA when the palette has transparency). An alpha channel is split
    off into ``info.alpha``.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Its content, not its extension, decides the decoder.

    Returns
    -------
    image : ndarray, (H, W) for grey or (H, W, 3) for colour
        Integer files are scaled to float32 in [0, 1] (divided by 255 or
        65535). Float data (.npy, float TIFF) is returned as stored: float32
        and float64 keep their dtype (float16 becomes float32) and the values
        are not clipped.
    info : ImageInfo
        Source path, mode, bit depth and alpha plane, for :func:`write_image`.

    Raises
    ------
    ValueError
        One line saying what is wrong and what to do: the file is missing,
        empty, truncated, not an image, has no pixels, or holds NaN/inf.

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
            pixels, bit_depth, decoder = _decode(path)
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
    if not os.path.exists(path):
        raise ValueError("no such file; check the path")
    if os.path.isdir(path):
        raise ValueError(f"it is a folder, not a file; {READ_FORMATS_HINT}")
    if os.path.getsize(path) == 0:
        raise ValueError(f"the file is empty (0 bytes); {READ_FORMATS_HINT}")


def _decode(path):
    """Pixels (channels last, stored dtype), bit depth and decoder name of a file."""
    from restore._png16 import needs_png16

    try:
        with open(path, "rb") as file:
            head = file.read(32)
    except OSError as error:
        raise ValueError(f"the file cannot be opened ({error.strerror})") from None
    if head.startswith(NPY_MAGIC):
        return _read_npy(path)
    if head[:4] in TIFF_MAGICS:
        return _read_tiff(path)
    if needs_png16(head):
        return _read_png16(path)
    return _read_pillow(path)


def _read_npy(path):
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


def _read_tiff(path):
    """Decode with tifffile; what it does not handle (palette, CMYK, 1-bit, compressions
    that need imagecodecs) goes to Pillow instead."""
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
            return _read_pillow(path)
        except ValueError:
            raise ValueError(f"the TIFF file is truncated or not supported ({error}); "
                             "save it again as an 8/16-bit or float TIFF") from None
    if not simple:
        return _read_pillow(path)
    if "S" in axes:
        pixels = np.moveaxis(pixels, axes.index("S"), -1)
    if photometric == 0 and np.issubdtype(pixels.dtype, np.integer):  # min-is-white
        pixels = np.iinfo(pixels.dtype).max - pixels
    return _orient(pixels, orientation), _bit_depth_of(pixels.dtype, "TIFF"), "TIFF"


def _bit_depth_of(dtype, what):
    if dtype in (np.uint8, np.uint16):
        return 8 * np.dtype(dtype).itemsize
    if np.issubdtype(dtype, np.floating):
        return "float"
    raise ValueError(f"{what} samples of type {np.dtype(dtype)} are not supported; give 8 or "
                     "16-bit unsigned integers or floats")


def _read_png16(path):
    from PIL import Image

    from restore._png16 import read_png16

    with open(path, "rb") as file:
        pixels, exif = read_png16(file.read())
    orientation = 1
    if exif:
        exif_data = Image.Exif()
        with contextlib.suppress(Exception):
            exif_data.load(exif)
        orientation = exif_data.get(EXIF_ORIENTATION, 1)
    return _orient(pixels, orientation), 16, "PNG"


def _read_pillow(path):
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


def _orient(pixels, orientation):
    """Apply an EXIF orientation (1..8) to channels-last pixels, as Pillow's exif_transpose."""
    transforms = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: a.swapaxes(0, 1),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: a.swapaxes(0, 1)[::-1, ::-1],
        8: lambda a: np.rot90(a, 1),
    }
    transform = transforms.get(orientation)
    return pixels if transform is None else np.ascontiguousarray(transform(pixels))


def _to_image_and_info(pixels, bit_depth, decoder, path):
    """Check the decoded pixels, split off alpha and scale integers to [0, 1]."""
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    if pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] not in MODES):
        raise ValueError(f"an array of shape {pixels.shape} is not an image; expected (H, W) or "
                         "(H, W, C) with 1 to 4 channels")
    if pixels.size == 0:
        raise ValueError(f"the image has no pixels (shape {pixels.shape}); give an image with "
                         "at least one pixel")
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
    image = pixels if bit_depth == "float" else _integers_to_unit(pixels)
    info = ImageInfo(path=path, mode=MODES[channels], bit_depth=bit_depth, alpha=alpha,
                     format=decoder)
    return np.ascontiguousarray(image), info


def _integers_to_unit(pixels):
    return pixels.astype(np.float32) / np.float32(np.iinfo(pixels.dtype).max)


# ----------------------------------------------------------------------------- writing
def write_image(path, image, info=None, *, bit_depth=None):
    """Write an image to PNG, TIFF or ``.npy`` (chosen by the extension), atomically.

    The data goes to a temporary file in the destination's folder which then
    replaces ``path`` (``os.replace``). On any failure the temporary file is
    removed: no partial output is left and an existing ``path`` is untouched.

    Parameters
    ----------
    path : str or os.PathLike
        Destination ending in ``.png``, ``.tif``, ``.tiff`` or ``.npy``.
    image : ndarray, (H, W) or (H, W, C) with C in 1..4
        Floats in [0, 1], or uint8/uint16 (taken as 8/16-bit samples). With
        no ``info``, a 2nd or 4th channel is written as alpha.
    info : ImageInfo, optional
        From :func:`read_image`: the output gets the input's bit depth and
        its alpha plane (untouched when the bit depth allows).
    bit_depth : {8, 16, "float"}, optional
        Overrides the bit depth. The default is ``info.bit_depth``, else
        that of ``image``'s dtype (uint8: 8, uint16: 16, floats: "float").

    Returns
    -------
    pathlib.Path
        The written file.

    Notes
    -----
    PNG stores integers: float data goes to 16-bit PNG. A ``.npy`` file
    always holds float32 in [0, 1], alpha as the last channel. Converting to
    integers clips to [0, 1] and rounds to the nearest level; float outputs
    are not clipped.

    Raises
    ------
    ValueError
        Unsupported extension, an array that is not an image, NaN/inf, an
        alpha plane of another size than the image.
    OSError
        The folder does not exist or cannot be written.
    """
    path = Path(path)
    extension = path.suffix.lower()
    if extension not in SUPPORTED_WRITE_EXTENSIONS:
        raise ValueError(f"cannot write '{path}': unsupported extension '{path.suffix}'; use "
                         f"one of {', '.join(SUPPORTED_WRITE_EXTENSIONS)}")
    if path.is_dir():
        raise ValueError(f"cannot write '{path}': it is a folder; give a file name ending in "
                         f"one of {', '.join(SUPPORTED_WRITE_EXTENSIONS)}")
    image = _check_image_array(image)
    depth = _output_bit_depth(extension, image, info, bit_depth)
    pixels = _attach_alpha(_to_bit_depth(image, depth), info, depth)
    encoders = {".png": _encode_png, ".tif": _encode_tiff, ".tiff": _encode_tiff,
                ".npy": _encode_npy}
    _write_atomically(path, lambda file: encoders[extension](file, pixels))
    return path


def _check_image_array(image):
    image = np.asarray(image)
    if not (image.dtype in (np.uint8, np.uint16) or np.issubdtype(image.dtype, np.floating)):
        raise TypeError(f"cannot write an image of dtype {image.dtype}; give floats in [0, 1], "
                        "uint8 or uint16")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in MODES):
        raise ValueError(f"cannot write an array of shape {image.shape} as an image; expected "
                         "(H, W) or (H, W, C) with 1 to 4 channels")
    if image.size == 0:
        raise ValueError(f"cannot write an image with no pixels (shape {image.shape})")
    if np.issubdtype(image.dtype, np.floating) and not np.isfinite(image).all():
        raise ValueError("cannot write an image containing NaN or inf values; replace them "
                         "(e.g. with numpy.nan_to_num) first")
    return image


def _output_bit_depth(extension, image, info, bit_depth):
    if bit_depth is not None and bit_depth not in DTYPES:
        raise ValueError(f"bit_depth must be 8, 16 or 'float', got {bit_depth!r}")
    if extension == ".npy":
        if bit_depth not in (None, "float"):
            raise ValueError(f"a .npy file stores float32; got bit_depth={bit_depth!r}; write a "
                             ".png or .tif file for 8 or 16-bit samples")
        return "float"
    if bit_depth is None:
        bit_depth = info.bit_depth if info is not None else _bit_depth_of(image.dtype, "image")
    return 16 if (extension == ".png" and bit_depth == "float") else bit_depth


def _to_bit_depth(array, bit_depth):
    """``array`` (floats in [0, 1] or uint8/uint16) as samples of ``bit_depth``."""
    dtype = DTYPES[bit_depth]
    if array.dtype == dtype:
        return array
    unit = _integers_to_unit(array) if np.issubdtype(array.dtype, np.integer) else array
    if bit_depth == "float":
        return unit.astype(np.float32)
    top = np.iinfo(dtype).max
    out = np.empty(unit.shape, dtype=dtype)
    rows = max(1, (1 << 20) // max(1, unit[0].size))  # about a million samples at a time
    for start in range(0, unit.shape[0], rows):  # bounded float64 temporaries on huge images
        band = np.clip(unit[start:start + rows].astype(np.float64), 0.0, 1.0)
        out[start:start + rows] = np.round(band * top)
    return out


def _attach_alpha(pixels, info, bit_depth):
    alpha = None if info is None else info.alpha
    if alpha is None:
        return pixels
    if pixels.ndim == 3 and pixels.shape[2] in (2, 4):
        raise ValueError(f"the image already has {pixels.shape[2]} channels (with alpha) and "
                         "info carries an alpha plane too; pass info=None or drop a channel")
    if alpha.shape != pixels.shape[:2]:
        raise ValueError(f"the alpha plane in info has shape {alpha.shape} but the image is "
                         f"{pixels.shape[:2]}; crop the alpha alike or pass info=None")
    alpha = _to_bit_depth(_check_image_array(alpha), bit_depth)
    planes = pixels[..., None] if pixels.ndim == 2 else pixels
    return np.concatenate([planes, alpha[..., None]], axis=2)


def _encode_png(file, pixels):
    if pixels.dtype == np.uint16:
        from restore._png16 import write_png16

        write_png16(file, pixels)
        return
    from PIL import Image

    Image.fromarray(pixels).save(file, format="PNG")


def _encode_tiff(file, pixels):
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


def _encode_npy(file, pixels):
    np.save(file, pixels, allow_pickle=False)


def _write_atomically(path, encode):
    """Run ``encode(file)`` on a temporary file beside ``path``, then rename it to ``path``."""
    temporary, file = _create_temporary(path)
    try:
        with file:
            encode(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OSError(f"cannot write '{path}': {error.strerror or error}") from error
        raise


def _create_temporary(path):
    """A new hidden file in ``path``'s folder (mode 0o666 less the umask) and its handle."""
    folder = path.parent
    for _ in range(100):
        temporary = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                                 | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        except FileNotFoundError:
            raise OSError(f"cannot write '{path}': the folder '{folder}' does not exist; "
                          "create it first") from None
        except NotADirectoryError:
            raise OSError(f"cannot write '{path}': '{folder}' is not a folder") from None
        except PermissionError:
            raise OSError(f"cannot write '{path}': no permission to create files in "
                          f"'{folder}'; choose another folder") from None
        except OSError as error:
            raise OSError(f"cannot write '{path}': {error.strerror or error}") from None
        return temporary, os.fdopen(descriptor, "wb")
    raise OSError(f"cannot write '{path}': could not create a temporary file in '{folder}'")
