"""``restore train gmm|vae --data DIR... -o PRIOR.npz``: train a patch prior and save it atomically."""
from __future__ import annotations

import time
from pathlib import Path

from priors.symmetry import SYMMETRIES
from restore.cli.messages import inform
from restore.cli.cluster import cluster_client
from restore.cli.options import (Parser, UsageError, add_cluster, add_verbosity, non_negative_int,
                                 positive_int)
from restore.cli.paths import check_output_folder, check_output_name
from restore.io import write_atomically

DESCRIPTION = """\
Train a patch prior on folders of images and save it: the Gaussian mixture
(gmm) of EPLL by EM, or the patch VAE (vae) by maximising the ELBO, both on
random 8x8 patches. Never train on the BSD68/CBSD68 test sets (they are
refused)."""

EPILOG = """\
examples (the README gives the exact commands of the shipped priors):
  restore train gmm --data ../shared/data/train400 -o gmm.npz                # hours on 2 cores
  restore train gmm --data ../shared/data/train400 --init gmm.npz --symmetry dihedral \\
      --max-iter 5 -o gmm_tied.npz      # tie it over rotations and flips (8x per iteration)
  restore train gmm --data ../shared/data/train400 --workers 2 -o gmm.npz   # E-step on Dask
  restore train vae --data ../shared/data/train400 ../shared/data/bsds500_test \\
      --patches 2400000 --epochs 10 -o data/vae_8x8.npz                       # minutes

exit status: 0 success, 1 runtime error, 2 usage error"""


def build_parser():
    parser = Parser(prog="restore train", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("prior", choices=["gmm", "vae"], help="which prior to train")
    parser.add_argument("--data", nargs="+", required=True, metavar="DIR",
                        help="folders of training images (PNG, JPEG, TIFF, BMP)")
    parser.add_argument("-o", "--output", required=True, metavar="OUTPUT",
                        help="where to save the trained prior (.npz)")
    parser.add_argument("--components", type=positive_int, default=200, metavar="K",
                        help="number of mixture components (default: %(default)s)")
    parser.add_argument("--patches", type=positive_int, default=500_000, metavar="N",
                        help="number of random 8x8 training patches (default: %(default)s)")
    parser.add_argument("--max-iter", type=positive_int, default=100, metavar="N",
                        help="maximum number of EM iterations (default: %(default)s)")
    parser.add_argument("--seed", type=non_negative_int, default=0, metavar="N",
                        help="seed for patch sampling and initialisation (default: %(default)s)")
    parser.add_argument("--latent", type=positive_int, default=16, metavar="L",
                        help="vae: dimension of the latent z (default: %(default)s)")
    parser.add_argument("--hidden", type=positive_int, nargs="+", default=[128, 128],
                        metavar="H", help="vae: hidden widths of the encoder, mirrored by the "
                                          "decoder (default: 128 128)")
    parser.add_argument("--epochs", type=positive_int, default=4, metavar="N",
                        help="vae: passes over the training patches (default: %(default)s)")
    parser.add_argument("--init", metavar="PRIOR",
                        help="start EM from this trained prior (.npz) instead of k-means, e.g. "
                             "to continue training on more patches")
    parser.add_argument("--symmetry", choices=SYMMETRIES, default=None,
                        help="gmm: tie the mixture over the 8 rotations and flips of a patch "
                             "(dihedral: K orbits, 8K components); default: none, or the "
                             "--init prior's")
    add_cluster(parser, "gmm: run the EM's E-step, with the patches drawn and kept on the "
                        "workers,")
    add_verbosity(parser)
    return parser


def run(args):
    """Train the prior and write it to ``-o`` through :func:`restore.io.write_atomically`."""
    from priors import training

    output_path = Path(args.output)
    check_output_name(output_path, (".npz",))
    check_output_folder(output_path)
    start = time.perf_counter()
    if args.prior == "vae":
        if args.init is not None or args.symmetry is not None:
            raise UsageError("--init and --symmetry apply to gmm only")
        if args.workers is not None or args.scheduler is not None:
            raise UsageError("--workers and --scheduler apply to gmm only")
        prior = training.train_vae_prior(list(args.data), latent_dim=args.latent,
                                         hidden=tuple(args.hidden), n_patches=args.patches,
                                         epochs=args.epochs, rng=args.seed,
                                         progress=not args.quiet)
    elif args.workers is not None or args.scheduler is not None:
        from restore.cluster import train_gmm

        with cluster_client(args) as client:
            prior = train_gmm(list(args.data), client, n_components=args.components,
                              n_patches=args.patches, max_iter=args.max_iter, seed=args.seed,
                              init=args.init, symmetry=args.symmetry, progress=not args.quiet)
    else:
        prior = training.train_gmm_prior(list(args.data), n_components=args.components,
                                         n_patches=args.patches, max_iter=args.max_iter,
                                         rng=args.seed, init=args.init, symmetry=args.symmetry,
                                         progress=not args.quiet)
    write_atomically(output_path, prior.save)
    elapsed = time.perf_counter() - start
    inform(args, f"trained the {args.prior} prior in {elapsed:.1f} s ({elapsed / 60:.1f} min); "
                 f"saved {output_path}")
    return 0
