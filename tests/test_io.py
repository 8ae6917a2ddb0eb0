"""Reading and writing images: round trips, alpha, orientation, clear errors, atomic writes."""
import io
import os
import zlib

import numpy as np
import pytest
import tifffile
from PIL import Image

from restore import io as image_io
from restore._png16 import _chunks, _unfilter
from restore.io import read_image, write_image

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
    """Pillow would reduce these to 8 bits: they go through restore._png16."""
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


@pytest.mark.parametrize("filter_type", range(5))
def test_png_unfilter_matches_a_reference_filter(rng, filter_type):
    """Every PNG row filter (none, sub, up, average, Paeth) is undone exactly."""
    rows = rng.integers(0, 256, size=(5, 12), dtype=np.uint8)
    encoded = bytearray()
    for y in range(rows.shape[0]):
        encoded.append(filter_type)
        encoded += bytes(_reference_filter(rows, y, filter_type, bytes_per_pixel=4))
    decoded = _unfilter(np.frombuffer(bytes(encoded), np.uint8), 5, 12, 4)
    np.testing.assert_array_equal(decoded, rows)


def _reference_filter(rows, y, filter_type, bytes_per_pixel):
    """Slow, obvious PNG filter of row ``y`` (PNG specification, section 9.2)."""
    out = []
    for x in range(rows.shape[1]):
        a = int(rows[y, x - bytes_per_pixel]) if x >= bytes_per_pixel else 0
        b = int(rows[y - 1, x]) if y > 0 else 0
        c = int(rows[y - 1, x - bytes_per_pixel]) if y > 0 and x >= bytes_per_pixel else 0
        p = a + b - c
        paeth = min((abs(p - a), 0, a), (abs(p - b), 1, b), (abs(p - c), 2, c))[2]
        predictor = [0, a, b, (a + b) // 2, paeth][filter_type]
        out.append((int(rows[y, x]) - predictor) % 256)
    return out


def test_png_unfilter_reads_pillows_adaptive_filters(rng):
    """Pillow's encoder picks filters per row: decoding its output gives the pixels back."""
    pixels = (np.add.outer(np.arange(31), np.arange(37))[..., None] * [3, 5, 7]
              + rng.integers(0, 20, (31, 37, 3))).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    raw = zlib.decompress(b"".join(p for kind, p in _chunks(buffer.getvalue()) if kind == b"IDAT"))
    decoded = _unfilter(np.frombuffer(raw, np.uint8), 31, 37 * 3, 3)
    np.testing.assert_array_equal(decoded.reshape(pixels.shape), pixels)


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
    np.testing.assert_array_equal(image_io._orient(pixels, orientation), expected)


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


def test_alpha_of_another_size_is_refused(tmp_path, rng):
    info = image_io.ImageInfo(path="x.png", mode="LA", bit_depth=8, alpha=_pixels(rng))
    with pytest.raises(ValueError, match="alpha"):
        write_image(tmp_path / "out.png", np.zeros((5, 5)), info)


@pytest.mark.parametrize("suffix", [".png", ".tif", ".npy"])
def test_failed_write_leaves_nothing_and_keeps_the_old_file(tmp_path, rng, monkeypatch, suffix):
    target = tmp_path / f"out{suffix}"
    target.write_bytes(b"previous content")

    def broken_encoder(file, pixels):
        file.write(b"half an image")
        raise OSError(28, "No space left on device")

    name = {".png": "_encode_png", ".tif": "_encode_tiff", ".npy": "_encode_npy"}[suffix]
    monkeypatch.setattr(image_io, name, broken_encoder)
    with pytest.raises(OSError, match="No space left"):
        write_image(target, _pixels(rng))
    assert _listing(tmp_path) == [target.name]
    assert target.read_bytes() == b"previous content"


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
