"""Image restoration with learned patch priors (EPLL and friends).

Public API::

    from restore import denoise, deblur, inpaint, estimate_sigma
    clean = denoise(noisy, sigma=25 / 255)          # images in [0, 1]
    sharp = deblur(blurred, kernel, sigma=0.01)     # known blur kernel
    whole = inpaint(damaged, known)                 # known: True where the pixel is observed

The GMM path never imports torch.
"""
from restore.api import deblur, denoise, estimate_sigma, inpaint

__all__ = ["deblur", "denoise", "estimate_sigma", "inpaint"]
__version__ = "0.1.0"
