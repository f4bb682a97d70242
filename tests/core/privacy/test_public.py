"""require_declared: only declared metadata is public; the refusal names the column, the gap and the fix."""

from __future__ import annotations

import re

import pytest

from safedata_core.data import Table
from safedata_core.errors import ComponentError
from safedata_core.privacy import require_declared, undeclared_columns
from safedata_core.testing.fixtures import tiny_table

INFERRED = "is not declared in the metadata (its type was inferred from the data, which leaks)"
NO_BOUNDS = "is numeric but has no declared bounds"


def _table(**changes: dict) -> Table:
    t = tiny_table(20)
    meta = t.metadata.model_copy(deep=True)
    for name, update in changes.items():
        meta.columns[name] = meta.columns[name].model_copy(update=update)
    return Table(df=t.df, metadata=meta)


def test_declared_table_has_no_problems() -> None:
    t = tiny_table(20)
    assert undeclared_columns(t) == []
    assert undeclared_columns(t, ["age", "sex"]) == []
    require_declared(t, where="step 's'", component="c")  # no error


def test_every_problem_is_listed_in_column_order() -> None:
    t = _table(income={"bounds": None}, sex={"inferred": True}, smoker={"inferred": True})
    assert undeclared_columns(t) == [("income", NO_BOUNDS), ("sex", INFERRED), ("smoker", INFERRED)]
    # only the requested columns, in the requested order; a column missing from the metadata is undeclared
    assert undeclared_columns(t, ["smoker", "age", "nope"]) == [("smoker", INFERRED), ("nope", INFERRED)]
    # categorical without bounds is fine; an inferred numeric column is reported as inferred, once
    assert undeclared_columns(_table(age={"inferred": True, "bounds": None}), ["age", "region"]) == [("age", INFERRED)]


def test_refusal_is_one_line_with_the_column_and_the_fix() -> None:
    t = _table(income={"bounds": None})
    expected = (
        "step 'fit': DP component 'mst' cannot use column 'income': it is numeric but has no declared bounds; "
        "declare it in the metadata file named by data.metadata, e.g. "
        "`income: {type: numerical, bounds: [low, high], nullable: false}`, or drop it with data.columns"
    )
    with pytest.raises(ComponentError, match=f"^{re.escape(expected)}$"):
        require_declared(t, ["age", "income"], where="step 'fit'", component="mst")


def test_refusal_counts_the_other_columns() -> None:
    t = _table(income={"bounds": None}, sex={"inferred": True}, region={"inferred": True})
    with pytest.raises(ComponentError, match=re.escape(f"'income': it {NO_BOUNDS} (and 2 more column(s)); declare")):
        require_declared(t, where="w", component="c")
    with pytest.raises(ComponentError, match=re.escape(f"'sex': it {INFERRED} (and 1 more column(s)); declare")):
        require_declared(t, ["age", "sex", "region"], where="w", component="c")
    with pytest.raises(ComponentError, match=re.escape(f"'region': it {INFERRED}; declare")):
        require_declared(t, ["region"], where="w", component="c")
