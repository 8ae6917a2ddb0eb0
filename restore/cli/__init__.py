"""The ``restore`` command: denoise, deblur or inpaint image files, or train a prior.

A thin shell over :mod:`restore.api` and :mod:`restore.io`, laid out as
rasterio's ``rio``: :mod:`restore.cli.main` is the entry point (exit codes,
errors, logging, dispatch), :mod:`restore.cli.options` the shared argument
types, one module per subcommand (:mod:`~restore.cli.restore_command`,
:mod:`~restore.cli.batch`, :mod:`~restore.cli.train`) and small helpers with
one job each. The console script is ``restore.cli.main:main``; ``restore.cli:main``
is the same function.
"""
from restore.cli.main import main

__all__ = ["main"]
