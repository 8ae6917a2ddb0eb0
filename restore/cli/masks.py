"""The known-pixel mask of ``--task inpaint``: from ``--mask`` (white = known) or the input's alpha."""
from __future__ import annotations

import dataclasses

import numpy as np

from restore.cli.options import UsageError
from restore.io import read_image


def known_pixels(mask_path, invert, image, info, max_pixels):
    """The known-pixel mask and the info to write the result with.

    With ``mask_path``, grey levels >= 50 % are known (< 50 % with
    ``invert``); without, the input's non-transparent pixels are, and the
    returned info makes the output opaque. Every problem is a usage error.
    """
    height, width = image.shape[:2]
    if mask_path is None:
        if info.alpha is None:
            raise UsageError("--task inpaint needs --mask MASK, or an input whose missing pixels "
                             "are transparent (alpha 0); this image has no alpha channel")
        known = info.alpha != 0
        opaque = np.full_like(info.alpha, np.iinfo(info.alpha.dtype).max
                              if np.issubdtype(info.alpha.dtype, np.integer) else 1)
        info = dataclasses.replace(info, alpha=opaque)
    else:
        try:
            levels, _ = read_image(mask_path, max_pixels=max_pixels)
        except ValueError as error:
            raise UsageError(f"bad --mask: {error}") from None
        levels = levels.mean(axis=2) if levels.ndim == 3 else levels
        if levels.shape != (height, width):
            raise UsageError(f"the mask '{mask_path}' is {levels.shape[1]}x{levels.shape[0]} "
                             f"but the input is {width}x{height}; give a mask of the same size")
        known = (levels < 0.5) if invert else (levels >= 0.5)
    if not known.any():
        raise UsageError("the mask leaves no known pixel to inpaint from (white = known, "
                         "black = missing; see --invert-mask)")
    return known, info
