"""Deep Image Prior (Ulyanov, Vedaldi & Lempitsky 2018): the network's structure is the prior.

A randomly initialised encoder-decoder ``f_theta`` maps a fixed noise image
``z`` to an image; fitting ``theta`` to the degraded observation ``y``,

.. math::

    \\min_\\theta \\; \\| A f_\\theta(z + \\epsilon_t) - y \\|^2, \\qquad
    \\epsilon_t \\sim N(0, \\sigma_p^2 I) \\text{ fresh at every step } t,

with Adam, reproduces natural structure long before it reproduces the
noise, so the fit is stopped early. ``A`` is any operator of
:mod:`restore.operators` (identity: denoising; mask: inpainting; blur:
deblurring), applied in torch by :mod:`restore.operators.torch_twins`. The estimate
is the exponential moving average of the iterates,
``x_t = d x_{t-1} + (1 - d) f_{theta_t}(z)`` with ``d = 0.99``, as in the
paper's denoising experiments.

Stopping: at most the task's number of iterations (:data:`DEFAULT_ITERATIONS`),
and earlier by the discrepancy principle: once the moving average fits the
observed pixels to within the noise, ``mean((A x_t - y)^2) <= tau sigma^2``
(:data:`DISCREPANCY`), more iterations only fit the noise. With the near-zero
noise of clean 8-bit inpainting the rule does not fire and the cap decides.

The network (:class:`Hourglass`, the paper's "skip" architecture) is in
:mod:`priors.dip_network`. The defaults are the paper's denoising settings
(learning rate 0.01, input perturbation ``sigma_p = 1/30``).

torch is imported only here, in :mod:`priors.dip_network` and in
:mod:`restore.operators.torch_twins`.

References
----------
D. Ulyanov, A. Vedaldi, V. Lempitsky. Deep Image Prior. CVPR 2018 /
IJCV 2020 (supplementary material: the architectures).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from priors.dip_network import Hourglass, HourglassNet
from restore.core.progress import Progress
from restore.operators import Composite, Identity, Mask
from restore.operators.torch_twins import torch_operator

#: Most Adam steps per task, for the paper's network. docs/tuning.md#dip-iterations
DEFAULT_ITERATIONS = {"denoise": 1800, "inpaint": 6000, "deblur": 3000, "upscale": 2000}

#: ``tau`` of the discrepancy stop ``mean((A x - y)^2) <= tau sigma^2``.
DISCREPANCY = 1.0

#: Iterations before the stopping rule is consulted (the moving average lags behind).
MIN_ITERATIONS = 100

#: Scale of the fixed uniform input noise, ``z ~ U(0, 0.1)``, as in the paper's code.
INPUT_SCALE = 0.1

DEVICES = ("cpu", "cuda")


@dataclass
class _Fit:
    """What a warm start continues from: the network, Adam's state, the input and the average."""

    image_shape: tuple
    network: nn.Module
    optimiser: torch.optim.Optimizer
    generator: torch.Generator
    noise: torch.Tensor
    crop: tuple
    average: torch.Tensor | None = None
    iterations: int = 0
    history: list = field(default_factory=list)


class DeepImagePrior:
    """Deep Image Prior as an image prior: direct restoration and a warm-startable denoiser.

    Parameters
    ----------
    network : Hourglass
        The architecture (default: the paper's).
    iterations : int, optional
        Most Adam steps per restoration; default by task, :data:`DEFAULT_ITERATIONS`.
    learning_rate : float
        Adam's step size (paper: 0.01).
    input_noise_std : float
        ``sigma_p``, the standard deviation of the perturbation added to the
        fixed input at every step (paper: 1/30).
    ema_decay : float
        ``d`` of the moving average of the iterates (paper: 0.99).
    discrepancy : float or None
        ``tau`` of the early stop ``mean((A x - y)^2) <= tau sigma^2``; None
        runs all the iterations.
    mode : {"direct", "hqs"}
        How :func:`restore.denoise` and friends use it: fit ``||A f(z) - y||^2``
        directly, or run half-quadratic splitting with :meth:`denoise` as
        the z-step (:mod:`restore.recipes.reconstruct`).
    restarts : int
        Direct mode: the estimate is the mean of this many fits from
        independent starts (seeds ``seed, seed + 1, ...``). The fits err
        differently, so their mean has less variance; each restart costs a
        full fit. 1 (the default) is the paper's method.
    device : {"cpu", "cuda"} or None
        None: CUDA when available, else the CPU.
    seed : int
        Seeds the network's initial weights and the input noise; on the CPU
        the result is the same for the same seed.
    progress : bool
        Progress bar on stderr.

    Attributes
    ----------
    n_iter_ : int
        Adam steps of the last restoration through the library
        (:func:`restore.recipes.reconstruct.reconstruct`).
    """

    MODES = ("direct", "hqs")

    def __init__(self, network=Hourglass(), *, iterations=None, learning_rate=0.01,
                 input_noise_std=1 / 30, ema_decay=0.99, discrepancy=DISCREPANCY,
                 mode="direct", restarts=1, device=None, seed=0, progress=False):
        if not isinstance(network, Hourglass):
            raise TypeError(f"network must be an Hourglass, got {type(network).__name__}")
        if iterations is not None and (not isinstance(iterations, (int, np.integer))
                                       or iterations < 1):
            raise ValueError(f"iterations must be a positive integer or None (the task's "
                             f"default), got {iterations!r}")
        for name, value in (("learning_rate", learning_rate),
                            ("input_noise_std", input_noise_std)):
            if not (np.isfinite(value) and value >= 0) or (name == "learning_rate"
                                                            and value == 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if not 0 <= ema_decay < 1:
            raise ValueError(f"ema_decay must be in [0, 1), got {ema_decay!r}")
        if discrepancy is not None and not discrepancy > 0:
            raise ValueError(f"discrepancy must be positive or None, got {discrepancy!r}")
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}, got {mode!r}")
        if not isinstance(restarts, (int, np.integer)) or restarts < 1:
            raise ValueError(f"restarts must be a positive integer, got {restarts!r}")
        self.network = network
        self.iterations = None if iterations is None else int(iterations)
        self.learning_rate = float(learning_rate)
        self.input_noise_std = float(input_noise_std)
        self.ema_decay = float(ema_decay)
        self.discrepancy = discrepancy
        self.mode = mode
        self.restarts = int(restarts)
        self.device = resolve_device(device)
        self.seed = int(seed)
        self.progress = progress
        self._fit = None

    def __repr__(self):
        return (f"DeepImagePrior({self.network}, iterations={self.iterations}, "
                f"mode={self.mode!r}, restarts={self.restarts}, device={self.device!r}, "
                f"seed={self.seed})")

    # ------------------------------------------------------------------ the interface
    def denoise(self, image, noise_var, *, iterations=None, warm_start=False):
        """Denoise an image with white Gaussian noise of variance ``noise_var``.

        ``warm_start=True`` continues from the network, optimiser state, input
        and moving average of the previous call on an image of the same
        shape (the z-step of half-quadratic splitting); otherwise a fresh
        network is fitted. ``iterations`` defaults to the denoising one.
        """
        if not np.isfinite(noise_var) or noise_var <= 0:
            raise ValueError(f"noise_var must be a positive variance, got {noise_var!r}")
        steps = iterations or self.iterations or DEFAULT_ITERATIONS["denoise"]
        return self.fit(image, Identity(), math.sqrt(noise_var), iterations=steps,
                        warm_start=warm_start)

    def restore(self, observed, operator, sigma, *, task="denoise", callback=None):
        """Direct DIP: fit ``||A f(z) - y||^2`` from scratch for the task's iterations;
        with ``restarts = R > 1``, the mean ``(1/R) sum_r x_r`` of R fits from seeds
        ``seed + r``. ``iterations_run`` then lists the steps of every restart."""
        if task not in DEFAULT_ITERATIONS:
            raise ValueError(f"task must be one of {sorted(DEFAULT_ITERATIONS)}, got {task!r}")
        steps = self.iterations or DEFAULT_ITERATIONS[task]
        mean, history = None, []
        for restart in range(self.restarts):
            self._fit = None
            estimate = self.fit(observed, operator, sigma, iterations=steps, callback=callback,
                                seed=self.seed + restart)
            history += self._fit.history
            mean = estimate if mean is None else mean + (estimate - mean) / (restart + 1)
        self._fit.history = history
        return mean

    # ------------------------------------------------------------------ the fit
    def fit(self, observed, operator, sigma, *, iterations, warm_start=False, callback=None,
            seed=None):
        """Fit the network so that ``A f(z)`` matches ``observed``; return the moving average.

        Parameters
        ----------
        observed : ndarray, (H, W) or (H, W, C)
            ``y``; values at masked-out pixels are ignored.
        operator : restore.operators.Operator
            ``A``, applied to every channel alike.
        sigma : float
            Noise standard deviation of ``y`` (for the early stop).
        iterations : int
            Most Adam steps in this call.
        warm_start : bool
            Continue the previous fit when the image shape matches.
        callback : callable, optional
            ``callback(step, average, residual)`` after every step, with the
            moving average as an ``(H, W[, C])`` numpy array and its
            discrepancy ``mean((A x - y)^2)`` over the observed pixels.
        seed : int, optional
            Seed of a fresh start (default: ``self.seed``).

        Returns
        -------
        ndarray
            The moving average of the iterates, shape and float dtype of
            ``observed`` (float32 stays float32, otherwise float64), in [0, 1].
        """
        image = np.asarray(observed)
        if image.ndim not in (2, 3) or not np.issubdtype(image.dtype, np.floating):
            raise ValueError(f"DIP needs a float image (H, W) or (H, W, C), got dtype "
                             f"{image.dtype} and shape {image.shape}")
        height, width = image.shape[:2]
        channels = 1 if image.ndim == 2 else image.shape[2]
        device = self.device
        planes = np.moveaxis(image.reshape(height, width, channels), -1, 0)
        y = torch.as_tensor(np.ascontiguousarray(planes, dtype=np.float32), device=device)[None]
        apply = torch_operator(operator, (height, width), device=device)
        observed_mask = _observed_pixels(operator)
        if observed_mask is not None:
            known = torch.as_tensor(observed_mask, dtype=torch.float32, device=device)
            y = y * known
            n_observed = float(observed_mask.sum()) * channels
        else:
            n_observed = float(height * width * channels)
        if not (warm_start and self._fit is not None and self._fit.image_shape == image.shape):
            self._fit = self._new_fit(image.shape, channels,
                                      self.seed if seed is None else int(seed))
        state = self._fit
        top, left = state.crop
        threshold = None if self.discrepancy is None else self.discrepancy * sigma**2
        net, optimiser = state.network, state.optimiser
        net.train()
        with Progress(iterations, "DIP", enabled=self.progress) as bar:
            for step in range(iterations):
                perturbed = state.noise + self.input_noise_std * torch.randn(
                    state.noise.shape, generator=state.generator, device=device)
                optimiser.zero_grad(set_to_none=True)
                output = net(perturbed)[..., top:top + height, left:left + width]
                loss = F.mse_loss(apply(output), y, reduction="sum") / n_observed
                loss.backward()
                optimiser.step()
                with torch.no_grad():
                    current = output.detach()
                    if state.average is None:
                        state.average = current.clone()
                    else:
                        state.average.mul_(self.ema_decay).add_(current,
                                                                alpha=1 - self.ema_decay)
                    residual = float(((apply(state.average) - y) ** 2).sum()) / n_observed
                state.iterations += 1
                bar.update()
                if callback is not None:
                    callback(state.iterations, _to_image(state.average, image), residual)
                if (threshold is not None and state.iterations >= MIN_ITERATIONS
                        and residual <= threshold):
                    break
        state.history.append(step + 1)
        return _to_image(state.average, image)

    @property
    def iterations_run(self):
        """Adam steps of each call since the last fresh start (the early stop's effect)."""
        return [] if self._fit is None else list(self._fit.history)

    def _new_fit(self, image_shape, channels, seed):
        shape = self.network
        padded = (shape.padded_size(image_shape[0]), shape.padded_size(image_shape[1]))
        crop = ((padded[0] - image_shape[0]) // 2, (padded[1] - image_shape[1]) // 2)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            network = HourglassNet(shape, channels)
        network = network.to(self.device)
        generator = torch.Generator(device=self.device)
        generator.manual_seed(seed)
        noise = INPUT_SCALE * torch.rand((1, shape.input_channels, *padded), generator=generator,
                                         device=self.device)
        optimiser = torch.optim.Adam(network.parameters(), lr=self.learning_rate)
        return _Fit(tuple(image_shape), network, optimiser, generator, noise, crop)


def resolve_device(device):
    """``"cuda"`` when available and ``device`` is None, else the named device, checked."""
    if device is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES} or None (CUDA when available), "
                         f"got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but torch sees no CUDA GPU here; use "
                         "device 'cpu' (or leave it unset)")
    return device


def _observed_pixels(operator):
    """The boolean (H, W) mask of observed pixels when ``A`` ends in a mask, else None."""
    if isinstance(operator, Mask):
        return operator.known
    if isinstance(operator, Composite):
        return _observed_pixels(operator.outer)
    return None


def _to_image(tensor, like):
    """A ``(1, C, H, W)`` tensor as a numpy image shaped and typed like ``like``."""
    array = tensor[0].detach().to("cpu", torch.float32).numpy()
    array = np.moveaxis(array, 0, -1).reshape(like.shape)
    return array.astype(np.float32 if like.dtype == np.float32 else np.float64)
