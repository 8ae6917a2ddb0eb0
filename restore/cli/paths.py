"""Output checks made before any long computation: extension, folder, never an input file."""
from __future__ import annotations

import os

from restore.cli.options import UsageError


def check_output_name(path, extensions):
    """A usage error unless ``path`` ends in one of ``extensions``."""
    if path.suffix.lower() not in extensions:
        raise UsageError(f"cannot write '{path}': unsupported extension '{path.suffix}'; use "
                         f"one of {', '.join(extensions)}")


def check_output_folder(path):
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


def refuse_overwriting(output, **protected):
    """A usage error if ``output`` is one of the ``protected`` files (``input=path``, ...)."""
    for what, path in protected.items():
        if path is not None and same_file(output, path):
            raise UsageError(f"the output '{output}' is the {what} file; restore never "
                             "overwrites it: give another -o")


def same_file(first, second):
    """Whether two paths name the same file (also when the first does not exist yet)."""
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist yet
        return os.path.realpath(first) == os.path.realpath(second)
