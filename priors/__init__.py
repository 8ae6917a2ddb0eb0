"""Patch and image priors behind small shared protocols (:mod:`priors.protocols`)."""
