"""The ``restore`` command: denoise, deblur or inpaint an image file, or train a prior.

Exit status: 0 on success, 1 on a runtime error (unreadable file, failed
write, ...), 2 on a usage error (bad arguments). Errors are one line
``Error: ...`` on stderr; ``--verbose`` adds the traceback.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import secrets
import sys
import time
import traceback
from pathlib import Path

import restore
from priors.symmetry import SYMMETRIES
from restore.io import SUPPORTED_WRITE_EXTENSIONS, read_image, write_image
from restore.api import _check_large_enough as check_large_enough

DESCRIPTION = """\
Restore an image with EPLL (expected patch log likelihood, Zoran & Weiss
2011) and a learned patch prior: remove Gaussian noise (--task denoise, the
default), a known blur (--task deblur --kernel ...) or fill in missing pixels
(--task inpaint).

Reads PNG, TIFF, JPEG or .npy; writes PNG, TIFF or .npy (chosen by the
extension of -o) with the input's bit depth and alpha channel. Colour images
are restored in an opponent colour space. The input file is never overwritten.

To train a prior instead, see `restore train gmm --help`."""

EPILOG = """\
examples:
  # denoise, estimating the noise level from the image
  restore noisy.png -o clean.png

  # the noise level is known: sigma 25 on the 0-255 scale (25/255)
  restore noisy.png -o clean.png --sigma 25

  # measure the improvement against the clean image
  restore data/examples/cameraman_noisy25.png -o clean.png --sigma 25 \\
          --reference data/examples/cameraman.png

  # deblur: a kernel file (.npy or image, normalised to sum 1), a Gaussian of
  # standard deviation 1.6 pixels, or a 15-pixel motion at 45 degrees
  restore blurred.png --task deblur --kernel k.png --sigma 2.55 -o sharp.png
  restore blurred.png --task deblur --kernel gaussian:1.6 --sigma 2.55 -o sharp.png
  restore blurred.png --task deblur --kernel motion:15,45 --sigma 2.55 -o sharp.png

  # inpaint: in mask.png, white pixels are KNOWN and black pixels are MISSING
  # (--invert-mask for masks that mark the missing pixels white)
  restore damaged.png --task inpaint --mask mask.png -o whole.png
  # or: the missing pixels of damaged.png are transparent (alpha 0)
  restore damaged.png --task inpaint -o whole.png

exit status: 0 success, 1 runtime error (unreadable file, ...), 2 usage error
(bad arguments, including an unusable --kernel or --mask)"""

TRAIN_DESCRIPTION = """\
Train a patch prior on folders of images and save it: the Gaussian mixture
(gmm) of EPLL by EM, or the patch VAE (vae) by maximising the ELBO, both on
random 8x8 patches. Never train on the BSD68/CBSD68 test sets (they are
refused)."""

TRAIN_EPILOG = """\
examples (the README gives the exact commands of the shipped priors):
  restore train gmm --data ../shared/data/train400 -o gmm.npz                # hours on 2 cores
  restore train gmm --data ../shared/data/train400 --init gmm.npz --symmetry dihedral \\
      --max-iter 5 -o gmm_tied.npz      # tie it over rotations and flips (8x per iteration)
  restore train vae --data ../shared/data/train400 ../shared/data/bsds500_test \\
      --patches 2400000 --epochs 10 -o data/vae_8x8.npz                       # minutes

exit status: 0 success, 1 runtime error, 2 usage error"""


TASKS = ("denoise", "deblur", "inpaint")


class UsageError(Exception):
    """A mistake in the command line: reported as ``Error: ...`` with exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises :class:`UsageError` instead of printing and exiting."""

    def error(self, message):
        raise UsageError(message)


def main(argv=None) -> int:
    """Run the ``restore`` command.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name; default ``sys.argv[1:]``. A
        first argument ``train`` selects ``restore train ...``.

    Returns
    -------
    int
        Exit status: 0 success, 1 runtime error, 2 usage error, 130 interrupted.
    """
    argv = sys.argv[1:] if argv is None else [str(arg) for arg in argv]
    verbose = "--verbose" in argv
    training = argv[:1] == ["train"]
    try:
        if training:
            return _run_train(_build_train_parser().parse_args(argv[1:]))
        return _run_restore(_build_parser().parse_args(argv))
    except SystemExit as done:  # --help and --version
        return done.code if isinstance(done.code, int) else 0
    except UsageError as error:
        _print_error(f"{error} (see `restore {'train gmm ' if training else ''}--help`)")
        return 2
    except KeyboardInterrupt:
        _print_error("interrupted")
        return 130
    except (ValueError, TypeError, OSError) as error:
        if verbose:
            traceback.print_exc(file=sys.stderr)
        _print_error(str(error) or type(error).__name__)
        return 1


def _print_error(message):
    print("Error: " + " ".join(str(message).split()), file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- parsers
def _build_parser():
    from priors.registry import available_priors

    parser = _Parser(prog="restore", description=DESCRIPTION, epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", metavar="INPUT", nargs="+",
                        help="the degraded image (PNG, TIFF, JPEG or .npy); several images or "
                             "a folder of images make a batch, written to the folder -o")
    parser.add_argument("-o", "--output", metavar="OUTPUT", required=True,
                        help="where to write the result: "
                             + ", ".join(SUPPORTED_WRITE_EXTENSIONS)
                             + " (an existing file is replaced; the input never is); for a "
                               "batch, a folder (created if missing) that gets one file per "
                               "input, same name (JPEG and other formats become .png)")
    parser.add_argument("--bit-depth", choices=("8", "16", "float"), metavar="{8,16,float}",
                        help="bits per sample of the output (default: the input's; PNG has no "
                             "float and gets 16)")
    parser.add_argument("--tile", type=_positive_int, metavar="N",
                        help="restore in overlapping tiles of N x N pixels to bound memory "
                             "(default: tiles of 1024 only for images over 4 megapixels)")
    parser.add_argument("--task", choices=TASKS, default="denoise",
                        help="what to undo (default: %(default)s)")
    parser.add_argument("--prior", choices=available_priors(),
                        help="the prior (default: gmm for denoise and inpaint, the faster "
                             "gmm-untied for deblur; see the README)")
    parser.add_argument("--sigma", type=_sigma_255, metavar="S",
                        help="noise standard deviation on the 0-255 scale, as in the papers: "
                             "25 means 25/255 of the intensity range (default: estimated "
                             "from the image and printed; for inpaint: 1, i.e. 1/255)")
    parser.add_argument("--kernel", metavar="KERNEL",
                        help="deblur: the blur kernel: a file (.npy, or an image whose grey "
                             "levels are the weights; normalised to sum 1), gaussian:STD "
                             "(standard deviation in pixels) or motion:LENGTH,ANGLE (pixels, "
                             "degrees counter-clockwise from horizontal)")
    parser.add_argument("--boundary", choices=("reflect", "circular"), default="reflect",
                        help="deblur: how the blur treats the borders: reflect (photographs, "
                             "default) or circular (the image wraps around, as in synthetic "
                             "FFT blurs)")
    parser.add_argument("--mask", metavar="MASK",
                        help="inpaint: an image of the input's size; white (grey level >= "
                             "50%%) = known pixel, black = missing pixel to fill in. Without "
                             "--mask the input's transparent pixels (alpha 0) are the missing "
                             "ones")
    parser.add_argument("--invert-mask", action="store_true",
                        help="inpaint: the mask's white pixels are the missing ones (the "
                             "OpenCV and scikit-image convention)")
    parser.add_argument("--reference", metavar="CLEAN",
                        help="clean image of the same size: print PSNR and SSIM of the input "
                             "and of the output against it")
    speed = parser.add_mutually_exclusive_group()
    speed.add_argument("--exact", dest="exact", action="store_true", default=False,
                       help="reference EPLL: every patch, every component (slower)")
    speed.add_argument("--fast", dest="exact", action="store_false",
                       help="fast EPLL: random patch grids, flat-tail spectra (default)")
    parser.add_argument("--seed", type=_non_negative_int, metavar="N", default=0,
                        help="seed for the random patch grids of the fast path (default: 0)")
    parser.add_argument("--iterations", type=_positive_int, metavar="N",
                        help="--prior dip: most Adam steps (default: by task, stopping early "
                             "once the fit reaches the noise level)")
    parser.add_argument("--restarts", type=_positive_int, metavar="N",
                        help="--prior dip: average N fits from independent starts (less "
                             "noisy, N times the time; default: 1)")
    parser.add_argument("--device", choices=("cpu", "cuda"),
                        help="--prior dip: where the network runs (default: cuda when "
                             "available, else cpu)")
    _add_verbosity(parser)
    parser.add_argument("--version", action="version", version=f"restore {restore.__version__}")
    return parser


def _build_train_parser():
    parser = _Parser(prog="restore train", description=TRAIN_DESCRIPTION, epilog=TRAIN_EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prior", choices=["gmm", "vae"], help="which prior to train")
    parser.add_argument("--data", nargs="+", required=True, metavar="DIR",
                        help="folders of training images (PNG, JPEG, TIFF, BMP)")
    parser.add_argument("-o", "--output", required=True, metavar="OUTPUT",
                        help="where to save the trained prior (.npz)")
    parser.add_argument("--components", type=_positive_int, default=200, metavar="K",
                        help="number of mixture components (default: %(default)s)")
    parser.add_argument("--patches", type=_positive_int, default=500_000, metavar="N",
                        help="number of random 8x8 training patches (default: %(default)s)")
    parser.add_argument("--max-iter", type=_positive_int, default=100, metavar="N",
                        help="maximum number of EM iterations (default: %(default)s)")
    parser.add_argument("--seed", type=_non_negative_int, default=0, metavar="N",
                        help="seed for patch sampling and initialisation (default: %(default)s)")
    parser.add_argument("--latent", type=_positive_int, default=16, metavar="L",
                        help="vae: dimension of the latent z (default: %(default)s)")
    parser.add_argument("--hidden", type=_positive_int, nargs="+", default=[128, 128],
                        metavar="H", help="vae: hidden widths of the encoder, mirrored by the "
                                          "decoder (default: 128 128)")
    parser.add_argument("--epochs", type=_positive_int, default=4, metavar="N",
                        help="vae: passes over the training patches (default: %(default)s)")
    parser.add_argument("--init", metavar="PRIOR",
                        help="start EM from this trained prior (.npz) instead of k-means, e.g. "
                             "to continue training on more patches")
    parser.add_argument("--symmetry", choices=SYMMETRIES, default=None,
                        help="gmm: tie the mixture over the 8 rotations and flips of a patch "
                             "(dihedral: K orbits, 8K components); default: none, or the "
                             "--init prior's")
    _add_verbosity(parser)
    return parser


def _add_verbosity(parser):
    talk = parser.add_mutually_exclusive_group()
    talk.add_argument("--verbose", action="store_true",
                      help="log details; show a traceback on errors")
    talk.add_argument("--quiet", action="store_true",
                      help="print only results and errors (no progress)")


def _sigma_255(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number on the 0-255 scale, got {text!r}") \
            from None
    if not 0 < value <= 255:
        raise argparse.ArgumentTypeError(f"must be in (0, 255] on the 0-255 scale (25 means "
                                         f"25/255), got {text}")
    return value


def _positive_int(text):
    return _integer_at_least(text, 1)


def _non_negative_int(text):
    return _integer_at_least(text, 0)


def _integer_at_least(text, lowest):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < lowest:
        raise argparse.ArgumentTypeError(f"must be at least {lowest}, got {value}")
    return value


# ----------------------------------------------------------------------------- restoring
def _run_restore(args):
    inputs = [Path(path) for path in args.input]
    if len(inputs) > 1 or inputs[0].is_dir():
        return _run_batch(args, inputs)
    input_path, output_path = inputs[0], Path(args.output)
    _check_output_name(output_path, SUPPORTED_WRITE_EXTENSIONS)
    _check_task_options(args)
    for protected, what in ((input_path, "input"), (args.reference, "reference"),
                            (args.mask, "mask")):
        if protected is not None and _same_file(output_path, Path(protected)):
            raise UsageError(f"the output '{output_path}' is the {what} file; restore never "
                             "overwrites it: give another -o")
    _check_output_folder(output_path)
    kernel = _parse_kernel(args.kernel) if args.task == "deblur" else None
    with _library_logging(args):
        done, report = _restore_file(args, input_path, output_path, kernel,
                                     progress=sys.stderr.isatty() and not args.quiet)
    _inform(args, done)
    for line in report:
        print(line, flush=True)
    return 0


def _restore_file(args, input_path, output_path, kernel, *, progress):
    """Restore one file into ``output_path``; return the summary line and quality lines."""
    image, info = read_image(input_path)
    reference = None if args.reference is None else _read_reference(args.reference, image)
    channel_axis = -1 if image.ndim == 3 else None
    check_large_enough(image, channel_axis, args.prior)
    options = dict(prior=_prior(args), channel_axis=channel_axis, rng=args.seed,
                   exact=args.exact, progress=progress, tile_size=args.tile)
    start = time.perf_counter()
    if args.task == "inpaint":
        known, info = _known_pixels(args, image, info)
        sigma = args.sigma / 255 if args.sigma is not None else None
        restored = restore.inpaint(image, known, sigma, **options)
        done = f"inpainted {(~known).sum()} missing pixels of {_describe(image)}"
    else:
        sigma = args.sigma / 255 if args.sigma is not None else _estimate_sigma(image,
                                                                              channel_axis)
        if args.task == "deblur":
            _check_kernel_fits(kernel, image)
            restored = restore.deblur(image, kernel, sigma, boundary=args.boundary, **options)
            done = (f"deblurred {_describe(image)} (kernel {kernel.shape[1]}x"
                    f"{kernel.shape[0]}, {args.boundary} boundary) at sigma {sigma * 255:.2f}")
        else:
            restored = restore.denoise(image, sigma=sigma, **options)
            done = f"denoised {_describe(image)} at sigma {sigma * 255:.1f}"
    elapsed = time.perf_counter() - start
    report = [] if reference is None else _quality_report(image, restored, reference,
                                                          channel_axis)
    depth = None if args.bit_depth is None else (
        "float" if args.bit_depth == "float" else int(args.bit_depth))
    write_image(output_path, restored, info, bit_depth=depth)
    return f"{done} in {elapsed:.1f} s; wrote {output_path}", report


#: File endings a batch picks up from a folder (other files there are ignored).
BATCH_EXTENSIONS = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".npy", ".bmp", ".gif", ".webp")


def _batch_jobs(inputs, output_folder):
    """(input, output) pairs of a batch: the files given, and the images of the folders given.

    Outputs keep the input's name; formats restore cannot write become ``.png``.
    """
    files = []
    for path in inputs:
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in BATCH_EXTENSIONS)
            if not found:
                raise UsageError(f"the folder '{path}' holds no image "
                                 f"({', '.join(BATCH_EXTENSIONS)})")
            files += found
        else:
            files.append(path)
    jobs, names = [], {}
    for path in files:
        suffix = path.suffix if path.suffix.lower() in SUPPORTED_WRITE_EXTENSIONS else ".png"
        output = output_folder / (path.stem + suffix)
        if output.name in names and names[output.name] != path:
            raise UsageError(f"'{path}' and '{names[output.name]}' would both be written to "
                             f"'{output}'; restore them in separate runs")
        names[output.name] = path
        if path.exists() and _same_file(output, path):
            raise UsageError(f"the output folder '{output_folder}' would overwrite the input "
                             f"'{path}'; restore never overwrites an input: give another -o")
        jobs.append((path, output))
    return jobs


def _run_batch(args, inputs):
    """Restore several files into the folder ``-o``: one progress bar, go on past failures,
    list them at the end; exit status 1 if any failed."""
    from restore.core.progress import Progress

    output_folder = Path(args.output)
    if output_folder.suffix.lower() in SUPPORTED_WRITE_EXTENSIONS and not output_folder.is_dir():
        raise UsageError(f"a folder or several inputs need a folder for -o, got the file name "
                         f"'{output_folder}'")
    if args.reference is not None:
        raise UsageError("--reference compares one image; it cannot be used with a batch")
    _check_task_options(args)
    if output_folder.exists() and not output_folder.is_dir():
        raise UsageError(f"-o '{output_folder}' is a file; a batch needs a folder")
    jobs = _batch_jobs(inputs, output_folder)
    kernel = _parse_kernel(args.kernel) if args.task == "deblur" else None
    try:
        output_folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(f"cannot create the output folder '{output_folder}': "
                      f"{error.strerror or error}") from None
    _check_output_folder(output_folder / "probe.png")
    failures = []
    with _library_logging(args), Progress(len(jobs), "restore", enabled=not args.quiet) as bar:
        for input_path, output_path in jobs:
            try:
                done, _ = _restore_file(args, input_path, output_path, kernel, progress=False)
                if args.verbose:
                    _inform(args, f"{input_path}: {done}")
            except (ValueError, TypeError, OSError, UsageError) as error:
                if args.verbose:
                    traceback.print_exc(file=sys.stderr)
                failures.append((input_path, " ".join(str(error).split())))
            bar.update()
    if failures:
        listed = "; ".join(f"{path}: {why}" for path, why in failures)
        _print_error(f"{len(failures)} of {len(jobs)} files failed ({listed}); the others were "
                     f"written to '{output_folder}'")
        return 1
    _inform(args, f"restored {len(jobs)} files into '{output_folder}'")
    return 0


def _check_task_options(args):
    """Options that belong to another task, or a task missing its option, are usage errors.
    Fills in the task's default prior."""
    if args.prior is None:
        from restore.api import DEFAULT_PRIORS
        args.prior = DEFAULT_PRIORS[args.task]
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


def _prior(args):
    """The prior to restore with: its name, or for ``dip`` a DeepImagePrior with the options."""
    if args.prior != "dip":
        return args.prior
    from priors.dip import DeepImagePrior

    return DeepImagePrior(iterations=args.iterations, restarts=args.restarts or 1,
                          device=args.device)


def _parse_kernel(spec):
    """The kernel of ``--kernel``: ``gaussian:STD``, ``motion:LENGTH,ANGLE`` or a file.

    Every problem (bad syntax, unreadable file, empty or negative weights) is
    a :class:`UsageError`.
    """
    import numpy as np

    from restore.operators.kernels import check_kernel, gaussian_kernel, motion_kernel

    kind, _, values = spec.partition(":")
    try:
        if kind in ("gaussian", "motion"):
            expected = ValueError("expected gaussian:STD or motion:LENGTH,ANGLE, e.g. "
                                  "gaussian:1.6 or motion:15,45")
            try:
                numbers = [float(v) for v in values.split(",")]
            except ValueError:
                raise expected from None
            if len(numbers) != (1 if kind == "gaussian" else 2):
                raise expected
            return gaussian_kernel(*numbers) if kind == "gaussian" else motion_kernel(*numbers)
        path = Path(spec)
        if not path.is_file():
            raise ValueError("no such file, and not gaussian:STD or motion:LENGTH,ANGLE")
        if path.suffix.lower() == ".npy":
            weights = np.load(path, allow_pickle=False)
        else:
            weights, _ = read_image(path)
            weights = weights.mean(axis=2) if weights.ndim == 3 else weights
        return check_kernel(weights)
    except (ValueError, TypeError, OSError) as error:
        raise UsageError(f"bad --kernel '{spec}': {error}") from None


def _check_kernel_fits(kernel, image):
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise UsageError(f"the {kernel.shape[1]}x{kernel.shape[0]} kernel is larger than "
                         f"{_describe(image)}; give a smaller kernel")


def _known_pixels(args, image, info):
    """The known-pixel mask (from ``--mask``, or the input's alpha) and the info to write
    the result with (an alpha-derived mask makes the output opaque)."""
    import dataclasses

    import numpy as np

    height, width = image.shape[:2]
    if args.mask is None:
        if info.alpha is None:
            raise UsageError("--task inpaint needs --mask MASK, or an input whose missing pixels "
                             "are transparent (alpha 0); this image has no alpha channel")
        known = info.alpha != 0
        opaque = np.full_like(info.alpha, np.iinfo(info.alpha.dtype).max
                              if np.issubdtype(info.alpha.dtype, np.integer) else 1)
        info = dataclasses.replace(info, alpha=opaque)
    else:
        try:
            levels, _ = read_image(args.mask)
        except ValueError as error:
            raise UsageError(f"bad --mask: {error}") from None
        levels = levels.mean(axis=2) if levels.ndim == 3 else levels
        if levels.shape != (height, width):
            raise UsageError(f"the mask '{args.mask}' is {levels.shape[1]}x{levels.shape[0]} "
                             f"but the input is {width}x{height}; give a mask of the same size")
        known = (levels < 0.5) if args.invert_mask else (levels >= 0.5)
    if not known.any():
        raise UsageError("the mask leaves no known pixel to inpaint from (white = known, "
                         "black = missing; see --invert-mask)")
    return known, info


def _read_reference(path, image):
    reference, _ = read_image(path)
    if reference.shape != image.shape:
        raise ValueError(f"the reference '{path}' is {_describe(reference)} but the input is "
                         f"{_describe(image)}; give the clean version of the same image")
    return reference


def _estimate_sigma(image, channel_axis):
    sigma = restore.estimate_sigma(image, channel_axis=channel_axis)
    print(f"estimated noise sigma: {sigma * 255:.1f} (0-255 scale)", flush=True)
    if not sigma > 0:
        raise ValueError("could not estimate the noise level (the image looks noise-free); "
                         "give it with --sigma")
    return sigma


def _quality_report(noisy, restored, reference, channel_axis):
    """Lines with PSNR and SSIM (data range 1) of the input and the output against ``reference``."""
    import numpy as np
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    reference = np.asarray(reference, dtype=np.float64)
    lines = []
    for label, image in (("input:", noisy), ("output:", restored)):
        image = np.asarray(image, dtype=np.float64)
        psnr = peak_signal_noise_ratio(reference, image, data_range=1.0)
        ssim = structural_similarity(reference, image, data_range=1.0, channel_axis=channel_axis)
        lines.append(f"{label:<7} PSNR {psnr:.2f} dB  SSIM {ssim:.4f}")
    return lines


def _describe(image):
    kind = "grey" if image.ndim == 2 else f"{image.shape[2]}-channel"
    return f"a {image.shape[1]}x{image.shape[0]} {kind} image"


# ----------------------------------------------------------------------------- training
def _run_train(args):
    from priors.training import train_gmm_prior, train_vae_prior

    output_path = Path(args.output)
    _check_output_name(output_path, (".npz",))
    _check_output_folder(output_path)
    start = time.perf_counter()
    with _library_logging(args):
        if args.prior == "vae":
            if args.init is not None or args.symmetry is not None:
                raise UsageError("--init and --symmetry apply to gmm only")
            prior = train_vae_prior(list(args.data), latent_dim=args.latent,
                                    hidden=tuple(args.hidden), n_patches=args.patches,
                                    epochs=args.epochs, rng=args.seed, progress=not args.quiet)
        else:
            prior = train_gmm_prior(list(args.data), n_components=args.components,
                                    n_patches=args.patches, max_iter=args.max_iter,
                                    rng=args.seed, init=args.init, symmetry=args.symmetry,
                                    progress=not args.quiet)
        _save_atomically(prior, output_path)
    elapsed = time.perf_counter() - start
    _inform(args, f"trained the {args.prior} prior in {elapsed:.1f} s ({elapsed / 60:.1f} min); "
                  f"saved {output_path}")
    return 0


def _save_atomically(prior, path):
    """``prior.save`` to a temporary file beside ``path``, then rename it to ``path``."""
    temporary = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")
    try:
        prior.save(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


# ----------------------------------------------------------------------------- helpers
def _check_output_name(path, extensions):
    if path.suffix.lower() not in extensions:
        raise UsageError(f"cannot write '{path}': unsupported extension '{path.suffix}'; use "
                         f"one of {', '.join(extensions)}")


def _check_output_folder(path):
    """Fail before the long computation if the result could not be written."""
    folder = path.parent
    if path.is_dir():
        raise OSError(f"cannot write '{path}': it is a folder; give a file name")
    if not folder.exists():
        raise OSError(f"cannot write '{path}': the folder '{folder}' does not exist; create it "
                      "first")
    if not folder.is_dir():
        raise OSError(f"cannot write '{path}': '{folder}' is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OSError(f"cannot write '{path}': no permission to create files in '{folder}'; "
                      "choose another folder")


def _same_file(first, second):
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist yet
        return first.resolve() == second.resolve()


def _inform(args, message):
    if not args.quiet:
        print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _library_logging(args):
    """Route the library's ``restore`` logger to stderr while a command runs."""
    logger = logging.getLogger("restore")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    saved_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if args.verbose
                    else logging.ERROR if args.quiet else logging.WARNING)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved_level)


if __name__ == "__main__":
    sys.exit(main())
