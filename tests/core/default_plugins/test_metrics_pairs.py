"""marginal_2way: quantile bins keep point masses, so halving a spike costs score; 'uniform' is SDMetrics' binning."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safedata_core.data import ColumnMeta, Metadata, Table
from safedata_core.default_plugins.metrics_pairs import Marginal2WayMetric

META = Metadata(
    columns={
        "capital_gain": ColumnMeta(type="numerical"),
        "sex": ColumnMeta(type="categorical"),
    }
)


def _table(spike: float, n: int = 4000, seed: int = 0) -> Table:
    """A capital_gain-like column: ``spike`` of the rows exactly 0, the rest log-normal (no zeros)."""
    rng = np.random.default_rng(seed)
    small = rng.uniform(1, 300, n)  # a release that moves mass off the spike puts it just above 0
    amounts = np.round(rng.lognormal(8, 1, n)) + 1
    gain = np.where(rng.random(n) < spike, 0.0, amounts)
    if spike < 0.9:  # halved spike: the rows that left 0 now hold small amounts
        moved = (gain != 0) & (rng.random(n) < (0.9 - spike) / (1 - spike))
        gain = np.where(moved, small, gain)
    sex = rng.choice(["F", "M"], n)
    return Table.from_dataframe(pd.DataFrame({"capital_gain": gain, "sex": sex}), META)


def test_halving_a_spike_scores_worse_with_quantile_bins() -> None:
    real = _table(0.9, seed=0)
    keeps = _table(0.9, seed=1)  # another sample of the same distribution
    halves = _table(0.45, seed=2)  # capital_gain = 0 for 45% of rows instead of 90%
    assert np.mean(halves.df["capital_gain"] == 0) == pytest.approx(0.45, abs=0.03)
    quantile = Marginal2WayMetric({})
    uniform = Marginal2WayMetric({"binning": "uniform"})
    q_keep, q_half = quantile.compute(real, keeps).score, quantile.compute(real, halves).score
    u_keep, u_half = uniform.compute(real, keeps).score, uniform.compute(real, halves).score
    assert q_keep > 0.97 and q_half < q_keep - 0.3  # the spike's loss shows
    assert u_half > 0.97 and abs(u_keep - u_half) < 0.02  # equal widths: 0 and 1..300 share the first bin
    assert quantile.compute(real, halves).details["binning"] == "quantile"


def test_default_is_quantile_and_params_are_checked() -> None:
    assert Marginal2WayMetric({}).params.binning == "quantile"
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Marginal2WayMetric({"binning": "equal"})


def _claims(released: bool) -> Table:
    """``amount`` is 0 for 40% of rows; the spike and the small amounts (1..99) tell ``status`` apart.

    The release keeps every count of the first equal-width bin [0, 100): 400 'paid' and 100 'open' rows,
    but mixes them across the spike and the small amounts, which weakens the association.
    """
    rng = np.random.default_rng(0)
    zero, small, rest = np.zeros(400), rng.integers(1, 100, 100).astype(float), rng.uniform(100, 1000, 500)
    status_rest = np.array(["paid", "open"] * 250)
    if released:
        status_zero = np.array(["paid"] * 320 + ["open"] * 80)
        status_small = np.array(["paid"] * 80 + ["open"] * 20)
    else:
        status_zero, status_small = np.array(["paid"] * 400), np.array(["open"] * 100)
    df = pd.DataFrame(
        {
            "amount": np.r_[zero, small, rest],
            "status": np.r_[status_zero, status_small, status_rest],
        }
    )
    meta = Metadata(columns={"amount": ColumnMeta(type="numerical"), "status": ColumnMeta(type="categorical")})
    return Table.from_dataframe(df, meta)


def test_correlation_difference_uses_quantile_bins_by_default() -> None:
    # issue 16: correlation_difference still binned numbers in equal widths, blind inside a spike's bin
    from safedata_core.default_plugins.metrics_pairs import CorrelationDifferenceMetric

    real, release = _claims(False), _claims(True)
    default = CorrelationDifferenceMetric({})
    uniform = CorrelationDifferenceMetric({"binning": "uniform"})
    assert default.params.binning == "quantile"
    assert uniform.compute(real, release).score == pytest.approx(1.0, abs=1e-9)  # equal widths see no change
    pair = default.compute(real, release).details["pairs"][0]
    assert pair["measure"] == "cramers_v" and pair["original"] > pair["released"] + 0.2
    assert default.compute(real, release).score < 0.8
    assert default.compute(real, real).score == pytest.approx(1.0)
