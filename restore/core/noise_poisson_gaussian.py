"""The parameters of Poisson-Gaussian noise from one image.

The model is ``y = a Poisson(x / a) + N(0, b^2)`` on the [0, 1] scale, so that
``var(y | x) = a x + b^2``. In the spirit of Foi et al. (2008) the variance is measured
against the intensity and a line is fitted: the image's patches are split into bins of
equal count by their mean, the noise variance of each bin is measured on its weakly
textured patches (:func:`restore.core.noise_level.weak_texture_variance`, the texture
threshold scaled by the bin's own variance), and ``a x + b^2`` is fitted to the bins'
``(mean intensity, variance)`` by weighted least squares (weights: the number of patches
kept over the variance squared, the inverse variance of a variance estimate), refitted
with the bins far above the line (texture left in them) down-weighted, with ``a >= 0``
and ``b^2 >= 0``.

References
----------
A. Foi, M. Trimeche, V. Katkovnik, K. Egiazarian, "Practical Poissonian-Gaussian noise
modeling and fitting for single-image raw-data", IEEE TIP 17(10), 2008.
"""
from __future__ import annotations

import numpy as np

from restore.core.noise_level import (CONFIDENCE, MAX_PATCHES, PATCH_SIZE, SELECTION_ROUNDS,
                                      centred_patches, patch_grid_step, weak_texture_variance)

#: At most this many intensity bins.
MAX_BINS = 16
#: Patches per bin, at least (fewer bins on small images).
PATCHES_PER_BIN = 2000
#: Refits of the line with the bins far above it down-weighted.
REFITS = 3


def intensity_bin_points(plane, *, size=PATCH_SIZE, max_bins=MAX_BINS,
                         patches_per_bin=PATCHES_PER_BIN, confidence=CONFIDENCE,
                         rounds=SELECTION_ROUNDS, max_patches=MAX_PATCHES):
    """``(means, variances, counts)`` of one 2-D plane's intensity bins: each bin's mean
    intensity over its weakly textured patches, its noise variance, and how many
    patches that rests on.

    Raises
    ------
    ValueError
        If the plane has too few patches for two bins.
    """
    plane = np.asarray(plane, dtype=np.float64)
    step = patch_grid_step(plane.shape, size, max_patches)
    patches, texture, means = centred_patches(plane, size, step, with_means=True)
    n_bins = min(max_bins, patches.shape[0] // patches_per_bin)
    if n_bins < 2:
        raise ValueError(f"a {plane.shape[1]}x{plane.shape[0]} image is too small to estimate "
                         f"Poisson-Gaussian noise: it needs {2 * patches_per_bin} patches of "
                         f"{size}x{size} (about {int(np.sqrt(2 * patches_per_bin)) + size - 1} "
                         "pixels a side); give a larger image or the parameters")
    order = np.argsort(means, kind="stable")
    points = []
    for chunk in np.array_split(order, n_bins):
        variance, kept = weak_texture_variance(patches[chunk], texture[chunk], rounds=rounds,
                                               confidence=confidence, size=size)
        points.append((means[chunk][kept].mean(), variance, np.count_nonzero(kept)))
    return tuple(np.array(column, dtype=np.float64) for column in zip(*points))


def fit_variance_line(means, variances, counts, *, refits=REFITS):
    """``(a, b2)``: the weighted least-squares line ``variance = a mean + b2`` with
    ``a, b2 >= 0``; bins more than two standard errors above the line get their weight
    divided by their squared standardised residual, ``refits`` times."""
    means, variances, counts = (np.asarray(v, dtype=np.float64) for v in
                                (means, variances, counts))
    floor = max(float(np.max(variances)) * 1e-6, 1e-12)
    weights = counts / np.maximum(variances, floor)**2
    a, b2 = _constrained_line(means, variances, weights)
    for _ in range(refits):
        predicted = np.maximum(a * means + b2, floor)
        residual = (variances - predicted) / (predicted * np.sqrt(2 / np.maximum(counts, 1)))
        robust = np.where(residual > 2, (2 / np.maximum(residual, 2))**2, 1.0)
        weights = robust * counts / predicted**2
        a, b2 = _constrained_line(means, variances, weights)
    return a, b2


def _constrained_line(x, y, w):
    """Weighted least squares ``y = a x + c`` with ``a >= 0`` and ``c >= 0``."""
    sw, sx, sy = w.sum(), (w * x).sum(), (w * y).sum()
    sxx, sxy = (w * x * x).sum(), (w * x * y).sum()
    det = sw * sxx - sx * sx
    if det > 1e-12 * sw * sxx:
        a = (sw * sxy - sx * sy) / det
        c = (sy - a * sx) / sw
        if a >= 0 and c >= 0:
            return float(a), float(c)
    candidates = [(0.0, max(sy / sw, 0.0))]
    if sxx > 0:
        candidates.append((max(sxy / sxx, 0.0), 0.0))
    return min(candidates, key=lambda p: float((w * (y - p[0] * x - p[1])**2).sum()))


def estimate_poisson_gaussian(planes, **options):
    """``(a, b)`` of Poisson-Gaussian noise from one or more 2-D planes sharing the model
    (an image's colour channels): the bins of every plane enter one fit. ``options`` go
    to :func:`intensity_bin_points`."""
    columns = [intensity_bin_points(plane, **options) for plane in planes]
    means, variances, counts = (np.concatenate(parts) for parts in zip(*columns))
    a, b2 = fit_variance_line(means, variances, counts)
    return a, float(np.sqrt(b2))
