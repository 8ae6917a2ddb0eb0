"""Reading and writing images: bit depth, alpha and orientation survive the round trip.

::

    from restore.io import read_image, write_image
    image, info = read_image("photo.png")       # float in [0, 1], alpha kept in info
    write_image("clean.png", result, info)        # same bit depth, alpha re-attached

Integer files become float32 in [0, 1]; float files (.npy, float TIFF) keep
their values and dtype. Every write goes through :func:`write_atomically`: a
failed write leaves nothing behind and never damages an existing file.
"""
from restore.io.atomic import write_atomically
from restore.io.info import ImageInfo
from restore.io.read import read_image
from restore.io.write import SUPPORTED_WRITE_EXTENSIONS, write_image

__all__ = ["ImageInfo", "SUPPORTED_WRITE_EXTENSIONS", "read_image", "write_atomically",
           "write_image"]
