"""Training the patch priors from folders of images (never the test sets)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}
TEST_SETS = {"bsd68", "cbsd68"}


def list_training_images(image_dirs):
    """Image files in the given folders, sorted; refuses the BSD68/CBSD68 test sets."""
    paths = []
    for folder in map(Path, image_dirs):
        if folder.name.lower() in TEST_SETS:
            raise ValueError(f"'{folder}' is a test set; train on train400 or bsds500_test, "
                             "never on the images the benchmark measures")
        if not folder.is_dir():
            raise ValueError(f"training folder '{folder}' does not exist or is not a folder")
        paths += sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise ValueError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) found in {list(image_dirs)}")
    return paths


def load_grey(path):
    """An image file as a float32 grey array in [0, 1] (colour via ITU-R 601 luma)."""
    from PIL import Image

    with Image.open(path) as img:
        grey = np.asarray(img.convert("L"), dtype=np.float32)
    return grey / 255.0


def sample_patches(images, n_patches, patch_size, rng=None):
    """``n_patches`` random ``patch_size``-square patches, spread evenly over the images.

    Returns float32 rows of length ``patch_size**2``.
    """
    rng = np.random.default_rng(rng)
    per_image = patches_per_image(len(images), n_patches)
    rows = []
    for image, count in zip(images, per_image):
        h, w = image.shape
        if h < patch_size or w < patch_size or count == 0:
            continue
        top = rng.integers(0, h - patch_size + 1, size=count)
        left = rng.integers(0, w - patch_size + 1, size=count)
        offsets = np.arange(patch_size)
        rows.append(image[(top[:, None, None] + offsets[None, :, None]),
                          (left[:, None, None] + offsets[None, None, :])].reshape(count, -1))
    return np.concatenate(rows).astype(np.float32)


def patches_per_image(n_images, n_patches):
    """``n_patches`` spread evenly over ``n_images`` (the first ones get one more)."""
    counts = np.full(n_images, n_patches // n_images, dtype=np.int64)
    counts[: n_patches % n_images] += 1
    return counts


def sample_rows(paths, counts, patch_size, seed, start, stop):
    """Rows ``start:stop`` of the patch sequence of the images ``paths``: image ``j``
    gives ``counts[j]`` random patches, drawn from its own stream ``(seed, j)``, in
    image order. The rows do not depend on how the sequence is cut, so every part
    of a partition can be drawn where it is used (a Dask worker) from the files."""
    ends = np.cumsum(counts)
    rows = []
    for j in np.flatnonzero((counts > 0) & (ends > start) & (ends - counts < stop)):
        first = ends[j] - counts[j]
        patches = sample_patches([load_grey(paths[j])], int(counts[j]), patch_size,
                                 np.random.default_rng([seed, int(j)]))
        rows.append(patches[max(start - first, 0):stop - first])
    return np.concatenate(rows) if rows else np.empty((0, patch_size**2), np.float32)


def train_gmm_prior(image_dirs, *, n_components=200, patch_size=8, n_patches=500_000,
                    max_iter=100, tol=1e-3, rng=0, init=None, symmetry=None, progress=True):
    """Fit the EPLL Gaussian mixture by EM on random patches of the training images.

    ``init``: path of a trained prior to start EM from (warm start) instead of
    k-means; its number of components and patch size win. ``symmetry``: see
    :class:`priors.gmm.GaussianMixturePrior` (``None``: "none", or the ``init``
    prior's; a symmetry given with ``init`` ties that prior's orbits).
    """
    rng = np.random.default_rng(rng)  # one stream: patch sampling, then the k-means start
    prior = untrained_gmm(n_components=n_components, patch_size=patch_size, max_iter=max_iter,
                          tol=tol, rng=rng, init=init, symmetry=symmetry, progress=progress)
    paths = list_training_images(image_dirs)
    if progress:
        print(f"sampling {n_patches} patches of {prior.patch_size}x{prior.patch_size} from "
              f"{len(paths)} images", file=sys.stderr, flush=True)
    patches = sample_patches([load_grey(p) for p in paths], n_patches, prior.patch_size, rng)
    prior.fit(patches)
    prior.n_train_ = patches.shape[0]
    return prior


def untrained_gmm(*, n_components, patch_size, max_iter, tol, rng, init, symmetry, progress):
    """The mixture EM starts from: a new one, or the prior file ``init`` (warm start; its
    number of components and patch size win), tied over ``symmetry`` if given."""
    from priors.gmm import GaussianMixturePrior

    if init is None:
        return GaussianMixturePrior(n_components, patch_size, max_iter=max_iter, tol=tol,
                                    rng=rng, verbose=progress, symmetry=symmetry or "none")
    prior = GaussianMixturePrior.load(init)
    if symmetry is not None and symmetry != prior.symmetry:
        prior = prior.with_symmetry(symmetry)
    prior.max_iter, prior.tol, prior.rng, prior.verbose = max_iter, tol, rng, progress
    prior.warm_start = True
    return prior


def train_vae_prior(image_dirs, *, latent_dim=16, hidden=(128, 128), patch_size=8,
                    n_patches=600_000, epochs=4, batch_size=1024, learning_rate=2e-3, rng=0,
                    progress=True):
    """Fit the patch VAE (:class:`priors.vae.VAEPrior`) by maximising the ELBO on random
    patches of the training images; one seed drives sampling, initialisation and batches."""
    from priors.vae import VAEPrior

    rng = np.random.default_rng(rng)
    paths = list_training_images(image_dirs)
    if progress:
        print(f"sampling {n_patches} patches of {patch_size}x{patch_size} from {len(paths)} images",
              file=sys.stderr, flush=True)
    patches = sample_patches([load_grey(p) for p in paths], n_patches, patch_size, rng)
    prior = VAEPrior(latent_dim, hidden, patch_size)
    prior.fit(patches, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
              rng=rng, verbose=progress)
    return prior
