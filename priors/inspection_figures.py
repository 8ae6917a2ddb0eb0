"""The PNG figures of :func:`priors.inspection.inspect_prior` (matplotlib, imported here only,
with the Agg backend so that no display is needed). Each figure is saved atomically."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

#: Leading eigenvectors shown per component.
N_VECTORS = 6


def pyplot():
    """matplotlib.pyplot on the Agg backend; a clear ImportError when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError("the inspection figures need matplotlib; install it with "
                          "`pip install matplotlib`") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save(fig, path):
    """Save a figure to ``path`` (PNG) atomically and close it."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.png")
    fig.savefig(tmp, dpi=110)
    pyplot().close(fig)
    tmp.replace(path)


def show_patch(ax, patch, patch_size, symmetric=True):
    """A patch in grey, zero at mid-grey when ``symmetric``, no axes."""
    image = np.asarray(patch).reshape(patch_size, patch_size)
    if symmetric:
        span = np.abs(image).max() or 1.0
        ax.imshow(image, cmap="gray", vmin=-span, vmax=span, interpolation="nearest")
    else:
        ax.imshow(image, cmap="gray", interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def components_figure(components, path, *, title="prior"):
    """One row per component: weight, mean, leading eigenvectors (with their eigenvalue),
    eigenvalue spectrum on a log scale."""
    plt = pyplot()
    rows = len(components)
    patch_size = int(round(np.sqrt(components[0]["mean"].size)))
    fig = plt.figure(figsize=(2.2 + 1.05 * (N_VECTORS + 1) + 2.6, 1.15 * rows + 0.6))
    grid = fig.add_gridspec(rows, N_VECTORS + 3, width_ratios=[0.9] + [1] * (N_VECTORS + 1) + [2.6])
    for r, comp in enumerate(components):
        label = fig.add_subplot(grid[r, 0])
        label.axis("off")
        label.text(0.5, 0.5, f"#{comp['rank'] + 1}\nw={comp['weight']:.3f}", ha="center",
                   va="center", fontsize=8)
        mean_ax = fig.add_subplot(grid[r, 1])
        show_patch(mean_ax, comp["mean"], patch_size)
        if r == 0:
            mean_ax.set_title("mean", fontsize=8)
        for v in range(N_VECTORS):
            ax = fig.add_subplot(grid[r, 2 + v])
            show_patch(ax, comp["eigenvectors"][:, v], patch_size)
            ax.set_xlabel(f"{comp['eigenvalues'][v]:.1e}", fontsize=6, labelpad=1)
            if r == 0:
                ax.set_title(f"v{v + 1}", fontsize=8)
        spec = fig.add_subplot(grid[r, -1])
        spec.semilogy(np.arange(1, comp["eigenvalues"].size + 1),
                      np.maximum(comp["eigenvalues"], 1e-12), lw=1)
        spec.tick_params(labelsize=6)
        if r == 0:
            spec.set_title("eigenvalues (log)", fontsize=8)
    fig.suptitle(f"{title}: the {rows} most probable components", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    save(fig, path)


def spectra_figure(rows, path):
    """Per ``(title, measures)`` row: the top components' spectra (log scale) and their
    ratio to the first one's (flat lines for a Gaussian scale mixture)."""
    plt = pyplot()
    fig, axes = plt.subplots(len(rows), 2, figsize=(10, 3.6 * len(rows)), squeeze=False)
    for (title, measures), (left, right) in zip(rows, axes):
        values = np.maximum(np.asarray(measures["top_eigenvalues"]), 1e-12)
        ranks = np.arange(1, values.shape[1] + 1)
        for i, row in enumerate(values):
            label = f"#{i + 1} (w={measures['top_weights'][i]:.3f})"
            left.semilogy(ranks, row, lw=1, label=label)
            right.semilogy(ranks, row / values[0], lw=1, label=label)
        sm = measures["scale_mixture"]
        left.set_title(f"{title}: spectra of the most probable {measures['unit']}", fontsize=9)
        left.set_ylabel("eigenvalue")
        left.legend(fontsize=6)
        right.set_title(f"ratio to #1 (flat = scale mixture); first {sm['k']}: eigenvector "
                        f"similarity {sm['mean_similarity']:.2f} (random bases "
                        f"{sm['random_basis_similarity']:.2f}),\nstd of log10 ratio "
                        f"{sm['mean_log_ratio_std']:.2f}, residual of S_j ~ c S_i "
                        f"{sm['mean_scale_residual']:.2f}", fontsize=8)
        right.set_ylabel("ratio to #1")
        for ax in (left, right):
            ax.set_xlabel("eigenvalue rank")
            ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    save(fig, path)


def mosaic(patches, patch_size, rows, cols, gap=1):
    """Patches tiled in a grid, each shifted to zero mean and scaled to its own range."""
    side = patch_size + gap
    canvas = np.full((rows * side + gap, cols * side + gap), 0.5)
    for i, patch in enumerate(np.asarray(patches)[: rows * cols]):
        image = patch.reshape(patch_size, patch_size)
        image = image - image.mean()
        span = np.abs(image).max() or 1.0
        r, c = divmod(i, cols)
        canvas[gap + r * side: gap + r * side + patch_size,
               gap + c * side: gap + c * side + patch_size] = 0.5 + 0.5 * image / span
    return canvas


def mosaics_figure(panels, patch_size, path, *, title, grid=12):
    """Side by side, one mosaic (:func:`mosaic`) per ``(label, patches)`` panel."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 4.8), squeeze=False)
    for ax, (label, patches) in zip(axes[0], panels):
        ax.imshow(mosaic(patches, patch_size, grid, grid), cmap="gray", vmin=0, vmax=1,
                  interpolation="nearest")
        ax.set_title(label, fontsize=9)
        ax.axis("off")
    fig.suptitle(f"{title} (each patch scaled to its own contrast)", fontsize=10)
    fig.tight_layout()
    save(fig, path)


def samples_figure(samples, natural, patch_size, path, *, title="prior", rng=None, grid=12):
    """Mosaics of samples from the mixture and (when given) of random natural patches."""
    panels = [("samples from the mixture", samples)]
    if natural is not None:
        chosen = np.random.default_rng(rng).permutation(len(natural))[: grid * grid]
        panels.append(("random natural patches", np.asarray(natural)[chosen]))
    mosaics_figure(panels, patch_size, path, title=title, grid=grid)


def orbits_figure(orbits, patch_size, path, *, title="prior"):
    """One row per orbit: its weight and the leading eigenvector of each of its eight
    transformed components."""
    plt = pyplot()
    count = orbits[0]["transformed"].shape[0]
    fig, axes = plt.subplots(len(orbits), count + 1, figsize=(1.0 * (count + 1) + 0.8,
                                                              1.05 * len(orbits) + 0.6),
                             squeeze=False)
    names = [f"rot{90 * t}" for t in range(4)] + [f"rot{90 * t}+flip" for t in range(4)]
    for r, orbit in enumerate(orbits):
        axes[r, 0].axis("off")
        axes[r, 0].text(0.5, 0.5, f"orbit #{orbit['rank'] + 1}\nw={orbit['weight']:.3f}",
                        ha="center", va="center", fontsize=7)
        for g in range(count):
            show_patch(axes[r, g + 1], orbit["transformed"][g, 0], patch_size)
            if r == 0:
                axes[r, g + 1].set_title(names[g] if count == 8 else f"g{g}", fontsize=7)
    fig.suptitle(f"{title}: leading eigenvector of each orbit's {count} transforms", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    save(fig, path)
