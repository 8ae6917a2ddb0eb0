"""Component search of a tied mixture by canonical orientation.

A mixture tied over the eight rotations and flips scores ``8 K`` components
per patch. Component ``(g, k)`` scores a patch ``x`` as orbit ``k`` scores the
transformed patch, ``N(x; P_g S_k P_g^T) = N(P_g^T x; S_k)``. Put every orbit
in its canonical orientation once (``S'_k = P_h S_k P_h^T``, ``h = h_k`` from
the orbit's expected features, :mod:`priors.orientation`) and every patch in
its own (``x' = P_t x``). The search then runs in two passes:

1. every orbit is scored on the canonical patch only: the component
   ``g = t^-1 h_k`` whose orientation matches the patch's, at the cost of an
   untied mixture of ``K`` components; the ``shortlist`` best orbits go on;
2. those orbits are scored on all eight transforms of the canonical patch,
   which repairs an orientation the features got wrong, for ``8 shortlist``
   more components.

With ``shortlist = K`` every component is scored: the exhaustive search. The
chosen component's Wiener filter is applied exactly, in the orbit's frame,
and the result is moved back.
"""
from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from priors._gmm_kernels import permute_rows
from priors.orientation import canonical_transforms, ranked_transforms
from priors.symmetry import pixel_permutations

#: Names accepted for ``search=``.
SEARCHES = ("orientation", "exhaustive")
#: Orbits kept from the first pass. docs/tuning.md#component-search
#: (benchmarks/results/component_search.json)
SHORTLIST = 8


def resolve_search(prior, search, shortlist=None):
    """``(search, shortlist)`` a mixture runs for ``search`` and ``shortlist`` (``None``:
    their defaults), checked."""
    if search is None:
        search = "exhaustive" if prior.symmetry == "none" else "orientation"
    if search not in SEARCHES:
        raise ValueError(f"search must be one of {SEARCHES}, got {search!r}")
    if search == "orientation" and prior.symmetry != "dihedral":
        raise ValueError("the orientation search needs a mixture tied over rotations and "
                         f"flips (symmetry='dihedral'); this one has {prior.symmetry!r}")
    return search, resolve_shortlist(prior, search, shortlist)


def resolve_shortlist(prior, search, shortlist):
    """The orbits the orientation search keeps for ``shortlist`` (``None``: :data:`SHORTLIST`,
    at most every orbit), checked; None for the exhaustive search, which keeps them all."""
    if search == "exhaustive":
        return None
    if shortlist is None:
        return min(SHORTLIST, prior.n_components)
    if isinstance(shortlist, bool) or int(shortlist) != shortlist or not (
            1 <= shortlist <= prior.n_components):
        raise ValueError(f"shortlist must be a whole number from 1 to {prior.n_components}, "
                         f"got {shortlist!r}")
    return int(shortlist)


def fast_search(prior, tail_ratio, search, shortlist=None):
    """The fast z-step of ``prior`` with the named search and shortlist (both resolved)."""
    from priors.gmm_fast import FlatTailDenoiser

    if search == "exhaustive":
        return FlatTailDenoiser(prior, tail_ratio=tail_ratio)
    return OrientationSearch(prior, tail_ratio=tail_ratio,
                             shortlist=resolve_shortlist(prior, search, shortlist))


class OrientationSearch:
    """Fast z-step of a dihedrally tied :class:`~priors.gmm.GaussianMixturePrior`."""

    def __init__(self, prior, *, tail_ratio=1.0, shortlist=SHORTLIST):
        from priors.gmm import GaussianMixturePrior

        if prior.symmetry != "dihedral":
            raise ValueError("the orientation search needs a mixture tied over the dihedral "
                             f"group, got symmetry={prior.symmetry!r}")
        if not 1 <= int(shortlist) <= prior.n_components:
            raise ValueError(f"shortlist must be between 1 and {prior.n_components}, "
                             f"got {shortlist}")
        self.patch_size = prior.patch_size
        self.tail_ratio = float(tail_ratio)
        self.shortlist = int(shortlist)
        weights, means, covariances = prior._orbits
        basis = prior.basis
        with threadpool_limits(1, user_api="blas"):  # many small products: no threads
            canonical = canonical_transforms(means @ basis.T, basis @ covariances @ basis.T)
            turns = prior.transforms[canonical]
            orbits = GaussianMixturePrior(len(weights), prior.patch_size,
                                          reg_covar=prior.reg_covar)
            orbits._set_subspace_parameters(weights, np.einsum("kij,kj->ki", turns, means),
                                            turns @ covariances @ turns.transpose(0, 2, 1))
        self.orbits = orbits.fast_denoiser(tail_ratio)
        self.permutations = pixel_permutations(prior.patch_size, "dihedral")
        self.inverses = np.argsort(self.permutations, axis=1)
        self.then = _composition_table(self.permutations)
        self.components = _component_table(self.permutations, canonical)

    def denoise(self, patches, noise_var):
        """Approximate-MAP patches, ``(n, d) -> (n, d)``; float32 in, float32 out."""
        patches = np.ascontiguousarray(patches)
        orbit, turn = self.search(patches, noise_var)
        estimate = self.orbits.wiener(permute_rows(patches, self.permutations, turn), orbit,
                                      noise_var)
        return permute_rows(np.ascontiguousarray(estimate), self.inverses, turn)

    def labels(self, patches, noise_var):
        """The chosen component per patch, indexed as the tied prior's (``g K + k``)."""
        orbit, turn = self.search(np.ascontiguousarray(patches), noise_var)
        return self.components[turn, orbit]

    def search(self, patches, noise_var):
        """Per patch the chosen orbit (canonical) and the transform ``t`` that puts the
        patch in the orbit's frame, ``x[permutations[t]]``: ``((n,), (n,))``."""
        turn = ranked_transforms(patches, 1)[0][:, 0]
        canonical = permute_rows(patches, self.permutations, turn)
        shortlist, _ = self.orbits.score(canonical, noise_var, self.shortlist)
        orbit, again, _ = self.orbits.score_transforms(canonical, shortlist, self.permutations,
                                                       noise_var)
        return orbit, self.then[turn, again]


def _lookup(permutations):
    """Permutation (as bytes) -> its transform's index."""
    return {perm.tobytes(): g for g, perm in enumerate(permutations)}


def _composition_table(permutations):
    """``table[a, b]``: the transform whose permutation is ``perm_a[perm_b]`` (move by
    ``a``, then by ``b``)."""
    lookup = _lookup(permutations)
    return np.array([[lookup[first[second].tobytes()] for second in permutations]
                     for first in permutations])


def _component_table(permutations, canonical):
    """``table[t, k]``: the tied prior's index ``g K + k`` of orbit ``k`` scored on a patch
    put in its frame by ``t``; ``P_g = P_t^T P_h`` (``h`` the orbit's canonical transform)."""
    lookup = _lookup(permutations)
    inverses = np.argsort(permutations, axis=1)
    count = len(canonical)
    table = np.empty((len(permutations), count), dtype=np.int64)
    for t in range(len(permutations)):
        for k, h in enumerate(canonical):
            table[t, k] = lookup[permutations[h][inverses[t]].tobytes()] * count + k
    return table
