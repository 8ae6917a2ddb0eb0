"""Degradation operators ``A`` of ``y = A x + n``: apply, adjoint and the EPLL x-step.

Every operator maps an image ``x`` of shape ``(H, W)`` to an observation of
the same shape and provides

* :meth:`Operator.apply`: ``A x``;
* :meth:`Operator.adjoint`: ``A^T y``, so that ``<A x, y> = <x, A^T y>``;
* :meth:`Operator.x_step`: the image update of EPLL's half-quadratic
  splitting, the solution of

  .. math::

      (\\lambda A^T A + \\beta C)\\, x = \\lambda A^T y + \\beta\\, z_{sum},

  with ``C = diag(counts)`` (how many patches cover each pixel,
  ``sum_i P_i^T P_i``) and ``z_sum = sum_i P_i^T z_i`` (the denoised patches
  put back and summed).

How the x-step is solved:

==========================  ==================================================
:class:`Identity`           closed form, per pixel (the system is diagonal)
:class:`Mask`               closed form, per pixel (the system is diagonal)
:class:`Blur`, circular     one FFT division when ``counts`` is uniform (then
                            the matrix is a circulant); otherwise conjugate
                            gradients preconditioned by that FFT division with
                            the counts' maximum and a diagonal correction
:class:`Blur`, reflect      conjugate gradients with the same preconditioner
:class:`Composite`          conjugate gradients with a Jacobi preconditioner
==========================  ==================================================

Operators compose with ``@`` in the order of matrix products:
``Mask(known) @ Blur(kernel)`` blurs, then drops the unknown pixels.
"""
from __future__ import annotations

import numpy as np
import scipy.fft as sfft
from scipy.sparse.linalg import LinearOperator, cg

#: Relative residual at which conjugate gradients stop, by default.
CG_TOLERANCE = 1e-5
#: Most conjugate-gradient iterations per x-step.
CG_MAX_ITERATIONS = 200


class Operator:
    """A linear degradation ``A`` acting on 2-D images.

    Subclasses implement :meth:`apply`, :meth:`adjoint`,
    :meth:`normal_diagonal` and :meth:`squared`; the default
    :meth:`x_step` runs Jacobi-preconditioned conjugate gradients, which is
    right for any operator, and subclasses replace it by something faster
    where the structure allows.
    """

    def apply(self, image):
        """``A x``."""
        raise NotImplementedError

    def adjoint(self, observation):
        """``A^T y``."""
        raise NotImplementedError

    def normal(self, image):
        """``A^T A x``."""
        return self.adjoint(self.apply(image))

    def normal_diagonal(self, shape):
        """The diagonal of ``A^T A`` as an image of ``shape``, for preconditioning.

        Exact for :class:`Identity`, :class:`Mask`, circular :class:`Blur` and
        their :class:`Composite` under a mask; a reflect :class:`Blur` gives the
        interior value ``sum_j k_j^2`` corrected only approximately near the
        borders (where mirrored kernel taps land on the same pixel).
        """
        raise NotImplementedError

    def squared(self):
        """The operator whose matrix entries are those of ``A`` squared.

        Used for diagonals of products: when ``B^T B`` is diagonal,
        ``diag(A^T B^T B A) = squared(A)^T diag(B^T B)``. For a reflect
        :class:`Blur` it is the blur by the squared kernel, which differs
        from the entry-wise square near the borders.
        """
        raise NotImplementedError

    def __matmul__(self, inner):
        """``self @ inner``: first ``inner``, then ``self``."""
        if not isinstance(inner, Operator):
            return NotImplemented
        return Composite(self, inner)

    def x_step(self, y, z_sum, counts, lam, beta, x0=None, *, tol=CG_TOLERANCE):
        """Solve ``(lam A^T A + beta diag(counts)) x = lam A^T y + beta z_sum``.

        Parameters
        ----------
        y : ndarray, (H, W)
            The observation.
        z_sum : ndarray, (H, W)
            ``sum_i P_i^T z_i``, the patch estimates put back and summed.
        counts : ndarray, (H, W), or float
            Patches covering each pixel (``sum_i P_i^T P_i``), positive.
        lam, beta : float
            Weights of the data term and of the patch term.
        x0 : ndarray, optional
            Starting point of iterative solvers (the current estimate).
        tol : float
            Relative residual at which iterative solvers stop.

        Returns
        -------
        ndarray, (H, W)
            The solution, in the dtype of ``z_sum``.
        """
        counts = np.broadcast_to(np.asarray(counts, dtype=np.float64), y.shape)
        diagonal = lam * self.normal_diagonal(y.shape) + beta * counts
        return self._conjugate_gradients(y, z_sum, counts, lam, beta, x0, tol,
                                         lambda r: r / diagonal)

    def _conjugate_gradients(self, y, z_sum, counts, lam, beta, x0, tol, precondition):
        """Preconditioned CG on the x-step system; ``precondition(r)`` approximates
        the inverse of the system matrix on an image ``r``."""
        shape, n = y.shape, y.size

        def matvec(v):
            image = v.reshape(shape)
            return (lam * self.normal(image) + beta * counts * image).ravel()

        system = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
        preconditioner = LinearOperator((n, n), dtype=np.float64,
                                        matvec=lambda v: precondition(v.reshape(shape)).ravel())
        rhs = (lam * self.adjoint(np.asarray(y, np.float64)) + beta * z_sum).ravel()
        start = None if x0 is None else np.asarray(x0, np.float64).ravel()
        solution, _ = cg(system, rhs, x0=start, rtol=tol, atol=0.0, maxiter=CG_MAX_ITERATIONS,
                         M=preconditioner)
        return solution.reshape(shape).astype(z_sum.dtype, copy=False)


class Identity(Operator):
    """``A = I`` (denoising). The x-step is per pixel:
    ``x = (lam y + beta z_sum) / (lam + beta counts)``."""

    def apply(self, image):
        return image

    def adjoint(self, observation):
        return observation

    def normal_diagonal(self, shape):
        return np.ones(shape)

    def squared(self):
        return self

    def x_step(self, y, z_sum, counts, lam, beta, x0=None, *, tol=CG_TOLERANCE):
        return (lam * y + beta * z_sum) / (lam + beta * counts)

    def __repr__(self):
        return "Identity()"


class Mask(Operator):
    """``A = diag(m)``: keep the known pixels, zero the missing ones (inpainting).

    Parameters
    ----------
    known : array_like of bool, (H, W)
        ``True`` (or 1) where the pixel is observed, ``False`` (0) where it is
        missing. The observation's values at missing pixels are ignored.

    Notes
    -----
    The x-step is per pixel: ``x = (lam m y + beta z_sum) / (lam m + beta
    counts)``; a missing pixel becomes the average of its patch estimates.
    """

    def __init__(self, known):
        known = np.asarray(known)
        if known.ndim != 2:
            raise ValueError(f"a mask must be 2-D (H, W), got shape {known.shape}")
        self.known = known.astype(bool)
        self._weights = self.known.astype(np.float64)

    def _check(self, image):
        if image.shape != self.known.shape:
            raise ValueError(f"the mask has shape {self.known.shape} but the image has shape "
                             f"{image.shape}; give a mask of the image's size")

    def apply(self, image):
        self._check(image)
        return np.where(self.known, image, 0).astype(image.dtype, copy=False)

    adjoint = apply

    def normal_diagonal(self, shape):
        return self._weights

    def squared(self):
        return self

    def x_step(self, y, z_sum, counts, lam, beta, x0=None, *, tol=CG_TOLERANCE):
        self._check(y)
        weights = self._weights.astype(z_sum.dtype)
        return (lam * weights * y + beta * z_sum) / (lam * weights + beta * counts)

    def __repr__(self):
        return f"Mask({self.known.shape}, {self.known.mean():.0%} known)"


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


class Composite(Operator):
    """``A = outer @ inner``: first ``inner``, then ``outer`` (e.g. blur, then mask).

    The x-step runs conjugate gradients with a Jacobi preconditioner whose
    diagonal ``diag(inner^T outer^T outer inner)`` is exact when
    ``outer^T outer`` is diagonal (an :class:`Identity` or a :class:`Mask`).
    """

    def __init__(self, outer, inner):
        self.outer, self.inner = outer, inner

    def apply(self, image):
        return self.outer.apply(self.inner.apply(image))

    def adjoint(self, observation):
        return self.inner.adjoint(self.outer.adjoint(observation))

    def normal_diagonal(self, shape):
        return self.inner.squared().adjoint(self.outer.normal_diagonal(shape))

    def squared(self):
        return Composite(self.outer.squared(), self.inner.squared())

    def __repr__(self):
        return f"{self.outer!r} @ {self.inner!r}"


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
