"""Mixtures tied over the rotations and flips of a patch (priors/symmetry.py, GMM symmetry=)."""
import warnings

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.exceptions import ConvergenceWarning

from priors.gmm import GaussianMixturePrior, zero_mean_basis
from priors.symmetry import pixel_permutations, subspace_transforms


def test_dihedral_permutations_form_the_group_of_the_square():
    perms = pixel_permutations(3, "dihedral")
    assert perms.shape == (8, 9)
    np.testing.assert_array_equal(perms[0], np.arange(9))
    as_set = {tuple(p) for p in perms}
    assert len(as_set) == 8
    assert all(tuple(p[q]) in as_set for p in perms for q in perms)  # closed under composition
    square = np.arange(9).reshape(3, 3)
    assert tuple(np.rot90(square).ravel()) in as_set and tuple(square.T.ravel()) in as_set
    np.testing.assert_array_equal(pixel_permutations(3, "none"), [np.arange(9)])
    with pytest.raises(ValueError, match="symmetry must be one of"):
        pixel_permutations(3, "rotations")


def test_subspace_transforms_are_orthogonal_and_act_like_the_permutations():
    q = zero_mean_basis(16)
    transforms = subspace_transforms(q, 4, "dihedral")
    x = np.random.default_rng(0).normal(size=16)
    for r, perm in zip(transforms, pixel_permutations(4, "dihedral")):
        np.testing.assert_allclose(r @ r.T, np.eye(15), atol=1e-12)
        np.testing.assert_allclose(r @ (q.T @ x), q.T @ x[perm], atol=1e-12)


def plain_prior(seed=0):
    """A fitted 3-component mixture on 3x3 patches with no symmetry of its own."""
    rng = np.random.default_rng(seed)
    patches = rng.normal(size=(2000, 9)) * np.linspace(0.2, 1.0, 9) + rng.normal(size=(2000, 1))
    patches[:700, :3] += 1.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GaussianMixturePrior(3, 3, rng=0, max_iter=5).fit(patches), patches


def test_tied_density_is_the_average_over_transformed_patches():
    prior, patches = plain_prior()
    tied = prior.with_symmetry("dihedral")
    perms = pixel_permutations(3, "dihedral")
    assert tied.n_components == 3 and len(tied.weights_) == 24
    x = patches[:40]
    expected = logsumexp([prior.log_prob(x[:, np.argsort(p)]) for p in perms], axis=0) - np.log(8)
    np.testing.assert_allclose(tied.log_prob(x), expected, rtol=1e-10)
    for perm in perms:
        np.testing.assert_allclose(tied.log_prob(x[:, perm]), tied.log_prob(x), rtol=1e-10)
    assert not np.allclose(prior.log_prob(x[:, perms[1]]), prior.log_prob(x))


def edge_patches(n, seed=0):
    """Noisy 4x4 step edges in all eight orientations, random contrast and DC."""
    rng = np.random.default_rng(seed)
    edge = np.array([[0, 0, 0, 1]] * 3 + [[0, 0, 1, 1]], dtype=float).ravel()
    perms = pixel_permutations(4, "dihedral")
    patches = edge[perms[rng.integers(0, 8, n)]] * rng.uniform(0.5, 1.0, (n, 1))
    return patches + rng.normal(0, 0.05, (n, 16)) + rng.uniform(0, 1, (n, 1))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_tied_em_never_decreases_and_finds_the_edge_in_one_orbit():
    patches = edge_patches(3000)
    tied = GaussianMixturePrior(1, 4, symmetry="dihedral", rng=0, max_iter=25, tol=0.0,
                                init="scales").fit(patches)
    bounds = np.array(tied.lower_bounds_)
    assert np.all(np.diff(bounds) >= -1e-9 * np.abs(bounds[1:]))
    plain = GaussianMixturePrior(1, 4, rng=0, max_iter=25, init="scales").fit(patches)
    assert tied.lower_bound_ > plain.lower_bound_ + 5  # one orbit explains all 8 orientations
    held_out = edge_patches(500, seed=1)
    assert tied.log_prob(held_out).mean() > plain.log_prob(held_out).mean() + 5


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_save_load_keeps_the_symmetry_and_reads_version_1_files(tmp_path):
    patches = edge_patches(1000)
    tied = GaussianMixturePrior(2, 4, symmetry="dihedral", rng=0, max_iter=3).fit(patches)
    tied.save(tmp_path / "tied.npz")
    loaded = GaussianMixturePrior.load(tmp_path / "tied.npz")
    assert loaded.symmetry == "dihedral" and loaded.n_components == 2
    np.testing.assert_allclose(loaded.log_prob(patches[:20]), tied.log_prob(patches[:20]))
    with np.load(tmp_path / "tied.npz") as data:  # a file from before symmetries existed
        old = {k: data[k] for k in data.files if k != "symmetry"}
    np.savez(tmp_path / "old.npz", **dict(old, format_version=1))
    assert GaussianMixturePrior.load(tmp_path / "old.npz").symmetry == "none"


def test_unknown_symmetry_is_refused():
    with pytest.raises(ValueError, match="symmetry must be one of"):
        GaussianMixturePrior(2, 4, symmetry="mirror")


def test_the_shipped_priors_are_the_tied_mixture_and_its_untied_start():
    from priors.registry import available_priors, get_prior
    from restore.recipes import DEBLUR, DENOISE, INPAINT
    from restore.recipes.settings import DEFAULT_PRIORS

    assert {"gmm", "gmm-untied"} <= set(available_priors())
    tied, untied = get_prior("gmm"), get_prior("gmm-untied")
    assert tied.symmetry == "dihedral" and untied.symmetry == "none"
    assert tied.n_components == untied.n_components == 200
    assert len(tied.weights_) == 1600 and len(untied.weights_) == 200
    assert {task: DEFAULT_PRIORS[task] for task in ("denoise", "deblur", "inpaint")} == {
        "denoise": "gmm", "deblur": "gmm-untied", "inpaint": "gmm"}
    assert (DENOISE.default_prior, DEBLUR.default_prior, INPAINT.default_prior) == (
        "gmm", "gmm-untied", "gmm")
