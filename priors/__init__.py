"""Patch priors sharing one interface (:class:`priors.base.PatchPrior`)."""
