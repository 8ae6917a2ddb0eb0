"""The Deep Image Prior network (:class:`Hourglass`, its shape; :class:`HourglassNet`).

The network is the paper's "skip" architecture: ``depth``
levels, each a stride-2 convolution and a convolution (``channels_down``
filters) on the way down, a ``channels_skip``-filter 1x1 convolution kept
aside as a skip connection, and on the way up bilinear up-sampling,
concatenation with the skip, batch normalisation, a convolution and a 1x1
convolution (``channels_up`` filters); reflection padding, batch norm and
leaky ReLU after every convolution, a 1x1 convolution and a sigmoid at the
end. The defaults are the paper's denoising settings (depth 5, 128 / 128 /
4 channels, 32 input channels, 3x3 / 3x3 / 1x1 kernels).

References
----------
D. Ulyanov, A. Vedaldi, V. Lempitsky. Deep Image Prior. CVPR 2018 /
IJCV 2020 (supplementary material: the architectures).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class Hourglass:
    """Shape of the encoder-decoder; the defaults are the paper's (denoising, inpainting).

    ``depth`` levels, each halving the resolution; the input size is padded
    up to a multiple of ``2**depth`` inside the network and the output cropped.
    """

    depth: int = 5
    channels_down: int = 128
    channels_up: int = 128
    channels_skip: int = 4
    input_channels: int = 32
    kernel_down: int = 3
    kernel_up: int = 3
    kernel_skip: int = 1

    def __post_init__(self):
        for name in ("depth", "channels_down", "channels_up", "input_channels",
                     "kernel_down", "kernel_up", "kernel_skip"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Hourglass.{name} must be a positive integer, got {value!r}")
        if not isinstance(self.channels_skip, (int, np.integer)) or self.channels_skip < 0:
            raise ValueError(f"Hourglass.channels_skip must be a non-negative integer, got "
                             f"{self.channels_skip!r}")
        for name in ("kernel_down", "kernel_up", "kernel_skip"):
            if getattr(self, name) % 2 == 0:
                raise ValueError(f"Hourglass.{name} must be odd (centred kernels), got "
                                 f"{getattr(self, name)}")

    def padded_size(self, size):
        """Side of the network's canvas for an image side ``size``: a multiple of
        ``2**depth``, at least ``2**(depth + 1)`` (the deepest level is 2x2 or more)."""
        unit = 2 ** self.depth
        return max(math.ceil(size / unit) * unit, 2 * unit)


def _conv(in_channels, out_channels, kernel, stride=1):
    return nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=kernel // 2,
                     padding_mode="reflect" if kernel > 1 else "zeros")


def _conv_bn_act(in_channels, out_channels, kernel, stride=1):
    return [_conv(in_channels, out_channels, kernel, stride), nn.BatchNorm2d(out_channels),
            nn.LeakyReLU(0.2, inplace=True)]


class _Level(nn.Module):
    """One level of the hourglass: down, the deeper levels, up, with a skip connection."""

    def __init__(self, in_channels, shape, level):
        super().__init__()
        down, up, skip = shape.channels_down, shape.channels_up, shape.channels_skip
        self.skip = nn.Sequential(*_conv_bn_act(in_channels, skip, shape.kernel_skip)) \
            if skip else None
        self.down = nn.Sequential(*_conv_bn_act(in_channels, down, shape.kernel_down, stride=2),
                                  *_conv_bn_act(down, down, shape.kernel_down))
        self.deeper = _Level(down, shape, level + 1) if level + 1 < shape.depth else None
        merged = skip + (up if self.deeper is not None else down)
        self.up = nn.Sequential(nn.BatchNorm2d(merged),
                                *_conv_bn_act(merged, up, shape.kernel_up),
                                *_conv_bn_act(up, up, 1))

    def forward(self, x):
        deep = self.down(x)
        if self.deeper is not None:
            deep = self.deeper(deep)
        deep = F.interpolate(deep, size=x.shape[-2:], mode="bilinear", align_corners=False)
        if self.skip is not None:
            deep = torch.cat([self.skip(x), deep], dim=1)
        return self.up(deep)


class HourglassNet(nn.Module):
    """The paper's encoder-decoder with skip connections, ending in a 1x1 conv and a sigmoid."""

    def __init__(self, shape: Hourglass, out_channels: int):
        super().__init__()
        self.levels = _Level(shape.input_channels, shape, 0)
        self.head = nn.Conv2d(shape.channels_up, out_channels, 1)

    def forward(self, z):
        return torch.sigmoid(self.head(self.levels(z)))
