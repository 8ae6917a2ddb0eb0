"""Orthonormal opponent colour transform.

``O = M @ rgb`` with ``M`` orthonormal (rows: luminance (1,1,1)/sqrt(3),
red-green (1,0,-1)/sqrt(2), blue-yellow (1,-2,1)/sqrt(6)). Because ``M`` is
orthonormal, white noise of standard deviation sigma in RGB stays white with
the same sigma, so a grey prior can denoise each opponent channel.
"""
import numpy as np

_OPPONENT = np.array([[1, 1, 1], [1, 0, -1], [1, -2, 1]], dtype=np.float64)
_OPPONENT /= np.linalg.norm(_OPPONENT, axis=1, keepdims=True)


def rgb_to_opponent(image):
    """(H, W, 3) RGB -> (H, W, 3) opponent channels."""
    return image @ _OPPONENT.T.astype(image.dtype)


def opponent_to_rgb(image):
    """Inverse of :func:`rgb_to_opponent` (the transpose, ``M`` being orthonormal)."""
    return image @ _OPPONENT.astype(image.dtype)
