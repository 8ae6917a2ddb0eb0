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
        from scipy.sparse.linalg import LinearOperator, cg  # imported when needed: 0.3-1 s

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
