"""Stationary correlated Gaussian noise: ``n = sigma * c``, ``c`` of unit variance with the
autocorrelation ``r`` (``E[c_i c_j] = r[i - j]``, ``r[0] = 1``).

Camera noise is correlated between neighbouring pixels (demosaicing, in-camera
processing). :class:`CorrelatedNoise` holds ``sigma`` and the correlation ``r`` on lags
``|dy|, |dx| <= radius``; from them come

* :meth:`CorrelatedNoise.psd`: the normalised power spectrum ``P = F[r]`` on any periodic
  grid (mean 1; white noise has ``P = 1``), used by the x-step
  (:class:`restore.operators.CorrelatedData`);
* :meth:`CorrelatedNoise.patch_covariance`: ``Chat``, the ``(p^2, p^2)`` correlation of a
  patch's noise (``r`` at the lags between its pixels), used by the z-step
  (:mod:`priors.gmm_correlated`);
* :meth:`CorrelatedNoise.bm3d_psd`: the same spectrum in ``bm3d``'s ``sigma_psd``
  convention.

Power spectra follow ``bm3d``: an ``(M, N)`` array in FFT order (zero frequency at
``[0, 0]``) with ``mean(psd) = sigma^2 M N``; for ``n = sigma (k * w) / ||k||`` (``w``
white, unit variance, circular convolution) it is ``sigma^2 M N |F[k]|^2 / ||k||^2``.
White noise of level sigma is the constant ``sigma^2 M N``, as ``bm3d`` makes of a scalar.
"""
from __future__ import annotations

import numpy as np

#: Largest lag kept from a power spectrum's autocorrelation (a kernel keeps all of its).
PSD_RADIUS = 16


class CorrelatedNoise:
    """Stationary Gaussian noise of standard deviation ``sigma`` (the [0, 1] scale) and
    spatial correlation ``correlation`` (an odd ``(2R+1, 2R+1)`` array centred on lag 0,
    symmetric, 1 at the centre; see the module docstring).

    Build it from the filter that made the noise, :meth:`from_kernel`, or from a power
    spectrum, :meth:`from_psd` (``CorrelatedNoise(psd=...)`` does the same).
    A colour image's noise has this correlation in each channel, independently.
    """

    def __init__(self, correlation=None, sigma=None, *, psd=None):
        if psd is not None:
            if correlation is not None:
                raise ValueError("give either the correlation or psd=, not both")
            made = CorrelatedNoise.from_psd(psd, sigma)
            correlation, sigma = made.correlation, made.sigma
        if correlation is None or sigma is None:
            raise ValueError("CorrelatedNoise needs a correlation and sigma, or psd=; or use "
                             "CorrelatedNoise.from_kernel(kernel, sigma)")
        r = np.array(correlation, dtype=np.float64)
        if r.ndim != 2 or r.shape[0] % 2 == 0 or r.shape[1] % 2 == 0:
            raise ValueError(f"the correlation must be a 2-D array of odd sizes centred on lag "
                             f"0, got shape {r.shape}")
        if not np.all(np.isfinite(r)) or not np.allclose(r, r[::-1, ::-1], atol=1e-9):
            raise ValueError("the correlation must be finite and symmetric (r[-l] = r[l])")
        centre = r[r.shape[0] // 2, r.shape[1] // 2]
        if not centre > 0:
            raise ValueError(f"the correlation at lag 0 must be positive, got {centre}")
        sigma = float(sigma)
        if not (np.isfinite(sigma) and sigma > 0):
            raise ValueError(f"sigma must be a positive number, got {sigma}")
        self.correlation = r / centre
        self.sigma = sigma

    def __repr__(self):
        return (f"CorrelatedNoise(sigma={self.sigma:.4g}, correlation "
                f"{self.correlation.shape[0]}x{self.correlation.shape[1]})")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_kernel(cls, kernel, sigma):
        """The noise ``sigma (k * w) / ||k||`` of white unit noise ``w`` filtered by ``k``
        (any 2-D kernel, not all zero; scaled here so the noise has standard deviation
        ``sigma``)."""
        k = np.asarray(kernel, dtype=np.float64)
        if k.ndim != 2 or k.size == 0 or not np.all(np.isfinite(k)) or not np.any(k):
            raise ValueError(f"the noise kernel must be a finite, non-zero 2-D array, got "
                             f"shape {k.shape}")
        from scipy.signal import correlate2d

        return cls(correlate2d(k, k, mode="full") / np.sum(k * k), sigma)

    @classmethod
    def from_psd(cls, psd, sigma=None):
        """The noise of a power spectrum in ``bm3d``'s convention (module docstring): an
        ``(M, N)`` array, FFT order, non-negative, ``mean(psd) = sigma^2 M N``. ``sigma``
        given: the spectrum's shape at that level instead. Lags beyond ``PSD_RADIUS`` are
        dropped."""
        psd = np.asarray(psd, dtype=np.float64)
        if psd.ndim == 3 and psd.shape[2] == 1:
            psd = psd[..., 0]
        if psd.ndim != 2 or min(psd.shape) < 3:
            raise ValueError(f"the noise power spectrum must be a 2-D array of at least 3x3, "
                             f"got shape {psd.shape}")
        if not np.all(np.isfinite(psd)) or psd.min() < 0 or not psd.max() > 0:
            raise ValueError("the noise power spectrum must be finite, non-negative and not "
                             "all zero")
        height, width = psd.shape
        if sigma is None:
            sigma = np.sqrt(psd.mean() / (height * width))
        autocovariance = np.real(np.fft.ifft2(psd))
        ry, rx = min(PSD_RADIUS, (height - 1) // 2), min(PSD_RADIUS, (width - 1) // 2)
        shifted = np.roll(autocovariance, (ry, rx), axis=(0, 1))[:2 * ry + 1, :2 * rx + 1]
        return cls((shifted + shifted[::-1, ::-1]) / 2, sigma)

    # ------------------------------------------------------------------ derived
    @property
    def radius(self):
        """``(Ry, Rx)``: the largest lags of :attr:`correlation`."""
        return self.correlation.shape[0] // 2, self.correlation.shape[1] // 2

    def scaled(self, factor):
        """The same correlation at ``factor * sigma`` (an opponent colour plane)."""
        return CorrelatedNoise(self.correlation, self.sigma * float(factor))

    def psd(self, shape):
        """The normalised power spectrum ``P`` on a periodic ``shape`` grid, FFT order, mean 1
        (where the grid holds every lag), clipped below at 1e-4 (a truncated correlation)."""
        height, width = int(shape[0]), int(shape[1])
        ry, rx = self.radius
        grid = np.zeros((height, width))
        for dy in range(-ry, ry + 1):  # lags wrap (and add up) on grids smaller than 2R+1
            for dx in range(-rx, rx + 1):
                grid[dy % height, dx % width] += self.correlation[dy + ry, dx + rx]
        return np.maximum(np.real(np.fft.fft2(grid)), 1e-4)

    def bm3d_psd(self, shape):
        """The spectrum for ``bm3d.bm3d(z, sigma_psd=...)`` on an image of ``shape``."""
        return self.psd(shape) * self.sigma ** 2 * shape[0] * shape[1]

    def patch_covariance(self, patch_size):
        """``Chat``, ``(p^2, p^2)``: the noise correlation between the pixels of a patch
        (row-major), ``r`` at their lags (0 beyond the correlation's radius)."""
        p = int(patch_size)
        ry, rx = self.radius
        padded = np.zeros((2 * p - 1, 2 * p - 1))
        cy, cx = min(ry, p - 1), min(rx, p - 1)
        padded[p - 1 - cy:p + cy, p - 1 - cx:p + cx] = \
            self.correlation[ry - cy:ry + cy + 1, rx - cx:rx + cx + 1]
        rows, cols = np.divmod(np.arange(p * p), p)
        return padded[rows[:, None] - rows[None, :] + p - 1, cols[:, None] - cols[None, :] + p - 1]

    def half_resolution(self):
        """The noise of the 2x2 block means (:func:`restore.recipes.colour.
        restore_at_half_resolution`): ``r'(l) = sum_{u, v} r(2 l + u - v) / 16`` over the
        block's offsets, normalised; its sigma follows (``sigma / 2`` for white noise)."""
        weights = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]) / 16  # counts of u - v
        ry, rx = self.radius
        qy, qx = (ry + 1) // 2, (rx + 1) // 2
        padded = np.pad(self.correlation, ((2 * qy + 1 - ry,) * 2, (2 * qx + 1 - rx,) * 2))
        cy, cx = padded.shape[0] // 2, padded.shape[1] // 2
        coarse = np.zeros((2 * qy + 1, 2 * qx + 1))
        for ly in range(-qy, qy + 1):
            for lx in range(-qx, qx + 1):
                y, x = cy + 2 * ly, cx + 2 * lx
                coarse[ly + qy, lx + qx] = np.sum(weights * padded[y - 1:y + 2, x - 1:x + 2])
        return CorrelatedNoise(coarse, self.sigma * np.sqrt(coarse[qy, qx]))

    def is_white(self, tolerance=1e-9):
        """Whether the correlation is 1 at lag 0 and 0 elsewhere."""
        off = self.correlation.copy()
        off[self.radius] = 0.0
        return bool(np.max(np.abs(off)) <= tolerance)
