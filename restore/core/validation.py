"""Input checks shared by the public functions: clear errors, one layout."""
from __future__ import annotations

import numpy as np


def as_float_image(image, *, name="image"):
    """Return ``image`` as a float array in [0, 1].

    Integer images are scaled by their dtype's maximum; float32 stays
    float32, other floats become float64. Raises TypeError/ValueError that
    say what was received and what is expected.
    """
    array = np.asarray(image)
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.number)):
        raise TypeError(f"{name} must be a numeric array, got dtype {array.dtype}; "
                        "pass a float array in [0, 1] or an integer image")
    if np.iscomplexobj(array):
        raise TypeError(f"{name} must be real, got dtype {array.dtype}")
    if array.ndim not in (2, 3):
        raise ValueError(f"{name} must be 2-D (H, W) or 3-D with a channel axis, "
                         f"got shape {array.shape}")
    if array.size == 0 or min(array.shape[:2]) < 1:
        raise ValueError(f"{name} is empty (shape {array.shape}); give an image with pixels")
    if np.issubdtype(array.dtype, np.integer):
        info = np.iinfo(array.dtype)
        return array.astype(np.float64) / info.max if info.min == 0 else array.astype(np.float64)
    if array.dtype != np.float32:
        array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or inf values; replace them (e.g. np.nan_to_num) "
                         "before restoring")
    return array


def check_sigma(sigma, *, name="sigma"):
    """Validate a noise standard deviation on the [0, 1] scale."""
    try:
        value = float(sigma)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {sigma!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number on the [0, 1] scale "
                         f"(25/255 = 0.098 for 'sigma 25'), got {sigma!r}")
    if value > 1:
        raise ValueError(f"{name}={value:g} is larger than the whole [0, 1] range; library noise "
                         "levels are on the [0, 1] scale: divide 0-255 values by 255")
    return value


def to_channels_last(image, channel_axis):
    """Move the channel axis last; ``None`` requires a 2-D grey image."""
    if channel_axis is None:
        if image.ndim != 2:
            raise ValueError(f"got a {image.ndim}-D image with channel_axis=None; pass "
                             "channel_axis=-1 for (H, W, C) colour images")
        return image
    if image.ndim != 3:
        raise ValueError(f"channel_axis={channel_axis} needs a 3-D image, got shape {image.shape}")
    return np.moveaxis(image, channel_axis, -1)


def from_channels_last(image, channel_axis, ndim):
    """Undo :func:`to_channels_last`."""
    if channel_axis is None or ndim == 2:
        return image
    return np.moveaxis(image, -1, channel_axis)


def as_rng(rng):
    """``np.random.default_rng`` for a seed, a Generator or ``None``."""
    return np.random.default_rng(rng)
