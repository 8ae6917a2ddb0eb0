"""Files of :class:`priors.gmm.GaussianMixturePrior`: one ``.npz`` with a format version,
the orbits' parameters (the components' without a symmetry) and the EM diagnostics."""
from __future__ import annotations

import numpy as np

from priors.files import open_prior_file
from priors.symmetry import SYMMETRIES

#: 2 added ``symmetry``; version 1 files (no symmetry) still load.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)


def save_mixture(prior, path):
    """Write a fitted mixture to ``path``."""
    prior._require_fitted()
    weights, means, covariances = prior._orbits
    np.savez(path, format_version=FORMAT_VERSION, kind="gmm", patch_size=prior.patch_size,
             reg_covar=prior.reg_covar, symmetry=prior.symmetry, weights=weights, means=means,
             covariances=covariances,
             lower_bounds=np.asarray(getattr(prior, "lower_bounds_", []), dtype=np.float64),
             converged=bool(getattr(prior, "converged_", False)),
             n_train=int(getattr(prior, "n_train_", 0)))


def load_mixture(cls, path):
    """Read a mixture written by :func:`save_mixture` as an instance of ``cls``."""
    with open_prior_file(path, "gmm", READABLE_VERSIONS) as data:
        weights = data["weights"]
        symmetry = str(data["symmetry"]) if "symmetry" in data else "none"
        if symmetry not in SYMMETRIES:
            raise ValueError(f"'{path}' has an unknown symmetry {symmetry!r}; this version "
                             f"reads {SYMMETRIES}")
        prior = cls(weights.shape[0], int(data["patch_size"]),
                    reg_covar=float(data["reg_covar"]), symmetry=symmetry)
        prior._set_subspace_parameters(weights, data["means"], data["covariances"])
        prior.lower_bounds_ = list(data["lower_bounds"])
        prior.lower_bound_ = prior.lower_bounds_[-1] if prior.lower_bounds_ else None
        prior.n_iter_ = len(prior.lower_bounds_)
        prior.converged_ = bool(data["converged"])
        prior.n_train_ = int(data["n_train"])
    return prior
