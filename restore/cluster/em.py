"""EM of the Gaussian-mixture prior on a Dask cluster; the patches never travel.

The training patches (:func:`priors.training.sample_rows`: image ``j`` gives its
patches from its own stream ``(seed, j)``) are cut into parts of whole E-step
blocks. Each worker draws its parts from the image files and keeps their
zero-mean coordinates in memory. Every iteration sends the current orbits to
each worker once; each part returns its sufficient statistics (counts, sums,
scatter matrices, tied over the orbits: :func:`priors.gmm_em.expectation_sums`)
and the M-step here adds them up (:func:`priors.gmm_em.run_em`). Because the
parts are whole blocks of the single-process E-step, the mixture equals the
one :meth:`~priors.gmm.GaussianMixturePrior.fit` gives on the same patches,
up to the order of float64 additions.
"""
from __future__ import annotations

import sys
from functools import partial, reduce
from pathlib import Path

import numpy as np

from priors.gmm_em import add_statistics, expectation_sums, initialise_with, run_em
from priors.training import (list_training_images, patches_per_image, sample_rows,
                             untrained_gmm)
from restore.cluster.client import worker_count

#: Parts per worker thread: a few, so that a slow worker does not hold up an iteration.
PARTS_PER_WORKER = 2


def train_gmm(image_dirs, client, *, n_components=200, patch_size=8, n_patches=500_000,
              max_iter=100, tol=1e-3, seed=0, init=None, symmetry=None, progress=True,
              parts=None):
    """:func:`priors.training.train_gmm_prior` with the E-step on ``client``'s workers.

    The patches differ from the single-process command's (one stream per image
    rather than one for all), so the result does not depend on the number of
    workers or ``parts`` (default: :data:`PARTS_PER_WORKER` per worker thread).
    The workers must see the image files at the same paths.
    """
    prior = untrained_gmm(n_components=n_components, patch_size=patch_size, max_iter=max_iter,
                          tol=tol, rng=np.random.default_rng(seed), init=init,
                          symmetry=symmetry, progress=progress)
    paths = [str(Path(path).resolve()) for path in list_training_images(image_dirs)]
    counts = patches_per_image(len(paths), n_patches)
    parts = parts or PARTS_PER_WORKER * worker_count(client)
    if progress:
        print(f"drawing {n_patches} patches of {prior.patch_size}x{prior.patch_size} from "
              f"{len(paths)} images on {worker_count(client)} workers, in {parts} parts",
              file=sys.stderr, flush=True)
    fit_on_cluster(prior, client, paths, counts, seed, parts)
    prior.n_train_ = int(counts.sum())
    return prior


def fit_on_cluster(prior, client, paths, counts, seed, parts):
    """EM of ``prior`` on the patch sequence ``sample_rows(paths, counts, ..., seed)``, drawn
    and held on the workers in ``parts`` parts; returns the prior."""
    from dask.distributed import wait

    n = int(counts.sum())
    if n < 2 * prior.n_components:
        raise ValueError(f"need at least {2 * prior.n_components} patches to fit "
                         f"{prior.n_components} components, got {n}")
    bounds = part_bounds(n, parts, prior._block_rows)
    coords = [client.submit(_draw_part, type(prior), paths, counts, prior.patch_size, seed,
                            start, stop, pure=False) for start, stop in bounds]
    wait(coords)
    if not (prior.warm_start and hasattr(prior, "weights_")):
        initialise_with(prior, n, partial(_take, client, coords, bounds),
                        partial(_covariance, client, coords, n))
    run_em(prior, partial(_e_step, client, coords, n))
    return prior


def part_bounds(n, parts, block):
    """``(start, stop)`` of ``parts`` (or fewer) consecutive parts of ``range(n)``, each
    starting on a multiple of ``block``."""
    blocks = -(-n // block)
    edges = np.unique(np.linspace(0, blocks, min(parts, blocks) + 1).round().astype(int))
    stops = np.minimum(edges * block, n)
    return list(zip(stops[:-1].tolist(), stops[1:].tolist()))


def _draw_part(prior_class, paths, counts, patch_size, seed, start, stop):
    """On a worker: the zero-mean coordinates ``c = Q^T x`` of rows ``start:stop``."""
    patches = sample_rows(paths, counts, patch_size, seed, start, stop)
    return prior_class(1, patch_size)._coordinates(patches)


def _e_step(client, coords, n, prior):
    """The statistics of every part, added up, and the mean log-likelihood."""
    settings = dict(n_components=prior.n_components, patch_size=prior.patch_size,
                    reg_covar=prior.reg_covar, chunk_size=prior.chunk_size,
                    symmetry=prior.symmetry)
    orbits = client.scatter(list(prior._orbits), broadcast=True, hash=False)
    sums = client.gather([client.submit(_part_expectation, type(prior), settings, orbits, part,
                                        pure=False) for part in coords])
    stats = reduce(add_statistics, (part_stats for part_stats, _ in sums), None)
    return stats, sum(total for _, total in sums) / n


def _part_expectation(prior_class, settings, orbits, coords):
    """On a worker: :func:`priors.gmm_em.expectation_sums` of one part."""
    prior = prior_class(**settings)
    prior._set_subspace_parameters(*(np.array(values) for values in orbits))  # aligned copies
    return expectation_sums(prior, coords)


def _take(client, coords, bounds, rows):
    """The coordinates of the given global rows, fetched from the parts holding them."""
    rows = np.asarray(rows)
    taken = None
    for part, (start, stop) in zip(coords, bounds):
        inside = np.flatnonzero((rows >= start) & (rows < stop))
        if inside.size:
            values = client.submit(_rows_of, part, rows[inside] - start, pure=False).result()
            if taken is None:
                taken = np.empty((rows.size, values.shape[1]), values.dtype)
            taken[inside] = values
    return taken


def _rows_of(part, rows):
    return part[rows]


def _covariance(client, coords, n):
    """The covariance of all the coordinates, from each part's sums (float64)."""
    sums = client.gather([client.submit(_moments, part, pure=False) for part in coords])
    total = sum(first for first, _ in sums) / n
    return sum(second for _, second in sums) / n - np.outer(total, total)


def _moments(part):
    part = part.astype(np.float64)
    return part.sum(axis=0), part.T @ part
