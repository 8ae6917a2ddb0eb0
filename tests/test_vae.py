"""The patch VAE prior: exact checks on a linear-Gaussian VAE, the gradient estimators,
sampling, denoising, persistence, the protocols it implements, and the prior from the
library and the command line."""
import inspect
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio

torch = pytest.importorskip("torch")

from priors.protocols import (Density, FastPath, PatchDenoiser, Reconstructor,  # noqa: E402
                              Sampler)
from priors.vae import REFINE_STEPS, VAEPrior, dct_ac_basis  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


def test_dct_basis_is_orthonormal_and_zero_mean():
    basis = dct_ac_basis(8)
    assert basis.shape == (64, 63)
    np.testing.assert_allclose(basis.T @ basis, np.eye(63), atol=1e-12)
    np.testing.assert_allclose(basis.sum(axis=0), 0, atol=1e-12)


# ----------------------------------------------------------------------------- linear-Gaussian VAE
def _linear_gaussian_vae():
    """``u = W z + b + e``, ``e ~ N(0, diag v)`` (probabilistic PCA with diagonal noise) and an
    encoder giving the exact posterior mean with the mean-field variances ``1/diag(M)``."""
    prior = VAEPrior(latent_dim=2, hidden=(), patch_size=3)
    scales = np.array([0.5, 0.3, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05])
    prior.initialise(scales, rng=0)
    m = scales.size
    rng = np.random.default_rng(1)
    w = rng.normal(size=(m, 2))
    w[:, 1] += 0.7 * w[:, 0]  # a correlated posterior: a real gap for the mean field
    b = rng.normal(scale=0.1, size=m)
    v = 0.05 + rng.uniform(0, 0.2, size=m)
    net = prior.net
    with torch.no_grad():
        net.decoder.weight.copy_(torch.tensor(w, dtype=torch.float32))
        net.decoder.bias.copy_(torch.tensor(b, dtype=torch.float32))
        # v = floor + softplus(c)  ->  c = log(exp(v - floor) - 1)
        c = np.log(np.expm1(v - net.floor.numpy()))
        net.log_var_const.copy_(torch.tensor(c, dtype=torch.float32))
        precision = np.eye(2) + w.T @ (w / v[:, None])
        gain = np.linalg.solve(precision, w.T / v)  # posterior mean = gain (u - b)
        weight = np.zeros((4, m + 1))
        weight[:2, :m] = gain
        net.encoder[0].weight.copy_(torch.tensor(weight, dtype=torch.float32))
        bias = np.concatenate([-gain @ b, np.log(1.0 / np.diag(precision))])
        net.encoder[0].bias.copy_(torch.tensor(bias, dtype=torch.float32))
    covariance = w @ w.T + np.diag(v)
    return prior, b, covariance, precision


def _exact_log_prob(prior, patches, b, covariance):
    u = patches @ prior.basis / prior.scales_
    diff = u - b
    _, logdet = np.linalg.slogdet(covariance)
    maha = np.einsum("ni,ij,nj->n", diff, np.linalg.inv(covariance), diff)
    return -0.5 * (maha + logdet + len(b) * np.log(2 * np.pi)) - np.log(prior.scales_).sum()


def test_linear_vae_elbo_below_and_importance_estimate_approaches_exact_likelihood():
    prior, b, covariance, precision = _linear_gaussian_vae()
    patches = prior.sample(200, rng=2).astype(np.float64) + 0.3  # the DC is ignored
    exact = _exact_log_prob(prior, patches, b, covariance)
    # Mean-field gap KL(q || p(z|x)), the same for every patch here.
    q_var = 1.0 / np.diag(precision)
    gap = 0.5 * (np.sum(np.diag(precision) * q_var) - 2 - np.log(q_var).sum()
                 - np.linalg.slogdet(precision)[1])
    assert gap > 0.05
    elbo = prior.elbo(patches, n_samples=4000, rng=3)
    assert np.mean(elbo) == pytest.approx(np.mean(exact) - gap, abs=0.02)
    assert np.all(elbo < exact)
    errors = [np.mean(exact - prior.log_prob(patches, n_samples=k, rng=4)) for k in (1, 4, 32, 512)]
    assert errors[0] == pytest.approx(gap, abs=0.1)
    assert errors[0] > errors[1] > errors[2] > errors[3] > -0.01, errors
    assert errors[3] < 0.15 * gap, errors


def test_samples_of_the_linear_vae_have_its_mean_and_covariance():
    """``z ~ N(0, I)``, ``u = mu(z) + sqrt(v) eps``: ``u ~ N(b, W W^T + diag v)``."""
    prior, b, covariance, _ = _linear_gaussian_vae()
    samples = prior.sample(40000, rng=0)
    assert samples.shape == (40000, 9) and samples.dtype == np.float32
    np.testing.assert_allclose(samples.sum(axis=1), 0, atol=1e-5)  # zero-mean patches
    u = samples.astype(np.float64) @ prior.basis / prior.scales_
    scale = np.abs(covariance).max()
    np.testing.assert_allclose(u.mean(axis=0), b, atol=0.02 * np.sqrt(scale))
    np.testing.assert_allclose(np.cov(u.T), covariance, atol=0.03 * scale)
    assert np.all(np.isfinite(prior.log_prob(samples[:200], rng=0)))
    np.testing.assert_array_equal(prior.sample(7, rng=5), prior.sample(7, rng=5))
    with pytest.raises(ValueError, match="n must be >= 0"):
        prior.sample(-1)


def test_is_a_patch_denoiser_density_and_sampler():
    prior, _, _, _ = _linear_gaussian_vae()
    for protocol in (PatchDenoiser, Density, Sampler):
        assert isinstance(prior, protocol), protocol.__name__
    assert not isinstance(prior, (Reconstructor, FastPath))


# ----------------------------------------------------------------------------- gradient estimators
def test_reparameterised_and_score_function_gradients_agree_and_reparam_has_lower_variance():
    prior = VAEPrior(latent_dim=2, hidden=(8,), patch_size=2)
    prior.initialise(np.ones(3), rng=0)
    net = prior.net
    u = torch.tensor([[0.5, -1.0, 0.3]])
    mean = torch.tensor([0.2, -0.4])
    log_var = torch.tensor([-0.5, 0.3])
    std = (0.5 * log_var).exp()
    gen = torch.Generator().manual_seed(0)
    n = 20000
    eps = torch.randn((n, 2), generator=gen)

    def reconstruction(z):
        dec_mean, dec_var = net.decode(z)
        return -0.5 * (((u - dec_mean) ** 2 / dec_var) + dec_var.log()).sum(-1)

    # Reparameterised: d/dmean f(mean + std eps), per sample (a copy of mean per row).
    means = mean.repeat(n, 1).requires_grad_(True)
    reconstruction(means + std * eps).sum().backward()
    reparam = means.grad.detach()
    # Score function: f(z) d/dmean log q(z) = f(z) (z - mean) / std^2.
    with torch.no_grad():
        z = mean + std * eps
        score = reconstruction(z)[:, None] * (z - mean) / std ** 2
    for a, b in ((reparam, score),):
        difference = a.mean(0) - b.mean(0)
        standard_error = (a.var(0) / n + b.var(0) / n).sqrt()
        assert torch.all(difference.abs() < 4 * standard_error), (difference, standard_error)
    assert torch.all(reparam.var(0) < score.var(0) / 5), (reparam.var(0), score.var(0))


# ----------------------------------------------------------------------------- training and use
@pytest.fixture(scope="module")
def tiny_trained():
    """A small VAE fitted for a few seconds on patches of the example image."""
    from priors.training import load_grey, sample_patches

    image = load_grey(EXAMPLES / "cameraman.png")
    patches = sample_patches([image], 12000, 8, rng=0)
    prior = VAEPrior(latent_dim=4, hidden=(32,), patch_size=8)
    prior.fit(patches, epochs=3, batch_size=256, validation=1000, rng=0)
    return prior, image, patches


def test_training_raises_the_elbo_and_is_reproducible(tiny_trained):
    prior, _, patches = tiny_trained
    assert len(prior.history_) == 3 and prior.history_[-1] > prior.history_[0]
    again = VAEPrior(latent_dim=4, hidden=(32,), patch_size=8)
    again.fit(patches[:3000], epochs=1, batch_size=256, validation=500, rng=5)
    twice = VAEPrior(latent_dim=4, hidden=(32,), patch_size=8)
    twice.fit(patches[:3000], epochs=1, batch_size=256, validation=500, rng=5)
    np.testing.assert_array_equal(again.sample(5, rng=1), twice.sample(5, rng=1))


def test_methods_shapes_and_properties(tiny_trained):
    prior, _, patches = tiny_trained
    some = patches[:300]
    log_prob = prior.log_prob(some, rng=0)
    elbo = prior.elbo(some, rng=0)
    assert log_prob.shape == elbo.shape == (300,) and np.all(np.isfinite(log_prob))
    assert np.mean(log_prob) > np.mean(elbo)
    np.testing.assert_allclose(prior.log_prob(some + 0.2, rng=0), log_prob, atol=1e-3)  # DC-free
    kl = prior.anomaly_score(some)
    assert kl.shape == (300,) and np.all(kl >= 0)
    np.testing.assert_allclose(prior.anomaly_score(some[:10], kind="nll"),
                               -prior.log_prob(some[:10], rng=0))
    # White noise is a worse patch than the natural ones, by both scores.
    noise = np.random.default_rng(0).normal(0, 0.1, size=(300, 64))
    assert np.median(prior.anomaly_score(noise)) > np.median(kl)
    assert np.median(prior.log_prob(noise, rng=0)) < np.median(log_prob)
    samples = prior.sample(50, rng=0)
    assert samples.shape == (50, 64) and samples.dtype == np.float32
    np.testing.assert_allclose(samples.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_array_equal(samples, prior.sample(50, rng=0))


def test_denoise_keeps_the_dc_and_reduces_the_error(tiny_trained):
    prior, _, patches = tiny_trained
    clean = patches[:2000]
    noisy = (clean + np.random.default_rng(0).normal(0, 0.1, clean.shape)).astype(np.float32)
    for settings in (dict(), dict(denoise_samples=8), dict(refine_steps=0)):
        for key, value in settings.items():
            setattr(prior, key, value)
        out = prior.denoise(noisy, 0.01)
        prior.denoise_samples, prior.refine_steps = 1, REFINE_STEPS
        assert out.dtype == np.float32 and out.shape == noisy.shape
        np.testing.assert_allclose(out.mean(axis=1), noisy.mean(axis=1), atol=1e-5)
        assert np.mean((out - clean) ** 2) < 0.5 * np.mean((noisy - clean) ** 2), settings
    np.testing.assert_allclose(prior.denoise(clean[:20], 0.0), clean[:20], atol=1e-5)


def test_the_z_step_climbs_to_a_better_latent_than_the_encoder(tiny_trained):
    """The refined z* scores higher than the encoder's mean on the objective it maximises,
    log N(z; 0, I) + log N(y; mu(z), v(z) + s2), and it restores the patches better."""
    prior, _, patches = tiny_trained
    clean = patches[:2000]
    noisy = (clean + np.random.default_rng(1).normal(0, 0.1, clean.shape)).astype(np.float32)
    u, _ = prior._standardise(noisy)
    noise = torch.from_numpy((0.01 / prior.scales_ ** 2).astype(np.float32))
    with torch.no_grad():
        start, _ = prior.net.encode(u, prior._noise_input(len(u), 0.01))

    def objective(z):
        with torch.no_grad():
            return prior._latent_score(u, noise, z)[0].numpy()

    refined = prior._refine(u, noise, start)
    gain = objective(refined) - objective(start)
    assert np.mean(gain) > 0 and np.mean(gain > 0) > 0.9, np.percentile(gain, [5, 50, 95])
    errors = []
    for steps in (0, REFINE_STEPS):
        prior.refine_steps = steps
        errors.append(np.mean((prior.denoise(noisy, 0.01) - clean) ** 2))
    prior.refine_steps = REFINE_STEPS
    assert errors[1] < errors[0], errors


def test_denoising_uses_the_lambda_the_vae_was_tuned_with(tiny_trained, monkeypatch):
    import restore.recipes.base
    from restore import denoise
    from restore.recipes import DENOISE
    from restore.recipes.settings import DENOISE_SCHEDULE, ORIGINAL_DENOISE_SCHEDULE

    prior, image, _ = tiny_trained
    assert DENOISE.schedule_for(prior).lambda_factor == 64.0
    assert DENOISE.schedule_for(prior).beta_factors == ORIGINAL_DENOISE_SCHEDULE.beta_factors
    assert DENOISE.schedule_for(object()) is DENOISE_SCHEDULE  # a prior without its own
    used = []
    real = restore.recipes.base.epll

    def spy(*args, **kwargs):
        used.append(inspect.signature(real).bind(*args, **kwargs).arguments["schedule"])
        return real(*args, **kwargs)

    monkeypatch.setattr(restore.recipes.base, "epll", spy)
    denoise(image[:32, :32], 0.05, prior=prior, rng=0)
    assert [schedule.lambda_factor for schedule in used] == [64.0]


def test_bad_inputs_are_clear_errors(tiny_trained):
    prior, _, _ = tiny_trained
    with pytest.raises(ValueError, match=r"shape \(n, 64\)"):
        prior.denoise(np.zeros((3, 63)), 0.01)
    with pytest.raises(ValueError, match="noise_var"):
        prior.denoise(np.zeros((3, 64)), -1.0)
    with pytest.raises(ValueError, match="n_samples"):
        prior.log_prob(np.zeros((3, 64)), n_samples=0)
    with pytest.raises(ValueError, match="kind"):
        prior.anomaly_score(np.zeros((3, 64)), kind="bits")
    with pytest.raises(RuntimeError, match="not fitted"):
        VAEPrior().log_prob(np.zeros((3, 64)))


def test_save_and_load_round_trip(tiny_trained, tmp_path):
    prior, _, patches = tiny_trained
    prior.save(tmp_path / "vae.npz")
    loaded = VAEPrior.load(tmp_path / "vae.npz")
    np.testing.assert_array_equal(loaded.denoise(patches[:50], 0.01), prior.denoise(patches[:50], 0.01))
    np.testing.assert_allclose(loaded.log_prob(patches[:50], rng=0), prior.log_prob(patches[:50], rng=0))
    np.savez(tmp_path / "other.npz", kind="gmm", format_version=1)
    with pytest.raises(ValueError, match="not a VAE prior"):
        VAEPrior.load(tmp_path / "other.npz")


def test_epll_with_the_tiny_vae_beats_the_noisy_image(tiny_trained):
    from restore import denoise

    prior, image, _ = tiny_trained
    clean = image[60:108, 90:138]
    noisy = (clean + np.random.default_rng(0).normal(0, 25 / 255, clean.shape)).astype(np.float32)
    out = denoise(noisy, 25 / 255, prior=prior, rng=0)
    assert peak_signal_noise_ratio(clean, out, data_range=1) > peak_signal_noise_ratio(
        clean, noisy, data_range=1) + 3


# ----------------------------------------------------------------------------- shipped prior
def test_shipped_prior_from_the_library_and_the_command_line(tmp_path, capsys):
    from priors.registry import available_priors, get_prior
    from restore import denoise
    from restore.cli import main

    assert "vae" in available_priors() and isinstance(get_prior("vae"), VAEPrior)
    box = (60, 100, 104, 140)
    for name in ("cameraman.png", "cameraman_noisy25.png"):
        Image.open(EXAMPLES / name).crop(box).save(tmp_path / name)
    status = main([str(tmp_path / "cameraman_noisy25.png"), "-o", str(tmp_path / "out.png"),
                   "--sigma", "25", "--prior", "vae", "--reference",
                   str(tmp_path / "cameraman.png")])
    out, err = capsys.readouterr()
    assert status == 0, err
    psnr = [float(value) for value in re.findall(r"PSNR (\d+\.\d+) dB", out)]
    assert psnr[1] > psnr[0] + 3, out
    noisy = np.asarray(Image.open(tmp_path / "cameraman_noisy25.png"), dtype=np.float32) / 255
    assert denoise(noisy, 25 / 255, prior="vae", rng=0).shape == noisy.shape


def test_the_shipped_prior_loads_without_torch_and_builds_its_network_when_used(tmp_path):
    """Loading reads the weights with numpy (``import torch`` alone takes over a second);
    the first use builds the network from exactly those weights."""
    code = ("import sys, numpy as np; from priors.registry import get_prior; "
            "prior = get_prior('vae'); print('torch' in sys.modules); "
            "out = prior.denoise(np.full((3, 64), 0.5, np.float32), 0.01); "
            "print('torch' in sys.modules, out.shape == (3, 64))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=EXAMPLES.parents[1])
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "True", "True"]
    from priors.registry import pretrained_path

    path = pretrained_path("vae")
    prior = VAEPrior.load(path)
    assert prior._net is None  # not built yet
    prior.save(tmp_path / "again.npz")  # builds it
    with np.load(path) as shipped, np.load(tmp_path / "again.npz") as saved:
        params = [name for name in shipped.files if name.startswith("param:")]
        assert params and sorted(params) == sorted(n for n in saved.files if n.startswith("param:"))
        for name in [*params, "scales", "history", "hidden"]:
            np.testing.assert_array_equal(saved[name], shipped[name])


def test_train_vae_from_the_command_line(tmp_path, capsys):
    from restore.cli import main

    folder = tmp_path / "train"
    folder.mkdir()
    Image.open(EXAMPLES / "cameraman.png").save(folder / "a.png")
    output = tmp_path / "vae.npz"
    status = main(["train", "vae", "--data", str(folder), "-o", str(output), "--patches",
                   "6000", "--epochs", "1", "--latent", "2", "--hidden", "16", "--quiet"])
    _, err = capsys.readouterr()
    assert status == 0, err
    loaded = VAEPrior.load(output)
    assert loaded.latent_dim == 2 and loaded.hidden == (16,)
    assert main(["train", "vae", "--data", str(folder), "-o", str(tmp_path / "x.npz"),
                 "--init", str(output)]) == 2
