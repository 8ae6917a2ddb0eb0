"""Image restoration with learned patch priors (EPLL and friends).

Public API::

    from restore import denoise, estimate_sigma
    clean = denoise(noisy, sigma=25 / 255)          # images in [0, 1]

The GMM path never imports torch.
"""
from restore.api import denoise, estimate_sigma

__all__ = ["denoise", "estimate_sigma"]
__version__ = "0.1.0"
