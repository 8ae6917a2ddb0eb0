"""``--reference``: PSNR and SSIM of the input and of the output against the clean image."""
from __future__ import annotations

from restore.cli.messages import describe
from restore.io import read_image


def read_reference(path, image, max_pixels):
    """The clean image, which must have the shape of ``image``."""
    reference, _ = read_image(path, max_pixels=max_pixels)
    if reference.shape != image.shape:
        raise ValueError(f"the reference '{path}' is {describe(reference)} but the input is "
                         f"{describe(image)}; give the clean version of the same image")
    return reference


def quality_report(noisy, restored, reference, channel_axis, *, input_label="input:"):
    """Lines with PSNR and SSIM (data range 1) of the input (or what ``input_label`` names, e.g.
    the bicubic enlargement of an upscaled input) and the output against ``reference``."""
    import numpy as np
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    reference = np.asarray(reference, dtype=np.float64)
    lines = []
    for label, image in ((input_label, noisy), ("output:", restored)):
        image = np.asarray(image, dtype=np.float64)
        psnr = peak_signal_noise_ratio(reference, image, data_range=1.0)
        ssim = structural_similarity(reference, image, data_range=1.0, channel_axis=channel_axis)
        lines.append(f"{label:<7} PSNR {psnr:.2f} dB  SSIM {ssim:.4f}")
    return lines
