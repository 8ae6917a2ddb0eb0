"""Image restoration with learned patch priors (EPLL and friends).

Public API::

    from restore import denoise, deblur, inpaint, upscale, estimate_sigma
    clean = denoise(noisy, sigma=25 / 255)          # images in [0, 1]
    sharp = deblur(blurred, kernel, sigma=0.01)     # known blur kernel
    whole = inpaint(damaged, known)                 # known: True where the pixel is observed
    large = upscale(small, 3)                       # 3 times the height and width
    sigma = estimate_sigma(noisy)                   # white Gaussian noise level
    a, b = estimate_noise_poisson_gaussian(raw)     # var(y | x) = a x + b^2
    clean = denoise(raw, noise=PoissonGaussian(a, b))   # or noise="poisson-gaussian"
    clean = denoise(raw, noise=CorrelatedNoise(psd=psd))  # as bm3d's sigma_psd

Names load lazily (as scikit-image does): ``import restore`` is cheap, and a low
layer such as :mod:`restore.operators` imports without the library. The GMM
path never imports torch.
"""
import importlib

__version__ = "0.1.0"
_API = ("deblur", "denoise", "estimate_noise_poisson_gaussian", "estimate_sigma", "inpaint",
        "upscale")
__all__ = [*_API, "CorrelatedNoise", "PoissonGaussian", "__version__"]


def __getattr__(name):
    if name in _API:
        return getattr(importlib.import_module("restore.api"), name)
    if name == "PoissonGaussian":
        return importlib.import_module("restore.core.anscombe").PoissonGaussian
    if name == "CorrelatedNoise":
        return importlib.import_module("restore.core.correlated_noise").CorrelatedNoise
    raise AttributeError(f"module 'restore' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
