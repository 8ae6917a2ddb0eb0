"""Seeded white Gaussian noise, and the generators of the methods' own randomness.

The noise for image index ``i`` (its position in the folder sorted by name,
before any ``--limit``) at noise level ``s`` (0-255 scale, an integer) is drawn
from ``np.random.default_rng([seed, i, s])``:
``noise = rng.standard_normal(image.shape) * s / 255``, added to the image and
*not* clipped. The noise is drawn for the full image; a centre crop is taken
afterwards, so a cropped run sees exactly the pixels of the full run.
"""
from __future__ import annotations

import numpy as np

from benchmarks.harness.data import centre_crop


def noise_rng(seed, index, sigma255):
    """Return the generator of the noise for one image at one noise level.

    Parameters
    ----------
    seed : int
        Run seed (``--seed``), a non-negative integer.
    index : int
        Position of the image in the folder sorted by name (0-based).
    sigma255 : int
        Noise level on the 0-255 scale, an integer (15, 25, 50).

    Returns
    -------
    numpy.random.Generator
        ``np.random.default_rng([seed, index, sigma255])``.

    Raises
    ------
    ValueError
        If a key is negative or not an integer.
    """
    keys = {"seed": seed, "index": index, "sigma255": sigma255}
    for name, value in keys.items():
        if isinstance(value, (bool, np.bool_)) or not float(value).is_integer() or value < 0:
            raise ValueError(f"{name} must be a non-negative integer to seed the noise, "
                             f"got {value!r}; pass e.g. 25 for sigma 25/255")
    return np.random.default_rng([int(seed), int(index), int(sigma255)])


def add_gaussian_noise(image, sigma, rng):
    """Add white Gaussian noise of standard deviation ``sigma``, unclipped.

    Parameters
    ----------
    image : ndarray
        Clean image, floats on the [0, 1] scale, any shape.
    sigma : float
        Noise standard deviation on the [0, 1] scale (``25 / 255``).
    rng : numpy.random.Generator
        Source of the noise, see :func:`noise_rng`.

    Returns
    -------
    ndarray
        ``image + sigma * N(0, 1)`` as float64; values may leave [0, 1].
    """
    image = np.asarray(image, dtype=np.float64)
    if not (np.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"sigma must be a finite non-negative number, got {sigma!r}")
    return image + sigma * rng.standard_normal(image.shape)


def noisy_pair(image, sigma255, seed, crop=None):
    """Return the (clean, noisy) pair of one image at one noise level.

    The noise is drawn for the full image from
    ``noise_rng(seed, image.index, sigma255)``, then both are centre-cropped.

    Parameters
    ----------
    image : benchmarks.harness.data.TestImage
    sigma255 : int
        Noise level on the 0-255 scale.
    seed : int
    crop : int, optional
        Side of the centre crop.

    Returns
    -------
    clean, noisy : ndarray
    """
    rng = noise_rng(seed, image.index, sigma255)
    noisy = add_gaussian_noise(image.clean, sigma255 / 255.0, rng)
    return centre_crop(image.clean, crop), centre_crop(noisy, crop)


def method_rng(seed, index, key):
    """Generator of a method's own randomness on one case, independent of the degradation's:
    ``np.random.default_rng([seed, index, key, 1])`` (``key``: the noise level on the
    0-255 scale, or the case's number for the task benchmarks)."""
    return np.random.default_rng([int(seed), int(index), int(key), 1])
