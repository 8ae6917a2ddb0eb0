"""Priors that travel by name: a shipped prior pickles as its registry name.

A prior loaded through :func:`priors.registry.get_prior` is tagged with its
name; pickling it (to send a task to a Dask worker, say) then writes only
that name, and unpickling calls ``get_prior(name)``, which loads the prior
once per process and serves it from its cache afterwards. So a worker loads
each shipped prior once, whatever number of tasks it runs. Priors built or
trained in code pickle in full, as usual.
"""
from __future__ import annotations


class Registered:
    """Mixin: pickle as ``get_prior(registry_name)`` when a registry name is set."""

    registry_name = None

    def __reduce_ex__(self, protocol):
        if self.registry_name is None:
            return super().__reduce_ex__(protocol)
        from priors.registry import get_prior

        return get_prior, (self.registry_name,)
