"""Drafted metadata under review: domains read from the data stay private until the user confirms them.

``safedata profile`` drafts a metadata file from the data. The bounds and
categories it read from the data are written with ``inferred: true`` and a
``# review: ...`` comment: a DP component treats such a column as undeclared
(see :mod:`safedata_core.privacy.public`), because a domain learnt from the
data is not public. :func:`confirm_metadata` (``safedata metadata confirm``)
is the user's statement that a domain is public (e.g. it matches a codebook):
it clears the mark on the named columns, or on all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from safedata_core.data.metadata import ColumnMeta, Metadata
from safedata_core.errors import DataError

__all__ = [
    "HEADER",
    "REVIEW_NOTE",
    "confirm_metadata",
    "describe_domain",
    "mark_for_review",
    "metadata_text",
    "needs_review",
    "write_metadata",
]

REVIEW_NOTE = "review: derived from the data, not public until you confirm"
HEADER = """\
# Metadata drafted by `safedata profile`. Pass it to a pipeline as data.metadata.
# Everything in this file is treated as PUBLIC knowledge by DP components. Entries marked
# `# review` (and `inferred: true`) hold types and domains read from the data: DP steps refuse
# them until you confirm that they are public (edit them, then `safedata metadata confirm FILE`).
"""


def _has_domain(col: ColumnMeta) -> bool:
    return col.bounds is not None or col.categories is not None or col.type == "boolean"


def mark_for_review(draft: Metadata, source: Metadata) -> Metadata:
    """``draft`` with ``inferred: true`` on every column whose entry in ``source`` was inferred from the data."""
    cols = {
        name: col.model_copy(update={"inferred": True})
        if name in source.columns and source.columns[name].inferred
        else col
        for name, col in draft.columns.items()
    }
    return Metadata(columns=cols)


def needs_review(meta: Metadata) -> list[str]:
    """The columns still marked as read from the data (``inferred: true``), in column order."""
    return [name for name, col in meta.columns.items() if col.inferred]


def describe_domain(col: ColumnMeta) -> str:
    """``integer, bounds [17, 90]`` / ``categorical, 3 categories: a, b, c``: what confirming makes public."""
    if col.bounds is not None:
        return f"{col.type}, bounds [{col.bounds[0]:.12g}, {col.bounds[1]:.12g}]"
    if col.categories is not None:
        shown = ", ".join(str(c) for c in col.categories[:8])
        more = f", ... ({len(col.categories) - 8} more)" if len(col.categories) > 8 else ""
        return f"{col.type}, {len(col.categories)} categories: {shown}{more}"
    return f"{col.type}, type only"


def confirm_metadata(meta: Metadata, columns: Iterable[str] | None = None, *, where: str = "metadata") -> Metadata:
    """``meta`` with the review mark cleared on ``columns`` (default: every marked column): they become public.

    An unknown column name is a one-line :class:`DataError`.
    """
    names = list(meta.columns) if columns is None else list(columns)
    unknown = [c for c in names if c not in meta.columns]
    if unknown:
        known = ", ".join(list(meta.columns)[:12]) + ("..." if len(meta.columns) > 12 else "")
        raise DataError(f"{where}: no column '{unknown[0]}' to confirm (columns are: {known})")
    chosen = set(names)
    cols = {
        name: col.model_copy(update={"inferred": False}) if name in chosen and col.inferred else col
        for name, col in meta.columns.items()
    }
    return Metadata(columns=cols)


def _entry(col: ColumnMeta) -> dict[str, Any]:
    """One column as written: no empty fields, whole-number bounds of integer columns as integers."""
    data: dict[str, Any] = col.model_dump(mode="json", exclude_none=True)
    if not col.inferred:
        data.pop("inferred", None)
    if col.type == "integer" and col.bounds is not None and all(float(b).is_integer() for b in col.bounds):
        data["bounds"] = [int(b) for b in col.bounds]
    return data


def metadata_text(meta: Metadata, *, header: str = HEADER) -> str:
    """YAML of ``meta`` with ``# review: ...`` above every column still marked as read from the data."""
    lines = [header.rstrip("\n"), "columns:" if meta.columns else "columns: {}"]
    for name, col in meta.columns.items():
        block = yaml.safe_dump(
            {name: _entry(col)}, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=None
        )
        if col.inferred:
            lines.append(f"  # {REVIEW_NOTE}")
        lines += [f"  {line}" for line in block.rstrip("\n").split("\n")]
    return "\n".join(lines) + "\n"


def write_metadata(meta: Metadata, path: str | Path, *, header: str = HEADER) -> Path:
    """Write :func:`metadata_text` to ``path`` (a one-line DataError when it cannot be written)."""
    p = Path(path)
    try:
        p.write_text(metadata_text(meta, header=header), encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot write metadata to '{p}': {exc.strerror or type(exc).__name__}") from None
    return p
