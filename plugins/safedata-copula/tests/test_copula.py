"""gaussian_copula behaviour: correlations kept, PD projection, DP accounting and refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safedata_copula.correlation import nearest_correlation
from safedata_copula.synthesizer import GaussianCopulaSynthesizer

from safedata_core import ComponentError, Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.testing import make_budget


def _table(n: int = 5000) -> Table:
    rng = np.random.default_rng(0)
    z = rng.multivariate_normal([0, 0], [[1, 0.8], [0.8, 1]], n)
    x = np.clip(np.round(40 + 10 * z[:, 0]), 0, 100)
    y = np.clip(np.exp(z[:, 1]) * 1000, 0, 20000)
    c = np.where(z[:, 0] + 0.3 * rng.standard_normal(n) > 0, "hi", "lo")
    meta = Metadata(
        columns={
            "x": ColumnMeta(type="integer", bounds=(0, 100)),
            "y": ColumnMeta(type="numerical", bounds=(0, 20000)),
            "c": ColumnMeta(type="categorical", categories=["hi", "lo"]),
        }
    )
    return Table.from_dataframe(pd.DataFrame({"x": x, "y": y, "c": c}), meta)


def _spearman(df: pd.DataFrame, a: str, b: str) -> float:
    return float(df[a].rank().corr(df[b].rank()))


def test_nearest_correlation_is_positive_definite() -> None:
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    fixed = nearest_correlation(bad)
    assert np.allclose(np.diag(fixed), 1.0) and np.linalg.eigvalsh(fixed).min() > 0
    assert np.abs(fixed - bad).max() < 0.6


def test_non_private_keeps_rank_correlation() -> None:
    table = _table()
    model = GaussianCopulaSynthesizer({"dp": False})
    model.fit(table, budget=None, seed=0)
    out = model.sample(5000, seed=1).df
    assert _spearman(out, "x", "y") == pytest.approx(_spearman(table.df, "x", "y"), abs=0.05)
    assert (out.loc[out["c"] == "hi", "x"].mean() - out.loc[out["c"] == "lo", "x"].mean()) > 10


def test_dp_keeps_rank_correlation_and_charges_all_parts() -> None:
    table = _table(20000)
    budget = make_budget(2.0, 1e-6)
    model = GaussianCopulaSynthesizer()
    model.fit(table, budget=budget, seed=0)
    out = model.sample(5000, seed=1).df
    assert _spearman(out, "x", "y") == pytest.approx(_spearman(table.df, "x", "y"), abs=0.1)
    assert out["y"].dropna().between(0, 20000).all() and out["y"].isna().mean() < 0.01
    kinds = [c.event.mechanism for c in budget.charges]
    assert kinds == ["geometric"] * 3 + ["discrete_gaussian"]
    assert budget.spent().epsilon == pytest.approx(2.0, rel=1e-6) and budget.spent().epsilon <= 2.0


def test_dp_needs_delta_for_the_correlation() -> None:
    with pytest.raises(ComponentError, match="delta > 0"):
        GaussianCopulaSynthesizer().fit(_table(200), budget=make_budget(1.0, 0.0), seed=0)


def test_dp_refuses_numeric_column_without_public_bounds() -> None:
    df = pd.DataFrame({"x": np.arange(50.0), "c": ["a", "b"] * 25})
    meta = Metadata(
        columns={"x": ColumnMeta(type="numerical"), "c": ColumnMeta(type="categorical", categories=["a", "b"])}
    )
    with pytest.raises(ComponentError, match="cannot use column 'x': it is numeric but has no declared bounds"):
        GaussianCopulaSynthesizer().fit(Table.from_dataframe(df, meta), budget=make_budget(), seed=0)
