"""``restore --sigma-map``: the map read on the 0-255 scale and given to the library."""
import numpy as np
import pytest
from PIL import Image

from tests.test_cli import SHAPE, _assert_one_error_line, _run, calls, clean, noisy_file, rng  # noqa: F401


def test_a_float_npy_map_is_sigma_on_the_0_255_scale(tmp_path, capsys, noisy_file, calls):
    sigma = np.broadcast_to(np.linspace(5, 50, SHAPE[1]), SHAPE).astype(np.float32)
    np.save(tmp_path / "map.npy", sigma)
    status, _, err = _run(capsys, noisy_file, "-o", tmp_path / "out.png", "--sigma-map",
                          tmp_path / "map.npy")
    assert status == 0, err
    np.testing.assert_allclose(calls[0]["sigma"], sigma / 255, rtol=1e-6)
    assert "sigma 5.0 to 50.0" in err


def test_an_8_bit_map_holds_sigma_as_grey_levels(tmp_path, capsys, noisy_file, calls):
    Image.fromarray(np.full(SHAPE, 25, dtype=np.uint8)).save(tmp_path / "map.png")
    status, _, err = _run(capsys, noisy_file, "-o", tmp_path / "out.png", "--sigma-map",
                          tmp_path / "map.png")
    assert status == 0, err
    np.testing.assert_allclose(calls[0]["sigma"], 25 / 255)


@pytest.mark.parametrize("extra, fragment", [
    (["--sigma", "10"], "not both"),
    (["--task", "inpaint"], "--task denoise"),
    (["--noise", "poisson-gaussian"], "--task denoise"),
    (["--noise-kernel", "k.npy", "--sigma", "25"], "not both"),
])
def test_conflicting_options_are_usage_errors(tmp_path, capsys, noisy_file, calls, extra,
                                              fragment):
    np.save(tmp_path / "map.npy", np.full(SHAPE, 10.0))
    status, _, err = _run(capsys, noisy_file, "-o", tmp_path / "out.png", "--sigma-map",
                          tmp_path / "map.npy", *extra)
    assert status == 2 and not calls
    _assert_one_error_line(err, fragment)


@pytest.mark.parametrize("array, fragment", [
    (np.full((5, 5), 10.0), "same size"),
    (np.full(SHAPE + (3,), 10.0), "channels"),
])
def test_bad_maps_are_one_line_errors(tmp_path, capsys, noisy_file, calls, array, fragment):
    np.save(tmp_path / "map.npy", array)
    status, _, err = _run(capsys, noisy_file, "-o", tmp_path / "out.png", "--sigma-map",
                          tmp_path / "map.npy")
    assert status != 0 and not calls
    _assert_one_error_line(err, fragment)
    assert not (tmp_path / "out.png").exists()


def test_a_missing_map_file_is_a_one_line_error(tmp_path, capsys, noisy_file, calls):
    status, _, err = _run(capsys, noisy_file, "-o", tmp_path / "out.png", "--sigma-map",
                          tmp_path / "absent.npy")
    assert status != 0 and not calls
    _assert_one_error_line(err, "absent.npy")
