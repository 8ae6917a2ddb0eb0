"""The one image writer: PNG, TIFF or ``.npy`` by extension, with the input's bit depth and alpha."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from restore.io import encoders
from restore.io.atomic import write_atomically
from restore.io.info import check_image_shape
from restore.io.samples import DTYPES, bit_depth_of, to_bit_depth

SUPPORTED_WRITE_EXTENSIONS = (".png", ".tif", ".tiff", ".npy")


def write_image(path, image, info=None, *, bit_depth=None):
    """Write an image to PNG, TIFF or ``.npy`` (chosen by the extension), atomically.

    The data goes through :func:`~restore.io.write_atomically`: no partial
    output is left on failure and an existing ``path`` is untouched.

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
    try:
        image = _check_image_array(image)
        depth = _output_bit_depth(extension, image, info, bit_depth)
        pixels = _attach_alpha(to_bit_depth(image, depth), info, depth)
    except ValueError as error:
        raise ValueError(f"cannot write '{path}': {error}") from None
    encode = getattr(encoders, encoders.ENCODERS[extension])
    return write_atomically(path, lambda file: encode(file, pixels))


def _check_image_array(image):
    image = np.asarray(image)
    if not (image.dtype in (np.uint8, np.uint16) or np.issubdtype(image.dtype, np.floating)):
        raise TypeError(f"cannot write an image of dtype {image.dtype}; give floats in [0, 1], "
                        "uint8 or uint16")
    image = check_image_shape(image)
    if np.issubdtype(image.dtype, np.floating) and not np.isfinite(image).all():
        raise ValueError("the image contains NaN or inf values; replace them (e.g. with "
                         "numpy.nan_to_num) first")
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
        bit_depth = info.bit_depth if info is not None else bit_depth_of(image.dtype, "image")
    return 16 if (extension == ".png" and bit_depth == "float") else bit_depth


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
    alpha = to_bit_depth(_check_image_array(alpha), bit_depth)
    planes = pixels[..., None] if pixels.ndim == 2 else pixels
    return np.concatenate([planes, alpha[..., None]], axis=2)
