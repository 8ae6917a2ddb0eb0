"""Downsampling ``A = S_s H``: blur with a kernel ``H``, keep every ``s``-th pixel; its
x-step in closed form (Zhao et al. 2016) for circular boundaries, conjugate gradients
otherwise; and the antialiasing kernel of MATLAB's ``imresize(x, 1/s, "bicubic")``.

On the fine grid
----------------
``S_s`` maps an ``(s h, s w)`` image to ``(h, w)``; every other operator of
:mod:`restore.operators` keeps the shape, and so do the solvers. The
:class:`Downsample` operator therefore works on the fine grid: the observation
``y`` of ``(h, w)`` pixels is *lifted* to ``S^T y`` (``y`` at the sampled
pixels, zeros elsewhere; :meth:`Downsample.lift`) and ``A`` is ``M H`` with
``M = S^T S`` the mask of the sampled pixels. Because ``S S^T = I``,

.. math::

    \\|M H x - S^T y\\|^2 = \\|S H x - y\\|^2, \\qquad
    (M H)^T (M H) = H^T S^T S H, \\qquad (M H)^T S^T y = H^T S^T y,

so the objective, the x-step system and its solution are exactly those of
``S H`` (the zeros of the lifted observation are ignored, as a mask's
hidden pixels are). :class:`Downsample` is a :class:`~restore.operators.Composite`
``Mask @ Blur``: it composes with ``@``, has the composite's adjoint and
diagonal, and Deep Image Prior fits it through the torch twins unchanged.
:meth:`Downsample.downsample` is the shape-changing ``S H`` itself.

Sampled pixels
--------------
Rows ``r0 + s i`` and columns ``c0 + s j`` with ``(r0, c0) = offset``,
default ``((s - 1) // 2, (s - 1) // 2)``: the pixel whose centre is nearest the
centre of each ``s x s`` block, so that an enlarged image is not shifted
(exactly centred for odd ``s``; for even ``s`` the block centre falls between
pixels and the bicubic kernel of :func:`bicubic_kernel` is built for it).

References
----------
N. Zhao, Q. Wei, A. Basarab, N. Dobigeon, D. Kouame, J.-Y. Tourneret. Fast single
image super-resolution using a new analytical solution for l2-l2 problems. IEEE
Trans. Image Processing 25(8), 2016.
"""
from __future__ import annotations

import numpy as np
import scipy.fft as sfft

from restore.operators.base import CG_TOLERANCE, Composite
from restore.operators.blur import Blur
from restore.operators.pointwise import Mask


def cubic(x):
    """Keys' cubic convolution kernel with ``a = -0.5``, that of MATLAB's ``imresize``."""
    x = np.abs(np.asarray(x, dtype=np.float64))
    near = (1.5 * x - 2.5) * x * x + 1
    far = ((-0.5 * x + 2.5) * x - 4) * x + 2
    return np.where(x <= 1, near, np.where(x < 2, far, 0.0))


def default_offset(scale):
    """Row and column of the first sampled pixel: ``((s - 1) // 2, (s - 1) // 2)``."""
    return ((scale - 1) // 2,) * 2


def bicubic_kernel(scale):
    """The blur of MATLAB's ``imresize(x, 1/scale, "bicubic")`` (antialiasing on), 2-D.

    ``imresize`` computes output pixel ``j`` (0-based) from the input pixels
    ``k`` near ``u = (j + 1/2) s - 1/2`` with the weights ``cubic((k - u) / s)``,
    normalised to sum 1, mirroring the image at its borders (edge pixel repeated).
    With the sampled pixels of :func:`default_offset` that is this separable
    ``(4s + 1) x (4s + 1)`` kernel under :class:`~restore.operators.Blur`'s
    centre convention and ``boundary="reflect"``; the outermost taps of odd
    scales (and one of even scales) are zero. Keys' kernel sums to 1 over
    integer shifts only at ``s = 1``, so the kernel is normalised as
    ``imresize`` normalises its weights.
    """
    scale = check_scale(scale)
    centre, first = 2 * scale, default_offset(scale)[0]
    taps = np.arange(4 * scale + 1)
    profile = cubic((first + centre - taps - (scale - 1) / 2) / scale)
    profile /= profile.sum()
    return np.outer(profile, profile)


def sampling_mask(shape, scale, offset=None):
    """The ``(H, W)`` boolean mask ``M = S^T S`` of the sampled pixels."""
    rows, cols = default_offset(scale) if offset is None else offset
    known = np.zeros(shape, dtype=bool)
    known[rows::scale, cols::scale] = True
    return known


class Downsample(Composite):
    """``A = S_s H`` on the fine grid: blur by ``kernel``, keep the pixels of the grid.

    Parameters
    ----------
    scale : int
        ``s``, at least 2.
    kernel : array_like, (kh, kw)
        ``H``'s point-spread function (:func:`bicubic_kernel` for the standard
        degradation), used as given, centred as in :class:`~restore.operators.Blur`.
    shape : tuple of int
        ``(H, W)`` of the fine images it acts on.
    boundary : {"reflect", "circular"}
        As :class:`~restore.operators.Blur`; ``"reflect"`` is ``imresize``'s.
    offset : tuple of int, optional
        ``(r0, c0)``, the first sampled row and column, each in ``[0, s)``
        (default :func:`default_offset`).

    Notes
    -----
    The x-step ``(lam H^T S^T S H + mu I) x = r`` (``mu = beta c`` for uniform
    patch counts ``c``) has, for a circular ``H`` on a grid whose sides are
    multiples of ``s``, the closed form of Zhao et al. (2016) by the Woodbury
    identity,

    .. math::

        x = \\frac{1}{\\mu} F^{-1}\\Big[\\hat r - \\lambda \\bar K \\odot
        \\mathrm{tile}_s\\Big(\\frac{\\underline{K \\hat r}}{\\mu + \\lambda
        \\underline{|K|^2}}\\Big)\\Big],

    where ``K`` is the kernel's transfer function, ``^`` the 2-D DFT, and
    ``_v_`` the mean of ``v`` over its ``s x s`` aliases (the DFT of a
    decimation; ``S H H^T S^T`` is circulant on the coarse grid with the
    eigenvalues ``_|K|^2_``). The offset is a circular shift, which commutes
    with ``H``. Otherwise (reflect boundary, other sizes, varying counts)
    conjugate gradients run, preconditioned by that closed form with the
    counts' maximum when the sides are multiples of ``s``, else by the diagonal.
    """

    def __init__(self, scale, kernel, shape, *, boundary="reflect", offset=None):
        scale = check_scale(scale)
        shape = tuple(int(n) for n in shape)
        offset = default_offset(scale) if offset is None else tuple(int(o) for o in offset)
        if len(shape) != 2 or min(shape) < 1:
            raise ValueError(f"shape must be (H, W) of the fine image, got {shape}")
        if len(offset) != 2 or not all(0 <= o < scale for o in offset):
            raise ValueError(f"offset must be two integers in [0, {scale}), got {offset}")
        self.scale, self.shape, self.offset = scale, shape, offset
        super().__init__(Mask(sampling_mask(shape, scale, offset)), Blur(kernel, boundary))

    @property
    def kernel(self):
        return self.inner.kernel

    @property
    def boundary(self):
        return self.inner.boundary

    @property
    def coarse_shape(self):
        """``(h, w)``: the number of sampled rows and columns."""
        return tuple(len(range(o, n, self.scale)) for o, n in zip(self.offset, self.shape))

    def __repr__(self):
        kh, kw = self.kernel.shape
        return (f"Downsample(x{self.scale}, {kh}x{kw} kernel, {self.shape[0]}x{self.shape[1]}, "
                f"boundary={self.boundary!r}, offset={self.offset})")

    # ------------------------------------------------------------------ the coarse grid
    def downsample(self, image):
        """``S H x``: the ``(h, w)`` observation of a fine ``(H, W)`` image."""
        self._check(image)
        rows, cols = self.offset
        blurred = self.inner.apply(image)
        return np.ascontiguousarray(blurred[rows::self.scale, cols::self.scale])

    def lift(self, observation):
        """``S^T y``: the ``(h, w)`` observation on the fine grid, zeros between its pixels."""
        observation = np.asarray(observation)
        if observation.shape[:2] != self.coarse_shape:
            raise ValueError(f"the observation has shape {observation.shape[:2]}, but x"
                             f"{self.scale} sampling of a {self.shape[0]}x{self.shape[1]} image "
                             f"keeps {self.coarse_shape[0]}x{self.coarse_shape[1]} pixels")
        dtype = observation.dtype if np.issubdtype(observation.dtype, np.floating) \
            else np.float64
        lifted = np.zeros(self.shape + observation.shape[2:], dtype=dtype)
        rows, cols = self.offset
        lifted[rows::self.scale, cols::self.scale] = observation
        return lifted

    def _check(self, image):
        if image.shape[:2] != self.shape:
            raise ValueError(f"the operator was built for {self.shape[0]}x{self.shape[1]} images, "
                             f"got shape {image.shape}")

    # ------------------------------------------------------------------ the x-step
    def closed_form_applies(self):
        """Whether the exact Fourier x-step applies: circular, sides multiples of ``s``."""
        return self.boundary == "circular" and all(n % self.scale == 0 for n in self.shape)

    def solve_circular(self, rhs, lam, mu):
        """``(lam H^T S^T S H + mu I)^-1 rhs`` for a circular ``H`` (sides multiples of ``s``)."""
        s = self.scale
        height, width = self.shape
        shifted = np.roll(rhs, (-self.offset[0], -self.offset[1]), axis=(0, 1))
        otf = self._full_otf()
        spectrum = sfft.fft2(shifted)
        coarse = _alias_mean(otf * spectrum, s) / (mu + lam * _alias_mean(np.abs(otf) ** 2, s))
        solution = sfft.ifft2(spectrum - lam * np.conj(otf) * np.tile(coarse, (s, s))).real / mu
        return np.roll(solution, self.offset, axis=(0, 1))

    def _full_otf(self):
        """The kernel's full 2-D transfer function on the periodic fine grid (taps of a kernel
        larger than the grid wrap around, as a circular convolution would have them)."""
        if not hasattr(self, "_otf"):
            kh, kw = self.kernel.shape
            rows = (np.arange(kh) - kh // 2) % self.shape[0]
            cols = (np.arange(kw) - kw // 2) % self.shape[1]
            folded = np.zeros(self.shape)
            np.add.at(folded, (rows[:, None], cols[None, :]), self.kernel)
            self._otf = sfft.fft2(folded)
        return self._otf

    def x_step(self, y, z_sum, counts, lam, beta, x0=None, *, tol=CG_TOLERANCE):
        """Solve ``(lam A^T A + beta diag(counts)) x = lam A^T y + beta z_sum`` (``y`` lifted:
        only its sampled pixels count); see the class notes for how."""
        self._check(y)
        counts = np.broadcast_to(np.asarray(counts, dtype=np.float64), y.shape)
        top = float(counts.max())
        divisible = all(n % self.scale == 0 for n in self.shape)
        if self.closed_form_applies() and float(counts.min()) == top:
            rhs = lam * self.adjoint(np.asarray(y, np.float64)) + beta * z_sum
            return self.solve_circular(rhs, lam, beta * top).astype(z_sum.dtype, copy=False)
        if divisible:
            def precondition(r):
                return self.solve_circular(r, lam, beta * top)
        else:
            diagonal = lam * self.normal_diagonal(y.shape) + beta * counts

            def precondition(r):
                return r / diagonal
        return self._conjugate_gradients(y, z_sum, counts, lam, beta, x0, tol, precondition)


def _alias_mean(spectrum, scale):
    """The mean of a fine ``(s h, s w)`` spectrum over its ``s x s`` aliases: ``(h, w)``."""
    height, width = spectrum.shape
    blocks = spectrum.reshape(scale, height // scale, scale, width // scale)
    return blocks.mean(axis=(0, 2))


def check_scale(scale):
    """``scale`` as an int: a TypeError unless an integer, a ValueError below 2."""
    if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, (int, np.integer)):
        raise TypeError(f"the scale must be an integer (2, 3, 4, ...), got "
                        f"{type(scale).__name__} {scale!r}")
    if scale < 2:
        raise ValueError(f"the scale must be at least 2, got {scale}")
    return int(scale)
