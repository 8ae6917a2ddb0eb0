"""The mini dead leaves generator: flat/edge proportion, edges split a patch in two, the GSM."""
import numpy as np
import pytest

from priors.dead_leaves import GaussianScaleMixture, dead_leaves_patches, edge_masks, fit_gsm


def _flat_gsm(patch_size=8, scale=1e-20):
    """A GSM whose textures are (almost) zero: every part of a patch is constant."""
    m = patch_size ** 2 - 1
    return GaussianScaleMixture(np.ones(1), np.array([scale]), np.eye(m), patch_size)


def _connected(mask, patch_size):
    """Whether the True pixels of a mask form one 4-connected region."""
    grid = mask.reshape(patch_size, patch_size)
    seen, todo = set(), [tuple(np.argwhere(grid)[0])]
    while todo:
        r, c = todo.pop()
        if (r, c) in seen or not (0 <= r < patch_size and 0 <= c < patch_size) or not grid[r, c]:
            continue
        seen.add((r, c))
        todo += [(r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)]
    return len(seen) == grid.sum()


def test_the_flat_and_edge_proportion_follows_edge_fraction():
    _, masks = dead_leaves_patches(4000, _flat_gsm(), edge_fraction=0.3, rng=0,
                                   return_masks=True)
    edge = ~masks.all(axis=1)
    assert abs(edge.mean() - 0.3) < 0.03  # 4.6 standard errors
    assert not dead_leaves_patches(50, _flat_gsm(), edge_fraction=0.0, rng=0,
                                   return_masks=True)[1].all(axis=1).__invert__().any()


def test_an_edge_splits_the_patch_into_two_constant_connected_parts():
    patches, masks = dead_leaves_patches(300, _flat_gsm(), edge_fraction=1.0, rng=1,
                                         return_masks=True)
    for patch, mask in zip(patches, masks):
        assert 0 < mask.sum() < mask.size  # both sides non-empty
        assert np.ptp(patch[mask]) < 1e-6 and np.ptp(patch[~mask]) < 1e-6  # flat parts
        assert _connected(mask, 8) and _connected(~mask, 8)  # a straight cut: two regions


def test_flat_patches_are_one_intensity_plus_a_texture():
    patches, masks = dead_leaves_patches(100, _flat_gsm(), edge_fraction=0.0, rng=2,
                                         return_masks=True)
    assert masks.all() and np.ptp(patches, axis=1).max() < 1e-6
    assert 0 <= patches.min() and patches.max() <= 1  # U(0, 1) intensities


def test_edge_masks_are_half_planes_of_every_orientation():
    masks = edge_masks(2000, 8, rng=3)
    sizes = masks.sum(axis=1)
    assert sizes.min() >= 1 and sizes.max() <= 63
    assert len({tuple(m) for m in masks}) > 500  # many different lines


def test_the_same_seed_gives_the_same_patches():
    gsm = _flat_gsm(scale=1e-3)
    np.testing.assert_array_equal(dead_leaves_patches(20, gsm, rng=5),
                                  dead_leaves_patches(20, gsm, rng=5))
    with pytest.raises(ValueError, match="edge_fraction"):
        dead_leaves_patches(5, gsm, edge_fraction=1.5)


def test_fit_gsm_recovers_a_two_scale_mixture():
    rng = np.random.default_rng(4)
    truth = GaussianScaleMixture(np.array([0.7, 0.3]), np.array([0.01, 1.0]), np.eye(15), 4)
    fitted = fit_gsm(truth.sample(20000, rng), 4, n_scales=4, n_iter=60)
    heavy = fitted.weights > 0.05
    assert np.isclose(fitted.weights.sum(), 1)
    assert heavy.sum() == 2  # two scales carry the mass: 0.7 at the small one
    small = np.argmin(np.where(heavy, fitted.scales, np.inf))
    assert abs(fitted.weights[small] - 0.7) < 0.03
    ratio = fitted.scales[heavy].max() / fitted.scales[heavy].min()
    assert 70 < ratio < 140
