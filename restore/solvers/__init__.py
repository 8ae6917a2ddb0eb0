"""The solver: one half-quadratic-splitting loop (:func:`hqs`), its schedule type, and the
adapter from patch denoisers to image z-steps (:mod:`restore.solvers.patch_averaging`,
imported where used: it compiles numba kernels)."""
from restore.solvers.hqs import ZStep, hqs
from restore.solvers.schedule import Schedule

__all__ = ["Schedule", "ZStep", "hqs"]
