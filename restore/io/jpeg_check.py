"""Corrupt JPEG scan data: libjpeg's warnings, which Pillow decodes past in silence, as an error.

libjpeg decodes damaged entropy-coded data with warnings only ("Corrupt JPEG
data: 18 extraneous bytes before marker 0xd9", "bad Huffman code") and Pillow
never shows them, so a damaged photo decodes to garbage without a word. This
runs libjpeg's entropy decoder (``jpeg_read_coefficients``, no inverse DCT)
over the file through ctypes and counts its warnings. It uses the libjpeg that
Pillow ships (or the system's); without one the check is skipped.

Called only after Pillow has decoded the file, so libjpeg's fatal-error path
(which must not return) is not reached; the handler records it all the same.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
from pathlib import Path

_ERROR_MGR_SIZE = 168        # sizeof(struct jpeg_error_mgr) on LP64 (libjpeg 6b/turbo)
# jpeg_error_mgr starts with the pointers error_exit, emit_message, output_message,
# format_message (offsets 0, 8, 16, 24).
_DECOMPRESS_BUFFER = 4096    # larger than any libjpeg's jpeg_decompress_struct
_LIBJPEG_VERSION = 62

_EXIT = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_EMIT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int)
_FORMAT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)


def check_jpeg_scan(path):
    """A one-line ValueError if libjpeg finds the compressed data of ``path`` damaged."""
    library = _libjpeg()
    if library is None or ctypes.sizeof(ctypes.c_long) != 8:
        return
    data = Path(path).read_bytes()
    warnings = _warnings(library, data)
    if warnings:
        raise ValueError(f"the JPEG file's image data is corrupt ({warnings[0]}; "
                         f"{len(warnings)} problem(s) found by libjpeg), so it would decode to "
                         "garbage; export or download it again")


def _warnings(library, data):
    """libjpeg's warnings (and fatal errors) over the whole entropy-coded data."""
    fatal, warnings = [], []
    error_mgr = ctypes.create_string_buffer(_ERROR_MGR_SIZE + 64)
    library.jpeg_std_error(error_mgr)
    format_message = _FORMAT(ctypes.c_void_p.from_buffer(error_mgr, 24).value)

    def message(cinfo):
        text = ctypes.create_string_buffer(200)
        format_message(cinfo, text)
        return text.value.decode("ascii", "replace")

    def emit(cinfo, level):
        if level < 0:
            warnings.append(message(cinfo))

    on_fatal, on_message = _EXIT(lambda cinfo: fatal.append(message(cinfo))), _EMIT(emit)
    ctypes.c_void_p.from_buffer(error_mgr, 0).value = ctypes.cast(on_fatal, ctypes.c_void_p).value
    ctypes.c_void_p.from_buffer(error_mgr, 8).value = ctypes.cast(on_message,
                                                                  ctypes.c_void_p).value
    cinfo = ctypes.create_string_buffer(_DECOMPRESS_BUFFER)
    ctypes.c_void_p.from_buffer(cinfo).value = ctypes.addressof(error_mgr)
    # A wrong struct size is reported through error_exit, which returns here; libjpeg then
    # initialises the (large enough) buffer with its own size and goes on.
    library.jpeg_CreateDecompress(cinfo, _LIBJPEG_VERSION, ctypes.c_size_t(0))
    fatal.clear()
    source = ctypes.create_string_buffer(data, len(data))
    try:
        library.jpeg_mem_src(cinfo, source, ctypes.c_ulong(len(data)))
        library.jpeg_read_header(cinfo, 1)
        if not fatal:
            library.jpeg_read_coefficients(cinfo)
    finally:
        library.jpeg_destroy_decompress(cinfo)
    return fatal + warnings


@functools.lru_cache(maxsize=1)
def _libjpeg():
    """Pillow's libjpeg (the one that decoded the file), else the system's, else ``None``."""
    import PIL

    candidates = sorted((Path(PIL.__file__).parent.parent / "pillow.libs").glob("libjpeg*.so*"))
    name = str(candidates[0]) if candidates else ctypes.util.find_library("jpeg")
    if name is None:
        return None
    try:
        library = ctypes.CDLL(name)
        library.jpeg_std_error.restype = ctypes.c_void_p
        for function in ("jpeg_std_error", "jpeg_CreateDecompress", "jpeg_mem_src",
                         "jpeg_read_header", "jpeg_read_coefficients",
                         "jpeg_destroy_decompress"):
            getattr(library, function)
    except (OSError, AttributeError):
        return None
    return library
