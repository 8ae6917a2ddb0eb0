"""16-bit PNG, read through imagecodecs (libpng): grey, grey+alpha, RGB, RGBA, interlaced or not.

Pillow reduces 16-bit grey+alpha and colour PNGs to 8 bits, so every 16-bit
PNG is decoded here, bit-exactly; 8-bit and palette PNGs go through Pillow.
"""
from __future__ import annotations

import struct

from restore.io.orientation import exif_orientation, orient

SIGNATURE = b"\x89PNG\r\n\x1a\n"
AGAIN = "export or download it again"


def is_png16(head):
    """Whether a file starting with ``head`` (at least 26 bytes) is a 16-bit PNG."""
    return head.startswith(SIGNATURE) and head[12:16] == b"IHDR" and head[24:25] == b"\x10"


def read_png16(path):
    """Pixels (uint16, channels last, upright), bit depth 16 and the decoder name (the caller
    has checked the size in the header against the pixel budget)."""
    import imagecodecs

    with open(path, "rb") as file:
        data = file.read()
    try:
        pixels = imagecodecs.png_decode(data)
    except (imagecodecs.PngError, ValueError) as error:
        raise ValueError(f"the PNG file is truncated or corrupt ({error}); {AGAIN}") from None
    return orient(pixels, exif_orientation(_chunk(data, b"eXIf"))), 16, "PNG"


def _chunk(data, kind):
    """The payload of the first chunk of type ``kind`` (e.g. ``b"eXIf"``), or ``None``."""
    position = len(SIGNATURE)
    while position + 8 <= len(data):
        length, name = struct.unpack(">I4s", data[position:position + 8])
        if name == kind:
            return data[position + 8:position + 8 + length]
        if name == b"IEND":
            break
        position += 12 + length
    return None
