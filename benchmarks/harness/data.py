"""Test data: the images of a dataset folder, crops, mirror tiling, blur kernels.

Images are read as float64 in [0, 1] (``uint8 / 255``) in the folder's
name order; an image's ``index`` is its position there, before any
``--limit``, and seeds its degradations.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Folder names of the test sets: nothing may be trained or tuned on them.
TEST_SETS = ("bsd68", "cbsd68")


@dataclass
class TestImage:
    """One clean test image: ``index`` is its position in the sorted folder."""

    __test__ = False  # not a pytest test class

    index: int
    name: str
    clean: np.ndarray


def list_images(folder, suffixes=(".png",)):
    """List the image files of a folder whose names end in ``suffixes``, sorted by name.

    Raises
    ------
    ValueError
        If the folder does not exist or holds no matching file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"data folder {str(folder)!r} does not exist or is not a folder; "
                         "pass the folder of the test images, e.g. --data ../shared/data/bsd68")
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in suffixes and p.is_file())
    if not paths:
        raise ValueError(f"no {'/'.join(suffixes)} files in {str(folder)!r}")
    return paths


def load_image(path, mode="L"):
    """Read an 8-bit image as float64 in [0, 1] (``uint8 / 255``).

    Parameters
    ----------
    path : str or Path
    mode : {"L", "RGB"}
        Expected PIL mode; the file is not converted, so a colour file in a
        grey benchmark is an error rather than a silent conversion.

    Returns
    -------
    ndarray
        (H, W) for ``"L"``, (H, W, 3) for ``"RGB"``.

    Raises
    ------
    ValueError
        If the file's mode differs from ``mode``.
    """
    from PIL import Image

    with Image.open(path) as img:
        if img.mode != mode:
            raise ValueError(f"{path}: expected an 8-bit {mode} image, found PIL mode {img.mode!r}")
        pixels = np.asarray(img, dtype=np.uint8)
    return pixels.astype(np.float64) / 255.0


def load_dataset(folder, limit=None, mode="L", suffixes=(".png",)):
    """Load the images of a folder, sorted by name, as floats in [0, 1].

    Parameters
    ----------
    folder : str or Path
    limit : int, optional
        Keep only the first ``limit`` images.
    mode : {"L", "RGB"}
    suffixes : tuple of str

    Returns
    -------
    images : list of TestImage
    n_available : int
        Number of matching files in the folder.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be a positive number of images, got {limit}")
    paths = list_images(folder, suffixes)
    chosen = paths if limit is None else paths[:limit]
    images = [TestImage(i, path.stem, load_image(path, mode=mode)) for i, path in enumerate(chosen)]
    return images, len(paths)


def refuse_test_set(folder, what="tune"):
    """Raise ValueError if ``folder`` is (inside) a test set (:data:`TEST_SETS`): the
    training and tuning scripts take training images only (Train400, BSDS500-test)."""
    if any(name in part.lower() for part in Path(folder).resolve().parts for name in TEST_SETS):
        raise ValueError(f"refusing to {what} on the BSD68/CBSD68 test set ({folder}); use "
                         "training images, e.g. ../shared/data/train400 (never on BSD68)")


def centre_crop(image, size):
    """Return the centre ``size x size`` crop of an image (all channels).

    Parameters
    ----------
    image : ndarray, (H, W) or (H, W, C)
    size : int or None
        Side of the crop; ``None`` returns the image unchanged.

    Returns
    -------
    ndarray
        A view of the crop.

    Raises
    ------
    ValueError
        If ``size`` is not positive or larger than the image.
    """
    if size is None:
        return image
    height, width = image.shape[:2]
    if size < 1 or size > min(height, width):
        raise ValueError(f"crop size must be between 1 and {min(height, width)} for an image "
                         f"of {height}x{width}, got {size}")
    top, left = (height - size) // 2, (width - size) // 2
    return image[top:top + size, left:left + size]


def mirror_tiled(source, height, width):
    """``source`` (H, W[, C]) mirror-tiled (``np.pad`` symmetric: no seam jump) and cropped
    to ``height x width``: natural image statistics at any size."""
    pad = [(0, max(0, height - source.shape[0])), (0, max(0, width - source.shape[1]))]
    pad += [(0, 0)] * (source.ndim - 2)
    return np.ascontiguousarray(np.pad(source, pad, mode="symmetric")[:height, :width])


def load_kernels(path):
    """The blur kernels of an ``.npz`` file, ``{name: kernel}`` in name order, each
    checked and normalised to sum 1 (:func:`restore.operators.kernels.check_kernel`)."""
    from restore.operators.kernels import check_kernel

    with np.load(path) as data:
        return {name: check_kernel(data[name], name=f"kernel {name!r}")
                for name in sorted(data.files)}
