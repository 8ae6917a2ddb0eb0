"""The golden regression cases: small images, fixed seeds, every task, prior and path.

``outputs.npz`` beside this file holds what the code computed when the cases
were fixed (``python -m tests.golden.make_golden``); ``tests/test_golden.py``
checks that the code still computes the same.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUTPUTS = HERE / "outputs.npz"
EXAMPLE = HERE.parent.parent / "data" / "examples" / "cameraman.png"


def grey_image(size=40):
    """A crop of the bundled cameraman example, floats in [0, 1]."""
    from PIL import Image

    pixels = np.asarray(Image.open(EXAMPLE), dtype=np.float64) / 255
    return pixels[60:60 + size, 100:100 + size]


def colour_image(size=40):
    """A crop of scikit-image's astronaut, floats in [0, 1]."""
    from skimage import data

    return data.astronaut()[100:100 + size, 180:180 + size].astype(np.float64) / 255


def noisy(clean, sigma, seed):
    return clean + sigma * np.random.default_rng(seed).standard_normal(clean.shape)


def tiny_dip(**options):
    from priors.dip import DeepImagePrior, Hourglass

    network = Hourglass(depth=2, channels_down=8, channels_up=8, channels_skip=2,
                        input_channels=4)
    return DeepImagePrior(network, device="cpu", iterations=30, **options)


def _mask(shape, seed, missing=0.5):
    return np.random.default_rng(seed).random(shape) >= missing


def cases():
    """name -> zero-argument callable returning the restored image."""
    import restore
    from restore.operators import Blur
    from restore.operators.kernels import gaussian_kernel

    grey, colour = grey_image(), colour_image()
    sigma = 25 / 255
    y_grey = noisy(grey, sigma, 1)
    y_colour = noisy(colour, sigma, 2)
    kernel = gaussian_kernel(1.2)
    blurred = {b: noisy(Blur(kernel, b).apply(grey), 0.01, 3) for b in ("reflect", "circular")}
    blurred_colour = noisy(np.stack([Blur(kernel, "reflect").apply(colour[..., c])
                                     for c in range(3)], -1), 0.01, 4)
    known = _mask(grey.shape, 5)
    damaged = np.where(known, grey, 0.0)
    damaged_colour = np.where(known[..., None], colour, 0.0)

    table = {}
    for prior in ("gmm", "gmm-untied", "vae"):
        for exact in (False, True):
            if prior == "vae" and exact:
                continue
            table[f"denoise-grey-{prior}-{'exact' if exact else 'fast'}"] = (
                lambda p=prior, e=exact: restore.denoise(y_grey, sigma, prior=p, exact=e, rng=0,
                                                       oracle=False))
    table["denoise-grey-float32-gmm-untied-fast"] = lambda: restore.denoise(
        y_grey.astype(np.float32), sigma, prior="gmm-untied", rng=0, oracle=False)
    table["denoise-grey-tiled-gmm-untied-fast"] = lambda: restore.denoise(
        noisy(grey_image(72), sigma, 6), sigma, prior="gmm-untied", rng=0, tile_size=32,
        oracle=False)
    table["denoise-colour-gmm-fast"] = lambda: restore.denoise(
        y_colour, sigma, channel_axis=-1, rng=0, oracle=False)
    table["denoise-colour-gmm-untied-exact"] = lambda: restore.denoise(
        y_colour, sigma, prior="gmm-untied", channel_axis=-1, exact=True, rng=0, oracle=False)
    # the default: EPLL, then the oracle stage (restore.solvers.group_wiener)
    table["denoise-grey-gmm-fast-oracle"] = lambda: restore.denoise(y_grey, sigma, rng=0)
    table["denoise-grey-float32-gmm-untied-fast-oracle"] = lambda: restore.denoise(
        y_grey.astype(np.float32), sigma, prior="gmm-untied", rng=0)
    table["denoise-grey-noise-map-gmm-untied-fast-oracle"] = lambda: restore.denoise(
        y_grey, np.linspace(10, 40, y_grey.size).reshape(y_grey.shape) / 255,
        prior="gmm-untied", rng=0)
    table["denoise-colour-gmm-fast-oracle"] = lambda: restore.denoise(
        y_colour, sigma, channel_axis=-1, rng=0)
    for boundary in ("reflect", "circular", "unknown"):
        observed = blurred["circular" if boundary == "circular" else "reflect"]
        for exact in (False, True):
            table[f"deblur-grey-{boundary}-gmm-untied-{'exact' if exact else 'fast'}"] = (
                lambda y=observed, b=boundary, e=exact: restore.deblur(y, kernel, 0.01,
                                                                       boundary=b, exact=e,
                                                                       rng=0))
    table["deblur-grey-gmm-fast"] = lambda: restore.deblur(blurred["reflect"], kernel, 0.01,
                                                           prior="gmm", boundary="reflect",
                                                           rng=0)
    table["deblur-grey-vae-fast"] = lambda: restore.deblur(blurred["reflect"], kernel, 0.01,
                                                           prior="vae", boundary="reflect",
                                                           rng=0)
    table["deblur-colour-gmm-untied-fast"] = lambda: restore.deblur(
        blurred_colour, kernel, 0.01, boundary="reflect", channel_axis=-1, rng=0)
    table["deblur-colour-unknown-gmm-untied-fast"] = lambda: restore.deblur(
        blurred_colour, kernel, 0.01, channel_axis=-1, rng=0)  # the default boundary
    table["inpaint-grey-gmm-fast"] = lambda: restore.inpaint(damaged, known, rng=0)
    table["inpaint-grey-gmm-untied-exact"] = lambda: restore.inpaint(
        damaged, known, prior="gmm-untied", exact=True, rng=0)
    table["inpaint-grey-vae-fast"] = lambda: restore.inpaint(damaged, known, prior="vae", rng=0)
    table["inpaint-colour-gmm-untied-fast"] = lambda: restore.inpaint(
        damaged_colour, known, prior="gmm-untied", channel_axis=-1, rng=0)
    table["denoise-grey-dip-direct"] = lambda: restore.denoise(
        y_grey[:16, :16], sigma, prior=tiny_dip(), rng=0)
    table["denoise-colour-dip-direct"] = lambda: restore.denoise(
        y_colour[:16, :16], sigma, prior=tiny_dip(), channel_axis=-1, rng=0)
    table["inpaint-grey-dip-hqs"] = lambda: restore.inpaint(
        damaged[:16, :16], known[:16, :16], prior=tiny_dip(mode="hqs"), rng=0)
    table["deblur-grey-dip-hqs"] = lambda: restore.deblur(
        blurred["circular"][:16, :16], kernel, 0.01, boundary="circular",
        prior=tiny_dip(mode="hqs"), rng=0)
    return table
