"""A blur whose borders are unknown: ``A = M H`` on a domain extended by the kernel, ``H`` a
circular blur there and ``M`` the crop to the pixels whose blur lies inside the image
(Almeida & Figueiredo 2013). Its x-step is conjugate gradients preconditioned by the
circular FFT division."""
from __future__ import annotations

import numpy as np
import scipy.fft as sfft

from restore.operators.base import CG_TOLERANCE, Composite
from restore.operators.blur import Blur
from restore.operators.pointwise import Mask


class CroppedBlur(Composite):
    """``A = M H``: blur an extended image circularly, keep the pixels that did not wrap.

    The unknown image lives on a grid of at least ``(H + kh - 1) x (W + kw - 1)``
    pixels (rounded up to fast FFT sizes, the extra rows and columns at the bottom and
    right); ``H`` is the circular blur on that grid and ``M`` keeps the ``H x W``
    pixels whose kernel support does not wrap around: the observed image. Nothing is
    assumed about the scene outside the image; the pixels there are unknowns that only
    the prior constrains. With the kernel's centre ``c = (kh // 2, kw // 2)`` (as
    :class:`~restore.operators.Blur`), the observed pixels start at row ``kh - 1 - c_0``
    and column ``kw - 1 - c_1`` of the grid (:attr:`interior`).

    Parameters
    ----------
    kernel : array_like, (kh, kw)
        The point-spread function, used as given.
    shape : tuple of int
        ``(H, W)``, the observed image's shape.

    Notes
    -----
    Operators map the grid to itself: an observation ``y`` is an image of the grid's
    shape whose values outside :attr:`interior` are ignored (:meth:`extend` puts an
    observed image there). The x-step matrix ``lam H^T M H + beta C`` is not
    diagonalised by the DFT (``M`` is not a circulant), so it runs conjugate gradients
    preconditioned by ``D^-1/2 F^* (lam |K|^2 + beta c_max)^-1 F D^-1/2`` with
    ``D = (lam diag(H^T M H) + beta C) / (lam s + beta c_max)``, ``s = sum_j k_j^2``: the
    circular blur's FFT division with its diagonal set to the true one, which near the
    borders has a weaker data term (no observation covers the outer pixels).

    References
    ----------
    M. S. C. Almeida and M. A. T. Figueiredo, "Deconvolving images with unknown
    boundaries using the alternating direction method of multipliers", IEEE Trans.
    Image Processing 22(8), 2013.
    """

    def __init__(self, kernel, shape):
        blur = Blur(kernel, "circular")
        height, width = (int(n) for n in shape)
        kh, kw = blur.kernel.shape
        if height < 1 or width < 1:
            raise ValueError(f"the observed image must have at least one pixel, got shape "
                             f"{tuple(shape)}")
        self.observed_shape = (height, width)
        self.grid = (sfft.next_fast_len(height + kh - 1, real=True),
                     sfft.next_fast_len(width + kw - 1, real=True))
        top, left = kh - 1 - kh // 2, kw - 1 - kw // 2
        self.interior = (slice(top, top + height), slice(left, left + width))
        known = np.zeros(self.grid, dtype=bool)
        known[self.interior] = True
        super().__init__(Mask(known), blur)

    def __repr__(self):
        kh, kw = self.inner.kernel.shape
        return (f"CroppedBlur({kh}x{kw}, {self.observed_shape[0]}x{self.observed_shape[1]} "
                f"observed on {self.grid[0]}x{self.grid[1]})")

    # ------------------------------------------------------------------ the domains
    def extend(self, observed):
        """An observed ``(H, W)`` image placed on the grid, mirrored outwards
        (``np.pad(mode="symmetric")``): the pad's values are ignored by ``A``, but
        starting points computed from the extended image see plausible borders."""
        observed = np.asarray(observed)
        if observed.shape != self.observed_shape:
            raise ValueError(f"the operator observes {self.observed_shape} pixels but the "
                             f"image has shape {observed.shape}")
        rows, cols = self.interior
        pad = ((rows.start, self.grid[0] - rows.stop), (cols.start, self.grid[1] - cols.stop))
        return np.pad(observed, pad, mode="symmetric")

    def crop(self, image):
        """The observed part of an image on the grid."""
        return image[self.interior]

    # ------------------------------------------------------------------ the x-step
    def x_step(self, y, z_sum, counts, lam, beta, x0=None, *, tol=CG_TOLERANCE):
        counts = np.broadcast_to(np.asarray(counts, dtype=np.float64), y.shape)
        blur = self.inner
        top = float(counts.max())
        fourier_diagonal = lam * np.abs(blur.otf(y.shape)) ** 2 + beta * top
        energy = lam * float(np.sum(blur.kernel ** 2))
        diagonal = lam * self.normal_diagonal(y.shape) + beta * counts
        scale = np.sqrt((energy + beta * top) / diagonal)

        def precondition(r):
            r = r * scale
            return sfft.irfft2(sfft.rfft2(r) / fourier_diagonal, s=r.shape) * scale

        return self._conjugate_gradients(y, z_sum, counts, lam, beta, x0, tol, precondition)

