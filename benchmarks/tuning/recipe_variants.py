"""What the tuning scripts share: recipes changed by ``key=value`` settings, and training
images spread over a folder.

A setting's key is a field of the recipe (``patch_window``, ``wiener_factor``) or
``field.attribute`` of one of its dataclass fields (``schedule.steps``,
``coarse_schedule.first_std``, ``fast.tail_ratio``); the recipe is changed with
``dataclasses.replace``, nothing of it is copied.
"""
from __future__ import annotations

import dataclasses

import numpy as np


def parse_value(text):
    """``"none"`` -> None, ``"64"`` -> 64, ``"0.05"`` -> 0.05, ``"1,4,8"`` -> (1, 4, 8)."""
    if text.lower() == "none":
        return None
    if "," in text:
        return tuple(parse_value(part) for part in text.split(",") if part)
    try:
        return int(text)
    except ValueError:
        return float(text)


def recipe_variant(recipe, settings):
    """``recipe`` with ``settings`` (``{key: value}``, keys as in the module notes) replaced.

    Raises
    ------
    ValueError
        For a key that names no field of the recipe (or of its field).
    """
    changes, nested = {}, {}
    for key, value in settings.items():
        name, _, attribute = key.partition(".")
        if name not in {f.name for f in dataclasses.fields(recipe)}:
            raise ValueError(f"{type(recipe).__name__} has no field {name!r} (setting {key!r})")
        if attribute:
            nested.setdefault(name, {})[attribute] = value
        else:
            changes[name] = value
    for name, values in nested.items():
        inner = changes.get(name, getattr(recipe, name))
        known = {f.name for f in dataclasses.fields(inner)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"{name} ({type(inner).__name__}) has no field {unknown[0]!r}; "
                             f"choose among {sorted(known)}")
        changes[name] = dataclasses.replace(inner, **values)
    return dataclasses.replace(recipe, **changes)


def spread_training_images(folder, count):
    """``count`` training images spread evenly over the sorted folder, grey float64 in
    [0, 1]; ``(paths, images)``. :func:`priors.training.list_training_images` refuses
    the test sets."""
    from priors.training import list_training_images, load_grey

    paths = list_training_images([folder])
    picks = [paths[i] for i in np.linspace(0, len(paths) - 1, count).astype(int)]
    return picks, [load_grey(p).astype(np.float64) for p in picks]
