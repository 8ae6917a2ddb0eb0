"""Restoring one file with the options of ``restore``: read, call the library, write."""
from __future__ import annotations

import time

from restore import api
from restore.cli.kernel_spec import check_kernel_fits
from restore.cli.masks import known_pixels
from restore.cli.messages import describe
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
    if args.task != "deblur" and args.kernel is not None:
        raise UsageError(f"--kernel is for --task deblur, not --task {args.task}")
    if args.task == "deblur" and args.kernel is None:
        raise UsageError("--task deblur needs the blur: --kernel FILE, gaussian:STD or "
                         "motion:LENGTH,ANGLE")
    if args.task != "inpaint" and (args.mask is not None or args.invert_mask):
        raise UsageError(f"--mask and --invert-mask are for --task inpaint, not --task {args.task}")
    if args.invert_mask and args.mask is None:
        raise UsageError("--invert-mask needs --mask")
    if args.prior != "dip" and (args.iterations is not None or args.device is not None
                                or args.restarts is not None):
        raise UsageError(f"--iterations, --restarts and --device are for --prior dip, not "
                         f"--prior {args.prior}")
    if args.bit_depth in ("8", "16") and ".npy" in output_extensions:
        raise UsageError(f"--bit-depth {args.bit_depth} cannot be written to a .npy output (it "
                         "stores float32); write .png or .tif, or drop --bit-depth")
    if args.tile is not None and args.prior == "dip":
        raise UsageError("--tile is for the patch priors; --prior dip restores the whole image")
    if args.tile is not None and args.tile < 2 * PATCH_SIZE:
        raise UsageError(f"--tile must be at least {2 * PATCH_SIZE} pixels (two {PATCH_SIZE}x"
                         f"{PATCH_SIZE} patches), got {args.tile}")


def restore_file(args, input_path, output_path, kernel, *, progress):
    """Restore one file into ``output_path``; return the summary line and quality lines."""
    image, info = read_image(input_path, max_pixels=args.max_pixels)
    check_float_range(image, info)
    reference = None if args.reference is None else read_reference(args.reference, image,
                                                                    args.max_pixels)
    channel_axis = -1 if image.ndim == 3 else None
    api.check_large_enough(image, channel_axis, args.prior)
    options = dict(prior=_prior(args), channel_axis=channel_axis, rng=args.seed,
                   exact=args.exact, progress=progress, tile_size=args.tile)
    start = time.perf_counter()
    if args.task == "inpaint":
        known, info = known_pixels(args.mask, args.invert_mask, image, info, args.max_pixels)
        sigma = args.sigma / 255 if args.sigma is not None else None
        restored = api.inpaint(image, known, sigma, **options)
        done = f"inpainted {(~known).sum()} missing pixels of {describe(image)}"
    else:
        sigma = args.sigma / 255 if args.sigma is not None else _estimate_sigma(image,
                                                                              channel_axis)
        if args.task == "deblur":
            check_kernel_fits(kernel, image)
            restored = api.deblur(image, kernel, sigma, boundary=args.boundary, **options)
            done = (f"deblurred {describe(image)} (kernel {kernel.shape[1]}x"
                    f"{kernel.shape[0]}, {args.boundary} boundary) at sigma {sigma * 255:.2f}")
        else:
            restored = api.denoise(image, sigma=sigma, **options)
            done = f"denoised {describe(image)} at sigma {sigma * 255:.1f}"
    elapsed = time.perf_counter() - start
    report = [] if reference is None else quality_report(image, restored, reference,
                                                         channel_axis)
    depth = None if args.bit_depth is None else (
        "float" if args.bit_depth == "float" else int(args.bit_depth))
    write_image(output_path, restored, info, bit_depth=depth)
    return f"{done} in {elapsed:.1f} s; wrote {output_path}", report


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


def _estimate_sigma(image, channel_axis):
    sigma = api.estimate_sigma(image, channel_axis=channel_axis)
    print(f"estimated noise sigma: {sigma * 255:.1f} (0-255 scale)", flush=True)
    if not sigma >= SIGMA_MIN:
        raise ValueError("could not estimate the noise level (the image looks noise-free); "
                         "give it with --sigma")
    return sigma
