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


def noisy_version(clean, sigma, seed, index):
    """``clean`` under white noise of ``sigma`` (of 255), seeded by ``seed``, the image's
    ``index`` and sigma (the tuning scripts' noise, float32, not clipped)."""
    rng = np.random.default_rng([seed, index, int(sigma * 100)])
    return (clean + rng.normal(0, sigma / 255, clean.shape)).astype(np.float32)


def compare_recipes(recipes, images, sigmas, prior, seed=0):
    """Each of ``recipes`` (``{label: recipe}``) denoising each of ``images`` (``[(name,
    clean)]``, grey or RGB) under white noise of each of ``sigmas`` (of 255; seeded by
    ``seed``, the image's index and sigma). Rows ``{image, sigma, <label>: PSNR,
    "<label> seconds": seconds}``, each printed to stderr as it comes."""
    import sys
    import time

    from benchmarks.harness.scoring import psnr

    rows = []
    for index, (name, clean) in enumerate(images):
        for sigma in sigmas:
            noisy = noisy_version(clean, sigma, seed, index)
            row = dict(image=name, sigma=sigma)
            for label, recipe in recipes.items():
                start = time.perf_counter()
                estimate = recipe.restore(noisy, sigma / 255, prior, rng=0,
                                          channel_axis=-1 if clean.ndim == 3 else None)
                row[f"{label} seconds"] = time.perf_counter() - start
                row[label] = psnr(clean, estimate)
            rows.append(row)
            print(f"{name} sigma {sigma:g}: " + ", ".join(
                f"{label} {row[label]:.3f} dB {row[f'{label} seconds']:.2f} s"
                for label in recipes), file=sys.stderr, flush=True)
    return rows
