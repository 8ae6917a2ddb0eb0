"""Prior names -> factories; resolved once, at the library's boundary (:func:`get_prior`).

A new prior is one file and one line in :data:`FACTORIES`. Shipped priors are package
data (``priors/pretrained/``), each with its sha256 in :data:`PRETRAINED`, checked on load.
"""
from __future__ import annotations

from functools import lru_cache

from priors.files import check_pretrained
from priors.protocols import PatchDenoiser, Reconstructor

#: name -> (file in priors/pretrained/, sha256). "gmm": 200 orbits tied over the 8 rotations
#: and flips of a patch (1,600 components); "gmm-untied": the 200-component mixture it was
#: trained from (8 times fewer components to score). README, "Training the priors".
PRETRAINED = {
    "gmm": ("gmm_8x8_200.npz",
            "4fd6988e80ff9689a86a8b2e88bcea2ef3eab839e3f8067e17cfc53f6fffc001"),
    "gmm-untied": ("gmm_8x8_200_untied.npz",
                   "d5418bdfa901678ce57b2bbd24faf95ba154ea9a6a1401c3e9f94b6b2d1516af"),
    "vae": ("vae_8x8.npz",
            "3ef4ea3ad467c6720e9091c033b1c29606d731f54acba525d15055e8b42a6552"),
}


def _gmm(name):
    from priors.gmm import GaussianMixturePrior
    return GaussianMixturePrior.load(pretrained_path(name))


def _vae(name):
    from priors.vae import VAEPrior
    return VAEPrior.load(pretrained_path(name))


def _dip(name):
    from priors.dip import DeepImagePrior
    return DeepImagePrior()


#: name -> factory(name) -> prior object. Pretrained priors are loaded once per process.
FACTORIES = {"gmm": _gmm, "gmm-untied": _gmm, "vae": _vae, "dip": _dip}
#: Priors built afresh for every call (they carry per-run state): Deep Image Prior.
FRESH = ("dip",)


def pretrained_path(name):
    """The checked file of a shipped prior (``"gmm"``, ``"gmm-untied"``, ``"vae"``)."""
    filename, sha256 = PRETRAINED[name]
    return check_pretrained(name, filename, sha256)


def available_priors():
    """Names accepted by ``prior=`` and ``--prior``."""
    return sorted(FACTORIES)


@lru_cache(maxsize=None)
def _cached(name):
    prior = FACTORIES[name](name)
    prior.registry_name = name  # pickles by name (priors.registered)
    return prior


def get_prior(prior):
    """A prior object from a registered name, or the object itself (any
    :class:`~priors.protocols.PatchDenoiser` or :class:`~priors.protocols.Reconstructor`)."""
    if isinstance(prior, str) and prior in FACTORIES:
        return FACTORIES[prior](prior) if prior in FRESH else _cached(prior)
    if not isinstance(prior, str) and isinstance(prior, (PatchDenoiser, Reconstructor)):
        return prior
    raise ValueError(f"unknown prior {prior!r}; choose one of {available_priors()} "
                     "or pass a prior object (a PatchDenoiser or a Reconstructor)")
