"""The noise map of ``--sigma-map``: each pixel's noise standard deviation on the 0-255 scale."""
from __future__ import annotations

from restore.cli.options import UsageError
from restore.io import read_image


def read_sigma_map(path, image, max_pixels):
    """The map of ``path`` on the library's [0, 1] scale, checked against ``image``'s size.

    A float file (``.npy``, float TIFF) holds sigma on the 0-255 scale as it is; an integer
    image holds it as grey levels, full white meaning 255 (so an 8-bit PNG's level 25 is
    sigma 25). Every problem is a usage error.
    """
    try:
        levels, info = read_image(path, max_pixels=max_pixels)
    except ValueError as error:
        raise UsageError(f"bad --sigma-map: {error}") from None
    if levels.ndim == 3:
        raise UsageError(f"the noise map '{path}' has {levels.shape[2]} channels; give a grey "
                         "image or a 2-D .npy, one standard deviation per pixel")
    height, width = image.shape[:2]
    if levels.shape != (height, width):
        raise UsageError(f"the noise map '{path}' is {levels.shape[1]}x{levels.shape[0]} but the "
                         f"input is {width}x{height}; give a map of the same size")
    sigma_255 = levels if info.bit_depth == "float" else levels * 255
    return sigma_255.astype("float64") / 255
