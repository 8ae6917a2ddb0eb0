"""Golden regression: denoise, deblur and inpaint compute what they computed when
``tests/golden/outputs.npz`` was written (grey and colour, fast and exact, every prior).

Identical to the stored outputs up to 1e-6 (float32 reordering across
refactors; see the cases in ``tests/golden/cases.py``).
"""
import numpy as np
import pytest

from tests.golden.cases import OUTPUTS, cases

CASES = cases()
TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def golden():
    with np.load(OUTPUTS) as stored:
        return {name: stored[name] for name in stored.files}


def test_every_case_has_a_stored_output(golden):
    assert sorted(golden) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_matches_golden(name, golden):
    if "dip" in name or "vae" in name:
        pytest.importorskip("torch")
    result = np.asarray(CASES[name]())
    expected = golden[name]
    assert result.shape == expected.shape
    assert result.dtype == expected.dtype
    np.testing.assert_allclose(result, expected, rtol=0, atol=TOLERANCE)
