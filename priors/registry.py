"""Prior names -> prior objects (feeds the library's ``prior=`` and the CLI's choices)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from priors.base import ImagePrior, PatchPrior

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
#: Priors built afresh for every image (nothing to train): Deep Image Prior.
_UNTRAINED = ("dip",)
#: "gmm": 200 orbits tied over the 8 rotations and flips of a patch (1,600 components);
#: "gmm-untied": the 200-component mixture it was trained from (8 times fewer components
#: to score: the faster choice where the noise is small, as in deblurring).
_PRETRAINED = {"gmm": DATA_DIR / "gmm_8x8_200.npz",
               "gmm-untied": DATA_DIR / "gmm_8x8_200_untied.npz",
               "vae": DATA_DIR / "vae_8x8.npz"}
#: The prior each task uses unless told otherwise (README, "The pretrained priors"): the tied
#: GMM gains 0.1-0.2 dB in denoising for about twice the time, and 0.23 dB in inpainting
#: 80 % of pixels (six Train400 images) for about four times; at the small noise of
#: deblurring it keeps nearly all directions of all 1,600 components for about 0.1 dB.
DEFAULT_PRIORS = {"denoise": "gmm", "deblur": "gmm-untied", "inpaint": "gmm"}


def pretrained_path(name):
    """The file of a pretrained prior (``"gmm"``, ``"gmm-untied"``, ``"vae"``)."""
    return _PRETRAINED[name]


def available_priors():
    """Names accepted by ``prior=`` and ``--prior``."""
    return sorted([*_PRETRAINED, *_UNTRAINED])


@lru_cache(maxsize=None)
def _load(name):
    path = pretrained_path(name)
    if not path.exists():
        raise ValueError(f"the pretrained '{name}' prior is missing ({path}); "
                         f"make it with `restore train {name}` (see README)")
    if name.startswith("gmm"):
        from priors.gmm import GaussianMixturePrior
        return GaussianMixturePrior.load(path)
    if name == "vae":
        from priors.vae import VAEPrior
        return VAEPrior.load(path)
    raise AssertionError(name)


def get_prior(prior):
    """A :class:`PatchPrior` (or a whole-image :class:`ImagePrior`, for ``"dip"``) from a
    registered name or a prior object."""
    if isinstance(prior, (PatchPrior, ImagePrior)):
        return prior
    if isinstance(prior, str) and prior == "dip":
        from priors.dip import DeepImagePrior
        return DeepImagePrior()
    if isinstance(prior, str) and prior in _PRETRAINED:
        return _load(prior)
    raise ValueError(f"unknown prior {prior!r}; choose one of {available_priors()} "
                     "or pass a PatchPrior object")
