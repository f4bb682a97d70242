"""Tests that kill surviving mutants of gaussian_copula's DP path (`make mutation`, issue 22).

The correlation's noise multiplier must be the smallest one that keeps the step within its share (checked
against the ledger and against an RDP conversion written here), the bracket search must work below 1 and fail
loudly when nothing is left, the Gaussian event must be calibrated at the correlation's own delta (what is
left after the category selections), and the ledger must name the correlation's charge.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from safedata_copula.correlation import correlation_noise_multiplier, dp_correlation
from safedata_copula.synthesizer import GaussianCopulaSynthesizer

from safedata_core import PrivacyBudgetError, Table
from safedata_core.data import Metadata
from safedata_core.privacy import DiscreteLaplace, Gaussian, add_noise
from safedata_core.privacy.rdp_curves import DEFAULT_ORDERS
from safedata_core.testing import make_budget


def _rdp_epsilon(nm: float, delta: float) -> float:
    """Epsilon of one Gaussian release of L2 sensitivity 1 and noise multiplier nm (RDP, Balle et al. 2020)."""
    a = DEFAULT_ORDERS
    return float(np.min(a / (2 * nm**2) + np.log((a - 1) / a) - (math.log(delta) + np.log(a)) / (a - 1)))


def _fits(budget: object, nm: float, n: int, delta: float) -> bool:
    return budget.compose([Gaussian(nm, 1.0, delta).event(budget, n)]) <= budget.epsilon  # type: ignore[attr-defined]


@pytest.mark.parametrize("epsilon", [0.3, 1.0, 40.0])
def test_noise_multiplier_is_the_smallest_that_fits(epsilon: float) -> None:
    budget = make_budget(epsilon, 1e-6)
    nm = correlation_noise_multiplier(budget, 10, 1e-6)
    assert _fits(budget, nm, 10, 1e-6)
    assert not _fits(budget, nm * (1 - 1e-8), 10, 1e-6)  # the bisection stops within 1e-10 of the boundary
    if epsilon == 40.0:
        assert nm < 0.5  # the search walks below its start of 1
    # independent: the ledger's epsilon is the smaller of the RDP conversion and the event's own epsilon
    assert _rdp_epsilon(nm, 1e-6) >= epsilon * (1 - 1e-6) or Gaussian(nm, 1.0, 1e-6).event(
        None, 10
    ).epsilon == pytest.approx(epsilon, rel=1e-6)


def test_noise_multiplier_accounts_for_earlier_charges() -> None:
    fresh, used = make_budget(1.0, 1e-6), make_budget(1.0, 1e-6)
    add_noise(used, DiscreteLaplace(1, 0.5), np.zeros(3), note="earlier")
    nm_fresh = correlation_noise_multiplier(fresh, 6, 1e-6)
    nm_used = correlation_noise_multiplier(used, 6, 1e-6)
    assert nm_used > 1.5 * nm_fresh
    assert _fits(used, nm_used, 6, 1e-6) and not _fits(used, nm_used * (1 - 1e-8), 6, 1e-6)


def test_no_epsilon_left_for_the_correlation_is_a_clear_error() -> None:
    budget = make_budget(1.0, 1e-6, accountant="basic")
    add_noise(budget, DiscreteLaplace(1, 1.0), np.zeros(2), note="everything")
    with pytest.raises(PrivacyBudgetError) as err:
        correlation_noise_multiplier(budget, 3, 1e-6)
    msg = str(err.value)
    assert msg.startswith("step 'test': gaussian_copula has no epsilon left for the correlation after the marginals")
    assert msg.endswith("; raise the step's privacy share or lower marginal_share")


def test_correlation_is_calibrated_at_its_own_delta_after_the_selection() -> None:
    """A categorical column without public categories spends half of delta; the correlation gets the rest and
    its noise multiplier must be calibrated at that smaller delta (basic composition reads the event's delta)."""
    rng = np.random.default_rng(0)
    n = 3000
    meta = Metadata.from_dict({"columns": {"x": {"type": "integer", "bounds": [0, 63]}, "c": {"type": "categorical"}}})
    df = pd.DataFrame({"x": rng.integers(0, 64, n), "c": rng.choice(["u", "v", "w"], n)})
    table = Table.from_dataframe(df, meta)
    budget = make_budget(1.0, 1e-6, accountant="basic")
    model = GaussianCopulaSynthesizer({"cells": 16})
    model.fit(table, budget=budget, seed=0)
    (gauss,) = [c for c in budget.charges if c.event.mechanism == "discrete_gaussian"]
    assert gauss.event.delta == pytest.approx(5e-7, rel=1e-12)
    spent = budget.spent().epsilon
    assert spent <= 1.0 * (1 + 1e-9) and spent == pytest.approx(1.0, rel=1e-6)
    assert gauss.note == "gaussian_copula: correlation of normal scores"


def test_dp_correlation_charges_under_the_given_note_or_none() -> None:
    z = np.random.default_rng(1).normal(size=(200, 3))
    budget = make_budget(5.0, 1e-6)
    dp_correlation(z, clip_norm=2.0, budget=budget, noise_multiplier=2.0, delta=1e-6)
    dp_correlation(z, clip_norm=2.0, budget=budget, noise_multiplier=2.0, delta=1e-6, note="named")
    assert [c.note for c in budget.charges] == ["", "named"]
    assert all(c.event.params["noise_multiplier"] == 2.0 for c in budget.charges)


@pytest.mark.parametrize("scale", [0.5, 2.0, 7.0])
def test_discrete_laplace_variance_matches_the_summed_pmf(scale: float) -> None:
    from safedata_copula.fitting import discrete_laplace_variance

    k = np.arange(-2000, 2001)
    w = np.exp(-np.abs(k) / scale)
    assert discrete_laplace_variance(scale) == pytest.approx(float(np.sum(k**2 * w) / w.sum()), rel=1e-9)


def test_second_moments_clip_only_rows_above_the_norm() -> None:
    from safedata_copula.correlation import second_moments

    z = np.array([[0.3, 0.4], [3.0, 4.0], [0.0, 0.0]])  # norms 0.5, 5, 0
    out = second_moments(z, 0.8)
    zc = np.array([[0.3, 0.4], [0.48, 0.64], [0.0, 0.0]])  # the second row scaled to norm 0.8
    assert np.allclose(out, (zc.T @ zc)[np.triu_indices(2)] / 0.64, rtol=1e-12)


def _fixed_noise(monkeypatch: pytest.MonkeyPatch, upper: list[float]) -> None:
    import safedata_copula.correlation as correlation_module

    monkeypatch.setattr(correlation_module, "add_noise", lambda *a, **k: np.asarray(upper, dtype=float))


def test_unusable_variances_make_their_columns_independent(monkeypatch: pytest.MonkeyPatch) -> None:
    # upper triangle of a 3 x 3 moment matrix: (00, 01, 02, 11, 12, 22); columns 1 and 2 have variance <= 0
    _fixed_noise(monkeypatch, [4.0, 1.0, 1.0, -2.0, 1.5, 0.0])
    r = dp_correlation(np.zeros((5, 3)), clip_norm=1.0, budget=make_budget(), noise_multiplier=1.0, delta=1e-6)
    assert np.allclose(r, np.eye(3), atol=1e-9)


def test_small_positive_variances_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    _fixed_noise(monkeypatch, [0.5, 0.25, 0.5])  # variances 0.5, covariance 0.25: correlation 0.5
    r = dp_correlation(np.zeros((5, 2)), clip_norm=1.0, budget=make_budget(), noise_multiplier=1.0, delta=1e-6)
    assert r[0, 1] == pytest.approx(0.5, abs=1e-9) and r[1, 0] == pytest.approx(0.5, abs=1e-9)


def test_dp_marginal_notes_its_column_and_keeps_integers_integral() -> None:
    rng = np.random.default_rng(2)
    n = 2000
    meta = Metadata.from_dict(
        {
            "columns": {
                "k": {"type": "integer", "bounds": [0, 9], "nullable": False},
                "r": {"type": "numerical", "bounds": [0.0, 1.0], "nullable": False},
            }
        }
    )
    df = pd.DataFrame({"k": rng.integers(0, 10, n), "r": rng.random(n)})
    budget = make_budget(20.0, 1e-6)
    model = GaussianCopulaSynthesizer({"cells": 32})
    model.fit(Table.from_dataframe(df, meta), budget=budget, seed=0)
    notes = [c.note for c in budget.charges if c.event.mechanism == "geometric"]
    assert notes == ["gaussian_copula: marginal of 'k'", "gaussian_copula: marginal of 'r'"]
    out = model.sample(3000, seed=1).df
    k = out["k"].to_numpy(dtype=float)
    assert np.all(k == np.round(k)) and set(np.unique(k)) <= set(range(10)) and len(np.unique(k)) >= 8
    r = out["r"].to_numpy(dtype=float)
    assert np.mean(r != np.round(r)) > 0.9  # a real-valued column is not rounded to integers


def test_dp_marginal_refuses_an_unsupported_column_by_name() -> None:
    from safedata_copula.fitting import dp_marginal

    from safedata_core import ComponentError
    from safedata_core.data import ColumnMeta

    meta = ColumnMeta.model_validate({"type": "datetime"})
    s = pd.Series(pd.to_datetime(["2020-01-01", "2021-01-01"]))
    with pytest.raises(ComponentError, match="column 'when' has type datetime"):
        dp_marginal("when", s, meta, budget=make_budget(), epsilon=1.0, delta=0.0, n_cells=8)


def _fake_histogram(monkeypatch: pytest.MonkeyPatch, counts: list[float]) -> list[int]:
    import safedata_copula.fitting as fitting_module

    sizes: list[int] = []

    def fake(codes: np.ndarray, n: int, **kwargs: object) -> np.ndarray:
        sizes.append(n)
        return np.asarray(counts, dtype=float)

    monkeypatch.setattr(fitting_module, "noisy_histogram", fake)
    return sizes


def _int_meta(nullable: bool) -> object:
    from safedata_core.data import ColumnMeta

    return ColumnMeta.model_validate({"type": "integer", "bounds": [0, 3], "nullable": nullable})


def test_dp_marginal_clips_negative_counts_to_zero_mass(monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata_copula.fitting import dp_marginal

    sizes = _fake_histogram(monkeypatch, [10.0, -5.0, 0.0, 10.0])
    s = pd.Series([0, 1, 2, 3] * 5)
    m, total, _ = dp_marginal("k", s, _int_meta(False), budget=make_budget(), epsilon=1.0, delta=0.0, n_cells=16)
    assert sizes == [4]  # an integer column with bounds [0, 3]: one cell per integer
    assert total == 15.0 and m.p_missing == 0.0
    x = m.decode(np.linspace(0.0005, 0.9995, 1000))
    assert set(np.unique(x)) == {0.0, 3.0}  # cells with clipped (<= 0) counts get no mass
    assert abs(float(np.mean(x == 0.0)) - 0.5) < 0.01


def test_dp_marginal_keeps_missing_above_five_noise_scales(monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata_copula.fitting import dp_marginal

    _fake_histogram(monkeypatch, [10.0, 0.0, 0.0, 10.0, 7.0])  # missing 7 > 5 scales of 1/epsilon = 1
    s = pd.Series([0, 3, None] * 5, dtype="Float64")
    m, _, _ = dp_marginal("k", s, _int_meta(True), budget=make_budget(), epsilon=1.0, delta=0.0, n_cells=16)
    assert m.p_missing == pytest.approx(7 / 27, rel=1e-12)
    _fake_histogram(monkeypatch, [10.0, 0.0, 0.0, 10.0, 4.5])  # below 5 scales: dropped
    m, _, _ = dp_marginal("k", s, _int_meta(True), budget=make_budget(), epsilon=1.0, delta=0.0, n_cells=16)
    assert m.p_missing == 0.0


def test_only_the_unusable_variances_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    # (00, 01, 02, 11, 12, 22): variances 0.5, 0.5, -1; the first two keep their correlation 0.5
    _fixed_noise(monkeypatch, [0.5, 0.25, 0.3, 0.5, 0.3, -1.0])
    r = dp_correlation(np.zeros((5, 3)), clip_norm=1.0, budget=make_budget(), noise_multiplier=1.0, delta=1e-6)
    assert r[0, 1] == pytest.approx(0.5, abs=1e-9) and np.allclose(r[2], [0.0, 0.0, 1.0], atol=1e-9)
    # a variance of exactly 0 alone is unusable too
    _fixed_noise(monkeypatch, [4.0, 1.0, 0.0])
    r = dp_correlation(np.zeros((5, 2)), clip_norm=1.0, budget=make_budget(), noise_multiplier=1.0, delta=1e-6)
    assert np.allclose(r, np.eye(2), atol=1e-9)


def test_dp_marginal_missing_share_uses_clipped_cells_and_small_totals(monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata_copula.fitting import dp_marginal

    s = pd.Series([0, 3, None] * 5, dtype="Float64")
    _fake_histogram(monkeypatch, [10.0, -5.0, 0.0, 10.0, 7.0])  # the -5 cell counts as 0 in the total
    m, _, _ = dp_marginal("k", s, _int_meta(True), budget=make_budget(), epsilon=1.0, delta=0.0, n_cells=16)
    assert m.p_missing == pytest.approx(7 / 27, rel=1e-12)
    _fake_histogram(monkeypatch, [0.0, 0.0, 0.0, 0.0, 0.8])  # epsilon 10: 0.8 > 5 scales of 0.1, total 0.8
    m, _, _ = dp_marginal("k", s, _int_meta(True), budget=make_budget(), epsilon=10.0, delta=0.0, n_cells=16)
    assert m.p_missing == pytest.approx(1.0, rel=1e-12)


def test_dp_marginal_selects_unknown_categories_or_refuses_without_delta() -> None:
    from safedata_copula.fitting import dp_marginal

    from safedata_core import ComponentError
    from safedata_core.data import ColumnMeta

    meta = ColumnMeta.model_validate({"type": "categorical", "nullable": False})
    s = pd.Series(["u"] * 3000 + ["v"] * 2000 + ["w"] * 1500)
    budget = make_budget(10.0, 1e-6)
    m, _, _ = dp_marginal("c", s, meta, budget=budget, epsilon=10.0, delta=1e-6, n_cells=8)
    assert sorted(m.labels) == ["u", "v", "w"]
    assert [c.note for c in budget.charges] == ["gaussian_copula: domain of 'c'", "gaussian_copula: marginal of 'c'"]
    with pytest.raises(ComponentError) as err:
        dp_marginal("c", s, meta, budget=make_budget(1.0, 0.0), epsilon=1.0, delta=0.0, n_cells=8)
    assert str(err.value) == (
        "gaussian_copula: categorical column 'c' has no public categories and the step has delta=0; declare its "
        "categories in the metadata or give the step a delta > 0"
    )


def test_a_one_column_dp_fit_has_the_unit_correlation_and_samples() -> None:
    # one column: no correlation is released (nothing charged for it); sampling draws from the 1 x 1 unit
    # correlation (any other shape fails its Cholesky factorisation)
    rng = np.random.default_rng(3)
    meta = Metadata.from_dict({"columns": {"x": {"type": "integer", "bounds": [0, 9], "nullable": False}}})
    table = Table.from_dataframe(pd.DataFrame({"x": rng.integers(0, 10, 2000)}), meta)
    budget = make_budget(5.0, 1e-6)
    model = GaussianCopulaSynthesizer({"cells": 16})
    model.fit(table, budget=budget, seed=0)
    assert not [c for c in budget.charges if c.event.mechanism == "discrete_gaussian"]
    out = model.sample(500, seed=1).df
    assert len(out) == 500 and set(np.unique(out["x"].to_numpy())) <= set(range(10))


def _two_numeric(n: int = 1500) -> Table:
    rng = np.random.default_rng(4)
    meta = Metadata.from_dict(
        {
            "columns": {
                "x": {"type": "integer", "bounds": [0, 9], "nullable": False},
                "y": {"type": "numerical", "bounds": [0.0, 1.0], "nullable": False},
            }
        }
    )
    return Table.from_dataframe(pd.DataFrame({"x": rng.integers(0, 10, n), "y": rng.random(n)}), meta)


def test_two_columns_without_delta_are_refused_with_the_fix() -> None:
    from safedata_core import ComponentError

    budget = make_budget(1.0, 0.0)
    with pytest.raises(ComponentError) as err:
        GaussianCopulaSynthesizer({"cells": 8}).fit(_two_numeric(), budget=budget, seed=0)
    assert str(err.value) == (
        "gaussian_copula: the DP correlation uses the Gaussian mechanism and needs delta > 0; give the step a "
        "delta (privacy: {epsilon: ..., delta: 1.0e-6})"
    )
    assert not budget.charges  # refused before any release


def test_an_undeclared_column_is_refused_naming_the_step() -> None:
    from safedata_core import ComponentError

    meta = Metadata.from_dict({"columns": {"x": {"type": "integer", "nullable": False}}})  # no bounds
    table = Table.from_dataframe(pd.DataFrame({"x": [1, 2, 3] * 20}), meta)
    with pytest.raises(ComponentError) as err:
        GaussianCopulaSynthesizer({"cells": 8}).fit(table, budget=make_budget(1.0, 1e-6), seed=0)
    assert str(err.value).startswith("step 'test': DP component 'gaussian_copula' cannot use column 'x'")


def test_without_category_selections_the_correlation_gets_all_of_delta() -> None:
    budget = make_budget(1.0, 1e-6, accountant="basic")
    GaussianCopulaSynthesizer({"cells": 8}).fit(_two_numeric(), budget=budget, seed=0)
    (gauss,) = [c for c in budget.charges if c.event.mechanism == "discrete_gaussian"]
    assert gauss.event.delta == 1e-6
    assert budget.spent().delta == pytest.approx(1e-6, rel=1e-12)


def test_a_single_categorical_column_selects_its_categories_with_all_of_delta() -> None:
    # one column: no correlation, so the category selection may use the whole delta of the step
    meta = Metadata.from_dict({"columns": {"c": {"type": "categorical", "nullable": False}}})
    df = pd.DataFrame({"c": ["u"] * 3000 + ["v"] * 2000})
    budget = make_budget(5.0, 1e-6, accountant="basic")
    GaussianCopulaSynthesizer({"cells": 8}).fit(Table.from_dataframe(df, meta), budget=budget, seed=0)
    (domain,) = [c for c in budget.charges if c.note == "gaussian_copula: domain of 'c'"]
    assert domain.event.delta == pytest.approx(1e-6, rel=1e-12)


def _capture_histogram(monkeypatch: pytest.MonkeyPatch, counts: list[float]) -> list[tuple[list[int], int, float]]:
    """Replace the noisy histogram by fixed counts; record the codes, the number of cells and the epsilon."""
    import safedata_copula.fitting as fitting_module

    calls: list[tuple[list[int], int, float]] = []

    def fake(codes: np.ndarray, n: int, *, epsilon: float, **kwargs: object) -> np.ndarray:
        calls.append((np.asarray(codes).tolist(), n, epsilon))
        return np.asarray(counts, dtype=float)

    monkeypatch.setattr(fitting_module, "noisy_histogram", fake)
    return calls


def _discrete_meta(spec: dict[str, object]) -> object:
    from safedata_core.data import ColumnMeta

    return ColumnMeta.model_validate(spec)


def test_dp_boolean_marginal_codes_false_true_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata_copula.fitting import dp_marginal

    calls = _capture_histogram(monkeypatch, [3.0, 5.0, 7.0])  # missing 7 > 5 scales of 1/epsilon = 1: kept
    s = pd.Series([True, False, None, True], dtype="boolean")
    meta = _discrete_meta({"type": "boolean", "nullable": True})
    m, total, var = dp_marginal("b", s, meta, budget=make_budget(), epsilon=1.0, delta=0.0, n_cells=8)
    assert calls == [([1, 0, 2, 1], 3, 1.0)]
    assert m.name == "b" and m.kind == "boolean" and m.family == "dp_histogram"
    assert m.labels == [None, True, False] and np.allclose(m.probs, [7 / 15, 5 / 15, 3 / 15])
    assert total == 15.0
    p = math.exp(-1.0)
    assert var == pytest.approx(3 * 2 * p / (1 - p) ** 2, rel=1e-12)  # three cells of discrete Laplace, scale 1


def test_dp_categorical_marginal_codes_declared_categories_and_drops_a_small_missing_cell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from safedata_copula.fitting import dp_marginal

    calls = _capture_histogram(monkeypatch, [6.0, 2.0, 4.0])  # missing 4 < 5 scales: dropped
    s = pd.Series(["b", "a", None, "z", "a"])  # 'z' is outside the declared categories: the missing cell
    meta = _discrete_meta({"type": "categorical", "categories": ["a", "b"], "nullable": True})
    m, total, _ = dp_marginal("c", s, meta, budget=make_budget(), epsilon=1.0, delta=0.0, n_cells=8)
    assert calls == [([1, 0, 2, 2, 0], 3, 1.0)]
    assert m.kind == "categorical" and m.labels == ["a", "b"] and np.allclose(m.probs, [0.75, 0.25])
    assert total == 12.0


def test_dp_categorical_marginal_without_missing_cell_when_not_nullable(monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata_copula.fitting import dp_marginal

    calls = _capture_histogram(monkeypatch, [1.0, 3.0])
    s = pd.Series(["b", "a", "z", "a"])
    meta = _discrete_meta({"type": "categorical", "categories": ["a", "b"], "nullable": False})
    m, _, _ = dp_marginal("c", s, meta, budget=make_budget(), epsilon=2.0, delta=0.0, n_cells=8)
    assert calls == [([1, 0, 0], 2, 2.0)]
    assert m.labels == ["b", "a"] and np.allclose(m.probs, [0.75, 0.25])


def test_a_selection_that_keeps_no_category(monkeypatch: pytest.MonkeyPatch) -> None:
    import safedata_copula.fitting as fitting_module
    from safedata_copula.fitting import dp_marginal

    from safedata_core import ComponentError

    monkeypatch.setattr(fitting_module, "dp_select_categories", lambda *a, **k: [])
    s = pd.Series(["u", "v", None])
    # nullable: everything is missing (the missing cell is kept even below its noise threshold)
    calls = _capture_histogram(monkeypatch, [0.5])
    meta = _discrete_meta({"type": "categorical", "nullable": True})
    m, _, _ = dp_marginal("c", s, meta, budget=make_budget(), epsilon=2.0, delta=1e-6, n_cells=8)
    assert calls == [([0, 0, 0], 1, 1.0)]  # half of epsilon is left after the selection
    assert m.labels == [None] and np.allclose(m.probs, [1.0])
    # not nullable: nothing to model, a clear refusal
    _capture_histogram(monkeypatch, [])
    meta = _discrete_meta({"type": "categorical", "nullable": False})
    with pytest.raises(ComponentError) as err:
        dp_marginal("c", s, meta, budget=make_budget(), epsilon=2.0, delta=1e-6, n_cells=8)
    assert str(err.value) == (
        "gaussian_copula: the DP selection kept no category of column 'c' (too few records per category at this "
        "epsilon); declare its categories in the metadata or drop the column"
    )


def test_a_selection_that_keeps_categories_drops_a_small_missing_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    import safedata_copula.fitting as fitting_module
    from safedata_copula.fitting import dp_marginal

    monkeypatch.setattr(fitting_module, "dp_select_categories", lambda *a, **k: ["v", "u"])
    calls = _capture_histogram(monkeypatch, [2.0, 6.0, 1.0])  # missing 1 < 5 scales of 1/1: dropped
    s = pd.Series(["u", "v", None, "w"])
    meta = _discrete_meta({"type": "categorical", "nullable": True})
    m, _, _ = dp_marginal("c", s, meta, budget=make_budget(), epsilon=2.0, delta=1e-6, n_cells=8)
    assert calls == [([1, 0, 2, 2], 3, 1.0)]
    assert m.labels == ["u", "v"] and np.allclose(m.probs, [0.75, 0.25])


def test_dp_integer_marginal_spreads_a_wide_cell_evenly_over_its_integers(monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata_copula.fitting import dp_marginal

    # bounds [0, 99] in 4 cells: {0}, 1..49, 50..98, {99}; all mass in 1..49
    calls = _capture_histogram(monkeypatch, [0.0, 10.0, 0.0, 0.0])
    s = pd.Series([0, 10, 60, 99])
    meta = _discrete_meta({"type": "integer", "bounds": [0, 99], "nullable": False})
    m, _, _ = dp_marginal("k", s, meta, budget=make_budget(), epsilon=1.0, delta=0.0, n_cells=4)
    assert calls == [([0, 1, 2, 3], 4, 1.0)]
    x = m.decode(np.linspace(0.00005, 0.99995, 10000))
    assert set(np.unique(x)) == set(range(1, 50))
    for v in (1, 25, 49):  # every integer of the cell (the end ones too) gets 1/49 of the mass
        assert abs(float(np.mean(x == v)) - 1 / 49) < 0.002


def test_dp_discrete_missing_cell_threshold_is_five_scales_of_one_over_epsilon(monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata_copula.fitting import dp_marginal

    s = pd.Series([True, None], dtype="boolean")
    meta = _discrete_meta({"type": "boolean", "nullable": True})
    _capture_histogram(monkeypatch, [4.0, 4.0, 3.0])  # epsilon 2: scale 0.5, threshold 2.5 < 3: kept
    m, _, var = dp_marginal("b", s, meta, budget=make_budget(), epsilon=2.0, delta=0.0, n_cells=8)
    p = math.exp(-2.0)  # discrete Laplace of scale 1/2 in each of the three cells
    assert var == pytest.approx(3 * 2 * p / (1 - p) ** 2, rel=1e-12)
    assert None in m.labels and m.probs[m.labels.index(None)] == pytest.approx(3 / 11, rel=1e-12)
    _capture_histogram(monkeypatch, [4.0, 4.0, 2.4])  # below 2.5: dropped
    m, _, _ = dp_marginal("b", s, meta, budget=make_budget(), epsilon=2.0, delta=0.0, n_cells=8)
    assert None not in m.labels


def test_the_planned_correlation_release_is_the_charged_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three columns release 3 variances + 3 covariances = 6 second moments (counted by hand). The noise
    multiplier must be planned for exactly that release: the planned event (the one the bisection composes) must
    equal the event the ledger records, down to the rounding grid set by the number of released coordinates."""
    import safedata_copula.correlation as correlation_module
    import safedata_copula.synthesizer as synthesizer_module

    planned: list[int] = []
    released: list[int] = []
    plan, noise = correlation_module.correlation_noise_multiplier, correlation_module.add_noise

    def spy_plan(budget: object, n_moments: int, delta: float) -> float:
        planned.append(n_moments)
        return plan(budget, n_moments, delta)  # type: ignore[arg-type]

    def spy_noise(budget: object, mech: object, values: np.ndarray, **kw: object) -> np.ndarray:
        released.append(np.asarray(values).size)
        return noise(budget, mech, values, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(synthesizer_module, "correlation_noise_multiplier", spy_plan)
    monkeypatch.setattr(correlation_module, "add_noise", spy_noise)
    rng = np.random.default_rng(4)
    meta = Metadata.from_dict(
        {"columns": {c: {"type": "integer", "bounds": [0, 9], "nullable": False} for c in ("a", "b", "c")}}
    )
    table = Table.from_dataframe(pd.DataFrame({c: rng.integers(0, 10, 400) for c in ("a", "b", "c")}), meta)
    budget = make_budget(2.0, 1e-6)
    model = GaussianCopulaSynthesizer({"cells": 8})
    model.fit(table, budget=budget, seed=0)
    assert planned == [6] and released == [6]
    (gauss,) = [c.event for c in budget.charges if c.event.mechanism == "discrete_gaussian"]
    nm = model.report_extras()["correlation_noise_multiplier"]
    assert gauss.params["noise_multiplier"] == nm
    assert gauss.params["grid"] == 2.0**-13  # 2^floor(log2(1 / (1024 * 6))): the grid of 6 coordinates
    assert Gaussian(nm, 1.0, 1e-6).event(budget, planned[0]).params == gauss.params
