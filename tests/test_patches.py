"""numba patch kernels against a plain numpy reference, on odd sizes and grids."""
import numpy as np
import pytest

from restore.solvers.patches import (accumulate_patches, extract_patches, full_grid, patch_counts,
                              separable_window, window_sums)


def reference_patches(image, p, rows, cols):
    return np.array([image[r:r + p, c:c + p].ravel() for r in rows for c in cols])


def reference_accumulate(patches, shape, p, rows, cols):
    out = np.zeros(shape)
    i = 0
    for r in rows:
        for c in cols:
            out[r:r + p, c:c + p] += patches[i].reshape(p, p)
            i += 1
    return out


GRIDS = [((37, 31), 8, None), ((31, 37), 3, None), ((8, 11), 8, None), ((9, 9), 1, None),
         ((37, 31), 8, ([0, 3, 5, 11, 29], [0, 2, 9, 23])), ((20, 17), 4, ([16], [0, 13]))]


def grid_for(shape, p, grid):
    return full_grid(shape, p) if grid is None else tuple(map(np.array, grid))


@pytest.mark.parametrize("shape,p,grid", GRIDS)
def test_extract_matches_reference(shape, p, grid):
    image = np.random.default_rng(0).random(shape).astype(np.float32)
    rows, cols = grid_for(shape, p, grid)
    np.testing.assert_array_equal(extract_patches(image, p, rows, cols),
                                  reference_patches(image, p, rows, cols))


@pytest.mark.parametrize("shape,p,grid", GRIDS)
def test_accumulate_matches_reference(shape, p, grid):
    rows, cols = grid_for(shape, p, grid)
    patches = np.random.default_rng(1).random((len(rows) * len(cols), p * p))
    out = np.zeros(shape)
    accumulate_patches(out, patches, p, rows, cols)
    np.testing.assert_allclose(out, reference_accumulate(patches, shape, p, rows, cols), rtol=1e-12)


def test_bands_add_up_to_whole_image():
    shape, p = (37, 31), 8
    image = np.random.default_rng(2).random(shape)
    rows, cols = full_grid(shape, p)
    whole = np.zeros(shape)
    accumulate_patches(whole, extract_patches(image, p, rows, cols), p, rows, cols)
    banded = np.zeros(shape)
    for start in range(0, len(rows), 7):
        band = rows[start:start + 7]
        accumulate_patches(banded, extract_patches(image, p, band, cols), p, band, cols)
    np.testing.assert_allclose(banded, whole, rtol=1e-12)


@pytest.mark.parametrize("shape,p,grid", GRIDS)
def test_counts_equal_accumulated_ones(shape, p, grid):
    rows, cols = grid_for(shape, p, grid)
    ones = np.zeros(shape)
    accumulate_patches(ones, np.ones((len(rows) * len(cols), p * p)), p, rows, cols)
    np.testing.assert_array_equal(patch_counts(shape, p, rows, cols), ones)


@pytest.mark.parametrize("shape,p,grid", GRIDS)
def test_window_sums_equal_accumulated_windows(shape, p, grid):
    rows, cols = grid_for(shape, p, grid)
    profile = np.random.default_rng(p).random(p) + 0.1
    window = separable_window(profile)
    assert window.reshape(p, p)[p - 1, 0] == pytest.approx(profile[-1] * profile[0])
    windows = np.tile(window, (len(rows) * len(cols), 1))
    expected = reference_accumulate(windows, shape, p, rows, cols)
    np.testing.assert_allclose(window_sums(shape, profile, rows, cols), expected, rtol=1e-12)
