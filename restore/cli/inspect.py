"""``restore inspect PRIOR -o DIR``: figures and measures of what a Gaussian mixture prior
learnt (:func:`priors.inspection.inspect_prior`)."""
from __future__ import annotations

import time
from pathlib import Path

from restore.cli.messages import inform
from restore.cli.options import Parser, add_verbosity, non_negative_int, positive_int

DESCRIPTION = """\
Draw what a Gaussian mixture patch prior learnt (after Zoran & Weiss 2012) into a
folder: components.png (the K most probable components: weight, mean, leading
eigenvectors as 8x8 patches, eigenvalue spectrum on a log scale), spectra.png
(their spectra and ratios: a Gaussian scale mixture gives flat ratios),
samples.png (samples from the mixture beside natural patches with --data),
orbits.png (a prior tied over rotations and flips: its orbits' eight
transforms) and measures.json (weights, spectra, eigenvector similarity,
spectrum ratios, sample statistics). Needs matplotlib."""

EPILOG = """\
examples:
  restore inspect gmm -o gmm_inspection/
  restore inspect gmm-untied -o untied/ --data ../shared/data/train400 -k 12
  restore inspect my_prior.npz -o mine/

exit status: 0 success, 1 runtime error (matplotlib missing, unreadable prior), 2 usage error"""


def build_parser():
    parser = Parser(prog="restore inspect", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("prior", metavar="PRIOR",
                        help="a registered GMM prior (gmm, gmm-untied) or a GMM .npz file")
    parser.add_argument("-o", "--output", required=True, metavar="DIR",
                        help="folder for the figures and measures.json (created if missing)")
    parser.add_argument("-k", "--components", type=positive_int, default=8, metavar="K",
                        help="most probable components (orbits) to show (default: %(default)s)")
    parser.add_argument("--data", nargs="+", metavar="DIR",
                        help="folders of natural images whose random patches are shown beside "
                             "the samples and scored")
    parser.add_argument("--patches", type=positive_int, default=5000, metavar="N",
                        help="natural patches taken from --data (default: %(default)s)")
    parser.add_argument("--seed", type=non_negative_int, default=0, metavar="N",
                        help="seed for the samples and patches (default: %(default)s)")
    add_verbosity(parser)
    return parser


#: The registered priors that are Gaussian mixtures.
GMM_NAMES = ("gmm", "gmm-untied")


def load_gmm(name):
    """A GMM prior from a registered name or a ``.npz`` path; a clear error otherwise."""
    from priors.gmm import GaussianMixturePrior
    from priors.registry import available_priors, get_prior

    if Path(name).suffix.lower() == ".npz":
        if not Path(name).is_file():
            raise OSError(f"prior file '{name}' does not exist")
        return GaussianMixturePrior.load(name)
    if name in GMM_NAMES:
        return get_prior(name)
    what = "is not one" if name in available_priors() else "is not a registered prior"
    raise ValueError(f"inspect draws Gaussian mixture priors; {name!r} {what} (give "
                     f"{', '.join(GMM_NAMES)} or a GMM .npz file)")


def run(args):
    """Inspect the prior into ``-o``."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise OSError("restore inspect needs matplotlib; install it with "
                      "`pip install matplotlib`") from None
    from priors.inspection import inspect_prior

    start = time.perf_counter()
    prior = load_gmm(args.prior)
    natural = None
    if args.data:
        from priors.training import list_training_images, load_grey, sample_patches

        images = [load_grey(p) for p in list_training_images(list(args.data))]
        natural = sample_patches(images, args.patches, prior.patch_size, args.seed)
    measures = inspect_prior(prior, Path(args.output), k=args.components, natural=natural,
                             rng=args.seed, name=args.prior)
    sm = measures["scale_mixture"]
    inform(args, f"first {sm['k']} {measures['unit']}: eigenvector similarity "
                 f"{sm['mean_similarity']:.2f} (random bases {sm['random_basis_similarity']:.2f}),"
                 f" std of log10 spectrum ratio {sm['mean_log_ratio_std']:.2f}")
    inform(args, f"wrote {', '.join(measures['files'])} to {args.output} in "
                 f"{time.perf_counter() - start:.1f} s")
    return 0
