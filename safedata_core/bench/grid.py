"""The benchmark grid: synthesizers x epsilons x datasets x repeats, from CLI flags or a YAML file.

YAML shape (every key optional except ``synthesizers``)::

    synthesizers: [bayes_net, example]
    epsilon: [1, 3, inf]
    datasets: [builtin:adult, {source: claims.csv, metadata: claims.yaml}]
    metadata: my.yaml     # metadata of every dataset that names none (CLI: --metadata)
    public_domain_from_data: false   # benchmarking only: treat domains read from the data as public
    repeats: 3
    rows: 5000            # subsample the train split (and the holdout) for speed
    label: income         # TSTR target (default: income if present, else the last categorical column)
    delta: 1.0e-6
    seed: 0
    params: {ctgan: {epochs: 50}}
    fast: false           # lighter evaluation: fewer boosting iterations, smaller attack samples
    eps_lower_runs: 100   # optional eps_lower column: empirical DP audit, this many fits per side (DP rows)
    eps_lower_rows: 1000  # rows of the audited table (drawn from the train split)
    plugins: []           # extra plugin modules to load (importable names), e.g. for tests
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from safedata_core.errors import SafedataError

__all__ = ["BenchGrid", "BenchJob", "load_grid", "parse_epsilons"]


def parse_epsilons(text: str | list[Any]) -> list[float]:
    """``"1,3,inf"`` (or a list) -> ``[1.0, 3.0, inf]``; ``inf`` means a non-private fit."""
    items = text.split(",") if isinstance(text, str) else list(text)
    out = []
    for item in items:
        s = str(item).strip().lower()
        if not s:
            continue
        try:
            v = math.inf if s in ("inf", "infinity", "none") else float(s)
        except ValueError:
            raise SafedataError(f"bench --epsilon: '{item}' is not a number (give e.g. 1,3,inf)") from None
        if v <= 0:
            raise SafedataError(f"bench --epsilon: {v:g} must be positive (or inf for a non-private fit)")
        out.append(v)
    if not out:
        raise SafedataError("bench --epsilon: give at least one value, e.g. 1,3,inf")
    return out


class BenchGrid(BaseModel):
    """What to benchmark."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    synthesizers: list[str] = Field(min_length=1, description="Registered synthesizer names.")
    epsilon: list[float] = Field(default_factory=lambda: [1.0, math.inf], description="Epsilons; inf = non-private.")
    datasets: list[str] = Field(
        default_factory=lambda: ["builtin:adult"],
        description="builtin:NAME or file paths; an entry {source: PATH, metadata: FILE} names its metadata.",
    )
    dataset_metadata: dict[str, str] = Field(
        default_factory=dict, description="Metadata file per dataset (filled from the datasets entries)."
    )
    metadata: str | None = Field(None, description="Metadata file of every dataset that names none.")
    public_domain_from_data: bool = Field(
        False,
        description="Benchmarking only: treat bounds and categories read from the data as public (rows are "
        "marked: not an end-to-end DP result).",
    )
    repeats: int = Field(1, ge=1, le=100, description="Repeats per combination (different seeds).")
    rows: int | None = Field(None, ge=50, description="Subsample the train split (and holdout) to this many rows.")
    label: str | None = Field(None, description="TSTR target column.")
    delta: float = Field(1e-6, ge=0, lt=1, description="Delta of every DP fit.")
    seed: int = Field(0, ge=0, description="Base seed.")
    params: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Params per synthesizer.")
    plugins: list[str] = Field(default_factory=list, description="Extra plugin modules to load.")
    fast: bool = Field(
        False,
        description="Lighter evaluation for smoke runs and tests: fewer boosting iterations, smaller attack samples.",
    )

    eps_lower_runs: int | None = Field(
        None,
        ge=2,
        description="Add an eps_lower column: an empirical DP audit (safedata_core.dpaudit) of every DP row with "
        "this many fits on each neighbouring table.",
    )
    eps_lower_rows: int = Field(1000, ge=10, description="Rows of the audited table (drawn from the train split).")

    @model_validator(mode="before")
    @classmethod
    def _dataset_entries(cls, data: Any) -> Any:
        """``datasets`` entries given as ``{source, metadata}`` become a source plus a ``dataset_metadata`` entry."""
        if not isinstance(data, dict) or not isinstance(data.get("datasets"), list):
            return data
        sources: list[Any] = []
        metadata = dict(data.get("dataset_metadata") or {})
        for entry in data["datasets"]:
            if isinstance(entry, dict):
                unknown = sorted(set(entry) - {"source", "metadata"})
                if unknown or not isinstance(entry.get("source"), str):
                    raise ValueError(f"a datasets entry is a path or {{source: PATH, metadata: FILE}}, not {entry}")
                if entry.get("metadata") is not None:
                    metadata[entry["source"]] = str(entry["metadata"])
                entry = entry["source"]
            sources.append(entry)
        return {**data, "datasets": sources, "dataset_metadata": metadata}

    def metadata_for(self, dataset: str) -> str | None:
        """The metadata file of ``dataset``: its own, else the grid's ``metadata``, else none (inferred)."""
        return self.dataset_metadata.get(dataset, self.metadata)

    @field_validator("epsilon", mode="before")
    @classmethod
    def _eps(cls, v: Any) -> list[float]:
        return parse_epsilons(v if isinstance(v, (str, list)) else [v])

    def jobs(self) -> list[BenchJob]:
        return [
            BenchJob(dataset=d, synthesizer=s, epsilon=e, repeat=r, seed=self.seed + 1000 * r)
            for d in self.datasets
            for s in self.synthesizers
            for e in self.epsilon
            for r in range(self.repeats)
        ]


@dataclass(frozen=True)
class BenchJob:
    """One fit-and-evaluate run of the grid."""

    dataset: str
    synthesizer: str
    epsilon: float
    repeat: int
    seed: int

    @property
    def label(self) -> str:
        eps = "inf" if math.isinf(self.epsilon) else f"{self.epsilon:g}"
        return f"{self.dataset} {self.synthesizer} eps={eps} repeat={self.repeat}"


def load_grid(path: str | Path, overrides: dict[str, Any] | None = None) -> BenchGrid:
    """Read a YAML grid file; ``overrides`` (CLI flags that were given) win."""
    p = Path(path)
    if not p.is_file():
        raise SafedataError(f"bench grid file '{p}' not found (check the path)")
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise SafedataError(f"bench grid file '{p}' must hold a mapping (synthesizers, epsilon, ...)")
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return make_grid(data, where=str(p))


def make_grid(data: dict[str, Any], *, where: str = "bench") -> BenchGrid:
    try:
        return BenchGrid.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise SafedataError(f"{where}: {loc}: {err['msg']}") from None
