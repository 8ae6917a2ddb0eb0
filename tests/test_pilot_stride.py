"""The pilot-stride tuning's recipe variant (benchmarks/tuning/pilot_stride.py)."""
from benchmarks.tuning.pilot_stride import with_pilot_fast
from restore.recipes import DENOISE


def test_every_band_takes_the_stride_and_the_shipped_recipe_is_untouched():
    shipped = [band.fast.stride for band in DENOISE.noise_bands]
    variant = with_pilot_fast(DENOISE, stride=5)
    assert [band.fast.stride for band in variant.noise_bands] == [5] * len(shipped)
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
