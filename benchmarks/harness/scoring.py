"""Quality of an estimate: PSNR (dB) and SSIM of the estimate clipped to [0, 1],
``skimage.metrics`` with ``data_range=1`` and scikit-image's default SSIM window."""
from __future__ import annotations

import numpy as np


def psnr(clean, estimate):
    """PSNR (dB) of ``estimate`` clipped to [0, 1] against ``clean``."""
    from skimage.metrics import peak_signal_noise_ratio

    estimate = np.clip(np.asarray(estimate, dtype=np.float64), 0.0, 1.0)
    return float(peak_signal_noise_ratio(clean, estimate, data_range=1.0))


def score(clean, estimate):
    """PSNR (dB) and SSIM of ``estimate`` clipped to [0, 1] (colour (H, W, 3) images: SSIM
    averaged over the channels).

    Returns
    -------
    psnr, ssim : float
    """
    from skimage.metrics import structural_similarity

    estimate = np.clip(np.asarray(estimate, dtype=np.float64), 0.0, 1.0)
    ssim = structural_similarity(clean, estimate, data_range=1.0,
                                 channel_axis=-1 if clean.ndim == 3 else None)
    return psnr(clean, estimate), float(ssim)
