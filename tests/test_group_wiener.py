"""The oracle stage: block matching and the empirical Wiener filter of its groups."""
import dataclasses

import numpy as np
import pytest

from restore.solvers.group_wiener import (GroupWiener, filter_groups, group_wiener, match_groups,
                                          reference_corners)


def _ssd(image, p, r0, c0, r, c):
    return float(np.sum((image[r0:r0 + p, c0:c0 + p] - image[r:r + p, c:c + p]) ** 2))


def test_groups_are_the_nearest_patches_in_the_window():
    rng = np.random.default_rng(0)
    image = rng.random((30, 27)).astype(np.float32)
    settings = GroupWiener(patch_size=5, stride=3, radius=4, group_size=7)
    rows, cols = match_groups(image, settings)
    ref_rows, ref_cols = reference_corners(30, 5, 3), reference_corners(27, 5, 3)
    assert rows.shape == (len(ref_rows) * len(ref_cols), 7)
    for i, (r0, c0) in enumerate((r, c) for r in ref_rows for c in ref_cols):
        members = set(zip(rows[i], cols[i]))
        assert (r0, c0) in members and len(members) == 7
        window = [(r, c) for r in range(max(0, r0 - 4), min(25, r0 + 4) + 1)
                  for c in range(max(0, c0 - 4), min(22, c0 + 4) + 1)]
        distances = sorted(_ssd(image, 5, r0, c0, r, c) for r, c in window)
        chosen = sorted(_ssd(image, 5, r0, c0, r, c) for r, c in members)
        np.testing.assert_allclose(chosen, distances[:7], rtol=1e-4, atol=1e-5)


def test_reference_corners_reach_the_last_patch():
    np.testing.assert_array_equal(reference_corners(20, 8, 4), [0, 4, 8, 12])
    np.testing.assert_array_equal(reference_corners(21, 8, 4), [0, 4, 8, 12, 13])


def test_group_filter_is_the_wiener_filter_of_the_pilot_covariance():
    rng = np.random.default_rng(1)
    pilot = rng.standard_normal((3, 6, 4))
    noisy = pilot + 0.3 * rng.standard_normal((3, 6, 4))
    var = np.full((3, 6), 0.09)
    out = filter_groups(noisy, pilot, var)
    for g in range(3):
        mean = pilot[g].mean(0)
        cov = (pilot[g] - mean).T @ (pilot[g] - mean) / 6
        expected = mean + (noisy[g] - mean) @ np.linalg.solve(cov + 0.09 * np.eye(4), cov).T
        np.testing.assert_allclose(out[g], expected, atol=1e-10)


def test_one_variance_per_group_gives_the_same_filter():
    rng = np.random.default_rng(6)
    pilot = rng.standard_normal((4, 8, 12))
    noisy = pilot + 0.2 * rng.standard_normal(pilot.shape)
    var = np.array([[0.01], [0.04], [0.1], [1.0]])
    np.testing.assert_allclose(filter_groups(noisy, pilot, var),
                               filter_groups(noisy, pilot, np.repeat(var, 8, axis=1)), atol=1e-10)


def test_without_noise_a_pilot_equal_to_the_image_is_kept():
    rng = np.random.default_rng(2)
    image = rng.random((24, 24))
    np.testing.assert_allclose(group_wiener(image, image, 1e-8), image, atol=1e-5)  # SIGMA_MIN


def test_a_constant_noise_map_equals_the_scalar_variance():
    rng = np.random.default_rng(3)
    clean = np.tile(np.sin(np.arange(40) / 2), (40, 1))
    noisy = clean + 0.1 * rng.standard_normal(clean.shape)
    pilot = clean + 0.02 * rng.standard_normal(clean.shape)
    np.testing.assert_allclose(group_wiener(noisy, pilot, np.full(noisy.shape, 0.01)),
                               group_wiener(noisy, pilot, 0.01), atol=1e-6)


def test_refining_a_pilot_of_a_repeated_texture_lowers_its_error():
    rng = np.random.default_rng(4)
    clean = 0.5 + 0.3 * np.sin(np.add.outer(np.arange(64), 2 * np.arange(64)) / 3)
    noisy = clean + 0.1 * rng.standard_normal(clean.shape)
    pilot = clean + 0.04 * rng.standard_normal(clean.shape)  # a pilot with its own error
    refined = group_wiener(noisy, pilot, 0.01)
    assert np.mean((refined - clean) ** 2) < 0.5 * np.mean((pilot - clean) ** 2)


def test_images_smaller_than_a_patch_keep_the_pilot():
    pilot = np.full((5, 30), 0.3)
    np.testing.assert_array_equal(group_wiener(np.zeros((5, 30)), pilot, 0.01), pilot)


def test_small_windows_shrink_the_groups():
    image = np.random.default_rng(5).random((9, 9)).astype(np.float32)
    rows, _ = match_groups(image, GroupWiener(patch_size=8, group_size=32))
    assert rows.shape == (4, 4)  # 2 x 2 patches exist, each a reference


@pytest.mark.parametrize("name, value", [("patch_size", 0), ("stride", 0), ("group_size", 0),
                                         ("radius", -1), ("passes", 0)])
def test_settings_are_checked(name, value):
    with pytest.raises(ValueError, match=name):
        GroupWiener(**{name: value})


def test_a_noise_map_of_another_shape_is_refused():
    with pytest.raises(ValueError, match="does not match"):
        group_wiener(np.zeros((20, 20)), np.zeros((20, 20)), np.zeros((10, 20)))


def test_passes_refine_their_own_result_and_reach_as_far_again():
    rng = np.random.default_rng(8)
    clean = 0.5 + 0.3 * np.sin(np.add.outer(np.arange(40), np.arange(40)) / 3)
    noisy = clean + 0.1 * rng.standard_normal(clean.shape)
    pilot = clean + 0.04 * rng.standard_normal(clean.shape)
    once, twice = GroupWiener(), GroupWiener(passes=2)
    np.testing.assert_allclose(twice(noisy, pilot, 0.01),
                               once(noisy, once(noisy, pilot, 0.01), 0.01), atol=1e-7)
    assert twice.reach() == 2 * once.reach()


def test_a_chain_runs_its_stages_in_turn_and_reaches_their_sum():
    rng = np.random.default_rng(18)
    clean = 0.5 + 0.4 * np.sin(np.add.outer(np.arange(40), 2 * np.arange(40)) / 4)
    noisy = clean + 0.1 * rng.standard_normal(clean.shape)
    pilot = clean + 0.05 * rng.standard_normal(clean.shape)
    first, second = GroupWiener(patch_size=5, stride=3, radius=6, group_size=12), GroupWiener()
    chain = GroupWiener(patch_size=5, stride=3, radius=6, group_size=12, then=second)
    expected = second(noisy, first(noisy, pilot, 0.01), 0.01)
    np.testing.assert_array_equal(chain(noisy, pilot, 0.01), expected)
    assert chain.reach() == first.reach() + second.reach()
    assert not np.array_equal(expected, first(noisy, pilot, 0.01))


def test_without_rematching_the_later_passes_filter_the_first_groups():
    from restore.solvers.group_wiener import filter_pass

    rng = np.random.default_rng(19)
    clean = 0.5 + 0.3 * np.cos(np.add.outer(np.arange(36), np.arange(36)) / 3)
    noisy = clean + 0.1 * rng.standard_normal(clean.shape)
    pilot = clean + 0.05 * rng.standard_normal(clean.shape)
    settings = GroupWiener(patch_size=6, stride=3, radius=5, group_size=10)
    once, groups = filter_pass(noisy, pilot, 0.01, settings)
    again, _ = filter_pass(noisy, once, 0.01, settings, groups)
    reused = dataclasses.replace(settings, passes=2, rematch=False)
    np.testing.assert_array_equal(reused(noisy, pilot, 0.01), again)
    rematched = dataclasses.replace(settings, passes=2)(noisy, pilot, 0.01)
    assert not np.array_equal(rematched, again)  # the second pilot's groups differ
    assert reused.reach() == 2 * settings.reach()
    with pytest.raises(ValueError, match="then must be a GroupWiener"):
        GroupWiener(then=(settings,))


def test_identical_channels_are_filtered_as_one_with_half_the_noise():
    # joint patches [x, x]: Gram and projections double, so the filter is the plane's
    # under half the variance
    rng = np.random.default_rng(9)
    clean = 0.5 + 0.3 * np.sin(np.add.outer(np.arange(36), 2 * np.arange(36)) / 5)
    noisy = clean + 0.1 * rng.standard_normal(clean.shape)
    pilot = clean + 0.03 * rng.standard_normal(clean.shape)
    joint = group_wiener(np.dstack([noisy, noisy]), np.dstack([pilot, pilot]), 0.01)
    plane = group_wiener(noisy, pilot, 0.005)
    np.testing.assert_allclose(joint[..., 0], plane, atol=1e-5)
    np.testing.assert_allclose(joint[..., 1], plane, atol=1e-5)
    np.testing.assert_allclose(group_wiener(noisy[..., None], pilot[..., None], 0.01)[..., 0],
                               group_wiener(noisy, pilot, 0.01), atol=1e-7)


def test_channels_under_a_noise_map_are_refused():
    with pytest.raises(ValueError, match="one noise variance"):
        group_wiener(np.zeros((20, 20, 3)), np.zeros((20, 20, 3)), np.full((20, 20), 0.01))


def test_the_cholesky_ridge_solve_equals_lu_and_flags_what_it_cannot_factor():
    from restore.solvers._group_filter import ridge_solve

    rng = np.random.default_rng(10)
    centred = rng.standard_normal((5, 6, 9)).astype(np.float32)
    gram = centred @ centred.transpose(0, 2, 1)
    rhs = rng.standard_normal((5, 6, 6)).astype(np.float32)
    ridge = np.array([1e-3, 0.1, 1.0, 10.0, 0.0])
    gram[4] = 0.0  # singular, no ridge: no Cholesky factor
    transposed = np.empty((5, 6, 6))
    ok = ridge_solve(gram, rhs, ridge, transposed)
    np.testing.assert_array_equal(ok, [True, True, True, True, False])
    expected = np.linalg.solve(gram[:4] + ridge[:4, None, None] * np.eye(6), rhs[:4])
    np.testing.assert_allclose(transposed[:4], expected.transpose(0, 2, 1), rtol=1e-6, atol=1e-8)


def test_groups_are_gathered_centred_on_their_pilot_mean():
    from restore.solvers._group_filter import centred_groups

    rng = np.random.default_rng(12)
    height, width, channels, p = 9, 11, 3, 3
    noisy, pilot = rng.standard_normal((2, height, width, channels)).astype(np.float32)
    rows, cols = rng.integers(0, height - p + 1, (4, 5)), rng.integers(0, width - p + 1, (4, 5))
    centred, centred_noisy = np.empty((2, 4, 5, channels * p * p), dtype=np.float32)
    mean = np.empty((4, 1, channels * p * p), dtype=np.float32)
    centred_groups(noisy.reshape(height, -1), pilot.reshape(height, -1), rows, cols, p,
                   centred, centred_noisy, mean)
    windows = np.lib.stride_tricks.sliding_window_view
    pilot_groups = windows(pilot, (p, p), axis=(0, 1))[rows, cols].transpose(0, 1, 3, 4, 2)
    noisy_groups = windows(noisy, (p, p), axis=(0, 1))[rows, cols].transpose(0, 1, 3, 4, 2)
    expected_mean = pilot_groups.reshape(4, 5, -1).mean(axis=1, keepdims=True)
    np.testing.assert_allclose(mean, expected_mean, atol=1e-6)
    np.testing.assert_allclose(centred, pilot_groups.reshape(4, 5, -1) - expected_mean, atol=1e-6)
    np.testing.assert_allclose(centred_noisy, noisy_groups.reshape(4, 5, -1) - expected_mean,
                               atol=1e-6)


def test_patches_are_added_where_they_lie_channel_by_channel():
    from restore.solvers._group_filter import add_patches, average_estimates

    rng = np.random.default_rng(11)
    height, width, channels, p = 9, 11, 2, 3
    rows, cols = rng.integers(0, height - p + 1, (4, 5)), rng.integers(0, width - p + 1, (4, 5))
    estimates = rng.standard_normal((4, 5, channels * p * p))
    total, count = np.zeros((height, width, channels)), np.zeros((height, width))
    add_patches(total.reshape(height, -1), count, estimates, rows, cols, p)
    expected_total = np.zeros((height, width, channels))
    expected_count = np.zeros((height, width))
    for g in range(4):
        for k in range(5):
            r, c = rows[g, k], cols[g, k]
            expected_total[r:r + p, c:c + p] += estimates[g, k].reshape(p, p, channels)
            expected_count[r:r + p, c:c + p] += 1
    np.testing.assert_allclose(total, expected_total)
    np.testing.assert_array_equal(count, expected_count)
    assert (count == 0).any() and (count > 1).any()
    pilot = rng.standard_normal((height, width, channels))
    averaged = np.empty_like(pilot)
    average_estimates(total, count, pilot, averaged)
    covered = count > 0
    np.testing.assert_allclose(averaged[covered],
                               (total / np.maximum(count, 1)[..., None])[covered])
    np.testing.assert_array_equal(averaged[~covered], pilot[~covered])


def test_bands_two_apart_never_share_a_pixel():
    from restore.solvers.group_wiener import reference_bands

    settings = GroupWiener(patch_size=8, stride=4, radius=16, group_size=4)
    height, width = 301, 70
    ref_rows, ref_cols = reference_corners(height, 8, 4), reference_corners(width, 8, 4)
    bands = reference_bands(ref_rows, len(ref_cols), settings)
    assert bands[0][0] == 0 and bands[-1][1] == len(ref_rows) * len(ref_cols)
    assert all(a[1] == b[0] for a, b in zip(bands, bands[1:]))
    reach = []  # pixel rows each band's members may touch
    for start, stop in bands:
        refs = ref_rows[start // len(ref_cols):stop // len(ref_cols)]
        reach.append((max(0, refs.min() - 16), min(height, refs.max() + 16 + 8)))
    for (_, bottom), (top, _) in zip(reach, reach[2:]):
        assert bottom <= top


def test_the_stage_is_the_same_on_one_thread_and_on_two():
    import numba

    rng = np.random.default_rng(12)
    clean = np.clip(rng.random((120, 90)).cumsum(axis=1) / 45, 0, 1)
    noisy = clean + 0.1 * rng.standard_normal(clean.shape)
    settings = GroupWiener(radius=8, group_size=8)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = group_wiener(noisy, clean, 0.01, settings)
        numba.set_num_threads(max(2, before))
        two = group_wiener(noisy, clean, 0.01, settings)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, two)
