"""Entry point of the ``restore`` command: dispatch, exit codes, one-line errors, logging.

Exit status: 0 on success, 1 on a runtime error (unreadable file, failed
write, out of memory, ...), 2 on a usage error (bad arguments), 130 when
interrupted (Ctrl-C), 143 on SIGTERM (:mod:`restore.cli.interrupts`).
Errors are one line ``Error: ...`` on stderr; ``--verbose`` adds the
traceback. ``restore train ...`` trains a prior; anything else restores images.
"""
from __future__ import annotations

import contextlib
import importlib
import logging
import sys
import traceback

from restore.cli.interrupts import run_interruptibly
from restore.cli.messages import out_of_memory, print_error
from restore.cli.options import UsageError

#: First argument -> the module of that subcommand; no match: restoring images.
SUBCOMMANDS = {"train": "restore.cli.train", "inspect": "restore.cli.inspect"}
DEFAULT_COMMAND = "restore.cli.restore_command"


def _help_prefix(subcommand, argv):
    """The words before ``--help`` in a usage error's hint: ``train gmm``, ``inspect``, ..."""
    if subcommand is None:
        return ""
    if subcommand == "train" and len(argv) > 1 and not argv[1].startswith("-"):
        return f"train {argv[1]} "
    return f"{subcommand} "


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
    subcommand = argv[0] if argv[:1] and argv[0] in SUBCOMMANDS else None
    try:
        command = importlib.import_module(SUBCOMMANDS.get(subcommand, DEFAULT_COMMAND))
        args = command.build_parser().parse_args(argv[1:] if subcommand else argv)
        with _library_logging(verbose=args.verbose, quiet=args.quiet):
            return run_interruptibly(lambda: command.run(args))
    except SystemExit as done:  # --help and --version
        return done.code if isinstance(done.code, int) else 0
    except UsageError as error:
        print_error(f"{error} (see `restore {_help_prefix(subcommand, argv)}--help`)")
        return 2
    except KeyboardInterrupt:
        print_error("interrupted")
        return 130
    except MemoryError as error:
        if verbose:
            traceback.print_exc(file=sys.stderr)
        print_error(out_of_memory(error))
        return 1
    except (ValueError, TypeError, OSError) as error:
        if verbose:
            traceback.print_exc(file=sys.stderr)
        print_error(str(error) or type(error).__name__)
        return 1


@contextlib.contextmanager
def _library_logging(*, verbose, quiet):
    """Route the library's ``restore`` logger to stderr while a command runs."""
    logger = logging.getLogger("restore")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    saved_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved_level)


if __name__ == "__main__":
    sys.exit(main())
