"""Make the example images: a clean 256x256 grey crop of scikit-image's camera
image and a copy with white Gaussian noise of sigma 25/255.

Run from the repository root::

    python data/examples/make_examples.py

The noise is drawn from ``np.random.default_rng(0)`` on the [0, 1] scale,
added, then clipped to [0, 1] and rounded to 8 bits, so the files are the
same on every machine.
"""
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data

HERE = Path(__file__).resolve().parent
CROP = (slice(40, 296), slice(140, 396))  # the photographer's head, camera and tripod
SIGMA = 25 / 255


def make_examples(folder=HERE, seed=0):
    """Write ``cameraman.png`` and ``cameraman_noisy25.png`` into ``folder``."""
    clean = data.camera()[CROP]
    rng = np.random.default_rng(seed)
    noisy = clean / 255.0 + rng.normal(0.0, SIGMA, size=clean.shape)
    noisy = np.round(np.clip(noisy, 0.0, 1.0) * 255).astype(np.uint8)
    Image.fromarray(clean).save(folder / "cameraman.png")
    Image.fromarray(noisy).save(folder / "cameraman_noisy25.png")
    return clean, noisy


if __name__ == "__main__":
    make_examples()
