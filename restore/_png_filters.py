"""Numba kernel that undoes PNG row filters (kept apart so writing never imports numba)."""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def unfilter_rows(data, out, bytes_per_pixel):  # pragma: no cover - compiled
    """Reconstruct ``out`` (height, stride) from filtered scanlines ``data``.

    Each scanline is one filter-type byte followed by ``stride`` bytes
    (PNG specification, section 9). Returns 0, or 1 + the unknown filter type.
    """
    height, stride = out.shape
    position = 0
    for y in range(height):
        kind = data[position]
        position += 1
        for x in range(stride):
            left = np.int64(out[y, x - bytes_per_pixel]) if x >= bytes_per_pixel else 0
            up = np.int64(out[y - 1, x]) if y > 0 else 0
            corner = (np.int64(out[y - 1, x - bytes_per_pixel])
                      if (y > 0 and x >= bytes_per_pixel) else 0)
            if kind == 0:
                predictor = 0
            elif kind == 1:
                predictor = left
            elif kind == 2:
                predictor = up
            elif kind == 3:
                predictor = (left + up) // 2
            elif kind == 4:
                estimate = left + up - corner
                to_left = abs(estimate - left)
                to_up = abs(estimate - up)
                to_corner = abs(estimate - corner)
                if to_left <= to_up and to_left <= to_corner:
                    predictor = left
                elif to_up <= to_corner:
                    predictor = up
                else:
                    predictor = corner
            else:
                return 1 + kind
            out[y, x] = (np.int64(data[position + x]) + predictor) & 0xFF
        position += stride
    return 0
