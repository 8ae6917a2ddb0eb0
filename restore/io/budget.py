"""The pixel budget: image sizes read from file headers and checked before any decoding.

A small file can declare a huge image (a "decompression bomb": a 21 MB PNG
of 60000x60000 pixels). Every reader asks its header for the size first and
refuses images over the budget before it inflates a single row.
"""
from __future__ import annotations

import struct

#: Default largest image :func:`restore.io.read_image` decodes, in pixels (250 megapixels,
#: e.g. 20000x12500; Pillow's own limit is 179 megapixels). ``max_pixels=`` raises it.
DEFAULT_MAX_PIXELS = 250_000_000

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Refused(ValueError):
    """A file a reader refuses on purpose (too large, several images): no other decoder should
    get a second chance at it."""


def check_pixel_budget(width, height, max_pixels, *, what="the image"):
    """:class:`Refused` (one line) if ``width x height`` is over ``max_pixels`` (``None``: no
    limit)."""
    count = int(width) * int(height)
    if max_pixels is not None and count > max_pixels:
        raise Refused(f"{what} declares {width}x{height} pixels ({count / 1e6:.0f} megapixels), "
                         f"over the limit of {max_pixels / 1e6:g} megapixels (a decompression "
                         "bomb?); if the file is genuine, raise the limit with --max-pixels N "
                         "(max_pixels=N in Python)")


def png_size(head):
    """``(width, height)`` from the IHDR chunk of a PNG starting with ``head``, else ``None``."""
    if head.startswith(PNG_SIGNATURE) and head[12:16] == b"IHDR" and len(head) >= 24:
        return struct.unpack(">II", head[16:24])
    return None
