"""Degradation operators ``A`` of ``y = A x + n``: apply, adjoint and the HQS x-step.

The lowest layer: numpy and scipy only (the torch twins in
:mod:`restore.operators.torch_twins` import torch when used).
"""
from restore.operators.base import CG_MAX_ITERATIONS, CG_TOLERANCE, Composite, Operator
from restore.operators.blur import Blur
from restore.operators.correlated import CorrelatedData
from restore.operators.cropped_blur import CroppedBlur
from restore.operators.downsample import Downsample
from restore.operators.pointwise import Identity, Mask

__all__ = ["Blur", "CG_MAX_ITERATIONS", "CG_TOLERANCE", "Composite", "CorrelatedData",
           "CroppedBlur", "Downsample", "Identity", "Mask", "Operator"]
