"""Input checks shared by the public functions: clear errors, one layout."""
from __future__ import annotations

import logging
import numbers

import numpy as np

#: Noise levels the library accepts, on the [0, 1] scale (0.0255 .. 255 on the 0-255 scale).
#: Below 1e-4 an image is practically noise-free and the solver's weights (1 / sigma^2 and
#: more) overflow; above 1 the noise is larger than the whole intensity range.
SIGMA_MIN, SIGMA_MAX = 1e-4, 1.0

logger = logging.getLogger("restore")


def as_float_image(image, *, name="image"):
    """Return ``image`` as a float array in [0, 1].

    Unsigned integer images are divided by their dtype's maximum; signed
    ones are scaled by their full range, ``(x - min) / (max - min)`` (int8:
    -128 -> 0, 127 -> 1), with a warning when the values fill less than
    1/255 of it (8-bit levels in an int64 array: pass ``x.astype(np.uint8)``
    or ``x / 255``). float32 stays float32, other floats become float64, and
    float values are taken as they are (noisy data may leave [0, 1]).
    Raises TypeError/ValueError that say what was received and what is
    expected.
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
        return _integers_to_unit(array, name)
    if array.dtype != np.float32:
        array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or inf values; replace them (e.g. np.nan_to_num) "
                         "before restoring")
    return array


def _integers_to_unit(array, name):
    """Integers as float64 in [0, 1]: unsigned by their maximum, signed by their full range."""
    info = np.iinfo(array.dtype)
    if info.min == 0:
        return array.astype(np.float64) / info.max
    span = float(info.max) - float(info.min)
    if array.size and (int(array.max()) - int(array.min())) * 255 < span:
        logger.warning("%s: %s values %d..%d fill less than 1/255 of the type's range and become "
                       "nearly flat when scaled by it; for 8-bit levels pass "
                       "image.astype(numpy.uint8) or image / 255", name, array.dtype,
                       array.min(), array.max())
    return (array.astype(np.float64) - float(info.min)) / span


def check_sigma(sigma, *, name="sigma"):
    """Validate a noise standard deviation on the [0, 1] scale: a real finite number (not a bool
    or a string) in [:data:`SIGMA_MIN`, :data:`SIGMA_MAX`]."""
    if isinstance(sigma, np.ndarray) and sigma.ndim == 0:
        sigma = sigma[()]
    if isinstance(sigma, (bool, np.bool_)) or not isinstance(sigma, numbers.Real):
        raise TypeError(f"{name} must be a real number on the [0, 1] scale (25/255 = 0.098 "
                        f"for 'sigma 25'), got {type(sigma).__name__} {sigma!r}")
    value = float(sigma)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number on the [0, 1] scale "
                         f"(25/255 = 0.098 for 'sigma 25'), got {sigma!r}")
    if value > SIGMA_MAX:
        raise ValueError(f"{name}={value:g} is larger than the whole [0, 1] range; library noise "
                         "levels are on the [0, 1] scale: divide 0-255 values by 255")
    if value < SIGMA_MIN:
        raise ValueError(f"{name}={value:g} is below the smallest supported noise level "
                         f"{SIGMA_MIN:g} ({SIGMA_MIN * 255:.4g} on the 0-255 scale): such an "
                         f"image is practically noise-free; pass at least {SIGMA_MIN:g}")
    return value


def check_noise_map(sigma, shape, *, name="sigma"):
    """Validate a per-pixel noise standard deviation on the [0, 1] scale: a real array of the
    image's ``shape`` (H, W), every value finite and in [:data:`SIGMA_MIN`, :data:`SIGMA_MAX`];
    returned as float64."""
    array = np.asarray(sigma)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise TypeError(f"a noise map {name} must be a real array, got dtype {array.dtype}")
    if array.shape != tuple(shape):
        raise ValueError(f"the noise map {name} has shape {array.shape} but the image's pixels are "
                         f"{tuple(shape)}; give one standard deviation per pixel (H, W), the "
                         "same for every channel")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"the noise map {name} contains NaN or inf values")
    low, high = float(array.min()), float(array.max())
    if high > SIGMA_MAX:
        raise ValueError(f"the noise map {name} reaches {high:g}, larger than the whole [0, 1] "
                         "range; library noise levels are on the [0, 1] scale: divide 0-255 "
                         "values by 255")
    if low < SIGMA_MIN:
        raise ValueError(f"the noise map {name} falls to {low:g}, below the smallest supported "
                         f"noise level {SIGMA_MIN:g}; raise its floor to at least {SIGMA_MIN:g}")
    return array


def to_channels_last(image, channel_axis):
    """Move the channel axis last; ``None`` requires a 2-D grey image."""
    if channel_axis is None:
        if image.ndim != 2:
            raise ValueError(f"got an image of shape {image.shape} with channel_axis=None; "
                             + _channel_advice(image.shape))
        return image
    if image.ndim != 3:
        raise ValueError(f"channel_axis={channel_axis} needs a 3-D image, got shape {image.shape}")
    return np.moveaxis(image, channel_axis, -1)


def _channel_advice(shape):
    """What to pass for a 3-D array: the axis that looks like colour channels, or a stack."""
    axes = [axis for axis, size in enumerate(shape) if size in (2, 3, 4)]
    if axes:
        axis = -1 if axes[-1] == len(shape) - 1 else axes[-1]
        return f"pass channel_axis={axis} if that axis holds the channels (grey+alpha, RGB, RGBA)"
    if shape[0] < min(shape[1:]):
        return (f"no axis holds 2 to 4 channels: if it is a stack of {shape[0]} grey images, "
                "restore each one (e.g. [denoise(im, sigma) for im in stack])")
    return "give a 2-D (H, W) grey image, or (H, W, C) with C in 2..4 and channel_axis=-1"


def split_alpha(image, channel_axis):
    """``(image without alpha, alpha or None)``: with 2 (grey+alpha) or 4 (RGBA) channels the
    last one is alpha, which the library passes through unchanged, as the command does."""
    if channel_axis is None or image.ndim != 3 or image.shape[channel_axis] not in (2, 4):
        return image, None
    channels = np.moveaxis(image, channel_axis, -1)
    return np.moveaxis(channels[..., :-1], -1, channel_axis), channels[..., -1]


def with_alpha(restored, alpha, channel_axis):
    """Re-attach the alpha plane split off by :func:`split_alpha`."""
    if alpha is None:
        return restored
    channels = np.moveaxis(restored, channel_axis, -1)
    joined = np.concatenate([channels, alpha[..., None].astype(restored.dtype)], axis=-1)
    return np.moveaxis(joined, -1, channel_axis)


def from_channels_last(image, channel_axis, ndim):
    """Undo :func:`to_channels_last`."""
    if channel_axis is None or ndim == 2:
        return image
    return np.moveaxis(image, -1, channel_axis)


def check_mask(mask, shape):
    """The mask of known pixels as a boolean (H, W) array; clear errors otherwise."""
    array = np.asarray(mask)
    if array.dtype != bool and not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"mask must be a boolean or 0/1 array, got dtype {array.dtype}")
    if array.shape != tuple(shape):
        raise ValueError(f"mask has shape {array.shape} but the image is {shape[0]}x{shape[1]} "
                         f"(H, W); give one (H, W) mask, True where the pixel is known")
    if array.dtype != bool:
        if not np.isin(array, (0, 1)).all():
            raise ValueError("mask must hold only 0/1 (or False/True) values: 1 where the pixel "
                             "is known, 0 where it is missing")
        array = array.astype(bool)
    if not array.any():
        raise ValueError("mask has no known pixel (all False/0); True/1 marks the known pixels "
                         "to inpaint from")
    return array
