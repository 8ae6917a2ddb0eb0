"""The tied mixture's component search (priors/orientation.py, priors/gmm_search.py)."""
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from priors.gmm import GaussianMixturePrior
from priors.gmm_search import OrientationSearch
from priors.orientation import (expected_features, feature_actions, features, margins,
                                ranked_transforms)
from priors.symmetry import pixel_permutations


def test_the_group_acts_on_the_features_by_signed_permutations():
    perms = pixel_permutations(8, "dihedral")
    x = np.random.default_rng(0).normal(size=(50, 64))
    for action, perm in zip(feature_actions(8), perms):
        np.testing.assert_allclose(features(x[:, perm])[:, 1:], features(x)[:, 1:] @ action.T,
                                   atol=1e-10)
        np.testing.assert_allclose(np.abs(action), np.round(np.abs(action)), atol=1e-12)
        assert np.allclose(np.abs(action).sum(axis=0), 1) and np.allclose(np.abs(action).sum(axis=1), 1)
    np.testing.assert_allclose(features(x[:, perms[3]])[:, 0], features(x)[:, 0])  # energy


def test_every_transformed_copy_of_a_patch_has_the_same_canonical_patch():
    perms = pixel_permutations(8, "dihedral")
    x = np.random.default_rng(1).normal(size=(200, 64))
    turn = ranked_transforms(x, 1)[0][:, 0]
    canonical = x[np.arange(200)[:, None], perms[turn]]
    assert sorted(set(turn)) == list(range(8))  # random patches need every transform
    for perm in perms:
        moved = x[:, perm]
        moved_turn = ranked_transforms(moved, 1)[0][:, 0]
        np.testing.assert_array_equal(moved[np.arange(200)[:, None], perms[moved_turn]],
                                      canonical)
    # the canonical patch lies in the cone a >= 0, b >= 0, v >= 0: positive margin
    assert np.all(margins(features(canonical), 8)[:, 0] > 0)


def test_the_fused_ranking_equals_the_margins():
    x = np.random.default_rng(2).normal(size=(300, 64)).astype(np.float32)
    order, best = ranked_transforms(x, 3)
    reference = margins(features(x.astype(np.float64)), 8)
    # the best is unique; lower ranks may tie (two transforms fail the same face)
    np.testing.assert_array_equal(order[:, 0], np.argmax(reference, axis=1))
    np.testing.assert_allclose(best, -np.sort(-reference, axis=1)[:, :3], atol=1e-5)
    np.testing.assert_allclose(best, np.take_along_axis(reference, order, axis=1), atol=1e-5)


def test_expected_features_are_the_mean_features_of_samples():
    rng = np.random.default_rng(3)
    root = rng.normal(size=(16, 16)) * np.linspace(0.1, 1, 16)
    cov = root @ root.T
    mean = rng.normal(size=16) * 0.3
    samples = mean + rng.normal(size=(200000, 16)) @ root.T
    expected = expected_features(mean[None], cov[None])[0]
    np.testing.assert_allclose(features(samples).mean(axis=0), expected,
                               atol=0.02 * np.abs(expected).max())


@pytest.fixture(scope="module")
def small_tied_prior():
    """Six orbits on 4x4 patches, tied over the dihedral group."""
    rng = np.random.default_rng(4)
    ramp = np.linspace(-1, 1, 4)
    edges = (ramp[None, :] > rng.uniform(-0.8, 0.8, size=(3000, 1))).astype(float)
    patches = np.concatenate([np.repeat(edges, 4, axis=1) * rng.uniform(0.2, 1, (3000, 1)),
                              rng.normal(size=(3000, 16)) * 0.1])
    patches += rng.normal(size=patches.shape) * 0.05
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = GaussianMixturePrior(6, 4, rng=0, max_iter=5).fit(patches)
    return plain.with_symmetry("dihedral"), patches


def test_a_shortlist_of_every_orbit_is_the_exhaustive_search(small_tied_prior):
    tied, patches = small_tied_prior
    rng = np.random.default_rng(5)
    noisy = patches[rng.choice(len(patches), 2000)] + 0.05 * rng.normal(size=(2000, 16))
    moved = noisy[np.arange(2000)[:, None], pixel_permutations(4, "dihedral")[rng.integers(8, size=2000)]]
    exhaustive = tied.fast_denoiser(search="exhaustive")
    full = OrientationSearch(tied, shortlist=tied.n_components)
    np.testing.assert_array_equal(full.labels(moved, 0.0025), exhaustive.labels(moved, 0.0025))
    np.testing.assert_allclose(full.denoise(moved, 0.0025), exhaustive.denoise(moved, 0.0025),
                               atol=1e-10)
    # and one orbit on the canonical orientation alone is a different, cheaper search
    assert np.mean(OrientationSearch(tied, shortlist=1).labels(moved, 0.0025)
                   != exhaustive.labels(moved, 0.0025)) > 0


def test_the_shortlist_agrees_with_the_exhaustive_search_on_real_patches():
    """On the cameraman example at sigma 25 (the first z-step's input) the default
    shortlist picks the exhaustive search's component label for 95.7 % of 3,969 patches
    (when this test was written; docs/tuning.md#component-search has the Train400 rates)."""
    from PIL import Image

    from priors.registry import get_prior
    from restore.solvers.patches import extract_patches, full_grid

    from tests.golden.cases import EXAMPLE

    clean = np.asarray(Image.open(EXAMPLE), dtype=np.float32) / 255
    noisy = clean + np.float32(25 / 255) * np.random.default_rng(6).standard_normal(
        clean.shape, dtype=np.float32)
    rows, cols = full_grid(noisy.shape, 8)
    patches = extract_patches(noisy, 8, rows[::4], cols[::4])
    prior = get_prior("gmm")
    noise_var = (25 / 255) ** 2
    chosen = prior.fast_denoiser().labels(patches, noise_var)
    reference = prior.fast_denoiser(search="exhaustive").labels(patches, noise_var)
    assert np.mean(chosen == reference) > 0.8


def test_search_names_are_checked(small_tied_prior):
    tied, _ = small_tied_prior
    with pytest.raises(ValueError, match="search must be one of"):
        tied.fast_denoiser(search="tree")
    untied = tied.with_symmetry("none")
    with pytest.raises(ValueError, match="tied over rotations and flips"):
        untied.fast_denoiser(search="orientation")
    assert isinstance(tied.fast_denoiser(), OrientationSearch)
    with pytest.raises(ValueError, match="shortlist must be between 1 and 6"):
        OrientationSearch(tied, shortlist=7)


def test_the_shortlist_reaches_the_search_through_the_fast_settings(small_tied_prior):
    from restore.solvers.epll import FastSettings

    tied, _ = small_tied_prior
    assert tied.fast_denoiser().shortlist == min(6, 8)  # the default, at most every orbit
    assert tied.fast_denoiser(shortlist=2).shortlist == 2
    assert tied.fast_denoiser(shortlist=2) is FastSettings(shortlist=2).denoiser(tied)
    assert tied.fast_denoiser(shortlist=2) is not tied.fast_denoiser(shortlist=3)
    untied = tied.with_symmetry("none")
    assert FastSettings(shortlist=2).denoiser(untied) is untied.fast_denoiser()  # scores all
    for wrong in (0, 7, 2.5, True):
        with pytest.raises(ValueError, match="shortlist must be a whole number from 1 to 6"):
            tied.fast_denoiser(shortlist=wrong)
