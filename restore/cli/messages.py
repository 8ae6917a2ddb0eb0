"""What the command says on stderr: one-line errors, progress notes, image descriptions."""
from __future__ import annotations

import sys


def print_error(message):
    """``Error: <message>`` on one line of stderr (line breaks in the message become spaces)."""
    print("Error: " + " ".join(str(message).split()), file=sys.stderr, flush=True)


def inform(args, message):
    """A note on stderr, unless ``--quiet``."""
    if not args.quiet:
        print(message, file=sys.stderr, flush=True)


def describe(image):
    """``a 37x31 grey image``, ``a 37x31 3-channel image``."""
    kind = "grey" if image.ndim == 2 else f"{image.shape[2]}-channel"
    return f"a {image.shape[1]}x{image.shape[0]} {kind} image"


def out_of_memory(error):
    """The one-line message of a MemoryError."""
    detail = f" ({error})" if str(error) else ""
    return (f"out of memory{detail}; restore a smaller image, or bound memory with --tile N "
            "(e.g. --tile 512)")
