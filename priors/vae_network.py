"""The patch VAE's torch network, its ELBO terms and its training loop
(:class:`priors.vae.VAEPrior` holds the prior; the math is in :mod:`priors.vae`).

On standardised zero-mean coordinates ``u`` (length ``m``): the encoder
``(u, s2) -> (m(u), l(u))`` gives ``q(z | u, s2) = N(m, diag e^l)``, the
decoder ``z -> (mu(z), v(z))``, ``v = floor + softplus(.)``. Training
maximises the ELBO

    E_q[log p(u | z)] - KL(q(z | u) || N(0, I)),
    KL = 1/2 sum_j (m_j^2 + e^{l_j} - 1 - l_j),

with ``z = m + e^{l/2} eps`` (the reparameterisation) and, for noisy inputs
``y = u + n``, the likelihood ``N(y; mu(z), v(z) + s2/s^2)``.
"""
from __future__ import annotations

import math
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

_LOG_2PI = math.log(2 * math.pi)


def _mlp(sizes, final_activation=False):
    """Linear layers of the given widths with SiLU between them (and after the last one
    with ``final_activation``)."""
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2 or final_activation:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


class PatchVAENet(nn.Module):
    """Encoder ``(u, s2) -> (m, l)`` and decoder ``z -> (mu, v)`` on standardised coordinates.

    ``hidden=()`` gives linear maps; the decoder's variance is then a free
    vector independent of ``z`` (probabilistic PCA with diagonal noise).
    ``floor``: per-coordinate lower bound of ``v`` (standardised units).
    """

    def __init__(self, dim, latent_dim, hidden, floor):
        super().__init__()
        self.dim, self.latent_dim, self.hidden = int(dim), int(latent_dim), tuple(hidden)
        self.encoder = _mlp([dim + 1, *hidden, 2 * latent_dim])
        if hidden:
            self.decoder = _mlp([latent_dim, *reversed(hidden), 2 * dim])
            self.log_var_const = None
        else:
            self.decoder = nn.Linear(latent_dim, dim)
            self.log_var_const = nn.Parameter(torch.zeros(dim))
        self.register_buffer("floor", torch.as_tensor(floor, dtype=torch.float32))

    @staticmethod
    def noise_feature(noise_var):
        """Encoder input for a noise variance (standardised units): ``log(1 + s2)``."""
        return torch.log1p(noise_var)

    def encode(self, u, noise_var):
        """``(m, l)``: mean and log variance of ``q(z | u, s2)``; ``noise_var`` is (n, 1)."""
        out = self.encoder(torch.cat([u, self.noise_feature(noise_var)], dim=1))
        mean, log_var = out.split(self.latent_dim, dim=1)
        return mean, log_var.clamp(-12.0, 6.0)

    def decode(self, z):
        """``(mu, v)``: decoder mean and (floored) variance."""
        if self.log_var_const is None:
            mean, raw = self.decoder(z).split(self.dim, dim=-1)
            return mean, self.floor + F.softplus(raw)
        mean = self.decoder(z)
        return mean, (self.floor + F.softplus(self.log_var_const)).expand_as(mean)


def build_network(dim, latent_dim, hidden, floor, rng, weights=None):
    """A :class:`PatchVAENet` in eval mode: initialised after seeding torch's global generator
    from ``rng``, then given ``weights`` (a state dict of numpy arrays) if any."""
    torch.manual_seed(int(np.random.default_rng(rng).integers(2**31)))
    net = PatchVAENet(dim, latent_dim, hidden, floor)
    if weights is not None:
        net.load_state_dict({name: torch.from_numpy(value) for name, value in weights.items()})
    return net.eval()


def gaussian_log_density(u, mean, var):
    """``sum_j log N(u_j; mean_j, var_j)`` over the last axis."""
    return -0.5 * (((u - mean) ** 2 / var) + torch.log(var) + _LOG_2PI).sum(dim=-1)


def kl_to_standard(mean, log_var):
    """``KL(N(m, diag e^l) || N(0, I))`` per row."""
    return 0.5 * (mean ** 2 + log_var.exp() - 1.0 - log_var).sum(dim=-1)


def train(prior, patches, *, epochs, batch_size, learning_rate, noisy_fraction, max_noise_std,
          kl_warmup, validation, rng, verbose):
    """Fit ``prior`` (a :class:`~priors.vae.VAEPrior`) to float32 ``(n, d)`` patches by Adam
    on the ELBO; the options are those of :meth:`priors.vae.VAEPrior.fit`. Sets the
    prior's network, ``scales_``, ``history_`` (held-out clean ELBO per epoch, nats per
    patch) and ``n_train_``."""
    rng = np.random.default_rng(rng)
    order = rng.permutation(patches.shape[0])
    held, kept = patches[order[:validation]], patches[order[validation:]]
    coords = kept @ prior.basis.astype(np.float32)
    prior.initialise(coords.std(axis=0).astype(np.float64) + 1e-4, rng)
    u_all = torch.from_numpy(coords / prior.scales_.astype(np.float32))
    generator = torch.Generator().manual_seed(int(rng.integers(2**31)))
    net = prior.net
    net.train()
    optimiser = torch.optim.Adam(net.parameters(), lr=learning_rate)
    n = u_all.shape[0]
    steps_per_epoch = max(1, n // batch_size)
    total = epochs * steps_per_epoch
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, total) / total)))
    inv_scale2 = torch.from_numpy((1.0 / prior.scales_ ** 2).astype(np.float32))
    log_lo, log_hi = math.log(0.5 / 255), math.log(max_noise_std)
    prior.history_ = []
    step = 0
    start = time.perf_counter()
    for epoch in range(epochs):
        perm = torch.randperm(n, generator=generator)
        running = 0.0
        for b in range(steps_per_epoch):
            u = u_all[perm[b * batch_size:(b + 1) * batch_size]]
            m = u.shape[0]
            noisy = torch.rand(m, 1, generator=generator) < noisy_fraction
            std = torch.exp(log_lo + (log_hi - log_lo) * torch.rand(m, 1, generator=generator))
            var_pix = torch.where(noisy, std ** 2, torch.zeros_like(std))
            var_std = var_pix * inv_scale2  # (m, dim) in standardised units
            y = u + var_std.sqrt() * torch.randn(u.shape, generator=generator)
            mean, log_var = net.encode(y, var_pix * inv_scale2.mean())
            z = mean + (0.5 * log_var).exp() * torch.randn(mean.shape, generator=generator)
            dec_mean, dec_var = net.decode(z)
            recon = gaussian_log_density(y, dec_mean, dec_var + var_std)
            kl = kl_to_standard(mean, log_var)
            weight = min(1.0, (step + 1) / max(1.0, kl_warmup * total))
            loss = -(recon - weight * kl).mean() / net.dim
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            step += 1
            running += float(loss.detach())
            if verbose and (b + 1) % 200 == 0:
                print(f"  step {b + 1}/{steps_per_epoch}: train loss {running / (b + 1):.4f} "
                      f"nats/coordinate, {time.perf_counter() - start:.0f} s",
                      file=sys.stderr, flush=True)
        net.eval()
        val = float(prior.elbo(held, n_samples=1, rng=epoch).mean()) if len(held) else float("nan")
        prior.history_.append(val)
        if verbose:
            print(f"epoch {epoch + 1:3d}/{epochs}: train loss {running / steps_per_epoch:.4f} "
                  f"nats/coordinate, held-out ELBO {val:.2f} nats/patch, "
                  f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
        net.train()
    net.eval()
    prior.n_train_ = int(n)
    return prior
