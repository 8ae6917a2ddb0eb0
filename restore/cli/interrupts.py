"""Ctrl-C and SIGTERM: the command stops at once and leaves no temporary file behind.

numpy's LAPACK calls (the prior's eigendecomposition) and numba's kernels do
not return to Python for seconds, so a plain KeyboardInterrupt can wait that
long. Instead the command's work runs in a worker thread while the main
thread waits in short steps with handlers for SIGINT and SIGTERM: on either it
removes the temporary files of writes in progress
(:func:`restore.io.atomic.remove_temporaries`), prints ``Error: interrupted``
and ends the process with ``os._exit``: status 130 for SIGINT (Ctrl-C), 143
for SIGTERM (128 + the signal number, as a shell reports a killed command).
"""
from __future__ import annotations

import os
import signal
import threading

from restore.cli.messages import print_error
from restore.io.atomic import remove_temporaries

#: Signal -> exit status (128 + its number).
EXIT_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}

#: How often the main thread looks up from waiting (seconds).
POLL_SECONDS = 0.05


def run_interruptibly(work):
    """``work()``'s result (or its exception), computed in a worker thread that SIGINT and
    SIGTERM end at once. Outside the main thread (where handlers cannot be set) it simply
    calls ``work()``."""
    if threading.current_thread() is not threading.main_thread():
        return work()
    outcome = {}

    def target():
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the main thread, raised there
            outcome["error"] = error

    saved = {number: signal.getsignal(number) for number in EXIT_STATUS}
    for number, handler in saved.items():
        if handler is not signal.SIG_IGN:  # e.g. nohup: keep ignoring
            signal.signal(number, _stop)
    try:
        worker = threading.Thread(target=target, name="restore-work", daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(POLL_SECONDS)
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _stop(number, frame):
    remove_temporaries()
    print_error("interrupted" if number == signal.SIGINT else "terminated (SIGTERM)")
    os._exit(EXIT_STATUS[number])
