"""Numeric perturbation: the noise recipe replayed with the same generator, and top/bottom coding."""

from __future__ import annotations

import numpy as np

from safedata_core.sdc import add_noise, top_bottom_code


def test_additive_noise_uses_the_population_sd_and_keeps_nan() -> None:
    x = np.array([1.0, 3.0, np.nan, 5.0])
    out = add_noise(x, kind="additive", level=0.5, rng=np.random.default_rng(3))
    e = np.random.default_rng(3).standard_normal(4)
    sd = float(np.std([1.0, 3.0, 5.0]))
    np.testing.assert_allclose(out, x + 0.5 * sd * e)
    assert np.isnan(out[2])
    constant = add_noise(np.array([np.nan, np.nan]), kind="additive", level=1.0, rng=np.random.default_rng(0))
    assert np.isnan(constant).all()


def test_multiplicative_noise() -> None:
    x = np.array([10.0, -2.0, 0.0])
    out = add_noise(x, kind="multiplicative", level=0.1, rng=np.random.default_rng(4))
    np.testing.assert_allclose(out, x * (1 + 0.1 * np.random.default_rng(4).standard_normal(3)))
    assert out[2] == 0.0


def test_top_bottom_code_threshold_and_mean() -> None:
    x = np.array([1.0, 5.0, 10.0, 20.0, -4.0, 30.0])
    out, hi, lo = top_bottom_code(x, top=10.0, bottom=0.0, replace_with="threshold")
    assert out.tolist() == [1.0, 5.0, 10.0, 10.0, 0.0, 10.0]
    assert hi.tolist() == [False, False, False, True, False, True] and lo.tolist() == [False] * 4 + [True, False]
    out, _, _ = top_bottom_code(x, top=10.0, bottom=2.0, replace_with="mean")
    assert out.tolist() == [-1.5, 5.0, 10.0, 25.0, -1.5, 25.0]  # each side's mean keeps the total
    out, hi, lo = top_bottom_code(x, top=None, bottom=None, replace_with="threshold")
    assert out.tolist() == x.tolist() and not hi.any() and not lo.any()
    assert top_bottom_code(x, top=100.0, bottom=-100.0, replace_with="mean")[0].tolist() == x.tolist()


def test_numbers_held_in_an_object_array_are_noised_as_floats() -> None:
    # e.g. a pandas object column of numbers: the same recipe and the same floats as the float array
    x = np.array([1.0, 3.0, np.nan, 5.0])
    for kind in ("additive", "multiplicative"):
        want = add_noise(x, kind=kind, level=0.5, rng=np.random.default_rng(8))  # type: ignore[arg-type]
        got = add_noise(x.astype(object), kind=kind, level=0.5, rng=np.random.default_rng(8))  # type: ignore[arg-type]
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, want)


def test_integer_values_are_coded_as_floats() -> None:
    # integer input: the top side's mean (10 + 11) / 2 = 10.5 must not be truncated to 10
    x = np.array([1, 2, 10, 11])
    out, _, _ = top_bottom_code(x, top=5.0, bottom=None, replace_with="mean")
    assert out.tolist() == [1.0, 2.0, 10.5, 10.5] and out.dtype == np.float64
    out, _, _ = top_bottom_code(x, top=None, bottom=1.5, replace_with="threshold")
    assert out.tolist() == [1.5, 2.0, 10.0, 11.0]


def test_masks_select_the_coded_values_with_one_side_open() -> None:
    x = np.array([1.0, 5.0, 20.0])
    for top, bottom in ((10.0, None), (None, 2.0), (None, None)):
        out, hi, lo = top_bottom_code(x, top=top, bottom=bottom, replace_with="threshold")
        assert hi.dtype == bool and lo.dtype == bool
        assert x[hi].tolist() == ([20.0] if top else []) and x[lo].tolist() == ([1.0] if bottom else [])
        assert (out[~(hi | lo)] == x[~(hi | lo)]).all()
