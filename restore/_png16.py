"""16-bit PNG with several channels (LA, RGB, RGBA): the part of PNG Pillow lacks.

Pillow reads 16-bit grey PNGs as ``I;16`` but silently reduces 16-bit
grey+alpha and colour PNGs to 8 bits, and cannot write them at all. This
module reads and writes exactly those files (PNG specification, ISO/IEC
15948): non-interlaced, colour types 0 (grey), 2 (RGB), 4 (grey+alpha) and
6 (RGBA) at bit depth 16. Everything else goes through Pillow.
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOUR_TYPE_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}
AGAIN = "export or download it again"
CHANNELS_COLOUR_TYPE = {channels: colour for colour, channels in COLOUR_TYPE_CHANNELS.items()}


def png_header(head):
    """``(bit_depth, colour_type)`` from a PNG's first 26 bytes, or ``None`` if not a PNG."""
    if len(head) < 26 or not head.startswith(SIGNATURE) or head[12:16] != b"IHDR":
        return None
    return head[24], head[25]


def needs_png16(head):
    """Whether a file starting with ``head`` is a PNG that Pillow would reduce to 8 bits."""
    header = png_header(head)
    return header is not None and header[0] == 16 and header[1] in (2, 4, 6)


def _chunks(data):
    """Yield ``(type, payload)`` for each chunk, checking lengths and CRCs."""
    position = len(SIGNATURE)
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        payload = data[position + 8:position + 8 + length]
        crc = data[position + 8 + length:position + 12 + length]
        if len(payload) != length or len(crc) != 4:
            raise ValueError(f"the PNG file is truncated; {AGAIN}")
        if struct.unpack(">I", crc)[0] != zlib.crc32(kind + payload):
            raise ValueError("the PNG file is corrupt (bad checksum in its "
                             f"{kind.decode('latin-1')} chunk); {AGAIN}")
        yield kind, payload
        if kind == b"IEND":
            return
        position += 12 + length
    raise ValueError(f"the PNG file is truncated (no IEND chunk); {AGAIN}")


def read_png16(data):
    """Decode a 16-bit PNG held in ``data`` (bytes).

    Returns
    -------
    pixels : ndarray of uint16, (H, W) or (H, W, C)
    exif : bytes or None
        The payload of the ``eXIf`` chunk, for the orientation.
    """
    header, idat, exif = None, [], None
    for kind, payload in _chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", payload)
        elif kind == b"IDAT":
            idat.append(payload)
        elif kind == b"eXIf":
            exif = payload
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 16 or colour_type not in COLOUR_TYPE_CHANNELS:
        raise ValueError(f"not a 16-bit grey/colour PNG (bit depth {depth}, colour type "
                         f"{colour_type})")
    if interlace:
        raise ValueError("interlaced 16-bit colour PNGs are not supported; save it without "
                         "interlacing or as a 16-bit TIFF")
    if width == 0 or height == 0:
        raise ValueError(f"the image has no pixels ({width}x{height})")
    channels = COLOUR_TYPE_CHANNELS[colour_type]
    stride = width * channels * 2
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error:
        raise ValueError("the PNG file is truncated or corrupt (its pixel data does not "
                         f"decompress); {AGAIN}") from None
    if len(raw) < height * (stride + 1):
        raise ValueError(f"the PNG file is truncated (pixel data ends early); {AGAIN}")
    rows = _unfilter(np.frombuffer(raw, dtype=np.uint8), height, stride, channels * 2)
    pixels = rows.view(">u2").astype(np.uint16).reshape(height, width, channels)
    return (pixels[..., 0] if channels == 1 else pixels), exif


def _unfilter(data, height, stride, bytes_per_pixel):
    """Undo the per-row PNG filters; returns ``(height, stride)`` uint8."""
    from restore._png_filters import unfilter_rows

    out = np.empty((height, stride), dtype=np.uint8)
    status = unfilter_rows(data, out, bytes_per_pixel)
    if status:
        raise ValueError(f"the PNG file is corrupt (unknown row filter {status - 1}); {AGAIN}")
    return out


def write_png16(file, pixels):
    """Encode uint16 ``pixels`` ((H, W) or (H, W, C), C in 1..4) as PNG into a binary file."""
    pixels = np.asarray(pixels, dtype=np.uint16)
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    height, width, channels = pixels.shape
    rows = pixels.astype(">u2").view(np.uint8).reshape(height, width * channels * 2)
    filtered = np.empty((height, rows.shape[1] + 1), dtype=np.uint8)
    filtered[:, 0] = 2                                  # "Up": difference to the row above
    filtered[0, 0] = 0
    filtered[0, 1:] = rows[0]
    filtered[1:, 1:] = rows[1:] - rows[:-1]             # uint8 arithmetic wraps modulo 256
    header = struct.pack(">IIBBBBB", width, height, 16, CHANNELS_COLOUR_TYPE[channels], 0, 0, 0)
    file.write(SIGNATURE)
    for kind, payload in ((b"IHDR", header), (b"IDAT", zlib.compress(filtered.tobytes(), 6)),
                          (b"IEND", b"")):
        file.write(struct.pack(">I", len(payload)) + kind + payload
                   + struct.pack(">I", zlib.crc32(kind + payload)))
