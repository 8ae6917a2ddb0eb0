"""Variational-autoencoder prior over the zero-mean part of image patches.

What the density is of
----------------------
As for :mod:`priors.gmm`, a patch ``x`` (length ``d = p**2``) splits into its
mean (DC) and its zero-mean part. The zero-mean part is written in the
orthonormal 2-D DCT basis without its constant atom, ``c = B^T x`` (``B`` is
``d x m``, ``m = d - 1``); any two orthonormal bases of that subspace give the
same Lebesgue density, so :meth:`VAEPrior.log_prob` is comparable with the
GMM's. Internally each coordinate is divided by its training standard
deviation ``s_j``, ``u = c / s``; the Jacobian ``-sum_j log s_j`` is added back.

The model (an infinite mixture of diagonal Gaussians)::

    z ~ N(0, I_L),        u | z ~ N(mu(z), diag v(z)),   v(z) = floor + softplus(.)

with MLP decoder ``(mu, v)``, trained by maximising the ELBO

    E_q[log p(u | z)] - KL(q(z | u) || N(0, I)),   q(z | u) = N(m(u), diag e^{l(u)}),

with the reparameterisation ``z = m + e^{l/2} eps`` and the analytic KL. The
encoder also takes the noise variance ``s2`` of its input: trained on clean
patches (``s2 = 0``) and on noisy ones, for which the likelihood is
``N(y; mu(z), v(z) + s2/s^2)`` (the exact model of ``y = x + n``), so that
``q(z | y, s2)`` approximates the posterior of a noisy patch (the z-step's
starting point) while ``q(z | u, 0)`` is the usual VAE encoder.

Denoising (the EPLL z-step) at noise variance ``s2``, the analogue of the
GMM's "best component, then its Wiener filter": find the MAP latent

    z* = argmax_z  log N(z; 0, I) + log N(y; mu(z), v(z) + s2),

the latent that best explains the noisy patch (Adam from the encoder's mean
of ``q(z | y, s2)``, ``refine_steps`` steps; the encoder alone is far from
it), then apply the per-coordinate Wiener filter ``mu + v / (v + s2) (y - mu)``
at ``z*`` in the DCT domain. With ``denoise_samples > 1`` the filter is
instead averaged over ``z`` drawn around ``z*`` with the encoder's spread,
self-normalised importance weights ``p(z) N(y; mu, v + s2) / q(z)``: an
estimate of the posterior mean ``E[x | y]`` (no better on training crops).
The DC passes through unchanged, as in the GMM.
Loading a file needs no torch (~1.5 s to import): :attr:`VAEPrior.net` is built when first used.
"""
from __future__ import annotations

import math

import numpy as np

from priors.files import open_prior_file
from priors.registered import Registered

FORMAT_VERSION = 1
#: Added to the decoder's variance on the [0, 1] pixel scale (as the GMM's reg_covar).
VARIANCE_FLOOR = 1e-6
#: The z-step's MAP search: Adam steps and rate. docs/tuning.md#vae-zstep
#: (benchmarks/results/vae_zstep_choice.json)
REFINE_STEPS = 20
REFINE_RATE = 0.5


def dct_ac_basis(p):
    """Orthonormal 2-D DCT-II atoms without the constant one, ``(p*p, p*p - 1)``,
    ordered by frequency ``i + j`` (the zig-zag diagonals)."""
    k = np.arange(p)
    c = np.sqrt(2.0 / p) * np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * p))
    c[0] /= np.sqrt(2.0)
    atoms = np.einsum("ia,jb->ijab", c, c).reshape(p * p, p * p)  # row (i, j) = atom
    order = sorted(((i, j) for i in range(p) for j in range(p) if i + j > 0),
                   key=lambda ij: (ij[0] + ij[1], ij[0]))
    return np.stack([atoms[i * p + j] for i, j in order], axis=1)


def _check_patches(patches, d):
    array = np.asarray(patches)
    if array.ndim != 2 or array.shape[1] != d:
        raise ValueError(f"patches must have shape (n, {d}), got {array.shape}; "
                         "each row is one flattened patch")
    if not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"patches must be numeric, got dtype {array.dtype}")
    return array


class VAEPrior(Registered):
    """Patch VAE: ``z ~ N(0, I)``, zero-mean patch ``| z ~ N(mu(z), diag v(z))``.

    Parameters
    ----------
    latent_dim : int
        Dimension ``L`` of ``z``.
    hidden : tuple of int
        Hidden widths of the encoder (the decoder mirrors them); ``()`` makes
        both linear (probabilistic PCA).
    patch_size : int
    log_prob_samples : int
        ``K``, importance samples of :meth:`log_prob`.
    denoise_samples : int
        Importance samples of :meth:`denoise` (1: encoder mean, no sampling).
    refine_steps, refine_rate : int, float
        Adam steps (and their learning rate) on ``log p(z) + log p(y | z)``
        from the encoder's mean in :meth:`denoise` (0: the encoder's mean).
    chunk_size : int
        Patches per torch call (bounds memory).
    """

    def __init__(self, latent_dim=16, hidden=(128, 128), patch_size=8, *, log_prob_samples=64,
                 denoise_samples=1, refine_steps=REFINE_STEPS, refine_rate=REFINE_RATE,
                 chunk_size=16384):
        if int(patch_size) < 2:
            raise ValueError(f"patch_size must be >= 2, got {patch_size}")
        if int(latent_dim) < 1:
            raise ValueError(f"latent_dim must be >= 1, got {latent_dim}")
        self.patch_size = int(patch_size)
        self.latent_dim = int(latent_dim)
        self.hidden = tuple(int(h) for h in hidden)
        self.log_prob_samples = int(log_prob_samples)
        self.denoise_samples = int(denoise_samples)
        self.refine_steps = int(refine_steps)
        self.refine_rate = float(refine_rate)
        self.chunk_size = int(chunk_size)
        self.basis = dct_ac_basis(self.patch_size)
        self.net = None

    @property
    def dim(self):
        """Patch length ``d``."""
        return self.patch_size ** 2

    # ------------------------------------------------------------------ set-up
    def initialise(self, scales, rng=0):
        """Fresh network for coordinate standard deviations ``scales`` (length ``d - 1``)."""
        self._set_scales(scales)
        self.net = self._build(rng)
        return self

    def _set_scales(self, scales):
        scales = np.asarray(scales, dtype=np.float64)
        if scales.shape != (self.dim - 1,) or not np.all(scales > 0):
            raise ValueError(f"scales must be {self.dim - 1} positive numbers, got shape "
                             f"{scales.shape}")
        self.scales_ = scales

    def _build(self, rng, weights=None):
        from priors.vae_network import build_network
        return build_network(self.dim - 1, self.latent_dim, self.hidden,
                             VARIANCE_FLOOR / self.scales_ ** 2, rng, weights)

    @property
    def net(self):
        """The torch network; a loaded prior builds it from its numpy weights on first use."""
        if self._net is None and self._weights is not None:
            self._net, self._weights = self._build(0, self._weights), None
        return self._net

    @net.setter
    def net(self, value):
        self._net, self._weights = value, None

    def _require_fitted(self):
        if self._net is None and self._weights is None:
            raise RuntimeError("this VAEPrior is not fitted; call fit() or VAEPrior.load(path)")

    def _standardise(self, patches):
        """``(u, dc)``: standardised DCT coordinates (float32 tensor) and the patch means."""
        import torch
        patches = np.asarray(patches, dtype=np.float64 if patches.dtype == np.float64 else np.float32)
        coords = patches @ (self.basis / self.scales_).astype(patches.dtype)
        return torch.from_numpy(np.ascontiguousarray(coords, dtype=np.float32)), patches.mean(axis=1)

    def _to_pixels(self, u, dc, dtype):
        synth = (self.basis * self.scales_).T.astype(np.float32)
        return (u.numpy() @ synth + dc[:, None]).astype(dtype, copy=False)

    @property
    def log_jacobian(self):
        """``-sum_j log s_j``: from densities of ``u`` to densities of ``c``."""
        return -float(np.log(self.scales_).sum())

    # ------------------------------------------------------------------ training
    def fit(self, patches, *, epochs=10, batch_size=1024, learning_rate=2e-3, noisy_fraction=0.5,
            max_noise_std=0.25, kl_warmup=0.05, validation=4096, rng=0, verbose=False):
        """Maximise the ELBO by Adam with the reparameterisation trick.

        A fraction ``noisy_fraction`` of each batch gets white noise of a
        standard deviation drawn log-uniformly in ``[0.5/255, max_noise_std]``
        (pixel scale); its ELBO uses ``N(y; mu, v + s2)`` (see the module
        notes). The KL weight rises linearly from 0 to 1 over the first
        ``kl_warmup`` of the steps, then the objective is the ELBO itself.
        The learning rate follows a cosine from ``learning_rate`` to 0.
        ``validation`` patches are held out to report the clean ELBO.
        """
        from priors.vae_network import train
        train(self, _check_patches(patches, self.dim).astype(np.float32), epochs=epochs,
              batch_size=batch_size, learning_rate=learning_rate, noisy_fraction=noisy_fraction,
              max_noise_std=max_noise_std, kl_warmup=kl_warmup, validation=validation, rng=rng,
              verbose=verbose)
        return self

    # ------------------------------------------------------------------ density
    def _chunks(self, patches):
        for start in range(0, patches.shape[0], self.chunk_size):
            yield start, patches[start:start + self.chunk_size]

    def _noise_input(self, n, noise_var):
        """Encoder noise input (standardised units, averaged over coordinates), (n, 1)."""
        import torch
        value = float(noise_var) * float(np.mean(1.0 / self.scales_ ** 2))
        return torch.full((n, 1), value)

    def elbo(self, patches, *, n_samples=16, rng=None):
        """ELBO of each patch's zero-mean part (nats, same measure as :meth:`log_prob`):
        ``E_q[log p(c | z)] - KL(q || p(z))``, the expectation by ``n_samples`` draws
        (an unbiased estimate of the bound), the KL analytic."""
        import torch
        from priors.vae_network import gaussian_log_density, kl_to_standard
        self._require_fitted()
        patches = _check_patches(patches, self.dim)
        generator = torch.Generator().manual_seed(int(np.random.default_rng(rng).integers(2**31)))
        out = np.empty(patches.shape[0])
        with torch.no_grad():
            for start, block in self._chunks(patches):
                u, _ = self._standardise(block)
                mean, log_var = self.net.encode(u, self._noise_input(len(u), 0.0))
                eps = torch.randn((n_samples, *mean.shape), generator=generator)
                dec_mean, dec_var = self.net.decode(mean + (0.5 * log_var).exp() * eps)
                recon = gaussian_log_density(u, dec_mean, dec_var).double().mean(dim=0)
                out[start:start + len(u)] = (recon - kl_to_standard(mean, log_var).double()).numpy()
        return out + self.log_jacobian

    def log_prob(self, patches, *, n_samples=None, rng=None):
        """Importance-weighted estimate of ``log p(c)`` for each patch's zero-mean part.

        ``log (1/K) sum_k p(c | z_k) p(z_k) / q(z_k | c)``, ``z_k ~ q(z | c)``,
        with ``K = n_samples`` (default ``log_prob_samples``, 64). By Jensen
        its expectation is a lower bound of ``log p(c)`` that rises with K
        to the exact value (K = 1: the ELBO). Nats, Lebesgue measure on the
        ``d - 1`` orthonormal zero-mean coordinates, as the GMM's.
        """
        import torch
        from priors.vae_network import gaussian_log_density
        self._require_fitted()
        patches = _check_patches(patches, self.dim)
        k = self.log_prob_samples if n_samples is None else int(n_samples)
        if k < 1:
            raise ValueError(f"n_samples must be >= 1, got {n_samples}")
        generator = torch.Generator().manual_seed(int(np.random.default_rng(rng).integers(2**31)))
        out = np.empty(patches.shape[0])
        step = max(1, self.chunk_size // max(1, min(k, 64)))
        with torch.no_grad():
            for start in range(0, patches.shape[0], step):
                u, _ = self._standardise(patches[start:start + step])
                mean, log_var = self.net.encode(u, self._noise_input(len(u), 0.0))
                std = (0.5 * log_var).exp()
                total = None
                for first in range(0, k, 64):  # samples in groups, merged by logsumexp
                    eps = torch.randn((min(64, k - first), *mean.shape), generator=generator)
                    z = mean + std * eps
                    dec_mean, dec_var = self.net.decode(z)
                    log_w = (gaussian_log_density(u, dec_mean, dec_var).double()
                             - 0.5 * (z ** 2).sum(-1).double()
                             + 0.5 * (eps ** 2).sum(-1).double() + 0.5 * log_var.sum(-1).double())
                    group = torch.logsumexp(log_w, dim=0)
                    total = group if total is None else torch.logaddexp(total, group)
                out[start:start + len(u)] = (total - math.log(k)).numpy()
        return out + self.log_jacobian

    score_samples = log_prob

    def anomaly_score(self, patches, *, kind="kl"):
        """Outlier score of each patch: ``kind="kl"``: ``KL(q(z | c) || p(z))`` (nats, how
        much information the encoder must spend on the patch); ``kind="nll"``: ``-log_prob``."""
        import torch
        from priors.vae_network import kl_to_standard
        self._require_fitted()
        patches = _check_patches(patches, self.dim)
        if kind == "nll":
            return -self.log_prob(patches, rng=0)
        if kind != "kl":
            raise ValueError(f"kind must be 'kl' or 'nll', got {kind!r}")
        out = np.empty(patches.shape[0])
        with torch.no_grad():
            for start, block in self._chunks(patches):
                u, _ = self._standardise(block)
                mean, log_var = self.net.encode(u, self._noise_input(len(u), 0.0))
                out[start:start + len(u)] = kl_to_standard(mean, log_var).double().numpy()
        return out

    def sample(self, n, rng=None):
        """``n`` zero-mean patches drawn from the model, float32 ``(n, d)``.

        A sample of the density :meth:`log_prob` scores, the zero-mean part of
        a patch: ``z ~ N(0, I_L)``, ``u = mu(z) + sqrt(v(z)) * eps`` with
        ``eps ~ N(0, I)``, mapped to pixels as ``B (s * u)`` (every row sums
        to zero; add a DC to get a patch). ``rng``: a seed or a Generator; the
        same seed gives the same samples.
        """
        import torch
        self._require_fitted()
        if int(n) < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        rng = np.random.default_rng(rng)
        z = torch.from_numpy(rng.standard_normal((int(n), self.latent_dim)).astype(np.float32))
        eps = torch.from_numpy(rng.standard_normal((int(n), self.dim - 1)).astype(np.float32))
        with torch.no_grad():
            mean, var = self.net.decode(z)
            u = mean + var.sqrt() * eps
        return self._to_pixels(u, np.zeros(int(n)), np.float32)

    # ------------------------------------------------------------------ denoising
    def denoise(self, patches, noise_var, *, rng=0):
        """Estimate clean patches from patches with white noise of variance ``noise_var``.

        The estimate (see the module notes) is the Wiener filter
        ``mu(z) + v(z) / (v(z) + s2) (y - mu(z))`` in the DCT domain at the
        MAP latent ``z*`` (``refine_steps`` Adam steps from the encoder's
        mean; ``denoise_samples = 1``) or its importance-weighted average over
        ``denoise_samples`` latents around ``z*``; the DC is kept. float32 in,
        float32 out.
        """
        import torch
        self._require_fitted()
        patches = _check_patches(patches, self.dim)
        if not np.isfinite(noise_var) or noise_var < 0:
            raise ValueError(f"noise_var must be a finite number >= 0, got {noise_var!r}")
        dtype = patches.dtype if patches.dtype in (np.float32, np.float64) else np.float64
        noise = torch.from_numpy((float(noise_var) / self.scales_ ** 2).astype(np.float32))
        out = np.empty(patches.shape, dtype=dtype)
        generator = torch.Generator().manual_seed(int(np.random.default_rng(rng).integers(2**31)))
        for start, block in self._chunks(patches):
            u, dc = self._standardise(block)
            with torch.no_grad():
                mean, log_var = self.net.encode(u, self._noise_input(len(u), noise_var))
            z = self._refine(u, noise, mean) if self.refine_steps else mean
            if self.denoise_samples > 1:
                estimate = self._posterior_mean(u, noise, z, log_var, generator)
            else:
                with torch.no_grad():
                    dec_mean, dec_var = self.net.decode(z)
                    estimate = dec_mean + dec_var / (dec_var + noise) * (u - dec_mean)
            out[start:start + len(u)] = self._to_pixels(estimate, dc, dtype)
        return out

    def _latent_score(self, u, noise, z):
        """``(log N(z; 0, I) + log N(u; mu(z), v(z) + noise)`` up to a constant, ``mu``, ``v``)``:
        what the z-step's search maximises, per patch, and the decoder's output."""
        from priors.vae_network import gaussian_log_density
        dec_mean, dec_var = self.net.decode(z)
        score = gaussian_log_density(u, dec_mean, dec_var + noise) - 0.5 * (z ** 2).sum(-1)
        return score, dec_mean, dec_var

    def _refine(self, u, noise, z):
        """Adam ascent on :meth:`_latent_score` from ``z`` (per patch)."""
        import torch
        z = z.clone().requires_grad_(True)
        optimiser = torch.optim.Adam([z], lr=self.refine_rate)
        for _ in range(self.refine_steps):
            objective, _, _ = self._latent_score(u, noise, z)
            optimiser.zero_grad()
            (-objective.sum()).backward()
            optimiser.step()
        return z.detach()

    def _posterior_mean(self, u, noise, mean, log_var, generator):
        """Self-normalised importance estimate of ``E[c | y]``, proposal ``N(mean, e^log_var)``."""
        import torch
        with torch.no_grad():
            std = (0.5 * log_var).exp()
            eps = torch.randn((self.denoise_samples, *mean.shape), generator=generator)
            score, dec_mean, dec_var = self._latent_score(u, noise, mean + std * eps)
            log_w = score + 0.5 * (eps ** 2).sum(-1)  # minus log q up to the same constant
            weights = torch.softmax(log_w, dim=0).unsqueeze(-1)
            wiener = dec_mean + dec_var / (dec_var + noise) * (u - dec_mean)
            return (weights * wiener).sum(dim=0)

    # ------------------------------------------------------------------ persistence
    def save(self, path):
        """Write the model to one ``.npz`` (format version, architecture, scales, weights,
        held-out ELBO per epoch); the z-step settings are the class defaults, not stored."""
        self._require_fitted()
        state = {f"param:{k}": v.detach().numpy() for k, v in self.net.state_dict().items()}
        np.savez(path, format_version=FORMAT_VERSION, kind="vae", patch_size=self.patch_size,
                 latent_dim=self.latent_dim, hidden=np.asarray(self.hidden, dtype=np.int64),
                 scales=self.scales_, history=np.asarray(getattr(self, "history_", []), dtype=np.float64),
                 n_train=int(getattr(self, "n_train_", 0)), **state)

    @classmethod
    def load(cls, path):
        """Read a model written by :meth:`save` (with numpy; no network or torch until used)."""
        with open_prior_file(path, "vae", FORMAT_VERSION) as data:
            prior = cls(int(data["latent_dim"]), tuple(int(h) for h in data["hidden"]),
                        int(data["patch_size"]))
            prior._set_scales(data["scales"])
            prior._weights = {k.removeprefix("param:"): data[k] for k in data.files
                              if k.startswith("param:")}
            prior.history_ = list(data["history"])
            prior.n_train_ = int(data["n_train"])
        return prior
