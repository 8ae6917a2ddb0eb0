"""The one atomic writer: every file the project writes (images, priors, results) goes through it.

::

    from restore.io import write_atomically
    write_atomically("results.json", json.dumps(rows, indent=2))   # bytes or text
    write_atomically("gmm.npz", prior.save)                        # or write(file)

The data goes to a hidden temporary file in the destination's folder, is
flushed to disk, and then replaces the destination (``os.replace``). On any
failure the temporary file is removed: no partial output is left and an
existing file is untouched. A signal handler that ends the process at once
(the ``restore`` command's, :mod:`restore.cli.interrupts`) calls
:func:`remove_temporaries` first, so not even SIGTERM leaves one behind.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import threading
from pathlib import Path

#: Temporary files of the writes in progress; the lock orders their creation and removal.
_TEMPORARIES = set()
_TEMPORARIES_LOCK = threading.Lock()


def remove_temporaries():
    """Remove the temporary files of every write in progress and block new ones; for a
    signal handler that then ends the process (``os._exit``)."""
    _TEMPORARIES_LOCK.acquire(timeout=1.0)  # held until the process ends
    for temporary in list(_TEMPORARIES):
        with contextlib.suppress(OSError):
            os.unlink(temporary)


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
        with _TEMPORARIES_LOCK:
            os.replace(temporary, path)
            _TEMPORARIES.discard(temporary)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        _TEMPORARIES.discard(temporary)
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
            with _TEMPORARIES_LOCK:
                descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                                     | getattr(os, "O_BINARY", 0), 0o666)
                _TEMPORARIES.add(temporary)
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
