"""Operators that act pixel by pixel: the identity (denoising) and a mask of known pixels
(inpainting). Their x-step is a closed form per pixel."""
from __future__ import annotations

import numpy as np

from restore.operators.base import CG_TOLERANCE, Operator


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
