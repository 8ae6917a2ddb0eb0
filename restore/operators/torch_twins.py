"""Torch versions of the degradation operators' ``apply`` (``A x``), for Deep Image Prior.

:mod:`restore.operators` works on numpy images; DIP needs ``A f(theta, z)``
inside the autograd graph. :func:`torch_operator` turns an
:class:`~restore.operators.Operator` into a function on tensors of shape
``(N, C, H, W)`` that computes the same ``A x`` on every ``(H, W)`` plane:

=================================  ==============================================
:class:`~restore.operators.Identity`   ``x``
:class:`~restore.operators.Mask`       ``m * x`` (``m`` the known pixels)
:class:`~restore.operators.Blur`       circular: ``irfft2(rfft2(x) * otf)``;
                                       reflect: symmetric padding (edge pixel
                                       repeated), then a valid cross-correlation
                                       with the flipped kernel
:class:`~restore.operators.Composite`  ``outer(inner(x))``
=================================  ==============================================

This module imports torch; only the torch-based priors import it.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from restore.operators import Blur, Composite, Identity, Mask


def torch_operator(operator, shape, *, device="cpu", dtype=torch.float32):
    """``A`` as a function of ``(N, C, H, W)`` tensors, for images of ``shape = (H, W)``.

    Parameters
    ----------
    operator : restore.operators.Operator
        An :class:`Identity`, :class:`Mask`, :class:`Blur` or a
        :class:`Composite` of them.
    shape : tuple of int
        ``(H, W)`` of the images it will act on (fixes the FFT grid and
        checks the mask's size).
    device, dtype
        Where and in which precision the constants (mask, kernel) live.

    Returns
    -------
    callable
        ``apply(x) -> A x``, differentiable in ``x``.

    Raises
    ------
    TypeError
        For an operator type without a torch version.
    """
    shape = tuple(int(s) for s in shape)
    if isinstance(operator, Identity):
        return lambda x: x
    if isinstance(operator, Mask):
        if operator.known.shape != shape:
            raise ValueError(f"the mask has shape {operator.known.shape} but the image has "
                             f"shape {shape}; give a mask of the image's size")
        known = torch.as_tensor(operator.known, dtype=dtype, device=device)
        return lambda x: x * known
    if isinstance(operator, Blur):
        return _blur(operator, shape, device, dtype)
    if isinstance(operator, Composite):
        outer = torch_operator(operator.outer, shape, device=device, dtype=dtype)
        inner = torch_operator(operator.inner, shape, device=device, dtype=dtype)
        return lambda x: outer(inner(x))
    raise TypeError(f"no torch version of the operator {operator!r}; Deep Image Prior supports "
                    "Identity, Mask, Blur and their composites")


def _blur(blur, shape, device, dtype):
    if blur.boundary == "circular":
        otf = torch.as_tensor(blur.otf(shape), device=device)
        otf = otf.to(torch.complex64 if dtype == torch.float32 else torch.complex128)

        def apply(x):
            return torch.fft.irfft2(torch.fft.rfft2(x) * otf, s=shape)

        return apply
    (top, bottom), (left, right) = blur._padding()
    if max(top, bottom) > shape[0] or max(left, right) > shape[1]:
        kh, kw = blur.kernel.shape
        raise ValueError(f"the {kh}x{kw} blur kernel needs a margin larger than the "
                         f"{shape[0]}x{shape[1]} image; give a smaller kernel or a larger image")
    rows = torch.as_tensor(_symmetric_index(shape[0], top, bottom), device=device)
    columns = torch.as_tensor(_symmetric_index(shape[1], left, right), device=device)
    flipped = np.ascontiguousarray(blur.kernel[::-1, ::-1])
    weight = torch.as_tensor(flipped, dtype=dtype, device=device)[None, None]

    def apply(x):
        n, c, h, w = x.shape
        padded = x.index_select(2, rows).index_select(3, columns)
        out = F.conv2d(padded.reshape(n * c, 1, *padded.shape[2:]), weight)
        return out.reshape(n, c, h, w)

    return apply


def _symmetric_index(size, before, after):
    """Indices of ``np.pad(range(size), (before, after), mode="symmetric")``."""
    return np.pad(np.arange(size), (before, after), mode="symmetric")
