"""A convolution with a known kernel, circular or with reflected borders; its x-step is one
FFT division or FFT-preconditioned conjugate gradients."""
from __future__ import annotations

import numpy as np
import scipy.fft as sfft

from restore.operators.base import CG_TOLERANCE, Operator


class Blur(Operator):
    """Convolution with a kernel: ``(A x)[i] = sum_j k[j] x[i + c - j]``.

    The kernel's centre is ``c = (kh // 2, kw // 2)`` (its middle for odd
    sizes), as in ``scipy.ndimage.convolve`` and ``skimage.restoration``.

    Parameters
    ----------
    kernel : array_like, (kh, kw)
        The point-spread function, used as given (not normalised here).
    boundary : {"circular", "reflect"}
        ``"circular"``: the image wraps around (exact FFT model, as in
        synthetic benchmarks). ``"reflect"``: the image is extended by
        mirroring with the edge pixel repeated (``np.pad(mode="symmetric")``,
        scipy.ndimage's ``"reflect"``), the better model for real photos.

    Notes
    -----
    With circular boundaries ``A^T A`` is diagonalised by the 2-D DFT,
    ``A^T A = F^* |K|^2 F``. The x-step matrix ``lam A^T A + beta C`` is then
    inverted by one division in the Fourier domain when ``C = c I``. The
    counts of stride-1 patches that do not wrap around are not uniform (they
    fall from ``p^2`` to 1 towards the corners), so the exact x-step runs
    conjugate gradients preconditioned by
    ``D^-1/2 F^* (lam |K|^2 + beta c_max)^-1 F D^-1/2`` with
    ``D = (lam s + beta C) / (lam s + beta c_max)``, ``s = sum_j k_j^2``
    (the Fourier inverse fixed up so its diagonal matches the true one);
    warm-started from the current estimate it needs a few iterations.
    ``"reflect"`` uses the same (circular) preconditioner.
    """

    BOUNDARIES = ("circular", "reflect")

    def __init__(self, kernel, boundary="circular"):
        kernel = np.asarray(kernel, dtype=np.float64)
        if kernel.ndim != 2 or kernel.size == 0:
            raise ValueError(f"a blur kernel must be a non-empty 2-D array, got shape "
                             f"{kernel.shape}")
        if boundary not in self.BOUNDARIES:
            raise ValueError(f"boundary must be one of {self.BOUNDARIES}, got {boundary!r}")
        self.kernel = kernel
        self.boundary = boundary
        self._otfs = {}

    def __repr__(self):
        return f"Blur({self.kernel.shape[0]}x{self.kernel.shape[1]}, boundary={self.boundary!r})"

    # ------------------------------------------------------------------ Fourier transforms
    def otf(self, shape):
        """The kernel's transfer function on a periodic grid of ``shape`` (rfft2 layout)."""
        key = tuple(shape)
        if key not in self._otfs:
            kh, kw = self.kernel.shape
            if kh > shape[0] or kw > shape[1]:
                raise ValueError(f"the {kh}x{kw} blur kernel is larger than the "
                                 f"{shape[0]}x{shape[1]} image; give a smaller kernel")
            padded = np.zeros(shape)
            padded[:kh, :kw] = self.kernel
            padded = np.roll(padded, (-(kh // 2), -(kw // 2)), axis=(0, 1))
            self._otfs[key] = sfft.rfft2(padded)
        return self._otfs[key]

    def _padding(self):
        """Rows/columns the reflect mode adds before and after: ``((t, b), (l, r))``."""
        kh, kw = self.kernel.shape
        return ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)

    def _circular(self, image, conjugate=False):
        otf = self.otf(image.shape)
        spectrum = sfft.rfft2(image) * (np.conj(otf) if conjugate else otf)
        return sfft.irfft2(spectrum, s=image.shape).astype(image.dtype, copy=False)

    def _linear_grid(self, shape):
        """FFT grid for exact linear convolution of a reflect-padded image."""
        kh, kw = self.kernel.shape
        return (sfft.next_fast_len(shape[0] + 2 * kh - 2, real=True),
                sfft.next_fast_len(shape[1] + 2 * kw - 2, real=True))

    def _kernel_spectrum(self, grid):
        key = ("linear",) + tuple(grid)
        if key not in self._otfs:
            self._otfs[key] = sfft.rfft2(self.kernel, s=grid)
        return self._otfs[key]

    # ------------------------------------------------------------------ the operator
    def apply(self, image):
        if self.boundary == "circular":
            return self._circular(image)
        (top, bottom), (left, right) = self._padding()
        _check_padding(image.shape, top, bottom, left, right)
        padded = np.pad(image, ((top, bottom), (left, right)), mode="symmetric")
        grid = self._linear_grid(image.shape)
        full = sfft.irfft2(sfft.rfft2(padded, s=grid) * self._kernel_spectrum(grid), s=grid)
        kh, kw = self.kernel.shape
        h, w = image.shape
        return full[kh - 1:kh - 1 + h, kw - 1:kw - 1 + w].astype(image.dtype, copy=False)

    def adjoint(self, observation):
        if self.boundary == "circular":
            return self._circular(observation, conjugate=True)
        (top, bottom), (left, right) = self._padding()
        h, w = observation.shape
        _check_padding(observation.shape, top, bottom, left, right)
        kh, kw = self.kernel.shape
        grid = self._linear_grid(observation.shape)
        embedded = np.zeros(grid)
        embedded[kh - 1:kh - 1 + h, kw - 1:kw - 1 + w] = observation
        correlated = sfft.irfft2(sfft.rfft2(embedded) * np.conj(self._kernel_spectrum(grid)),
                                 s=grid)
        padded = correlated[:h + top + bottom, :w + left + right]
        return _fold_symmetric(padded, top, bottom, left, right).astype(observation.dtype,
                                                                        copy=False)

    def normal_diagonal(self, shape):
        if self.boundary == "circular":
            return np.full(shape, np.sum(self.kernel ** 2))
        return self.squared().adjoint(np.ones(shape))

    def squared(self):
        return Blur(self.kernel ** 2, self.boundary)

    # ------------------------------------------------------------------ the x-step
    def x_step(self, y, z_sum, counts, lam, beta, x0=None, *, tol=CG_TOLERANCE):
        counts = np.broadcast_to(np.asarray(counts, dtype=np.float64), y.shape)
        top = float(counts.max())
        fourier_diagonal = lam * np.abs(self.otf(y.shape)) ** 2 + beta * top
        if self.boundary == "circular" and float(counts.min()) == top:
            rhs = lam * self.adjoint(np.asarray(y, np.float64)) + beta * z_sum
            solution = sfft.irfft2(sfft.rfft2(rhs) / fourier_diagonal, s=y.shape)
            return solution.astype(z_sum.dtype, copy=False)
        energy = lam * float(np.sum(self.kernel ** 2))
        scale = 1.0 / np.sqrt((energy + beta * counts) / (energy + beta * top))

        def precondition(r):
            r = r * scale
            return sfft.irfft2(sfft.rfft2(r) / fourier_diagonal, s=r.shape) * scale

        return self._conjugate_gradients(y, z_sum, counts, lam, beta, x0, tol, precondition)


def _check_padding(shape, top, bottom, left, right):
    if max(top, bottom) > shape[0] or max(left, right) > shape[1]:
        raise ValueError(f"the blur kernel needs a margin of {max(top, bottom)}x"
                         f"{max(left, right)} pixels, more than the {shape[0]}x{shape[1]} "
                         "image; give a smaller kernel or a larger image")


def _fold_symmetric(padded, top, bottom, left, right):
    """Adjoint of ``np.pad(x, ((top, bottom), (left, right)), mode="symmetric")``."""
    folded = padded.copy()
    for axis, before, after in ((0, top, bottom), (1, left, right)):
        folded = np.moveaxis(folded, axis, 0)
        size = folded.shape[0] - before - after
        core = folded[before:before + size].copy()
        if before:
            core[:before] += folded[before - 1::-1]
        if after:
            core[size - after:] += folded[before + size:][::-1]
        folded = np.moveaxis(core, 0, axis)
    return folded
