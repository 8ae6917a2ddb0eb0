"""A minimal progress bar on stderr, silent unless enabled and stderr is a terminal."""
import sys
import time


class Progress:
    """``with Progress(total, "EPLL") as bar: bar.update()``."""

    def __init__(self, total, label, enabled=True, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = bool(enabled) and self.stream.isatty()
        self.total, self.label, self.done = total, label, 0
        self.start = time.perf_counter()

    def update(self, steps=1):
        self.done += steps
        if self.enabled:
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            elapsed = time.perf_counter() - self.start
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                              f"{self.done}/{self.total} {elapsed:.1f}s")
            self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
