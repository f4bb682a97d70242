"""The bench figures (safedata_core/bench/evaluate.py): each from a registered metric or attack, errors named."""

from __future__ import annotations

from typing import Any

import pytest

from safedata_core.bench import evaluate as ev


def test_figures_come_from_the_registered_components(table: Any) -> None:
    from safedata_core import Engine

    registry = Engine(autoload=False).registry
    names = {n for f in ev.FIGURES.values() for n in f.components}
    assert names == {
        "tstr",
        "ks_complement",
        "tv_complement",
        "marginal_2way",
        "detection",
        "dcr",
        "membership_inference",
    }
    df = table.df
    train = table.with_df(df.iloc[:150].reset_index(drop=True))
    hold = table.with_df(df.iloc[150:].reset_index(drop=True))
    figures, used, errors = ev.evaluate(registry, train, hold, train, "sex", 0, fast=True)
    assert errors == "" and set(used.split(",")) == names
    # a release that copies the training rows: perfect fidelity, every row an exact copy
    assert figures["fidelity_1way"] == pytest.approx(1.0) and figures["fidelity_2way"] == pytest.approx(1.0)
    assert figures["exact_copy_rate"] == pytest.approx(1.0)
    assert all(v is not None and 0.0 <= v <= 1.0 for v in figures.values())


def test_a_missing_component_is_named() -> None:
    class Empty:
        def get(self, name: str) -> None:
            raise KeyError(name)

    figures, used, errors = ev.evaluate(Empty(), None, None, None, "y", 0)
    assert used == "" and all(v is None for v in figures.values())
    assert "tstr: not installed" in errors and "membership_inference: not installed" in errors


def test_from_details_takes_the_first_finite_number_on_a_dotted_path() -> None:
    details = {"tstr": {"roc_auc": float("nan")}, "auc": 0.7, "flag": True, "nested": {"auc": 0.6}}
    assert ev.from_details(details, "tstr.roc_auc", "nested.auc", "auc") == 0.6
    assert ev.from_details(details, "flag", "missing.key") is None  # a boolean is not a figure
    assert ev.from_details({"auc": 1}, "auc") == 1.0


def test_a_component_of_another_kind_gives_no_figure(table: Any) -> None:
    from safedata_core import Engine

    registry = Engine(autoload=False).registry
    with pytest.raises(ev._Unavailable, match="registered as a metric, not a attack"):
        ev._run(registry, "tv_complement", "attack", {}, (table, table, table), 0)
