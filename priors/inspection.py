"""What a Gaussian mixture prior learnt: its most probable components, their eigen-spectra,
and how close the first ones are to a Gaussian scale mixture (Zoran & Weiss 2012).

Each component ``k`` of a :class:`priors.gmm.GaussianMixturePrior` has a covariance
``S_k = V_k diag(lambda_k) V_k^T`` on the ``m = d - 1`` zero-mean coordinates (eigenvalues
in decreasing order); a sample is ``x = mu_k + V_k diag(lambda_k)^{1/2} z``. Zoran & Weiss
(2012) report that the most probable components share nearly the same eigenvectors and
have spectra equal up to a multiplicative constant, ``S_k ~ c_k S_1``: a Gaussian scale
mixture that captures contrast. The measures, for components ``i, j``:

* ``eigenvector_similarity``: the mean ``|v_i,a . v_j,b|`` over the one-to-one matching of
  the two eigenvector bases that maximises it (Hungarian algorithm on ``|V_i^T V_j|``),
  1 for identical bases. Two random orthonormal bases score about
  :func:`random_basis_similarity` (about 0.31 for ``m = 63``), the floor to compare with.
* ``log_ratio_std``: the standard deviation over ranks ``a`` of
  ``log10(lambda_i,a / lambda_j,a)``; 0 when the spectra are proportional.
* ``scale_residual``: ``min_c ||S_i - c S_j||_F / ||S_i||_F``, 0 for scaled copies.

For a prior tied over rotations and flips (``symmetry="dihedral"``) the components come in
orbits of eight transformed copies of equal weight; the measures then run over the orbits
(orbit weight = the sum of its eight components' weights), and :func:`orbit_listing`
lists them. :func:`inspect_prior` writes the figures (:mod:`priors.inspection_figures`,
matplotlib) and a JSON of the measures.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np


def mixture_parts(prior):
    """``(weights, means, covariances, tied)`` on the zero-mean coordinates: the orbits of a
    tied prior (weights summed over each orbit), else the components; sorted by weight,
    most probable first."""
    prior._require_fitted()
    weights, means, covariances = prior._orbits
    weights = np.asarray(weights, dtype=np.float64)
    weights = weights / weights.sum()
    order = np.argsort(-weights, kind="stable")
    return weights[order], means[order], covariances[order], prior.symmetry != "none"


def eigen_decomposition(covariances):
    """Eigenvalues (decreasing) ``(K, m)`` and eigenvectors (columns) ``(K, m, m)``."""
    values, vectors = np.linalg.eigh(covariances)
    return np.maximum(values[:, ::-1], 0.0), vectors[:, :, ::-1]


def eigenvector_similarity(vectors_i, vectors_j):
    """Mean ``|cos|`` between the best one-to-one matching of two eigenvector bases."""
    from scipy.optimize import linear_sum_assignment

    cosines = np.abs(vectors_i.T @ vectors_j)
    rows, cols = linear_sum_assignment(cosines, maximize=True)
    return float(cosines[rows, cols].mean())


def random_basis_similarity(m, rng=None, n_pairs=20):
    """The mean :func:`eigenvector_similarity` of pairs of random orthonormal bases."""
    rng = np.random.default_rng(rng)
    bases = [np.linalg.qr(rng.standard_normal((m, m)))[0] for _ in range(2 * n_pairs)]
    return float(np.mean([eigenvector_similarity(bases[2 * i], bases[2 * i + 1])
                          for i in range(n_pairs)]))


def log_ratio_std(values_i, values_j, floor=1e-12):
    """Standard deviation over ranks of ``log10(lambda_i / lambda_j)`` (0: proportional)."""
    return float(np.std(np.log10(np.maximum(values_i, floor) / np.maximum(values_j, floor))))


def scale_residual(cov_i, cov_j):
    """``min_c ||S_i - c S_j||_F / ||S_i||_F`` and the best ``c``."""
    c = float(np.sum(cov_i * cov_j) / np.sum(cov_j * cov_j))
    return float(np.linalg.norm(cov_i - c * cov_j) / np.linalg.norm(cov_i)), c


def aligned(covariance, reference, transforms):
    """``R_g S R_g^T`` for the transform ``g`` that makes the eigenvectors of ``S`` most
    similar to those of ``reference`` (``S`` itself when ``transforms`` is None), and that
    similarity."""
    _, ref_vectors = eigen_decomposition(reference[None])
    best = (-1.0, covariance)
    for r in ([np.eye(len(covariance))] if transforms is None else transforms):
        moved = r @ covariance @ r.T
        similarity = eigenvector_similarity(eigen_decomposition(moved[None])[1][0],
                                            ref_vectors[0])
        best = max(best, (similarity, moved), key=lambda t: t[0])
    return best[1], best[0]


def scale_mixture_measures(covariances, *, k=5, reference=0, transforms=None, rng=0):
    """The measures of the module docstring for the first ``k`` covariances (most probable
    first) against each other, and of every covariance against ``reference``.

    ``transforms``: the ``(|G|, m, m)`` transforms of a tied prior; each covariance is
    first moved by the transform that best aligns it with the other (orbits are defined
    up to a rotation or flip).

    Returns a dict: ``pairs`` (one entry per pair ``i < j`` of the first ``k``), their
    means ``mean_similarity``, ``mean_log_ratio_std``, ``mean_scale_residual``; per
    component against the reference, ``similarity_to_reference``,
    ``log_ratio_std_to_reference``, ``scale_to_reference`` (the ``c`` of
    :func:`scale_residual`); and ``random_basis_similarity``, the floor.
    """
    covariances = np.asarray(covariances, dtype=np.float64)
    values, _ = eigen_decomposition(covariances)
    k = min(int(k), len(covariances))

    def compare(i, j):
        moved, similarity = aligned(covariances[i], covariances[j], transforms)
        residual, scale = scale_residual(moved, covariances[j])
        return {"i": j, "j": i, "similarity": similarity,
                "log_ratio_std": log_ratio_std(values[i], values[j]),
                "scale_residual": residual, "scale": scale}

    pairs = [compare(j, i) for i in range(k) for j in range(i + 1, k)]
    to_ref = [compare(i, int(reference)) for i in range(len(covariances))]

    def mean(key):
        return float(np.mean([p[key] for p in pairs])) if pairs else None

    return {"k": k, "pairs": pairs, "mean_similarity": mean("similarity"),
            "mean_log_ratio_std": mean("log_ratio_std"),
            "mean_scale_residual": mean("scale_residual"),
            "similarity_to_reference": [t["similarity"] for t in to_ref],
            "log_ratio_std_to_reference": [t["log_ratio_std"] for t in to_ref],
            "scale_to_reference": [t["scale"] for t in to_ref],
            "random_basis_similarity": random_basis_similarity(covariances.shape[1], rng)}


def top_components(prior, k=8):
    """The ``k`` most probable components (orbits of a tied prior): per component its
    ``rank``, ``weight``, ``mean`` and ``eigenvectors`` in pixel space (``(d,)``, ``(d, m)``
    columns, decreasing eigenvalue) and ``eigenvalues``."""
    weights, means, covariances, _ = mixture_parts(prior)
    k = min(int(k), len(weights))
    values, vectors = eigen_decomposition(covariances[:k])
    basis = prior.basis
    return [{"rank": i, "weight": float(weights[i]), "mean": basis @ means[i],
             "eigenvectors": basis @ vectors[i], "eigenvalues": values[i]} for i in range(k)]


def orbit_listing(prior, k=8, n_vectors=1):
    """For a tied prior: the ``k`` most probable orbits, each with its eight transformed
    copies' leading eigenvectors in pixel space (``(|G|, n_vectors, d)``), weight and
    total variance. An untied prior has no orbits: an empty list."""
    if prior.symmetry == "none":
        return []
    weights, _, covariances, _ = mixture_parts(prior)
    _, vectors = eigen_decomposition(covariances[:k])
    basis, transforms = prior.basis, prior.transforms
    return [{"rank": i, "weight": float(weights[i]),
             "variance": float(np.trace(covariances[i])),
             "transformed": np.stack([(basis @ (r @ vectors[i][:, :n_vectors])).T
                                      for r in transforms])}
            for i in range(min(int(k), len(weights)))]


def patch_statistics(patches, patch_size=8):
    """Statistics that tell edges and textures from Gaussian noise: the kurtosis of the
    horizontal pixel difference (3 for a Gaussian; natural images are heavy-tailed) and
    percentiles (10, 50, 90, 99) of the zero-mean part's standard deviation (contrast)."""
    patches = np.asarray(patches, dtype=np.float64).reshape(-1, patch_size, patch_size)
    diff = np.diff(patches, axis=2).ravel()
    diff = diff - diff.mean()
    contrast = patches.reshape(len(patches), -1).std(axis=1)
    return {"difference_kurtosis": float(np.mean(diff ** 4) / np.mean(diff ** 2) ** 2),
            "contrast_percentiles": {str(q): float(np.percentile(contrast, q))
                                     for q in (10, 50, 90, 99)}}


def inspection_measures(prior, *, k=8, natural=None, n_samples=20000, rng=None):
    """Every number :func:`inspect_prior` reports (JSON-ready), and the samples drawn."""
    rng = np.random.default_rng(rng)
    weights, _, covariances, tied = mixture_parts(prior)
    values, _ = eigen_decomposition(covariances[:k])
    samples = prior.sample(n_samples, rng)
    measures = {
        "n_components": int(len(prior.weights_)), "n_orbits": int(len(weights)) if tied else None,
        "symmetry": prior.symmetry, "patch_size": prior.patch_size,
        "unit": "orbits" if tied else "components",
        "top_weights": [float(w) for w in weights[:k]],
        "top_eigenvalues": [[float(v) for v in row] for row in values],
        "scale_mixture": scale_mixture_measures(
            covariances, k=min(k, 5), transforms=prior.transforms if tied else None,
            rng=int(rng.integers(2**31))),
        "samples": patch_statistics(samples, prior.patch_size),
    }
    if natural is not None:
        zero_mean = natural - natural.mean(axis=1, keepdims=True)
        measures["natural"] = patch_statistics(zero_mean, prior.patch_size)
        measures["natural_log_likelihood"] = float(np.mean(prior.log_prob(natural)))
    return measures, samples


def inspect_prior(prior, out_dir, *, k=8, natural=None, n_samples=20000, rng=None,
                  name=None):
    """Write the inspection figures and ``measures.json`` of a GMM prior to ``out_dir``.

    Parameters
    ----------
    prior : GaussianMixturePrior
        A fitted mixture (tied or not).
    out_dir : path
        Folder for ``components.png`` (the ``k`` most probable components: weight,
        mean, leading eigenvectors, spectrum), ``spectra.png`` (their spectra and the
        ratios to the first), ``samples.png`` (samples beside ``natural`` patches),
        ``orbits.png`` (tied priors: the top orbits' eight transforms) and
        ``measures.json``. Created if missing; files are replaced atomically.
    k : int
        How many components (orbits) to show and measure.
    natural : (n, d) array, optional
        Natural patches to show beside the samples and to score.
    n_samples : int
        Samples drawn for the statistics (a mosaic shows the first ones).
    rng : int or Generator, optional
        Seed for the samples.
    name : str, optional
        What to call the prior in titles and the JSON.

    Returns
    -------
    dict
        The measures (as written to ``measures.json``) and ``files``, the names written.
    """
    from priors import inspection_figures as figures

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    measures, samples = inspection_measures(prior, k=k, natural=natural, n_samples=n_samples,
                                            rng=rng)
    measures["name"] = name
    title = name or "prior"
    files = ["components.png", "spectra.png", "samples.png"]
    figures.components_figure(top_components(prior, k), out_dir / files[0], title=title)
    figures.spectra_figure([(title, measures)], out_dir / files[1])
    figures.samples_figure(samples, natural, prior.patch_size, out_dir / files[2],
                           title=title, rng=rng)
    orbits = orbit_listing(prior, k)
    if orbits:
        files.append("orbits.png")
        figures.orbits_figure(orbits, prior.patch_size, out_dir / files[-1], title=title)
    files.append("measures.json")
    measures["files"] = files
    tmp = out_dir / f".measures.json.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(measures, indent=1) + "\n", encoding="utf-8")
    tmp.replace(out_dir / "measures.json")
    return measures
