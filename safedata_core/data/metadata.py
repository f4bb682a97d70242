"""Column metadata: types, disclosure roles and the public domain of each column.

Metadata is what safedata treats as *public knowledge*. A DP component may use
``bounds`` and ``categories`` declared here for free; anything else it needs to
learn from the data must be computed with a DP primitive and charged to the
ledger. Metadata is read from and written to YAML/JSON of the shape
``columns: {age: {type: integer, role: quasi_identifier, bounds: [17, 90]}}``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from safedata_core.data.normalize import normalize_categories
from safedata_core.errors import DataError

ColumnType = Literal["numerical", "integer", "categorical", "boolean", "datetime", "text"]
ColumnRole = Literal["direct_identifier", "quasi_identifier", "sensitive", "label", "weight", "other"]
NUMERIC_TYPES: frozenset[str] = frozenset({"numerical", "integer"})
DISCRETE_TYPES: frozenset[str] = frozenset({"categorical", "boolean"})

__all__ = ["ColumnMeta", "ColumnRole", "ColumnType", "Metadata"]


class ColumnMeta(BaseModel):
    """What is publicly known about one column."""

    model_config = ConfigDict(extra="forbid")

    type: ColumnType = Field(description="Logical type of the column.")
    role: ColumnRole = Field(
        "other",
        description="Disclosure role of the column. 'label': the column a release will be used to predict "
        "(synthesizers such as aim weight it; disclosure checks treat it as sensitive).",
    )
    bounds: tuple[float, float] | None = Field(
        None, description="Public [low, high] range of a numeric column (used by DP components)."
    )
    categories: list[Any] | None = Field(None, description="Public list of the values a categorical column can take.")
    nullable: bool = Field(True, description="Whether the column may contain missing values.")
    inferred: bool = Field(False, description="True when this entry was inferred from the data, not declared.")

    @field_validator("categories")
    @classmethod
    def _normalize_categories(cls, value: list[Any] | None) -> list[Any] | None:
        return normalize_categories(value)  # the rule the data gets (data/normalize.py)

    @model_validator(mode="after")
    def _check_domain(self) -> ColumnMeta:
        if self.bounds is not None:
            if not all(math.isfinite(b) for b in self.bounds):
                raise ValueError(f"bounds {list(self.bounds)} must be finite numbers (declare the public range)")
            if self.type not in NUMERIC_TYPES and self.type != "datetime":
                raise ValueError(f"bounds are only allowed for numeric columns, not {self.type}")
            if not self.bounds[0] <= self.bounds[1]:
                raise ValueError(f"bounds {list(self.bounds)} must be [low, high] with low <= high")
        return self

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def is_public_domain(self) -> bool:
        """True when the column's domain is declared (not inferred) in metadata."""
        if self.inferred:
            return False
        if self.is_numeric:
            return self.bounds is not None
        if self.type == "boolean":
            return True
        return self.categories is not None


class Metadata(BaseModel):
    """Metadata of a table: one :class:`ColumnMeta` per column, in column order."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, ColumnMeta] = Field(default_factory=dict)

    # -- construction / IO -------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "metadata") -> Metadata:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise DataError(
                f"{source}: {loc}: {err['msg']} (fix the metadata file; see docs/concepts/metadata.md)"
            ) from None

    @classmethod
    def load(cls, path: str | Path) -> Metadata:
        """Read a metadata YAML/JSON file (duplicate keys, deep nesting and non-UTF-8 text are refused)."""
        from safedata_core.schema.loader import DocumentError, load_document

        p = Path(path)
        if not p.is_file():
            raise DataError(f"metadata file '{p}' not found (check the path in data.metadata)")
        try:
            data = load_document(p, what="metadata file")
        except DocumentError as exc:
            raise DataError(str(exc)) from None
        if not isinstance(data, dict):
            raise DataError(f"metadata file '{p}' must hold a mapping with a 'columns' key")
        return cls.from_dict(data, source=str(p))

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=False)

    def dump(self, path: str | Path) -> None:
        p = Path(path)
        data = self.to_dict()
        text = json.dumps(data, indent=2) + "\n" if p.suffix == ".json" else yaml.safe_dump(data, sort_keys=False)
        try:
            p.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise DataError(f"cannot write metadata to '{p}': {exc.strerror or type(exc).__name__}") from None

    # -- queries -----------------------------------------------------------
    def names(self, *, role: str | None = None, types: frozenset[str] | None = None) -> list[str]:
        return [
            name
            for name, col in self.columns.items()
            if (role is None or col.role == role) and (types is None or col.type in types)
        ]

    @property
    def quasi_identifiers(self) -> list[str]:
        return self.names(role="quasi_identifier")

    @property
    def sensitive(self) -> list[str]:
        """Sensitive columns; a ``label`` column counts as sensitive too."""
        return [name for name, col in self.columns.items() if col.role in ("sensitive", "label")]

    @property
    def labels(self) -> list[str]:
        """Columns with role ``label``: what a release will be used to predict (a public choice)."""
        return self.names(role="label")

    @property
    def direct_identifiers(self) -> list[str]:
        return self.names(role="direct_identifier")

    @property
    def weight_column(self) -> str | None:
        weights = self.names(role="weight")
        return weights[0] if weights else None

    def merged_over(self, inferred: Metadata) -> Metadata:
        """Return this (hand-written) metadata laid over ``inferred``: declared fields win."""
        merged: dict[str, ColumnMeta] = {}
        for name, col in inferred.columns.items():
            if name in self.columns:
                declared = self.columns[name].model_dump(exclude_unset=True)
                # only the type and nullability may come from inference: a domain
                # (bounds/categories) is public only when it is declared
                # (nullable defaults to True: whether the data has missing values is
                # itself a fact about the data, so it is not carried over either)
                # an entry the file itself marks `inferred: true` (a profile draft not yet
                # confirmed) keeps that mark: its domain is not public
                base = {"type": col.type, "nullable": True, "inferred": False, **declared}
                merged[name] = ColumnMeta.model_validate(base)
            else:
                merged[name] = col
        return Metadata(columns=merged)

    def subset(self, columns: list[str]) -> Metadata:
        return Metadata(columns={c: self.columns[c] for c in columns if c in self.columns})
