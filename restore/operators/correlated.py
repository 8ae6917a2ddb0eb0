"""Denoising under stationary correlated noise: ``A = I``, the data term weighted by the
inverse noise correlation, ``lambda/2 (x - y)^T Chat^-1 (x - y)``.

With the circular approximation ``Chat = F^* diag(P) F`` (``P`` the normalised power
spectrum, :meth:`restore.core.correlated_noise.CorrelatedNoise.psd`), the x-step

.. math::

    (\\lambda \\hat C^{-1} + \\beta c I) x = \\lambda \\hat C^{-1} y + \\beta z_{sum}

is one FFT division when the patch counts are a constant ``c``:
``x = z + F^-1[lambda F(y - z) / (lambda + beta c P)]`` with ``z = z_sum / c`` (the
form that leaves the image itself out of the FFT, so the image's wrap-around edges do
not leak through it). Other counts run conjugate gradients preconditioned by that
division at the counts' maximum. Written as an operator, ``A = Chat^{-1/2}`` acting on a
whitened observation; :meth:`CorrelatedData.x_step` takes the observation as it is.

This is the x-step of an unweighted HQS coupling (``correlated_coupling="white"`` in
:mod:`restore.recipes.correlated`); the recipe's default weights the coupling like the data
term, and its x-step is then the white one (docs/tuning.md#correlated-noise).
"""
from __future__ import annotations

import numpy as np
import scipy.fft as sfft
from scipy.sparse.linalg import LinearOperator, cg

from restore.operators.base import CG_MAX_ITERATIONS, CG_TOLERANCE, Operator


class CorrelatedData(Operator):
    """The identity observed through correlated noise ``noise`` (a
    :class:`restore.core.correlated_noise.CorrelatedNoise`; its sigma is not used here).

    :meth:`apply` and :meth:`adjoint` are those of the whitening filter
    ``Chat^{-1/2}`` (circular), so ``normal`` is ``Chat^{-1}``; :meth:`x_step` weights the
    data term by ``Chat^{-1}`` and takes the (unwhitened) observation.
    """

    def __init__(self, noise):
        self.noise = noise
        self._spectra = {}

    def __repr__(self):
        return f"CorrelatedData({self.noise!r})"

    def psd(self, shape):
        """``P`` on the periodic grid of ``shape`` (full FFT layout), cached."""
        key = tuple(int(s) for s in shape)
        if key not in self._spectra:
            self._spectra[key] = self.noise.psd(key)
        return self._spectra[key]

    def _filter(self, image, gain):
        spectrum = sfft.fft2(np.asarray(image, np.float64)) * gain
        return np.real(sfft.ifft2(spectrum)).astype(image.dtype, copy=False)

    def apply(self, image):
        return self._filter(image, 1.0 / np.sqrt(self.psd(image.shape)))

    adjoint = apply  # a real, symmetric filter

    def normal(self, image):
        return self._filter(image, 1.0 / self.psd(image.shape))

    def normal_diagonal(self, shape):
        return np.full(shape, float(np.mean(1.0 / self.psd(shape))))

    def squared(self):
        raise NotImplementedError("CorrelatedData does not compose with other operators")

    def x_step(self, y, z_sum, counts, lam, beta, x0=None, *, tol=CG_TOLERANCE):
        counts = np.broadcast_to(np.asarray(counts, dtype=np.float64), y.shape)
        top = float(counts.max())
        psd = self.psd(y.shape)
        y64, z64 = np.asarray(y, np.float64), np.asarray(z_sum, np.float64)
        if float(counts.min()) == top:
            z = z64 / top
            residual = sfft.fft2(y64 - z) * (lam / (lam + beta * top * psd))
            return (z + np.real(sfft.ifft2(residual))).astype(z_sum.dtype, copy=False)
        shape, n = y.shape, y.size

        def matvec(v):
            image = v.reshape(shape)
            return (lam * self.normal(image) + beta * counts * image).ravel()

        def precondition(v):
            spectrum = sfft.fft2(v.reshape(shape)) * (psd / (lam + beta * top * psd))
            return np.real(sfft.ifft2(spectrum)).ravel()

        system = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
        preconditioner = LinearOperator((n, n), matvec=precondition, dtype=np.float64)
        rhs = (lam * self.normal(y64) + beta * z64).ravel()
        start = None if x0 is None else np.asarray(x0, np.float64).ravel()
        solution, _ = cg(system, rhs, x0=start, rtol=tol, atol=0.0, maxiter=CG_MAX_ITERATIONS,
                         M=preconditioner)
        return solution.reshape(shape).astype(z_sum.dtype, copy=False)
