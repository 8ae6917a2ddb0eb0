"""Noise level of white Gaussian noise from one image: the covariance of weakly textured patches.

Two published ideas, and a correction for the number of patches:

- **Weak-texture selection** (Liu, Tanaka & Okutomi 2013): a patch of pure noise
  ``n ~ N(0, s^2 I)`` has a texture strength ``t = ||D_h n||^2 + ||D_v n||^2`` (its
  squared central differences ``[-1/2, 0, 1/2]`` inside the patch) distributed about as
  ``s^2 Gamma(r/2, 2 tr(D^T D) / r)``, ``r = rank(D^T D)``. Patches whose ``t`` exceeds
  that distribution's :data:`CONFIDENCE` quantile at the current estimate are textured
  and dropped; the estimate is made again on the rest, :data:`SELECTION_ROUNDS` times.
- **The covariance's smallest eigenvalues**: those of the kept patches' covariance are
  the noise variance (plus what texture is left). Liu et al. take the smallest one,
  which sits at the lower edge of the spread that a finite number ``N`` of patches
  gives the noise eigenvalues (``s^2 (1 - sqrt(d/N))^2`` by the Marchenko-Pastur law, 4 %
  low in sigma on a 180x180 image). Here the :data:`FIT_EIGENVALUES` smallest are divided
  by their expected values under that law (``"mp-fit"``), which removes the bias on pure
  noise at any ``N``. Chen, Zhu & Heng (2015)'s statistic, the mean of the smallest
  eigenvalues up to where it is also their median (``"chen"``), and the plain smallest
  eigenvalue (``"min"``) are kept for comparison: on Train400 both were further off
  (``benchmarks/results/noise_estimation_tuning.json``).

Patches are centred (their mean removed), which leaves white noise white in the
orthogonal complement of the constant patch; that direction's zero eigenvalue is
dropped. At most :data:`MAX_PATCHES` patch positions are measured (a regular grid of
positions beyond that), so time and memory are bounded.

References
----------
X. Liu, M. Tanaka, M. Okutomi, "Single-image noise level estimation for blind
denoising", IEEE TIP 22(12), 2013.
G. Chen, F. Zhu, P. A. Heng, "An efficient statistical method for image noise level
estimation", ICCV 2015.
V. A. Marchenko, L. A. Pastur, "Distribution of eigenvalues for some sets of random
matrices", Mat. Sbornik 1967.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

#: Side of the square patches (Liu et al. use 7).
PATCH_SIZE = 7
#: Quantile of the pure-noise texture strength above which a patch counts as textured
#: (Liu et al. use 1 - 1e-6; 0.99 chosen on Train400, ``noise_estimation_tuning.json``:
#: it drops about 2 % of pure-noise patches (the gamma law is an approximation), which
#: makes the estimate about 1 % low on pure noise and offsets the texture that natural
#: images leave in the kept patches).
CONFIDENCE = 0.99
#: Rounds of weak-texture selection after the first estimate on all patches.
SELECTION_ROUNDS = 3
#: At most this many patch positions are measured (a regular grid of positions beyond).
MAX_PATCHES = 2**18
#: Fewest weakly textured patches to trust, per patch dimension; with fewer the previous
#: estimate stands.
MIN_PATCHES_FACTOR = 2
#: Fewest patch positions, per patch dimension, for an estimate (about 20x20 pixels).
MIN_POSITIONS_FACTOR = 4
#: How many of the smallest eigenvalues the ``"mp-fit"`` statistic matches (Train400).
FIT_EIGENVALUES = 4
#: The statistics :func:`patch_variance` knows.
STATISTICS = ("mp-fit", "min", "chen")


@lru_cache(maxsize=8)
def texture_threshold(size=PATCH_SIZE, confidence=CONFIDENCE):
    """The ``confidence`` quantile of the texture strength of a pure-noise patch of
    variance 1: ``Gamma(r/2, scale=2 tr(D^T D) / r).ppf(confidence)``."""
    from scipy.special import gammaincinv

    d = size * size
    rows = []
    for axis in (0, 1):
        for i in range(size - 2 if axis == 0 else size):
            for j in range(size if axis == 0 else size - 2):
                row = np.zeros((size, size))
                if axis == 0:
                    row[i, j], row[i + 2, j] = -0.5, 0.5
                else:
                    row[i, j], row[i, j + 2] = -0.5, 0.5
                rows.append(row.ravel())
    gradient = np.array(rows).reshape(-1, d)
    dtd = gradient.T @ gradient
    rank = np.linalg.matrix_rank(dtd)
    return float(gammaincinv(rank / 2, confidence) * 2 * np.trace(dtd) / rank)


def eigenvalue_statistic(eigenvalues):
    """Chen, Zhu & Heng's noise variance from a covariance's eigenvalues: the mean of the
    smallest ``k`` for the largest ``k`` at which as many of them lie above the mean as
    below it."""
    values = np.sort(np.asarray(eigenvalues, dtype=np.float64))
    means = np.cumsum(values) / np.arange(1, values.size + 1)
    for k in range(values.size, 0, -1):
        head = values[:k]
        if np.count_nonzero(head > means[k - 1]) == np.count_nonzero(head < means[k - 1]):
            return float(means[k - 1])
    return float(values[0])


def has_enough_patches(shape, size=PATCH_SIZE):
    """Whether a plane of ``shape`` has the :data:`MIN_POSITIONS_FACTOR` ``size^2`` patch
    positions an estimate needs (about 20x20 pixels for 7x7 patches)."""
    positions = max(0, shape[0] - size + 1) * max(0, shape[1] - size + 1)
    return positions >= MIN_POSITIONS_FACTOR * size * size


def patch_grid_step(shape, size=PATCH_SIZE, max_patches=MAX_PATCHES):
    """The stride of the patch positions that keeps their number at most ``max_patches``."""
    positions = max(1, (shape[0] - size + 1) * (shape[1] - size + 1))
    return max(1, int(np.ceil(np.sqrt(positions / max_patches))))


def centred_patches(plane, size=PATCH_SIZE, step=1, *, with_means=False):
    """``(patches, texture)``: the ``size x size`` patches of a 2-D plane on a grid of
    ``step``, their mean removed, as float32 rows; and each one's texture strength
    (the sum of its squared central differences, horizontal and vertical, inside it).
    With ``with_means``, ``(patches, texture, means)``: the patches' means too.

    On the full grid (``step`` 1) the means and textures are box sums over the plane; on
    a sparser grid they are computed from the patches themselves (the same values)."""
    plane = np.asarray(plane, dtype=np.float64)
    windows = np.lib.stride_tricks.sliding_window_view(plane.astype(np.float32),
                                                       (size, size))[::step, ::step]
    patches = windows.reshape(-1, size * size)
    if step == 1:
        means = (_box_sums(plane, size, size) / (size * size)).ravel()
        horizontal = (0.5 * (plane[:, 2:] - plane[:, :-2]))**2
        vertical = (0.5 * (plane[2:, :] - plane[:-2, :]))**2
        texture = (_box_sums(horizontal, size, size - 2)
                   + _box_sums(vertical, size - 2, size)).ravel()
    else:
        means = patches.mean(axis=1, dtype=np.float64)
        square = patches.reshape(-1, size, size)
        horizontal = 0.5 * (square[:, :, 2:] - square[:, :, :-2])
        vertical = 0.5 * (square[:, 2:, :] - square[:, :-2, :])
        texture = (np.square(horizontal).sum(axis=(1, 2), dtype=np.float64)
                   + np.square(vertical).sum(axis=(1, 2), dtype=np.float64))
    patches = patches - means.astype(np.float32)[:, None]
    if with_means:
        return patches, texture, means
    return patches, texture


def _box_sums(array, height, width):
    """Sums of ``array`` over every ``height x width`` window (valid positions)."""
    table = np.zeros((array.shape[0] + 1, array.shape[1] + 1))
    table[1:, 1:] = array.cumsum(axis=0).cumsum(axis=1)
    return (table[height:, width:] - table[:-height, width:] - table[height:, :-width]
            + table[:-height, :-width])


@lru_cache(maxsize=64)
def _mp_quantiles(dims, samples):
    ratio = dims / samples
    low, high = (1 - np.sqrt(ratio))**2, (1 + np.sqrt(ratio))**2
    x = np.linspace(low, high, 4097)
    density = np.sqrt(np.maximum((high - x) * (x - low), 0)) / (2 * np.pi * ratio * x)
    cdf = np.concatenate([[0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(x))])
    cdf /= cdf[-1]
    return np.interp((np.arange(dims) + 0.5) / dims, cdf, x)


def marchenko_pastur_quantiles(dims, samples):
    """The expected sorted eigenvalues (ascending) of the sample covariance of ``samples``
    white vectors of variance 1 in ``dims`` dimensions, as Marchenko-Pastur quantiles
    (``samples`` rounded to 3 digits, which caches them; at least ``4 dims``)."""
    return _mp_quantiles(int(dims), max(int(float(f"{samples:.3g}")), 4 * int(dims)))


def patch_variance(patches, statistic="mp-fit"):
    """The noise variance of centred patches (rows), from the eigenvalues of their
    covariance without the constant direction's zero: ``"mp-fit"``, the
    :data:`FIT_EIGENVALUES` smallest over their Marchenko-Pastur expectations; ``"min"``,
    the smallest; ``"chen"``, :func:`eigenvalue_statistic`."""
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {STATISTICS}, got {statistic!r}")
    patches = np.asarray(patches)
    covariance = (patches.T @ patches).astype(np.float64) / max(1, patches.shape[0] - 1)
    eigenvalues = np.linalg.eigvalsh(covariance)[1:]  # ascending; the first is the DC's 0
    if statistic == "min":
        variance = eigenvalues[0]
    elif statistic == "chen":
        variance = eigenvalue_statistic(eigenvalues)
    else:
        expected = marchenko_pastur_quantiles(eigenvalues.size, patches.shape[0])
        variance = eigenvalues[:FIT_EIGENVALUES].sum() / expected[:FIT_EIGENVALUES].sum()
    return float(max(variance, 0.0))


def weak_texture_variance(patches, texture, *, rounds=SELECTION_ROUNDS, confidence=CONFIDENCE,
                          statistic="mp-fit", size=PATCH_SIZE):
    """``(variance, kept)``: the noise variance of centred patches after ``rounds`` of
    weak-texture selection, and the boolean mask of the patches it rests on."""
    kept = np.ones(patches.shape[0], dtype=bool)
    variance = patch_variance(patches, statistic)
    threshold = texture_threshold(size, confidence)
    minimum = MIN_PATCHES_FACTOR * patches.shape[1]
    for _ in range(rounds):
        selected = texture < variance * threshold
        if np.count_nonzero(selected) < minimum:
            break
        new = patch_variance(patches[selected], statistic)
        kept = selected
        if new == variance:
            break
        variance = new
    return variance, kept


def plane_noise_variance(plane, *, size=PATCH_SIZE, rounds=SELECTION_ROUNDS,
                         confidence=CONFIDENCE, statistic="mp-fit", max_patches=MAX_PATCHES):
    """The white Gaussian noise variance of one 2-D plane (see the module's description).

    Raises
    ------
    ValueError
        If the plane is too small (:func:`has_enough_patches`).
    """
    plane = np.asarray(plane, dtype=np.float64)
    if plane.ndim != 2 or not has_enough_patches(plane.shape, size):
        raise ValueError(f"a plane of shape {plane.shape} is too small to estimate the noise "
                         f"from {size}x{size} patches: it needs about {size + 13}x{size + 13} "
                         "pixels")
    step = patch_grid_step(plane.shape, size, max_patches)
    patches, texture = centred_patches(plane, size, step)
    return weak_texture_variance(patches, texture, rounds=rounds, confidence=confidence,
                                 statistic=statistic, size=size)[0]
