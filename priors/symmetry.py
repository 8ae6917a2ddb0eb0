"""Symmetries of square patches, and mixtures tied over them.

A transform ``g`` of a group ``G`` permutes the pixels of a ``p x p`` patch,
``(P_g x) = x[perm_g]``. The dihedral group of the square has eight: the
rotations by 0, 90, 180 and 270 degrees, and the same after a left-right
flip. Permutations keep the constant patch, so on the zero-mean coordinates
``c = Q^T x`` a transform acts as the orthogonal ``m x m`` matrix

    R_g = Q^T P_g Q.

A mixture tied over ``G`` has ``K`` orbits ``(w_k, mu_k, S_k)``; each orbit
gives ``|G|`` components, one per transform,

    (w_k / |G|,  R_g mu_k,  R_g S_k R_g^T),

so the density is invariant under every ``P_g``. Natural images have no
preferred orientation; tying shares each learnt structure (an edge, a
corner, a texture) between its rotated and mirrored copies.
"""
from __future__ import annotations

import numpy as np

#: Names accepted for ``symmetry=``; "none" is the trivial group.
SYMMETRIES = ("none", "dihedral")


def pixel_permutations(patch_size, symmetry):
    """``(|G|, d)`` index arrays ``perm_g`` with ``P_g x = x[perm_g]``; the identity first."""
    if symmetry not in SYMMETRIES:
        raise ValueError(f"symmetry must be one of {SYMMETRIES}, got {symmetry!r}")
    index = np.arange(patch_size * patch_size).reshape(patch_size, patch_size)
    if symmetry == "none":
        return index.reshape(1, -1)
    turns = [np.rot90(index, t) for t in range(4)]
    return np.stack([a.ravel() for a in turns + [a[:, ::-1] for a in turns]])


def subspace_transforms(basis, patch_size, symmetry):
    """``R_g = Q^T P_g Q`` for every transform, ``(|G|, m, m)``, from the basis ``Q`` (d x m)."""
    return np.stack([basis.T @ basis[perm] for perm in pixel_permutations(patch_size, symmetry)])


def expand_orbits(weights, means, covariances, transforms):
    """The components of a tied mixture, transform-major (component ``g * K + k``).

    ``weights (K,)``, ``means (K, m)``, ``covariances (K, m, m)`` of the orbits and the
    ``(|G|, m, m)`` transforms give ``(|G| K,)``, ``(|G| K, m)``, ``(|G| K, m, m)``.
    """
    count, m = transforms.shape[0], means.shape[1]
    turned = transforms[:, None] @ covariances[None] @ transforms.transpose(0, 2, 1)[:, None]
    return (np.tile(np.asarray(weights) / count, count),
            np.concatenate([means @ r.T for r in transforms]), turned.reshape(-1, m, m))
