"""Reading and writing images: round trips, alpha, orientation, clear errors, atomic writes."""
import io
import os
import struct
import zlib

import imagecodecs
import numpy as np
import pytest
import tifffile
from PIL import Image

from restore.io import ImageInfo, encoders, read_image, write_atomically, write_image
from restore.io.orientation import orient

SHAPE = (31, 37)  # odd sizes catch transposed axes


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _pixels(rng, channels=None, dtype=np.uint8):
    shape = SHAPE if channels is None else SHAPE + (channels,)
    return rng.integers(0, np.iinfo(dtype).max, size=shape, dtype=dtype, endpoint=True)


def _as_integers(image, dtype):
    return np.round(image * np.iinfo(dtype).max).astype(dtype)


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


# ----------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("channels", [None, 3])
def test_8bit_png_round_trip_is_exact(tmp_path, rng, channels):
    pixels = _pixels(rng, channels)
    Image.fromarray(pixels).save(tmp_path / "in.png")
    image, info = read_image(tmp_path / "in.png")
    assert image.dtype == np.float32 and image.shape == pixels.shape
    assert image.min() >= 0 and image.max() <= 1
    assert info.bit_depth == 8 and info.mode == ("L" if channels is None else "RGB")
    assert info.format == "PNG" and info.alpha is None and info.path == str(tmp_path / "in.png")
    write_image(tmp_path / "out.png", image, info)
    with Image.open(tmp_path / "out.png") as written:
        assert written.mode == info.mode
        np.testing.assert_array_equal(np.asarray(written), pixels)


def test_16bit_grey_png_round_trip_is_exact(tmp_path, rng):
    pixels = _pixels(rng, dtype=np.uint16)
    Image.fromarray(pixels).save(tmp_path / "in.png")
    image, info = read_image(tmp_path / "in.png")
    assert info.bit_depth == 16 and info.mode == "L" and image.dtype == np.float32
    write_image(tmp_path / "out.png", image, info)
    with Image.open(tmp_path / "out.png") as written:
        assert written.mode.startswith("I;16")
        np.testing.assert_array_equal(np.asarray(written).astype(np.uint16), pixels)


@pytest.mark.parametrize("channels, mode", [(2, "LA"), (3, "RGB"), (4, "RGBA")])
def test_16bit_png_with_channels_keeps_16_bits(tmp_path, rng, channels, mode):
    """Pillow would reduce these to 8 bits: they go through imagecodecs."""
    pixels = _pixels(rng, channels, np.uint16)
    write_image(tmp_path / "in.png", pixels)
    image, info = read_image(tmp_path / "in.png")
    assert info.bit_depth == 16 and info.mode == mode
    colour = pixels[..., :-1] if channels in (2, 4) else pixels
    np.testing.assert_array_equal(_as_integers(image, np.uint16), np.squeeze(colour))
    if channels in (2, 4):
        np.testing.assert_array_equal(info.alpha, pixels[..., -1])
    with Image.open(tmp_path / "in.png") as decoded:  # a valid PNG for other readers too
        decoded.load()
        assert decoded.size == (SHAPE[1], SHAPE[0])


def _png_chunk(kind, payload):
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload)))


def _interlaced_png16(pixels):
    """A 16-bit Adam7-interlaced PNG of ``pixels`` (PNG specification, section 8.2), built
    by hand: neither Pillow nor imagecodecs writes interlaced files."""
    height, width = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    colour_type = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4),
              (1, 0, 2, 2), (0, 1, 1, 2)]
    scanlines = bytearray()
    for x0, y0, dx, dy in passes:
        reduced = pixels[y0::dy, x0::dx].astype(">u2")
        if reduced.size == 0:
            continue
        for row in reduced.reshape(reduced.shape[0], -1):
            scanlines += b"\x00" + row.tobytes()  # filter type 0 (none)
    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 1)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(bytes(scanlines))) + _png_chunk(b"IEND", b""))


@pytest.mark.parametrize("channels", [None, 2, 3, 4])
def test_interlaced_16bit_png_is_read_exactly(tmp_path, rng, channels):
    pixels = _pixels(rng, channels, np.uint16)
    (tmp_path / "in.png").write_bytes(_interlaced_png16(pixels))
    assert (tmp_path / "in.png").read_bytes()[28] == 1  # the interlace method byte is set
    image, info = read_image(tmp_path / "in.png")
    assert info.bit_depth == 16 and info.format == "PNG"
    colour = pixels[..., :-1] if channels in (2, 4) else pixels
    np.testing.assert_array_equal(_as_integers(image, np.uint16), np.squeeze(colour))
    if channels in (2, 4):
        np.testing.assert_array_equal(info.alpha, pixels[..., -1])


@pytest.mark.parametrize("row_filter", ["NONE", "SUB", "UP", "AVG", "PAETH"])
def test_16bit_png_with_every_row_filter_is_read_exactly(tmp_path, rng, row_filter):
    """PNG row filters (none, sub, up, average, Paeth) are undone exactly."""
    pixels = _pixels(rng, 3, np.uint16)
    data = imagecodecs.png_encode(pixels, filter=getattr(imagecodecs.PNG.FILTER, row_filter))
    (tmp_path / "in.png").write_bytes(data)
    image, _ = read_image(tmp_path / "in.png")
    np.testing.assert_array_equal(_as_integers(image, np.uint16), pixels)


@pytest.mark.parametrize("channels", [None, 3])
def test_16bit_png_exif_orientation_is_applied(tmp_path, rng, channels):
    pixels = _pixels(rng, channels, np.uint16)
    exif = Image.Exif()
    exif[0x0112] = 6
    data = imagecodecs.png_encode(pixels)
    end = data.index(b"IEND") - 4  # the eXIf chunk goes just before IEND (after the pixels)
    (tmp_path / "in.png").write_bytes(data[:end] + _png_chunk(b"eXIf", exif.tobytes())
                                      + data[end:])
    image, _ = read_image(tmp_path / "in.png")
    np.testing.assert_array_equal(_as_integers(image, np.uint16), np.rot90(pixels, -1))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16], ids=["png8", "png16"])
def test_decompression_bomb_limit(tmp_path, rng, dtype):
    """The pixel budget (``max_pixels``) applies to every PNG, 8 or 16-bit."""
    write_image(tmp_path / "in.png", _pixels(rng, 3, dtype))
    with pytest.raises(ValueError, match="decompression bomb") as caught:
        read_image(tmp_path / "in.png", max_pixels=100)
    assert "\n" not in str(caught.value) and "--max-pixels" in str(caught.value)
    assert read_image(tmp_path / "in.png", max_pixels=None)[0].shape[:2] == SHAPE


def test_rgba_alpha_passes_through_untouched(tmp_path, rng):
    pixels = _pixels(rng, 4)
    Image.fromarray(pixels).save(tmp_path / "in.png")
    image, info = read_image(tmp_path / "in.png")
    assert image.shape == SHAPE + (3,) and info.mode == "RGBA" and info.is_colour
    np.testing.assert_array_equal(info.alpha, pixels[..., 3])
    write_image(tmp_path / "out.png", 1 - image, info)
    with Image.open(tmp_path / "out.png") as written:
        assert written.mode == "RGBA"
        out = np.asarray(written)
    np.testing.assert_array_equal(out[..., 3], pixels[..., 3])
    np.testing.assert_array_equal(out[..., :3], 255 - pixels[..., :3])


def test_grey_alpha_png(tmp_path, rng):
    pixels = _pixels(rng, 2)
    Image.fromarray(pixels).save(tmp_path / "in.png")
    image, info = read_image(tmp_path / "in.png")
    assert image.shape == SHAPE and info.mode == "LA" and not info.is_colour
    write_image(tmp_path / "out.tif", image, info)
    again, again_info = read_image(tmp_path / "out.tif")
    assert again_info.mode == "LA" and again_info.bit_depth == 8
    np.testing.assert_array_equal(again_info.alpha, pixels[..., 1])
    np.testing.assert_array_equal(again, image)


def test_palette_png_becomes_rgb(tmp_path, rng):
    rgb = _pixels(rng, 3)
    palette = Image.fromarray(rgb).quantize(colors=16)
    palette.save(tmp_path / "in.png")
    image, info = read_image(tmp_path / "in.png")
    assert info.mode == "RGB" and info.bit_depth == 8 and image.shape == SHAPE + (3,)
    expected = np.asarray(palette.convert("RGB"))
    np.testing.assert_array_equal(_as_integers(image, np.uint8), expected)


def test_palette_png_with_transparency_becomes_rgba(tmp_path, rng):
    palette = Image.fromarray(_pixels(rng, 3)).quantize(colors=16)
    palette.save(tmp_path / "in.png", transparency=0)
    _, info = read_image(tmp_path / "in.png")
    assert info.mode == "RGBA"
    assert set(np.unique(info.alpha)) <= {0, 255} and (info.alpha == 0).any()


def test_float_tiff_keeps_float32_exactly(tmp_path, rng):
    pixels = rng.random(SHAPE + (3,), dtype=np.float32) * 1.2 - 0.1  # not clipped on read
    tifffile.imwrite(tmp_path / "in.tif", pixels, photometric="rgb")
    image, info = read_image(tmp_path / "in.tif")
    assert info.bit_depth == "float" and info.format == "TIFF" and image.dtype == np.float32
    np.testing.assert_array_equal(image, pixels)
    write_image(tmp_path / "out.tif", image, info)
    np.testing.assert_array_equal(tifffile.imread(tmp_path / "out.tif"), pixels)


def test_16bit_rgb_tiff_round_trip(tmp_path, rng):
    pixels = _pixels(rng, 3, np.uint16)
    tifffile.imwrite(tmp_path / "in.tif", pixels, photometric="rgb")
    image, info = read_image(tmp_path / "in.tif")
    assert info.bit_depth == 16 and info.mode == "RGB"
    write_image(tmp_path / "out.tiff", image, info)
    written = tifffile.imread(tmp_path / "out.tiff")
    assert written.dtype == np.uint16
    np.testing.assert_array_equal(written, pixels)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_npy_float_is_taken_as_it_is(tmp_path, rng, dtype):
    pixels = rng.random(SHAPE).astype(dtype)
    np.save(tmp_path / "in.npy", pixels)
    image, info = read_image(tmp_path / "in.npy")
    assert image.dtype == dtype and info.bit_depth == "float" and info.format == "NPY"
    np.testing.assert_array_equal(image, pixels)
    write_image(tmp_path / "out.npy", image, info)
    written = np.load(tmp_path / "out.npy")
    assert written.dtype == np.float32
    np.testing.assert_array_equal(written, pixels.astype(np.float32))


def test_jpeg_reads_as_8bit(tmp_path, rng):
    Image.fromarray(_pixels(rng, 3)).save(tmp_path / "in.jpg", quality=95)
    image, info = read_image(tmp_path / "in.jpg")
    assert info.format == "JPEG" and info.bit_depth == 8 and image.shape == SHAPE + (3,)


@pytest.mark.parametrize("orientation, transform", [
    (3, lambda a: a[::-1, ::-1]),
    (6, lambda a: np.rot90(a, -1)),
    (8, lambda a: np.rot90(a, 1)),
])
@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_exif_orientation_is_applied(tmp_path, rng, orientation, transform, suffix):
    pixels = _pixels(rng, 3)
    if suffix == ".png":
        exif = Image.Exif()
        exif[0x0112] = orientation
        Image.fromarray(pixels).save(tmp_path / "in.png", exif=exif)
    else:
        tifffile.imwrite(tmp_path / "in.tif", pixels, photometric="rgb",
                         extratags=[(274, 3, 1, orientation, True)])
    image, _ = read_image(tmp_path / f"in{suffix}")
    np.testing.assert_array_equal(_as_integers(image, np.uint8), transform(pixels))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_numpy_orientation_agrees_with_pillow(rng, orientation):
    from PIL import ImageOps

    pixels = _pixels(rng, 3)
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", exif=exif)
    with Image.open(buffer) as opened:
        expected = np.asarray(ImageOps.exif_transpose(opened))
    np.testing.assert_array_equal(orient(pixels, orientation), expected)


# ----------------------------------------------------------------------------- writing rules
def test_writing_integers_clips_and_rounds(tmp_path):
    image = np.array([[-0.2, 0.4 / 255, 0.6 / 255, 0.5, 1.0, 1.3]], dtype=np.float32)
    write_image(tmp_path / "out.png", image, bit_depth=8)
    with Image.open(tmp_path / "out.png") as written:
        np.testing.assert_array_equal(np.asarray(written), [[0, 0, 1, 128, 255, 255]])


def test_float_data_goes_to_16bit_png(tmp_path, rng):
    image = rng.random(SHAPE)
    write_image(tmp_path / "out.png", image)
    again, info = read_image(tmp_path / "out.png")
    assert info.bit_depth == 16
    np.testing.assert_allclose(again, image, atol=0.5 / 65535 + 1e-7)


def test_written_file_has_ordinary_permissions(tmp_path, rng):
    umask = os.umask(0)
    os.umask(umask)
    write_image(tmp_path / "out.png", _pixels(rng))
    assert (tmp_path / "out.png").stat().st_mode & 0o777 == 0o666 & ~umask


def test_unsupported_extension_is_refused(tmp_path, rng):
    with pytest.raises(ValueError, match=r"unsupported extension '\.jpg'.*\.png, \.tif"):
        write_image(tmp_path / "out.jpg", _pixels(rng))
    assert _listing(tmp_path) == []


def test_missing_folder_is_an_oserror(tmp_path, rng):
    with pytest.raises(OSError, match="does not exist"):
        write_image(tmp_path / "nowhere" / "out.png", _pixels(rng))
    assert _listing(tmp_path) == []


def test_nan_is_refused_before_writing(tmp_path):
    with pytest.raises(ValueError, match="NaN"):
        write_image(tmp_path / "out.tif", np.full(SHAPE, np.nan, dtype=np.float32))
    assert _listing(tmp_path) == []


@pytest.mark.parametrize("array, match", [
    (np.zeros((3, 4, 5, 6)), r"shape \(3, 4, 5, 6\) is not an image"),
    (np.zeros((0, 4)), "no pixels"),
])
def test_arrays_that_are_not_images_are_refused(tmp_path, array, match):
    with pytest.raises(ValueError, match=match) as caught:
        write_image(tmp_path / "out.png", array)
    assert str(caught.value).startswith(f"cannot write '{tmp_path / 'out.png'}': ")
    assert _listing(tmp_path) == []


def test_alpha_of_another_size_is_refused(tmp_path, rng):
    info = ImageInfo(path="x.png", mode="LA", bit_depth=8, alpha=_pixels(rng))
    with pytest.raises(ValueError, match="alpha"):
        write_image(tmp_path / "out.png", np.zeros((5, 5)), info)


@pytest.mark.parametrize("suffix", [".png", ".tif", ".npy"])
def test_failed_write_leaves_nothing_and_keeps_the_old_file(tmp_path, rng, monkeypatch, suffix):
    target = tmp_path / f"out{suffix}"
    target.write_bytes(b"previous content")

    def broken_encoder(file, pixels):
        file.write(b"half an image")
        raise OSError(28, "No space left on device")

    name = {".png": "encode_png", ".tif": "encode_tiff", ".npy": "encode_npy"}[suffix]
    monkeypatch.setattr(encoders, name, broken_encoder)
    with pytest.raises(OSError, match="No space left"):
        write_image(target, _pixels(rng))
    assert _listing(tmp_path) == [target.name]
    assert target.read_bytes() == b"previous content"


# ----------------------------------------------------------------------------- the atomic writer
@pytest.mark.parametrize("content, expected", [
    (b"\x00bytes\xff", b"\x00bytes\xff"),
    ("text, caf\u00e9", "text, caf\u00e9".encode("utf-8")),
    (lambda file: file.write(b"from a callback"), b"from a callback"),
], ids=["bytes", "str", "callback"])
def test_write_atomically_writes_bytes_text_or_a_callback(tmp_path, content, expected):
    assert write_atomically(tmp_path / "out.bin", content) == tmp_path / "out.bin"
    assert (tmp_path / "out.bin").read_bytes() == expected
    assert _listing(tmp_path) == ["out.bin"]


def test_write_atomically_takes_a_save_by_file_function(tmp_path):
    """What the training command does: ``write_atomically(path, prior.save)`` with numpy.savez."""
    write_atomically(tmp_path / "prior.npz", lambda file: np.savez(file, weights=np.arange(3)))
    with np.load(tmp_path / "prior.npz") as data:
        np.testing.assert_array_equal(data["weights"], np.arange(3))
    assert _listing(tmp_path) == ["prior.npz"]


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_write_atomically_failure_leaves_the_old_file(tmp_path, error):
    target = tmp_path / "out.json"
    target.write_text("old")

    def fail(file):
        file.write(b"half")
        raise error

    with pytest.raises(type(error)) as caught:
        write_atomically(target, fail)
    if isinstance(error, OSError):
        assert str(caught.value) == f"cannot write '{target}': No space left on device"
    assert _listing(tmp_path) == ["out.json"] and target.read_text() == "old"


def test_write_atomically_into_a_missing_folder(tmp_path):
    with pytest.raises(OSError, match="does not exist; create it first"):
        write_atomically(tmp_path / "nowhere" / "out.json", "{}")
    assert _listing(tmp_path) == []


# ----------------------------------------------------------------------------- reading errors
def _one_line_error(path, match):
    with pytest.raises(ValueError, match=match) as caught:
        read_image(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


def test_missing_file(tmp_path):
    _one_line_error(tmp_path / "missing.png", "no such file")


def test_folder_is_not_an_image(tmp_path):
    _one_line_error(tmp_path, "folder")


def test_empty_file(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    _one_line_error(tmp_path / "empty.png", r"empty \(0 bytes\).*PNG, TIFF, JPEG or \.npy")


def test_not_an_image(tmp_path):
    (tmp_path / "notes.png").write_text("these are not pixels")
    _one_line_error(tmp_path / "notes.png", "not an image file.*give a PNG, TIFF, JPEG or .npy")


@pytest.mark.parametrize("suffix, make", [
    (".png", lambda rng: _pixels(rng, 3)),
    (".png", lambda rng: _pixels(rng, 3, np.uint16)),
    (".jpg", lambda rng: _pixels(rng, 3)),
    (".tif", lambda rng: rng.random(SHAPE, dtype=np.float32)),
    (".npy", lambda rng: rng.random(SHAPE, dtype=np.float32)),
], ids=["png8", "png16", "jpeg", "tiff", "npy"])
def test_truncated_file(tmp_path, rng, suffix, make):
    complete = tmp_path / f"complete{suffix}"
    if suffix == ".jpg":
        Image.fromarray(make(rng)).save(complete)
    else:
        write_image(complete, make(rng))
    data = complete.read_bytes()
    truncated = tmp_path / f"truncated{suffix}"
    truncated.write_bytes(data[: len(data) // 2])
    _one_line_error(truncated, "truncated")


def test_zero_size_image(tmp_path):
    np.save(tmp_path / "empty.npy", np.zeros((0, 7), dtype=np.float32))
    _one_line_error(tmp_path / "empty.npy", "no pixels")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_float_input(tmp_path, rng, bad):
    pixels = rng.random(SHAPE).astype(np.float32)
    pixels[3, 4] = bad
    np.save(tmp_path / "bad.npy", pixels)
    tifffile.imwrite(tmp_path / "bad.tif", pixels)
    _one_line_error(tmp_path / "bad.npy", "NaN or inf")
    _one_line_error(tmp_path / "bad.tif", "NaN or inf")


def test_npy_that_is_not_an_image(tmp_path):
    np.save(tmp_path / "volume.npy", np.zeros((3, 4, 5, 6), dtype=np.float32))
    np.save(tmp_path / "ints.npy", np.zeros((3, 4), dtype=np.int32))
    _one_line_error(tmp_path / "volume.npy", r"shape \(3, 4, 5, 6\) is not an image")
    _one_line_error(tmp_path / "ints.npy", "dtype int32")
