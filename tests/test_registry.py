"""The prior registry: names, pretrained files checked by sha256, prior objects passed through."""
import shutil

import numpy as np
import pytest

import priors.files
import priors.registry
from priors.files import sha256_of
from priors.protocols import PatchDenoiser
from priors.registry import PRETRAINED, available_priors, get_prior, pretrained_path


@pytest.fixture
def fresh_cache():
    """The registry's cache of loaded priors, empty before and after the test."""
    priors.registry._cached.cache_clear()
    yield
    priors.registry._cached.cache_clear()


@pytest.mark.parametrize("name", ["nope", "GMM", ""])
def test_unknown_names_give_one_line_listing_the_choices(name):
    with pytest.raises(ValueError) as error:
        get_prior(name)
    message = str(error.value)
    assert "\n" not in message and repr(name) in message
    for choice in available_priors():
        assert repr(choice) in message


def test_objects_that_are_no_prior_are_refused():
    with pytest.raises(ValueError, match="PatchDenoiser or a Reconstructor"):
        get_prior(object())


def test_any_patch_denoiser_passes_through_unchanged():
    class Shrink:
        patch_size = 4

        def denoise(self, patches, noise_var):
            return patches / (1 + noise_var)

    prior = Shrink()
    assert isinstance(prior, PatchDenoiser)
    assert get_prior(prior) is prior


def test_every_name_has_a_factory_and_pretrained_files_their_sha256():
    assert available_priors() == sorted(priors.registry.FACTORIES)
    assert set(PRETRAINED) <= set(available_priors())
    for name, (filename, sha256) in PRETRAINED.items():
        assert sha256_of(priors.files.PRETRAINED_DIR / filename) == sha256, name
        assert pretrained_path(name) == priors.files.PRETRAINED_DIR / filename


def test_pretrained_priors_are_loaded_once_and_dip_afresh(fresh_cache):
    assert get_prior("gmm-untied") is get_prior("gmm-untied")
    pytest.importorskip("torch")
    assert get_prior("dip") is not get_prior("dip")


def test_a_corrupt_pretrained_file_is_refused(tmp_path, monkeypatch, fresh_cache):
    filename, _ = PRETRAINED["gmm"]
    data = (priors.files.PRETRAINED_DIR / filename).read_bytes()
    (tmp_path / filename).write_bytes(data[:len(data) // 2])  # a truncated copy
    monkeypatch.setattr(priors.files, "PRETRAINED_DIR", tmp_path)
    with pytest.raises(ValueError, match="sha256") as error:
        get_prior("gmm")
    assert "\n" not in str(error.value) and "corrupt" in str(error.value)


def test_a_missing_pretrained_file_says_how_to_fix_it(tmp_path, monkeypatch, fresh_cache):
    monkeypatch.setattr(priors.files, "PRETRAINED_DIR", tmp_path)
    with pytest.raises(ValueError, match="missing.*reinstall"):
        get_prior("gmm-untied")


def test_an_intact_copy_elsewhere_loads(tmp_path, monkeypatch, fresh_cache):
    filename, _ = PRETRAINED["gmm-untied"]
    shutil.copy(priors.files.PRETRAINED_DIR / filename, tmp_path / filename)
    monkeypatch.setattr(priors.files, "PRETRAINED_DIR", tmp_path)
    prior = get_prior("gmm-untied")
    assert prior.patch_size == 8 and np.isfinite(prior.log_prob(np.zeros((1, 64)))).all()
