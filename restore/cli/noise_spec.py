"""``--noise-psd FILE`` and ``--noise-kernel FILE``: stationary correlated noise for
``--task denoise`` (:class:`restore.core.correlated_noise.CorrelatedNoise`)."""
from __future__ import annotations

from pathlib import Path

from restore.cli.options import UsageError


def correlated_noise(args):
    """The :class:`~restore.core.correlated_noise.CorrelatedNoise` of ``--noise-psd`` or
    ``--noise-kernel`` (None without either), checked against the other options; every
    problem, a bad file included, is a :class:`~restore.cli.options.UsageError`."""
    psd, kernel = args.noise_psd, args.noise_kernel
    if psd is None and kernel is None:
        return None
    option = "--noise-psd" if psd is not None else "--noise-kernel"
    if psd is not None and kernel is not None:
        raise UsageError("give --noise-psd or --noise-kernel, not both")
    if args.task != "denoise":
        raise UsageError(f"{option} is for --task denoise, not --task {args.task}")
    if args.noise != "gaussian":
        raise UsageError(f"{option} describes Gaussian noise; drop --noise {args.noise}")
    if args.prior not in ("gmm", "gmm-untied"):
        raise UsageError(f"{option} works with the Gaussian mixture priors (gmm, gmm-untied), "
                         f"not --prior {args.prior}")
    if args.device == "cuda":
        raise UsageError(f"{option} runs on the CPU; drop --device cuda")
    if kernel is not None and args.sigma is None:
        raise UsageError("--noise-kernel needs --sigma, the noise level after the filter (0-255 "
                         "scale)")
    from restore.core.correlated_noise import CorrelatedNoise

    sigma = None if args.sigma is None else args.sigma / 255
    path = Path(psd if psd is not None else kernel)
    try:
        array = _read_npy(path, args.max_pixels)
        if psd is not None:
            return CorrelatedNoise.from_psd(array, sigma)
        return CorrelatedNoise.from_kernel(array, sigma)
    except (ValueError, TypeError, OSError) as error:
        raise UsageError(f"bad {option} '{path}': {error}") from None


def _read_npy(path, max_pixels):
    import numpy as np

    from restore.io.budget import check_pixel_budget
    from restore.io.decoders import npy_header

    if not path.is_file():
        raise ValueError("no such file")
    if path.suffix.lower() != ".npy":
        raise ValueError("expected a .npy file (numpy.save)")
    shape, _ = npy_header(path)
    check_pixel_budget(int(np.prod(shape)), 1, max_pixels, what="the noise file")
    return np.load(path, allow_pickle=False)
