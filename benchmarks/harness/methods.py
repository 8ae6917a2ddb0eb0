"""What a benchmark runs: a named method, and whether it can run on this machine."""
from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from typing import Callable


def always_available():
    """For methods that need nothing beyond the library: never a reason not to run."""
    return None


@dataclass(frozen=True)
class Method:
    """A method a benchmark can run.

    Attributes
    ----------
    name : str
        Registry key and command-line name.
    label : str
        Column title in the tables.
    run : callable
        Called on the degraded image; the signature is the benchmark's
        (denoising: ``run(noisy, sigma, *, rng)``; the task benchmarks:
        ``run(observed, *, rng, **params)``).
    unavailable : callable
        ``unavailable() -> str or None``: why the method cannot run here
        (a missing package), or None when it can.
    """

    name: str
    label: str
    run: Callable
    unavailable: Callable[[], str | None] = always_available


def available_methods(names, registry):
    """The methods among ``names`` (keys of ``registry``) that can run here, in order, and
    ``{name: reason}`` for the others (each noted on stderr)."""
    methods, skipped = [], {}
    for name in dict.fromkeys(names):
        reason = registry[name].unavailable()
        if reason is None:
            methods.append(registry[name])
        else:
            skipped[name] = reason
            print(f"note: skipping {name}: {reason}", file=sys.stderr)
    return methods, skipped


def bm3d_unavailable():
    """Reason why the ``bm3d`` package cannot be used, or None."""
    try:
        import bm3d  # noqa: F401
    except Exception as error:  # a broken binary raises more than ImportError
        return f"bm3d package does not import ({type(error).__name__}: {error})"
    return None


def vae_unavailable():
    """Reason why the VAE prior cannot run (no torch, no shipped weights), or None."""
    if importlib.util.find_spec("torch") is None:
        return "torch is not installed (pip install -e '.[deep]')"
    from priors.registry import pretrained_path

    try:
        pretrained_path("vae")
    except Exception as error:  # missing or corrupt file
        return f"the shipped VAE weights cannot be used ({error})"
    return None
