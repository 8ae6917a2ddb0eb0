"""numba kernel for block matching: each reference patch's nearest patches in a window."""
import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True, fastmath=True)
def nearest_patches(image, ref_rows, ref_cols, patch_size, radius, group_size):
    """For each reference corner ``(ref_rows[i], ref_cols[j])``, the corners of the
    ``group_size`` patches within ``radius`` pixels (each axis) with the smallest sum of
    squared differences to it (ties broken by scan order), in scan order; the reference
    itself is always a member. Returns ``(rows, cols)``, each ``(len(ref_rows) * len(ref_cols),
    group_size)``, row-major over the references."""
    p = patch_size
    last_row = image.shape[0] - p
    last_col = image.shape[1] - p
    n_cols = ref_cols.shape[0]
    n_refs = ref_rows.shape[0] * n_cols
    rows = np.empty((n_refs, group_size), dtype=np.int64)
    cols = np.empty((n_refs, group_size), dtype=np.int64)
    window = (2 * radius + 1) * (2 * radius + 1)
    for ref in prange(n_refs):
        r0 = ref_rows[ref // n_cols]
        c0 = ref_cols[ref % n_cols]
        top, bottom = max(0, r0 - radius), min(last_row, r0 + radius)
        left, right = max(0, c0 - radius), min(last_col, c0 + radius)
        width = right - left + 1
        n = (bottom - top + 1) * width
        distances = np.zeros(window, dtype=np.float32)
        for r in range(top, bottom + 1):  # a row of candidates at once: vectorises
            row = distances[(r - top) * width:(r - top + 1) * width]
            for a in range(p):
                candidates, reference = image[r + a], image[r0 + a]
                for b in range(p):
                    value = reference[c0 + b]
                    for j in range(width):
                        t = value - candidates[left + b + j]
                        row[j] += t * t
        distances[(r0 - top) * width + c0 - left] = -1.0  # the reference: always a member
        threshold = np.partition(distances[:n], group_size - 1)[group_size - 1]
        below = 0  # candidates strictly nearer than the group's farthest
        for i in range(n):
            below += distances[i] < threshold
        k, ties = 0, group_size - below
        for i in range(n):  # members in scan order, ties kept by position
            if distances[i] < threshold or (distances[i] == threshold and ties > 0):
                ties -= distances[i] == threshold
                rows[ref, k] = top + i // width
                cols[ref, k] = left + i % width
                k += 1
    return rows, cols
