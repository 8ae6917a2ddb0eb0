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
    planes = rgb_to_opponent(image)
    planes *= np.asarray(scales, dtype=planes.dtype)
    return planes


def planes_to_rgb(planes, scales=PLANE_SCALES):
    """Inverse of :func:`rgb_to_planes`."""
    return opponent_to_rgb(planes / np.asarray(scales, dtype=planes.dtype))


#: Rows converted at once by :func:`planes_to_rgb_in_place` (its scratch memory).
ROWS_PER_BLOCK = 256


def planes_to_rgb_in_place(planes):
    """:func:`planes_to_rgb` written over ``planes``, a block of rows at a time."""
    for start in range(0, planes.shape[0], ROWS_PER_BLOCK):
        block = planes[start:start + ROWS_PER_BLOCK]
        block[...] = planes_to_rgb(block)
    return planes


def plane_levels(sigma, channels, chroma_half_resolution=False):
    """``[(noise level, scale)]`` of the planes :func:`restore_planes` restores for an image
    of ``channels`` under white noise ``sigma``; ``scale`` 2 for a plane restored at half
    resolution (the RGB chrominance, when asked), else 1."""
    if channels != 3:
        return [(sigma, 1)]
    half = 2 if chroma_half_resolution else 1
    return [(sigma * PLANE_SCALES[0], 1)] + [(sigma * PLANE_SCALES[c] / half, half)
                                           for c in (1, 2)]


def restore_planes(image, sigma, restore_plane, *, chroma_half_resolution=False,
                   restore_chroma=None):
    """Restore an ``(H, W, C)`` image plane by plane; clipped to [0, 1].

    RGB images go through the scaled opponent planes (:func:`rgb_to_planes`),
    each at its own noise level ``sigma * PLANE_SCALES[c]``, the chrominance
    at half resolution when asked (:func:`restore_at_half_resolution`); other
    channel counts plane by plane as they are. ``restore_plane(plane,
    plane_sigma, clip)`` restores one 2-D plane (``restore_chroma``, of the same form, the
    planes after the first where given). ``sigma`` may also be a noise object
    with ``scaled(factor)`` and ``half_resolution()`` (a
    :class:`restore.core.correlated_noise.CorrelatedNoise`), passed on as each plane's.
    """
    rgb = image.shape[2] == 3
    decorrelated = rgb_to_planes(image) if rgb else image
    scales = PLANE_SCALES if rgb else (1.0,) * image.shape[2]

    def one_plane(c):
        plane_sigma = sigma.scaled(scales[c]) if hasattr(sigma, "scaled") else sigma * scales[c]
        restore = restore_plane if c == 0 or restore_chroma is None else restore_chroma
        if chroma_half_resolution and rgb and c > 0:
            return restore_at_half_resolution(
                decorrelated[..., c], plane_sigma, lambda small, s: restore(small, s, False))
        return restore(decorrelated[..., c], plane_sigma, False)

    first = one_plane(0)  # the planes' result written into one array, converted in place
    restored = np.empty(decorrelated.shape, dtype=first.dtype)
    restored[..., 0] = first
    del first
    for c in range(1, decorrelated.shape[2]):
        restored[..., c] = one_plane(c)
    del decorrelated
    if rgb:
        planes_to_rgb_in_place(restored)
    return np.clip(restored, 0.0, 1.0, out=restored)


def restore_at_half_resolution(plane, sigma, restore):
    """Restore a smooth plane (a chrominance) at half resolution.

    The 2x2 block means of ``plane`` (edge-padded to even sizes) carry white
    noise of ``sigma / 2`` (under a noise map, the root-mean-square of the block's sigmas
    over 2); ``restore(means, sigma / 2)`` restores them and the
    result is upsampled bilinearly back to the plane's size. Chrominance has
    little detail at the finest scale, so this loses little of it while the
    patches see twice the context at a quarter of the cost; on BSDS500-test
    crops (training data) it gained 0.10 / 0.12 / 0.11 dB at sigma 15 / 25 / 50
    over full-resolution chrominance (benchmarks/tune_colour.py). A noise object ``sigma``
    gives the block means' noise by its ``half_resolution()``.
    """
    from skimage.transform import resize

    height, width = plane.shape
    even = np.pad(plane, [(0, height % 2), (0, width % 2)], mode="edge")
    means = even.reshape(even.shape[0] // 2, 2, even.shape[1] // 2, 2).mean(axis=(1, 3))
    if np.ndim(sigma):  # a noise map: the means' variances are the blocks' mean variance / 4
        variances = np.pad(np.square(sigma, dtype=np.float64), [(0, height % 2), (0, width % 2)],
                           mode="edge")
        half = np.sqrt(((variances[0::2, 0::2] + variances[1::2, 0::2]) / 2
                        + (variances[0::2, 1::2] + variances[1::2, 1::2]) / 2) / 2) / 2
    elif hasattr(sigma, "half_resolution"):
        half = sigma.half_resolution()
    else:
        half = sigma / 2
    restored = np.asarray(restore(np.ascontiguousarray(means), half), dtype=np.float64)
    upsampled = resize(restored, even.shape, order=1, mode="edge")
    return upsampled[:height, :width].astype(plane.dtype, copy=False)
