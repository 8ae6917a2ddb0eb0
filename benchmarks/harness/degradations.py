"""Seeded degradations of the task benchmarks: circular blur plus noise, and masks.

Deblurring: the clean image blurred with circular boundaries (or mirrored ones,
:class:`restore.operators.Blur`), plus white Gaussian noise of ``sigma/255``
drawn from ``np.random.default_rng([seed, image_index, kernel_index,
noise_key(sigma)])`` (not clipped).

Inpainting masks (``True`` = known pixel), drawn for the full image:

- ``random50``, ``random80``: each pixel missing with probability 0.5 / 0.8,
  from ``np.random.default_rng([seed, image_index, 50 or 80])``;
- ``text``: lines of random words drawn with Pillow's default font at size
  20 (``ImageFont.load_default(size=20)``), every pixel the text touches
  missing (about 20 % of them); words, offsets and line spacing from
  ``np.random.default_rng([seed, image_index, 1])`` (the glyphs depend on the
  Pillow version).
"""
from __future__ import annotations

import numpy as np

#: Mask kinds and their labels in the tables.
MASKS = {"random50": "50% missing at random", "random80": "80% missing at random",
         "text": "text overlay"}
TEXT_SIZE = 20
WORDS = ("the quick brown fox jumps over a lazy dog while patches of noise blur every "
         "pixel in sight restore image prior mixture model").split()


def noise_key(sigma255):
    """Integer seed key of a noise level: ``round(100 * sigma255)``."""
    return int(round(100 * sigma255))


def blur_and_noise(clean, kernel, sigma255, rng, *, boundary="circular"):
    """Blur (circular, or ``boundary="reflect"``: the image mirrored outwards) plus white
    Gaussian noise of ``sigma255 / 255`` (not clipped)."""
    from restore.operators import Blur

    blurred = Blur(kernel, boundary).apply(np.asarray(clean, dtype=np.float64))
    return blurred + sigma255 / 255 * rng.standard_normal(blurred.shape)


def random_mask(shape, missing, rng):
    """Known-pixel mask with each pixel missing independently with probability ``missing``."""
    return rng.random(shape) >= missing


def text_mask(shape, rng, size=TEXT_SIZE):
    """Known-pixel mask hiding lines of random words (Pillow's default font at ``size``).

    Lines start ``0-9`` pixels from the top and follow each other every
    ``1.2-1.7 * size`` pixels, each shifted left by up to ``2 * size``
    pixels; every pixel a glyph touches (anti-aliasing included) is missing.
    """
    from PIL import Image, ImageDraw, ImageFont

    height, width = shape
    font = ImageFont.load_default(size=size)
    canvas = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    top = int(rng.integers(0, 10))
    while top < height:
        words = " ".join(rng.choice(WORDS, size=max(4, width // (3 * size))))
        draw.text((-int(rng.integers(0, 2 * size)), top), words, fill=255, font=font)
        top += int(rng.integers(int(1.2 * size), int(1.7 * size) + 1))
    return np.asarray(canvas) == 0


def make_mask(kind, shape, seed, index):
    """The known-pixel mask ``kind`` (a key of :data:`MASKS`) of image ``index``."""
    if kind == "text":
        return text_mask(shape, np.random.default_rng([seed, index, 1]))
    missing = {"random50": 50, "random80": 80}[kind]
    return random_mask(shape, missing / 100, np.random.default_rng([seed, index, missing]))
