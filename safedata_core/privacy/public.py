"""What a DP component may treat as public: declared metadata only.

Under add/remove adjacency anything inferred from the data (a column's type,
its bounds, its categories, whether it has missing values) can change when one
record is added, and a DP component that uses it is not DP (a yes/no column
plus one neighbour with "maybe" is distinguishable with certainty). So every
column a DP component reads must be declared in the metadata file, and numeric
columns need declared bounds. Categorical columns without declared categories
are allowed: components then find the categories with the charged
:func:`~safedata_core.privacy.dp_select_categories`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from safedata_core.errors import ComponentError

if TYPE_CHECKING:
    from safedata_core.data import Table

__all__ = ["require_declared", "undeclared_columns"]


def undeclared_columns(table: Table, columns: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """``(column, what is missing)`` for every column of ``table`` a DP component may not rely on."""
    names = list(table.columns) if columns is None else list(columns)
    problems: list[tuple[str, str]] = []
    for name in names:
        meta = table.metadata.columns.get(name)
        if meta is None or meta.inferred:
            problems.append(
                (name, "is not declared in the metadata (its type was inferred from the data, which leaks)")
            )
        elif meta.is_numeric and meta.bounds is None:
            problems.append((name, "is numeric but has no declared bounds"))
    return problems


def require_declared(table: Table, columns: Iterable[str] | None = None, *, where: str, component: str) -> None:
    """Refuse (one line, with the fix) when a column a DP component reads is not declared public metadata."""
    problems = undeclared_columns(table, columns)
    if not problems:
        return
    name, what = problems[0]
    more = f" (and {len(problems) - 1} more column(s))" if len(problems) > 1 else ""
    meta = table.metadata.columns.get(name)
    if meta is not None and meta.is_numeric:
        example = f"`{name}: {{type: {meta.type}, bounds: [low, high], nullable: false}}`"
    else:
        example = f"`{name}: {{type: categorical, categories: [...], nullable: false}}`"
    hint = " (if a drafted metadata file marks it `inferred: true`: safedata metadata confirm FILE)"
    hint = hint if meta is not None and meta.inferred else ""
    raise ComponentError(
        f"{where}: DP component '{component}' cannot use column '{name}': it {what}{more}; declare it in the "
        f"metadata file named by data.metadata, e.g. {example}, or drop it with data.columns{hint}"
    )
