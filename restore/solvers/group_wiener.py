"""A second, oracle stage after EPLL: the empirical Wiener filter of block-matched groups
(the second step of NL-Bayes, Lebrun, Buades & Morel 2013, with the EPLL result as pilot).

For reference patches on a grid, block matching on the pilot ``u`` finds the
``K`` nearest patches in a window. With ``U`` (``K x d``) the group's pilot patches,
``mu`` their mean and ``C = (U - mu)^T (U - mu) / K = V diag(lambda) V^T``, each
member ``y_k`` of the noisy group becomes

    x_k = mu + V diag(lambda / (lambda + s_k^2)) V^T (y_k - mu),

``s_k^2`` the noise variance of patch ``k`` (one number, or the mean of a noise map
over the patch). Every estimate of a pixel is averaged. The pilot supplies what the
noisy patches cannot: which patches are alike and the group's covariance.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Optional

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from threadpoolctl import threadpool_limits

#: Eigenvalues below this fraction of a group's largest are treated as zero.
EIGENVALUE_FLOOR = 1e-9

#: The groups' arithmetic (their covariances are small and well scaled).
WORKING_DTYPE = np.float32

#: Groups filtered per batch, over the channels for joint groups: a batch of ``K x K`` Gram
#: matrices and ``K x d`` patches per group stays in cache and bounds memory
#: (docs/tuning.md#pilot-schedule, its last paragraph).
GROUPS_PER_BATCH = 128


@dataclass(frozen=True)
class GroupWiener:
    """The oracle stage's settings, chosen on Train400 and BSDS500-test
    (docs/tuning.md, "Oracle stage")."""

    patch_size: int = 8
    #: Reference patches every ``stride`` pixels (the last row and column always).
    stride: int = 4
    #: Block matching looks ``radius`` pixels each way from the reference.
    radius: int = 16
    #: Patches per group, the reference included.
    group_size: int = 32
    #: Times the stage runs, each on the last result as its pilot.
    passes: int = 1
    #: Block-match every pass's pilot; False: the later passes filter the first one's groups.
    rematch: bool = True
    #: Passes of other settings that refine this stage's result in turn (None: none).
    then: Optional["GroupWiener"] = None

    def __post_init__(self):
        for name in ("patch_size", "stride", "group_size", "passes"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"GroupWiener {name} must be at least 1, "
                                 f"got {getattr(self, name)}")
        if int(self.radius) < 0:
            raise ValueError(f"GroupWiener radius must be at least 0, got {self.radius}")
        if self.then is not None and not isinstance(self.then, GroupWiener):
            raise ValueError(f"GroupWiener then must be a GroupWiener or None, got "
                             f"{self.then!r}")

    def reach(self):
        """How far (pixels) an output pixel's value depends on the pilot and the image: its
        patches' groups have references ``radius`` away, whose own search looks ``radius``
        further; each pass as far again, then the reach of :attr:`then`."""
        return (self.passes * (2 * self.radius + 2 * self.patch_size)
                + (0 if self.then is None else self.then.reach()))

    def __call__(self, noisy, pilot, noise_var):
        """Refine ``pilot`` (EPLL's result) of the ``noisy`` image, 2-D or ``(H, W, C)``
        (:func:`group_wiener`), :attr:`passes` times, then by :attr:`then`; ``noise_var``
        a number or, for a 2-D image, a per-pixel map of its shape. Returns float32 (or
        noisy's float64)."""
        groups = None
        for _ in range(self.passes):
            pilot, matched = filter_pass(noisy, pilot, noise_var, self,
                                         None if self.rematch else groups)
            groups = matched if groups is None else groups
        return pilot if self.then is None else self.then(noisy, pilot, noise_var)


def reference_corners(length, patch_size, stride):
    """Corners every ``stride`` pixels along an axis, the last one always included."""
    last = length - patch_size
    return np.unique(np.concatenate([np.arange(0, last + 1, stride), [last]]))


def match_groups(pilot, settings):
    """Block-match the pilot: ``(rows, cols)`` corners of each group, ``(n_groups, K)``."""
    from restore.solvers._block_matching import nearest_patches

    p, radius = settings.patch_size, settings.radius
    height, width = pilot.shape
    candidates = (min(radius, height - p) + 1) * (min(radius, width - p) + 1)
    return nearest_patches(np.ascontiguousarray(pilot, dtype=np.float32),
                           reference_corners(height, p, settings.stride),
                           reference_corners(width, p, settings.stride), p, radius,
                           min(settings.group_size, candidates))


def patch_mean_variance(noise_var, shape, p):
    """Each patch corner's noise variance, the map's mean over the patch; None for a number
    or a constant map (the scalar path)."""
    if np.ndim(noise_var) == 0:
        return None
    noise_var = np.asarray(noise_var, dtype=np.float64)
    if noise_var.shape != shape:
        raise ValueError(f"noise map of shape {noise_var.shape} does not match the image's "
                         f"{shape}; give one standard deviation per pixel")
    if np.ptp(noise_var) == 0:
        return None  # a constant map: the scalar path, exactly
    return sliding_window_view(noise_var, (p, p)).mean(axis=(2, 3))


def filter_groups(noisy_groups, pilot_groups, member_var):
    """The empirical Wiener estimate of each member, ``(n, K, d)`` arrays in and out (run
    under a one-thread BLAS limit: many small problems);
    ``member_var`` the noise variance of each member, ``(n, K)``, or of each group's
    members alike, ``(n, 1)``."""
    mean = pilot_groups.mean(axis=1, keepdims=True)
    return filter_centred(noisy_groups - mean, pilot_groups - mean, mean, member_var)


def filter_centred(noisy, centred, mean, member_var):
    """:func:`filter_groups` of groups given centred on their pilot patches' ``mean``
    (``(n, 1, d)``): ``noisy`` and ``centred`` are the noisy and pilot members less it.

    ``C`` has rank below ``K``, so everything is computed in the ``K``-dimensional span
    of the centred pilot patches ``D = U - mu``. One variance per group: by the push-through
    identity ``C (C + s^2 I)^{-1} = D^T (D D^T + K s^2 I)^{-1} D``, a ``K x K`` solve. One per
    member: the eigenpairs of ``C`` from the Gram matrix ``D D^T / K = Q diag(lambda) Q^T``,
    ``v_j = D^T q_j / sqrt(K lambda_j)``."""
    size = centred.shape[1]
    gram = np.matmul(centred, centred.transpose(0, 2, 1))
    if member_var.shape[1] == 1:
        from restore.solvers._group_filter import ridge_solve

        ridge = size * member_var[:, 0].astype(np.float64)
        projections = np.matmul(centred, noisy.transpose(0, 2, 1))
        transposed = np.empty_like(gram)  # W^T
        ok = ridge_solve(gram, projections, ridge, transposed)
        if not ok.all():  # Cholesky met rounding at a negligible ridge: LU there
            regularised = gram[~ok] + ridge[~ok, None, None] * np.eye(size)
            transposed[~ok] = np.linalg.solve(
                regularised, projections[~ok].astype(np.float64)).transpose(0, 2, 1)
        out = np.matmul(transposed, centred)
        out += mean
        return out
    eigenvalues, vectors = np.linalg.eigh(gram / size)
    kept = eigenvalues > EIGENVALUE_FLOOR * np.maximum(eigenvalues[:, -1:], 1e-30)
    eigenvalues = np.where(kept, eigenvalues, 0.0)
    scale = np.where(kept, 1 / np.sqrt(size * np.where(kept, eigenvalues, 1.0)), 0.0)
    basis = np.matmul(centred.transpose(0, 2, 1), vectors) * scale[:, None, :]  # (n, d, K)
    gains = eigenvalues[:, None, :] / (eigenvalues[:, None, :] + member_var[:, :, None])
    coefficients = np.matmul(noisy, basis) * gains
    return mean + np.matmul(coefficients, basis.transpose(0, 2, 1))


def reference_bands(ref_rows, n_cols, settings):
    """Group index ranges ``[(start, stop)]`` of bands of reference rows, each band
    ``2 radius + p`` pixels tall: two bands apart never touch the same pixel (a group's
    members lie ``radius`` rows from its reference, and reach ``p - 1`` rows below)."""
    height = 2 * settings.radius + settings.patch_size
    band = np.asarray(ref_rows) // height
    edges = np.flatnonzero(np.diff(band)) + 1
    starts = np.concatenate([[0], edges]) * n_cols
    stops = np.concatenate([edges, [len(band)]]) * n_cols
    return list(zip(starts.tolist(), stops.tolist()))


def run_bands(function, bands):
    """``function(start, stop)`` on every band: the even ones on numba's thread count at
    once, then the odd ones, so no two running bands add into the same pixel and each
    pixel's sum runs in the same order on any thread count."""
    import numba

    workers = numba.get_num_threads()
    for parity in (0, 1):
        chosen = bands[parity::2]
        if workers == 1 or len(chosen) <= 1:
            for band in chosen:
                function(*band)
            continue
        with ThreadPoolExecutor(min(workers, len(chosen)),
                                thread_name_prefix="group-wiener") as pool:
            for _ in pool.map(lambda band: function(*band), chosen):
                pass


def group_wiener(noisy, pilot, noise_var, settings=GroupWiener()):
    """One pass of :class:`GroupWiener` on a 2-D image, or jointly on the channels of an
    ``(H, W, C)`` one (patches of ``C p^2`` values, groups matched on the pilot's channel
    mean, one noise variance for every channel): every estimate of a pixel averaged; pixels
    in no group (none, the grid covering every pixel) keep the pilot's value."""
    return filter_pass(noisy, pilot, noise_var, settings)[0]


def filter_pass(noisy, pilot, noise_var, settings, groups=None):
    """:func:`group_wiener` on the ``groups`` given (``(rows, cols)`` corners, as
    :func:`match_groups` returns them), or on those matched on ``pilot``. Returns the
    estimate and the groups (None where the image is smaller than a patch)."""
    from restore.solvers._group_filter import add_patches, average_estimates, centred_groups

    noisy = np.asarray(noisy)
    dtype = noisy.dtype if noisy.dtype == np.float64 else np.float32
    p = settings.patch_size
    if min(noisy.shape[:2]) < p:
        return np.asarray(pilot, dtype=dtype), None
    if noisy.ndim == 3 and np.ndim(noise_var) != 0:
        raise ValueError("the joint group Wiener filter of channels takes one noise variance; "
                         "filter the planes one by one under a noise map")
    pilot = np.asarray(pilot, dtype=WORKING_DTYPE)
    rows, cols = (match_groups(pilot if noisy.ndim == 2 else pilot.mean(axis=2), settings)
                  if groups is None else groups)
    size = rows.shape[1]
    mapped_var = patch_mean_variance(noise_var, noisy.shape, p)
    group_var = None if mapped_var is not None else np.max(noise_var)
    height, width = noisy.shape[:2]
    channels = 1 if noisy.ndim == 2 else noisy.shape[2]
    # channels-last, the channels folded into the rows: a patch row is one run of values
    noisy_rows = np.ascontiguousarray(noisy, dtype=WORKING_DTYPE).reshape(height, -1)
    pilot_rows = np.ascontiguousarray(pilot).reshape(height, -1)
    ref_rows = reference_corners(height, p, settings.stride)
    n_cols = len(reference_corners(width, p, settings.stride))
    total = np.zeros((height, width, channels))
    count = np.zeros((height, width))
    batch = max(1, GROUPS_PER_BATCH // channels)
    d = channels * p * p

    def filter_band(start, stop):
        centred = np.empty((batch, size, d), dtype=WORKING_DTYPE)
        centred_noisy, mean = np.empty_like(centred), np.empty((batch, 1, d), WORKING_DTYPE)
        for first in range(start, stop, batch):
            last = min(stop, first + batch)
            r, c, m = rows[first:last], cols[first:last], last - first
            centred_groups(noisy_rows, pilot_rows, r, c, p, centred[:m], centred_noisy[:m],
                           mean[:m])
            member_var = (np.full((m, 1), group_var, dtype=WORKING_DTYPE)
                          if mapped_var is None else mapped_var[r, c].astype(WORKING_DTYPE))
            estimates = filter_centred(centred_noisy[:m], centred[:m], mean[:m], member_var)
            add_patches(total.reshape(height, -1), count, estimates, r, c, p)

    with threadpool_limits(1, user_api="blas"):  # many small problems: threads over bands
        run_bands(filter_band, reference_bands(ref_rows, n_cols, settings))
    estimate = np.empty((height, width, channels), dtype=dtype)
    average_estimates(total, count, pilot.reshape(height, width, channels), estimate)
    return estimate.reshape(noisy.shape), (rows, cols)
