"""Progress bars on stderr (tqdm), silent unless enabled and the stream is a terminal."""
import sys


class Progress:
    """``with Progress(total, "EPLL") as bar: bar.update()``; tqdm is imported only when shown."""

    def __init__(self, total, label, enabled=True, stream=None):
        stream = sys.stderr if stream is None else stream
        self.bar = None
        if enabled and stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, file=stream, leave=True)

    def update(self, steps=1):
        if self.bar is not None:
            self.bar.update(steps)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
