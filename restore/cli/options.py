"""Shared argparse pieces: a parser whose mistakes are usage errors, argument types, verbosity."""
from __future__ import annotations

import argparse


class UsageError(Exception):
    """A mistake in the command line: reported as ``Error: ...`` with exit status 2."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises :class:`UsageError` instead of printing and exiting."""

    def __init__(self, **kwargs):
        super().__init__(formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)

    def error(self, message):
        raise UsageError(message)


#: The noise levels ``--sigma`` accepts, on the 0-255 scale: the library's
#: [SIGMA_MIN, SIGMA_MAX] (1e-4 .. 1 on the [0, 1] scale) times 255.
SIGMA_255_MIN, SIGMA_255_MAX = 0.0255, 255.0


def sigma_255(text):
    """A noise level on the 0-255 scale, in [0.0255, 255]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number on the 0-255 scale, got {text!r}") \
            from None
    if not 0 < value <= SIGMA_255_MAX:
        raise argparse.ArgumentTypeError(f"must be in (0, 255] on the 0-255 scale (25 means "
                                         f"25/255), got {text}")
    if value < SIGMA_255_MIN:
        raise argparse.ArgumentTypeError(f"must be at least {SIGMA_255_MIN} on the 0-255 scale "
                                         f"(below, an image is practically noise-free), got "
                                         f"{text}")
    return value


def scale_factor(text):
    """An enlargement factor: an integer of at least 2."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number such as 2, 3 or 4, got "
                                         f"{text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2 (upscale enlarges the image), "
                                         f"got {value}")
    return value


def positive_float(text):
    """A finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (0 < value < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def positive_int(text):
    return _integer_at_least(text, 1)


def non_negative_int(text):
    return _integer_at_least(text, 0)


def _integer_at_least(text, lowest):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < lowest:
        raise argparse.ArgumentTypeError(f"must be at least {lowest}, got {value}")
    return value


def add_verbosity(parser):
    """``--verbose`` (details, tracebacks) or ``--quiet`` (results and errors only)."""
    talk = parser.add_mutually_exclusive_group()
    talk.add_argument("--verbose", action="store_true",
                      help="log details; show a traceback on errors")
    talk.add_argument("--quiet", action="store_true",
                      help="print only results and errors (no progress)")


def add_cluster(parser, what):
    """``--workers N`` (a local Dask cluster) or ``--scheduler ADDRESS`` (a running one)."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=positive_int, metavar="N",
                       help=f"{what} on a local Dask cluster of N single-threaded worker "
                            "processes (one per core is a good choice)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help=f"{what} on a running Dask cluster, e.g. tcp://host:8786 (started "
                            "with `dask scheduler` and `dask worker ADDRESS`; the workers "
                            "need restore installed and the files at the same paths)")
