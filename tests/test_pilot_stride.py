"""The pilot tunings' recipe variants (benchmarks/tuning/pilot_stride.py, oracle_cost.py)."""
from benchmarks.tuning.pilot_stride import with_pilot_fast
from restore.recipes import DENOISE


def test_every_band_takes_the_stride_and_the_shipped_recipe_is_untouched():
    shipped = [band.fast.stride for band in DENOISE.noise_bands]
    assert 4 not in shipped  # a stride the shipped bands do not have
    variant = with_pilot_fast(DENOISE, stride=4)
    assert [band.fast.stride for band in variant.noise_bands] == [4] * len(shipped)
    for mine, band in zip(variant.noise_bands, DENOISE.noise_bands):
        assert mine.least == band.least and mine.schedule is band.schedule
        assert mine.oracle is band.oracle and mine.fast.cg_tolerance == band.fast.cg_tolerance
    assert [band.fast.stride for band in DENOISE.noise_bands] == shipped
    assert variant.fast == DENOISE.fast  # below the bands: unchanged


def test_the_shortlist_changes_alone():
    variant = with_pilot_fast(DENOISE, shortlist=2)
    assert [band.fast.shortlist for band in variant.noise_bands] == [2] * len(DENOISE.noise_bands)
    assert [band.fast.stride for band in variant.noise_bands] == [
        band.fast.stride for band in DENOISE.noise_bands]


def test_a_written_chain_is_parsed_into_group_wiener_stages():
    import pytest

    from benchmarks.tuning.oracle_cost import parse_variant
    from restore.solvers.group_wiener import GroupWiener

    assert parse_variant("9/6/16/32+reuse+8/5/16/32") == GroupWiener(
        patch_size=9, stride=6, radius=16, group_size=32, passes=2, rematch=False,
        then=GroupWiener(patch_size=8, stride=5, radius=16, group_size=32))
    assert parse_variant("8/4/16/32") == GroupWiener()
    with pytest.raises(ValueError, match="needs a pass before it"):
        parse_variant("reuse+8/4/16/32")


def test_band_pilots_drop_the_oracle_and_take_the_pilot_changes():
    from benchmarks.tuning.oracle_cost import band_pilots

    variant = band_pilots(DENOISE, (1.0, 16.0), 4)
    for mine, band in zip(variant.noise_bands, DENOISE.noise_bands):
        assert mine.oracle is None and mine.colour_oracle is None and mine.least == band.least
        assert mine.schedule.beta_factors == (1.0, 16.0) and mine.fast.stride == 4
        assert mine.schedule.lambda_factor == band.schedule.lambda_factor
    kept = band_pilots(DENOISE)
    assert [band.schedule for band in kept.noise_bands] == [
        band.schedule for band in DENOISE.noise_bands]
