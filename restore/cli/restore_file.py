"""Restoring one file with the options of ``restore``: read, call the library, write."""
from __future__ import annotations

import time
from functools import partial

import numpy as np

from restore import api
from restore.cli.kernel_spec import check_kernel_fits
from restore.cli.masks import known_pixels
from restore.cli.messages import describe
from restore.cli.noise_map import read_sigma_map
from restore.cli.noise_spec import correlated_noise
from restore.cli.options import UsageError
from restore.cli.report import quality_report, read_reference
from restore.core.validation import SIGMA_MIN
from restore.io import read_image, write_image


#: Patch size of every shipped patch prior (priors/pretrained/*_8x8*), for --tile's check.
PATCH_SIZE = 8


def check_task_options(args, output_extensions=()):
    """Options that belong to another task, a task missing its option, or options in conflict
    (``--bit-depth`` against the output format, ``--tile`` against the patch size) are usage
    errors, raised before any file is read. Fills in the task's default prior."""
    if args.prior is None:
        args.prior = api.DEFAULT_PRIORS[args.task]
    _check_sigma_map_options(args)
    if args.task not in ("deblur", "upscale") and args.kernel is not None:
        raise UsageError(f"--kernel is for --task deblur and upscale, not --task {args.task}")
    if args.task != "upscale" and args.scale is not None:
        raise UsageError(f"--scale is for --task upscale, not --task {args.task}")
    if args.task == "upscale" and args.scale is None:
        raise UsageError("--task upscale needs --scale N, the enlargement (2, 3, 4, ...)")
    if args.boundary is not None and args.task not in ("deblur", "upscale"):
        raise UsageError(f"--boundary is for --task deblur and upscale, not --task {args.task}")
    if args.task == "upscale" and args.boundary == "unknown":
        raise UsageError("--boundary unknown is for --task deblur; upscale takes reflect or "
                         "circular")
    if args.boundary is None and args.task in ("deblur", "upscale"):
        args.boundary = "unknown" if args.task == "deblur" else "reflect"
    if args.task == "deblur" and args.kernel is None:
        raise UsageError("--task deblur needs the blur: --kernel FILE, gaussian:STD or "
                         "motion:LENGTH,ANGLE")
    if args.noise == "poisson-gaussian" and args.task != "denoise":
        raise UsageError(f"--noise poisson-gaussian is for --task denoise, not --task {args.task}")
    if args.gain is not None and args.noise != "poisson-gaussian":
        raise UsageError("--gain is for --noise poisson-gaussian")
    if args.noise == "poisson-gaussian" and args.prior == "dip":
        raise UsageError("--noise poisson-gaussian works with the patch priors, not --prior dip")
    args.correlated_noise = correlated_noise(args)
    if args.task != "inpaint" and (args.mask is not None or args.invert_mask):
        raise UsageError(f"--mask and --invert-mask are for --task inpaint, not --task {args.task}")
    if args.invert_mask and args.mask is None:
        raise UsageError("--invert-mask needs --mask")
    if args.prior != "dip" and (args.iterations is not None or args.restarts is not None):
        raise UsageError(f"--iterations and --restarts are for --prior dip, not "
                         f"--prior {args.prior}")
    if args.prior != "dip":
        from priors.devices import resolve_device

        resolve_device(args.device)  # no CUDA: a one-line error before any file is read
    if args.bit_depth in ("8", "16") and ".npy" in output_extensions:
        raise UsageError(f"--bit-depth {args.bit_depth} cannot be written to a .npy output (it "
                         "stores float32); write .png or .tif, or drop --bit-depth")
    if args.tile is not None and args.prior == "dip":
        raise UsageError("--tile is for the patch priors; --prior dip restores the whole image")
    if args.tile is not None and args.tile < 2 * PATCH_SIZE:
        raise UsageError(f"--tile must be at least {2 * PATCH_SIZE} pixels (two {PATCH_SIZE}x"
                         f"{PATCH_SIZE} patches), got {args.tile}")


def _check_sigma_map_options(args):
    """``--sigma-map`` replaces ``--sigma`` for white Gaussian denoising with a patch prior."""
    if args.sigma_map is None:
        return
    if args.sigma is not None:
        raise UsageError("give --sigma or --sigma-map, not both")
    if args.noise_psd is not None or args.noise_kernel is not None:
        raise UsageError("--sigma-map is white noise varying across the image; --noise-psd and "
                         "--noise-kernel are correlated noise: give one of them")
    if args.task != "denoise" or args.noise != "gaussian":
        raise UsageError("--sigma-map is for --task denoise with white Gaussian noise")
    if args.prior == "dip":
        raise UsageError("--sigma-map works with the patch priors, not --prior dip")


def restore_file(args, input_path, output_path, kernel, *, progress, executor=None):
    """Restore one file into ``output_path``; return the summary line and quality lines.
    ``executor``: runs the tiles of a large image (see :func:`restore.denoise`)."""
    if args.task == "upscale":
        image, info = read_small_image(input_path, args.scale, args.max_pixels)
    else:
        image, info = read_image(input_path, max_pixels=args.max_pixels)
    check_float_range(image, info)
    scale = args.scale if args.task == "upscale" else 1
    like = np.broadcast_to(np.float32(0), (image.shape[0] * scale, image.shape[1] * scale)
                           + image.shape[2:])
    reference = None if args.reference is None else read_reference(args.reference, like,
                                                                    args.max_pixels)
    channel_axis = -1 if image.ndim == 3 else None
    if args.task != "upscale":  # upscale checks the size of its result
        api.check_large_enough(image, channel_axis, args.prior)
    options = dict(prior=_prior(args), channel_axis=channel_axis, rng=args.seed,
                   exact=args.exact, progress=progress, tile_size=args.tile, executor=executor,
                   device=None if args.prior == "dip" else args.device)
    denoise = partial(api.denoise, oracle=args.oracle)
    start = time.perf_counter()
    compared, label = image, "input:"
    if args.task == "upscale":
        restored, info = _upscale(args, image, info, kernel, options)
        if reference is not None:
            from skimage.transform import resize

            compared, label = resize(image, like.shape, order=3, anti_aliasing=False), "bicubic:"
        done = (f"enlarged {describe(image)} {scale} times to {restored.shape[1]}x"
                f"{restored.shape[0]} pixels")
    elif args.task == "inpaint":
        known, info = known_pixels(args.mask, args.invert_mask, image, info, args.max_pixels)
        sigma = args.sigma / 255 if args.sigma is not None else None
        restored = api.inpaint(image, known, sigma, **options)
        done = f"inpainted {(~known).sum()} missing pixels of {describe(image)}"
    elif args.sigma_map is not None:
        sigma = read_sigma_map(args.sigma_map, image, args.max_pixels)
        restored = denoise(image, sigma=sigma, **options)
        done = (f"denoised {describe(image)} at sigma {sigma.min() * 255:.1f} to "
                f"{sigma.max() * 255:.1f} (--sigma-map)")
    elif getattr(args, "correlated_noise", None) is not None:
        restored = denoise(image, noise=args.correlated_noise, **options)
        done = (f"denoised {describe(image)} of correlated noise at sigma "
                f"{args.correlated_noise.sigma * 255:.1f}")
    elif args.noise == "poisson-gaussian":
        noise = _poisson_gaussian(args, image, channel_axis)
        restored = denoise(image, noise=noise, **options)
        done = (f"denoised {describe(image)} of Poisson-Gaussian noise (gain "
                f"{noise.gain * 255:.3g}, sigma {noise.sigma * 255:.2f} on the 0-255 scale)")
    else:
        sigma = args.sigma / 255 if args.sigma is not None else _estimate_sigma(image,
                                                                              channel_axis)
        if args.task == "deblur":
            check_kernel_fits(kernel, image)
            restored = api.deblur(image, kernel, sigma, boundary=args.boundary, **options)
            done = (f"deblurred {describe(image)} (kernel {kernel.shape[1]}x"
                    f"{kernel.shape[0]}, {args.boundary} boundary) at sigma {sigma * 255:.2f}")
        else:
            restored = denoise(image, sigma=sigma, **options)
            done = f"denoised {describe(image)} at sigma {sigma * 255:.1f}"
    elapsed = time.perf_counter() - start
    report = [] if reference is None else quality_report(compared, restored, reference,
                                                         channel_axis, input_label=label)
    depth = None if args.bit_depth is None else (
        "float" if args.bit_depth == "float" else int(args.bit_depth))
    write_image(output_path, restored, info, bit_depth=depth)
    return f"{done} in {elapsed:.1f} s; wrote {output_path}", report


def read_small_image(path, scale, max_pixels):
    """Read the input of ``--task upscale``; refuse it, before restoring anything, when
    ``scale`` times its width and height would exceed ``max_pixels``."""
    image, info = read_image(path, max_pixels=max_pixels)
    height, width = image.shape[:2]
    if height * width * scale**2 > max_pixels:
        raise ValueError(f"cannot enlarge '{path}' ({width}x{height}) {scale} times: the result, "
                         f"{width * scale}x{height * scale} pixels, would exceed the limit of "
                         f"{max_pixels / 1e6:g} megapixels (--max-pixels {max_pixels}); choose a "
                         "smaller --scale or image, or raise --max-pixels")
    return image, info


def _upscale(args, image, info, kernel, options):
    """``(enlarged image, info)``: an alpha plane is enlarged with the image (by the bicubic
    spline, :func:`restore.upscale`), the image through the library."""
    from dataclasses import replace

    from restore.core.validation import as_float_image

    sigma = args.sigma / 255 if args.sigma is not None else None
    call = dict(kernel=kernel, sigma=sigma, boundary=args.boundary,
                max_pixels=args.max_pixels, **options)
    if info.alpha is None:
        return api.upscale(image, args.scale, **call), info
    planes = image[..., None] if image.ndim == 2 else image
    alpha = as_float_image(info.alpha, name="alpha").astype(planes.dtype)
    joined = np.concatenate([planes, alpha[..., None]], axis=2)
    enlarged = api.upscale(joined, args.scale, **{**call, "channel_axis": -1})
    restored = enlarged[..., 0] if image.ndim == 2 else enlarged[..., :-1]
    return restored, replace(info, alpha=np.ascontiguousarray(enlarged[..., -1]))


def check_float_range(image, info):
    """Float files must hold values in [0, 1]: the result is clipped to [0, 1], so other values
    would be changed without a word; a one-line ValueError says how to rescale."""
    if info.bit_depth != "float":
        return
    low, high = float(image.min()), float(image.max())
    if low < 0 or high > 1:
        raise ValueError(f"cannot restore '{info.path}': its float values span {low:.4g}..{high:.4g}"
                         ", outside [0, 1], and the result would be clipped to [0, 1]; rescale it "
                         "first, e.g. (x - x.min()) / (x.max() - x.min()), or clip it with "
                         "numpy.clip(x, 0, 1), and save it again")


def _prior(args):
    """The prior to restore with: its name, or for ``dip`` a DeepImagePrior with the options."""
    if args.prior != "dip":
        return args.prior
    from priors.dip import DeepImagePrior

    return DeepImagePrior(iterations=args.iterations, restarts=args.restarts or 1,
                          device=args.device)


def _poisson_gaussian(args, image, channel_axis):
    """The Poisson-Gaussian noise of ``--gain`` and ``--sigma`` (0-255 scale), each estimated
    (and printed) when not given."""
    from restore.core.anscombe import PoissonGaussian

    gain = None if args.gain is None else args.gain / 255
    sigma = None if args.sigma is None else args.sigma / 255
    if gain is None or sigma is None:
        estimated = api.estimate_noise_poisson_gaussian(image, channel_axis=channel_axis)
        gain = estimated[0] if gain is None else gain
        sigma = estimated[1] if sigma is None else sigma
        print(f"estimated Poisson-Gaussian noise: gain {gain * 255:.3g}, sigma {sigma * 255:.2f} "
              "(0-255 scale)", flush=True)
    if not gain > 0:
        raise ValueError("the image shows no signal-dependent noise (estimated gain 0); restore "
                         "it as white Gaussian noise (without --noise), or give --gain")
    return PoissonGaussian(gain, sigma)


def _estimate_sigma(image, channel_axis):
    sigma = api.estimate_sigma(image, channel_axis=channel_axis)
    print(f"estimated noise sigma: {sigma * 255:.1f} (0-255 scale)", flush=True)
    if not sigma >= SIGMA_MIN:
        raise ValueError("could not estimate the noise level (the image looks noise-free); "
                         "give it with --sigma")
    return sigma
