"""Opponent colour planes for a grey patch prior.

``O = M @ rgb`` with ``M`` orthonormal (rows: luminance (1,1,1)/sqrt(3),
red-green (1,0,-1)/sqrt(2), blue-yellow (1,-2,1)/sqrt(6)). Because ``M`` is
orthonormal, white noise of standard deviation sigma in RGB stays white with
the same sigma, so a grey prior can denoise each opponent channel.

The grey prior learnt patches of intensities in [0, 1], and it is not scale
invariant, so :func:`rgb_to_planes` also divides the luminance by sqrt(3):
that plane is then the mean of R, G and B, in [0, 1] like the training
patches, with noise ``sigma / sqrt(3)`` (``PLANE_SCALES``). The scaled
planes' noise stays white and independent. On BSDS500-test crops (training
data) this gained 0.07 dB over the unscaled luminance at sigma 25
(benchmarks/tune_colour.py).
"""
import numpy as np

_OPPONENT = np.array([[1, 1, 1], [1, 0, -1], [1, -2, 1]], dtype=np.float64)
_OPPONENT /= np.linalg.norm(_OPPONENT, axis=1, keepdims=True)

#: Factor applied to each opponent plane (and to its noise sigma) before restoring it.
PLANE_SCALES = np.array([1 / np.sqrt(3), 1.0, 1.0])


def rgb_to_opponent(image):
    """(H, W, 3) RGB -> (H, W, 3) orthonormal opponent channels."""
    return image @ _OPPONENT.T.astype(image.dtype)


def opponent_to_rgb(image):
    """Inverse of :func:`rgb_to_opponent` (the transpose, ``M`` being orthonormal)."""
    return image @ _OPPONENT.astype(image.dtype)


def rgb_to_planes(image, scales=PLANE_SCALES):
    """(H, W, 3) RGB -> opponent planes times ``scales``; plane ``c`` has noise
    ``scales[c] * sigma`` when the RGB noise is white with ``sigma``."""
    return rgb_to_opponent(image) * np.asarray(scales, dtype=image.dtype)


def planes_to_rgb(planes, scales=PLANE_SCALES):
    """Inverse of :func:`rgb_to_planes`."""
    return opponent_to_rgb(planes / np.asarray(scales, dtype=planes.dtype))
