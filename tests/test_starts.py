"""Starting points: the coarse-to-fine start of inpainting."""
import numpy as np

from restore.recipes.starts import coarse_to_fine_start, half_resolution


def test_half_resolution_averages_the_known_pixels_of_each_block():
    image = np.arange(30, dtype=np.float64).reshape(5, 6)  # odd height: last row dropped
    known = np.ones((5, 6), bool)
    known[0, 0] = known[0, 1] = known[1, 0] = False  # block (0, 0): only image[1, 1] known
    known[2:4, 2:4] = False  # block (1, 1): nothing known
    half, half_known = half_resolution(image, known)
    assert half.shape == half_known.shape == (2, 3)
    assert half[0, 0] == image[1, 1]
    assert not half_known[1, 1] and half_known.sum() == 5
    assert half[0, 1] == image[0:2, 2:4].mean()


def test_coarse_to_fine_start_keeps_known_pixels_and_fills_from_the_coarse_result():
    rng = np.random.default_rng(0)
    image = np.tile(np.linspace(0, 1, 21), (17, 1))  # a horizontal ramp
    known = rng.random(image.shape) > 0.8
    seen = {}

    def restore_half(half, half_known):
        seen["shape"] = half.shape
        return np.tile(np.linspace(0, 1, half.shape[1]), (half.shape[0], 1))  # the ramp, restored

    start = coarse_to_fine_start(np.where(known, image, 0.0), known, restore_half)
    assert seen["shape"] == (8, 10)
    assert start.shape == image.shape
    np.testing.assert_array_equal(start[known], image[known])
    assert np.abs(start - image)[~known].mean() < 0.06  # missing pixels follow the ramp
