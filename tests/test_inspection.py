"""Inspecting a GMM prior: the scale-mixture measures, the files `inspect` writes, the command."""
import json
import warnings

import numpy as np
import pytest

from priors.gmm import GaussianMixturePrior
from priors.inspection import (eigenvector_similarity, mixture_parts, orbit_listing,
                               random_basis_similarity, scale_mixture_measures, top_components)


def _scaled_copies(m=15, scales=(1.0, 0.3, 4.0, 0.05), seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, m))
    base = a @ a.T + 0.1 * np.eye(m)  # distinct eigenvalues
    return np.stack([s * base for s in scales]), base


def test_scaled_copies_are_a_perfect_scale_mixture():
    covariances, _ = _scaled_copies()
    measures = scale_mixture_measures(covariances, k=4)
    assert len(measures["pairs"]) == 6
    np.testing.assert_allclose([p["similarity"] for p in measures["pairs"]], 1, atol=1e-9)
    np.testing.assert_allclose([p["log_ratio_std"] for p in measures["pairs"]], 0, atol=1e-9)
    np.testing.assert_allclose([p["scale_residual"] for p in measures["pairs"]], 0, atol=1e-9)
    np.testing.assert_allclose(measures["scale_to_reference"], [1.0, 0.3, 4.0, 0.05])
    assert measures["random_basis_similarity"] < 0.6  # the floor is far below 1


def test_unrelated_covariances_are_not_a_scale_mixture():
    rng = np.random.default_rng(1)
    covariances = np.stack([(a := rng.standard_normal((15, 15))) @ a.T for _ in range(3)])
    measures = scale_mixture_measures(covariances, k=3)
    assert measures["mean_similarity"] < 0.8 and measures["mean_log_ratio_std"] > 0.05
    assert measures["mean_scale_residual"] > 0.3


def test_similarity_ignores_the_order_and_sign_of_eigenvectors():
    basis = np.linalg.qr(np.random.default_rng(2).standard_normal((10, 10)))[0]
    shuffled = -basis[:, ::-1]
    assert eigenvector_similarity(basis, shuffled) == pytest.approx(1.0)
    assert random_basis_similarity(10, rng=0) < 0.7


@pytest.fixture(scope="module")
def small_prior():
    rng = np.random.default_rng(3)
    covariances, _ = _scaled_copies(m=15, scales=(1e-3, 1e-2, 3e-2))
    prior = GaussianMixturePrior(3, 4)
    prior._set_subspace_parameters(np.array([0.2, 0.5, 0.3]), np.zeros((3, 15)), covariances)
    patches = prior.sample(3000, rng) + rng.uniform(0, 1, size=(3000, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EM stops at max_iter=5 on purpose
        return GaussianMixturePrior(3, 4, max_iter=5, rng=0, init="scales").fit(patches), patches


def test_top_components_come_by_weight_with_decreasing_spectra(small_prior):
    prior, _ = small_prior
    weights = [c["weight"] for c in top_components(prior, 3)]
    assert weights == sorted(weights, reverse=True) and np.isclose(sum(weights), 1)
    for comp in top_components(prior, 2):
        assert comp["mean"].shape == (16,) and comp["eigenvectors"].shape == (16, 15)
        assert np.all(np.diff(comp["eigenvalues"]) <= 0)
    assert orbit_listing(prior) == []  # untied: no orbits


def test_a_tied_prior_is_inspected_by_orbits(small_prior):
    tied = small_prior[0].with_symmetry("dihedral")
    weights, _, _, is_tied = mixture_parts(tied)
    assert is_tied and len(weights) == 3 and len(tied.weights_) == 24
    orbits = orbit_listing(tied, k=2)
    assert len(orbits) == 2 and orbits[0]["transformed"].shape == (8, 1, 16)


def test_inspect_writes_its_figures_and_measures(small_prior, tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    from priors.inspection import inspect_prior

    prior, patches = small_prior
    measures = inspect_prior(prior.with_symmetry("dihedral"), tmp_path / "out", k=2,
                             natural=patches[:500], n_samples=500, rng=0, name="small")
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(measures["files"]) == sorted(
        ["components.png", "spectra.png", "samples.png", "orbits.png", "measures.json"])
    for name in measures["files"][:-1]:
        assert (tmp_path / "out" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((tmp_path / "out" / "measures.json").read_text())
    assert saved["unit"] == "orbits" and saved["scale_mixture"]["k"] == 2
    assert "natural" in saved and saved["samples"]["difference_kurtosis"] > 0


def test_the_command_inspects_a_prior_file(small_prior, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from restore.cli.main import main

    path = tmp_path / "small.npz"
    small_prior[0].save(path)
    assert main(["inspect", str(path), "-o", str(tmp_path / "figs"), "-k", "2", "--quiet"]) == 0
    assert (tmp_path / "figs" / "components.png").exists()
    assert main(["inspect", "vae", "-o", str(tmp_path / "v")]) == 1
    assert capsys.readouterr().err.startswith("Error: inspect draws Gaussian mixture priors")


def test_the_command_says_to_install_matplotlib_when_it_is_missing(tmp_path, capsys,
                                                                   monkeypatch):
    import sys

    from restore.cli.main import main

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    assert main(["inspect", "gmm-untied", "-o", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install matplotlib" in err
