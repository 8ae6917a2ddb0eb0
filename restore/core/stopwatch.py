"""Wall-clock seconds per named stage (for the speed benchmark's breakdown)."""
from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager


class Stopwatch:
    """``with watch.stage("z-step"): ...`` adds the block's seconds to ``watch.seconds["z-step"]``."""

    def __init__(self):
        self.seconds = defaultdict(float)

    @contextmanager
    def stage(self, name):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start


class NoStopwatch:
    """The do-nothing stopwatch the solver uses unless asked to time itself."""

    @contextmanager
    def stage(self, name):
        yield
