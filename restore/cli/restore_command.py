"""``restore INPUT... -o OUTPUT``: restore one image file, or a batch (several files, folders)."""
from __future__ import annotations

import sys
from pathlib import Path

from restore import __version__
from restore.cli.options import (Parser, add_cluster, add_verbosity, non_negative_int,
                                 positive_float, positive_int, scale_factor, sigma_255)
from restore.io import SUPPORTED_WRITE_EXTENSIONS
from restore.io.budget import DEFAULT_MAX_PIXELS

DESCRIPTION = """\
Restore an image with EPLL (expected patch log likelihood, Zoran & Weiss
2011) and a learned patch prior: remove Gaussian noise (--task denoise, the
default), a known blur (--task deblur --kernel ...), fill in missing pixels
(--task inpaint) or enlarge a small image (--task upscale --scale N).

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

  # Poisson-Gaussian (shot) noise, its gain and sigma estimated or given (0-255 scale)
  restore lowlight.png -o clean.png --noise poisson-gaussian
  restore lowlight.png -o clean.png --noise poisson-gaussian --gain 2.55 --sigma 5
  restore stitched.png -o clean.png --sigma-map sigma.npy

  # correlated noise (demosaiced camera noise): its power spectrum as for bm3d,
  # or the filter that coloured white noise and the level after it
  restore photo.png -o clean.png --noise-psd psd.npy
  restore photo.png -o clean.png --noise-kernel k.npy --sigma 10

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

  # upscale: 3 times the width and height, undoing MATLAB-style bicubic
  # shrinking (--kernel gaussian:STD or a file for another blur)
  restore small.png --task upscale --scale 3 -o big.png

  # a folder on a local Dask cluster of 2 worker processes (one per core),
  # or on a running cluster
  restore photos/ -o restored/ --sigma 10 --workers 2
  restore photos/ -o restored/ --sigma 10 --scheduler tcp://host:8786

exit status: 0 success, 1 runtime error (unreadable file, image over
--max-pixels, out of memory, ...), 2 usage error (bad arguments, including an
unusable --kernel or --mask), 130 interrupted (Ctrl-C), 143 SIGTERM"""

TASKS = ("denoise", "deblur", "inpaint", "upscale")


def build_parser():
    from priors.registry import available_priors

    parser = Parser(prog="restore", description=DESCRIPTION, epilog=EPILOG)
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
    parser.add_argument("--tile", type=positive_int, metavar="N",
                        help="restore in overlapping tiles of N x N pixels to bound memory "
                             "(default: tiles of 2048 only for images over 4 megapixels)")
    parser.add_argument("--max-pixels", type=positive_int, metavar="N",
                        default=DEFAULT_MAX_PIXELS,
                        help="refuse images (and --reference, --mask, --kernel files) larger "
                             "than N pixels, read from the file's header before decoding "
                             "(default: %(default)s, 250 megapixels)")
    parser.add_argument("--task", choices=TASKS, default="denoise",
                        help="what to undo (default: %(default)s)")
    parser.add_argument("--prior", choices=available_priors(),
                        help="the prior (default: gmm for denoise and inpaint, the faster "
                             "gmm-untied for deblur and upscale; see the README)")
    parser.add_argument("--sigma", type=sigma_255, metavar="S",
                        help="noise standard deviation on the 0-255 scale, as in the papers: "
                             "25 means 25/255 of the intensity range (default: estimated "
                             "from the image and printed; for inpaint and upscale: 1, i.e. "
                             "1/255)")
    parser.add_argument("--sigma-map", metavar="MAP",
                        help="noise that varies across the image: each pixel's standard "
                             "deviation on the 0-255 scale, as a float .npy or a grey image "
                             "of the input's size (grey level 25 of an 8-bit PNG = sigma 25); "
                             "denoise only, instead of --sigma")
    parser.add_argument("--noise", choices=("gaussian", "poisson-gaussian"), default="gaussian",
                        help="the noise model: white Gaussian (default) or Poisson-Gaussian, "
                             "variance gain*x + sigma^2 (shot noise of low-light and microscopy "
                             "images; restored through the generalised Anscombe transform)")
    parser.add_argument("--noise-psd", metavar="FILE",
                        help="denoise stationary correlated noise of this power spectrum (.npy, "
                             "bm3d's sigma_psd convention: FFT order, mean = sigma^2 H W on "
                             "the [0, 1] scale; --sigma rescales it to that level)")
    parser.add_argument("--noise-kernel", metavar="FILE",
                        help="denoise stationary correlated noise made by filtering white noise "
                             "with this kernel (.npy); needs --sigma, the level after filtering")
    parser.add_argument("--gain", type=positive_float, metavar="A",
                        help="--noise poisson-gaussian: the gain on the 0-255 scale (variance "
                             "A*x + sigma^2 for x in 0-255; 2.55 is 0.01 on the [0, 1] "
                             "scale); default: estimated from the image, with --sigma")
    parser.add_argument("--scale", type=scale_factor, metavar="N",
                        help="upscale: enlarge N times (an integer, at least 2); the output "
                             "is N times the input's width and height")
    parser.add_argument("--kernel", metavar="KERNEL",
                        help="upscale: the blur before the shrinking, bicubic (default: "
                             "MATLAB's imresize), gaussian:STD or a file. "
                             "deblur: the blur kernel: a file (.npy, or an image whose grey "
                             "levels are the weights; normalised to sum 1), gaussian:STD "
                             "(standard deviation in pixels) or motion:LENGTH,ANGLE (pixels, "
                             "degrees counter-clockwise from horizontal)")
    parser.add_argument("--boundary", choices=("unknown", "reflect", "circular"),
                        help="deblur, upscale: how the blur treats the borders. deblur: unknown "
                             "(default: nothing assumed beyond the image, which is restored on "
                             "a domain extended by the kernel), reflect (the scene continues as "
                             "its mirror image) or circular (the image wraps around, as in "
                             "synthetic FFT blurs); upscale: reflect (default) or circular")
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
    parser.add_argument("--no-oracle", dest="oracle", action="store_false",
                        help="denoising: EPLL alone, without the second stage that refines its "
                             "result by block-matched groups (faster)")
    parser.add_argument("--seed", type=non_negative_int, metavar="N", default=0,
                        help="seed for the random patch grids of the fast path (default: 0)")
    parser.add_argument("--iterations", type=positive_int, metavar="N",
                        help="--prior dip: most Adam steps (default: by task, stopping early "
                             "once the fit reaches the noise level)")
    parser.add_argument("--restarts", type=positive_int, metavar="N",
                        help="--prior dip: average N fits from independent starts (less "
                             "noisy, N times the time; default: 1)")
    parser.add_argument("--device", choices=("cpu", "cuda"),
                        help="where the z-step runs: cpu (default) or cuda, the Gaussian "
                             "mixture priors' torch backend on the GPU (needs torch with CUDA); "
                             "--prior dip: where its network runs (default: cuda when "
                             "available, else cpu)")
    add_cluster(parser, "restore a batch (one task per file) or a large image (one task per "
                        "tile)")
    add_verbosity(parser)
    parser.add_argument("--version", action="version", version=f"restore {__version__}")
    return parser


def run(args):
    """Restore the input into ``-o``; several inputs or a folder go to :mod:`~restore.cli.batch`."""
    inputs = [Path(path) for path in args.input]
    if len(inputs) > 1 or inputs[0].is_dir():
        from restore.cli import batch

        return batch.run(args, inputs)
    from restore.cli.cluster import cluster_client
    from restore.cli.kernel_spec import task_kernel
    from restore.cli.messages import inform
    from restore.cli.paths import check_output_folder, check_output_name, refuse_overwriting
    from restore.cli.restore_file import check_task_options, restore_file

    input_path, output_path = inputs[0], Path(args.output)
    check_output_name(output_path, SUPPORTED_WRITE_EXTENSIONS)
    check_task_options(args, (output_path.suffix.lower(),))
    refuse_overwriting(output_path, input=input_path, reference=args.reference, mask=args.mask)
    check_output_folder(output_path)
    kernel = task_kernel(args)
    with cluster_client(args) as client:
        done, report = restore_file(args, input_path, output_path, kernel,
                                    progress=sys.stderr.isatty() and not args.quiet,
                                    executor=client)
    inform(args, done)
    for line in report:
        print(line, flush=True)
    return 0
