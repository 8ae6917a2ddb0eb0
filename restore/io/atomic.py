"""The one atomic writer: every file the project writes (images, priors, results) goes through it.

::

    from restore.io import write_atomically
    write_atomically("results.json", json.dumps(rows, indent=2))   # bytes or text
    write_atomically("gmm.npz", prior.save)                        # or write(file)

The data goes to a hidden temporary file in the destination's folder, is
flushed to disk, and then replaces the destination (``os.replace``). On any
failure the temporary file is removed: no partial output is left and an
existing file is untouched.
"""
from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def write_atomically(path, content):
    """Write ``content`` to ``path`` atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The destination; its folder must exist.
    content : bytes-like, str or callable
        The bytes to write (a ``str`` is encoded as UTF-8), or a function
        ``write(file)`` that writes to a binary file object opened for writing
        (seekable, so ``numpy.save``, ``numpy.savez`` and ``zipfile`` work).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    OSError
        One line, ``cannot write '<path>': ...``: the folder is missing, not a
        folder or not writable, or writing failed (disk full, ...).
    """
    path = Path(path)
    if isinstance(content, str):
        content = content.encode("utf-8")
    write = content if callable(content) else (lambda file: file.write(content))
    temporary, file = _create_temporary(path)
    try:
        with file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OSError(f"cannot write '{path}': {error.strerror or error}") from error
        raise
    return path


def _create_temporary(path):
    """A new hidden file in ``path``'s folder (mode 0o666 less the umask) and its handle."""
    folder = path.parent
    for _ in range(100):
        temporary = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                                 | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        except FileNotFoundError:
            raise OSError(f"cannot write '{path}': the folder '{folder}' does not exist; "
                          "create it first") from None
        except NotADirectoryError:
            raise OSError(f"cannot write '{path}': '{folder}' is not a folder") from None
        except PermissionError:
            raise OSError(f"cannot write '{path}': no permission to create files in "
                          f"'{folder}'; choose another folder") from None
        except OSError as error:
            raise OSError(f"cannot write '{path}': {error.strerror or error}") from None
        return temporary, os.fdopen(descriptor, "wb")
    raise OSError(f"cannot write '{path}': could not create a temporary file in '{folder}'")
