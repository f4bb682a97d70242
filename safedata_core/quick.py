"""The one-call Python API: one component on one DataFrame, without a pipeline file.

    from safedata_core.quick import Synthesizer, SDC

    synth = Synthesizer("mst", epsilon=1.0, delta=1e-6, metadata="metadata.yaml").fit(df)
    synthetic = synth.sample(1000)          # a DataFrame
    synth.ledger                            # every DP charge, as in a run's ledger.json
    synth.save("mst.json"); Synthesizer.load("mst.json").sample(500)

    protected = SDC("mdav", k=5).apply(df)  # a DataFrame; .changes says what changed

The classes are exported at the top level as :class:`safedata_core.QuickSynthesizer`
and :class:`safedata_core.QuickSDC` (the name ``safedata_core.Synthesizer`` is the
base class plugins subclass). They follow the pipeline runner's rules: a DP
synthesizer gets its own ledger with the budget given here, reads only columns
declared in the metadata, draws DP noise from the secure generator (never from
the seed) and drops columns declared as direct identifiers. The full workflow
(profile, several steps, attacks, report, audit log) is ``Engine.run``.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from safedata_core.data import Metadata, Table
from safedata_core.engine import Engine
from safedata_core.errors import ComponentError, DataError, PrivacyBudgetError
from safedata_core.privacy import Budget, Ledger, NoiseSource, require_declared
from safedata_core.registry import ComponentInfo

__all__ = ["SDC", "MetadataSource", "Synthesizer"]

MetadataSource = Metadata | Mapping[str, Any] | str | Path | None
FORMAT = "safedata-synthesizer"
FORMAT_VERSION = 1
STEP = "fit"  # the ledger's step id for the one fit a handle makes


@functools.lru_cache(maxsize=1)
def _default_engine() -> Engine:
    return Engine()


def _random_seed() -> int:
    """A fresh non-DP seed from OS entropy (used when the caller gives none)."""
    return int(np.random.SeedSequence().generate_state(1)[0])


def load_metadata(metadata: MetadataSource, where: str) -> Metadata | None:
    """``metadata`` as a :class:`Metadata`: a Metadata, a dict (with or without ``columns``) or a YAML/JSON path."""
    if metadata is None or isinstance(metadata, Metadata):
        return metadata
    if isinstance(metadata, str | Path):
        return Metadata.load(metadata)
    if isinstance(metadata, Mapping):
        data = dict(metadata)
        if "columns" not in data and all(isinstance(v, Mapping) for v in data.values()):
            data = {"columns": data}  # a plain {column: spec} mapping
        return Metadata.from_dict(data, source=f"{where}: metadata")
    raise DataError(
        f"{where}: metadata must be a Metadata, a dict or a path to a YAML/JSON file, not {type(metadata).__name__}"
    )


def _table(data: pd.DataFrame | Table, metadata: Metadata | None, where: str) -> Table:
    if isinstance(data, Table):
        return data if metadata is None else Table.from_dataframe(data.df, metadata, source=where)
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"{where}: expected a pandas DataFrame, got {type(data).__name__} (use pd.read_csv first)")
    return Table.from_dataframe(data, metadata, source=where)


def _params(info: ComponentInfo, params: Mapping[str, Any] | None, extra: Mapping[str, Any], where: str) -> BaseModel:
    merged = {**dict(params or {}), **dict(extra)}
    try:
        return info.cls.Params.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "params"
        msg = "unknown parameter (check its spelling)" if err["type"] == "extra_forbidden" else err["msg"]
        fields = ", ".join(info.cls.Params.model_fields) or "none"
        raise ComponentError(f"{where}: parameter '{loc}': {msg} (parameters of '{info.name}': {fields})") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(type(value).__name__)


def _check_rows(rows: Any, where: str) -> int:
    if isinstance(rows, bool) or not isinstance(rows, int | np.integer) or int(rows) < 1:
        raise DataError(f"{where}: rows must be a positive whole number, got {rows!r}")
    return int(rows)


class Synthesizer:
    """One synthesizer, fitted on a DataFrame and sampled to DataFrames.

    ``name`` is a registered synthesizer (``safedata plugins`` lists them).
    ``epsilon``/``delta`` are the privacy budget of the fit: required for a DP
    synthesizer, refused for a non-DP one (or one run with ``dp=False``).
    ``metadata`` (a :class:`Metadata`, a dict or a YAML/JSON path) declares the
    columns: under DP every column must be declared, with bounds for numbers.
    ``params`` and extra keyword arguments are the component's parameters.
    ``seed`` drives the non-DP randomness only (sampling, shuffles); DP noise
    comes from the secure generator unless ``reproducible_noise=True``
    (tests only: the result is then not DP). ``engine`` defaults to one that
    loads every installed plugin.
    """

    def __init__(
        self,
        name: str,
        *,
        epsilon: float | None = None,
        delta: float = 0.0,
        metadata: MetadataSource = None,
        params: Mapping[str, Any] | None = None,
        seed: int | None = None,
        accountant: str = "rdp",
        reproducible_noise: bool = False,
        keep_direct_identifiers: bool = False,
        engine: Engine | None = None,
        **extra_params: Any,
    ) -> None:
        self.name = name
        self._where = f"Synthesizer('{name}')"
        self.engine = engine or _default_engine()
        self.info = self.engine.registry.get(name, "synthesizer")
        self.params = _params(self.info, params, extra_params, self._where)
        self.dp = self.info.privacy == "dp" and bool(getattr(self.params, "dp", True))
        self.budget = self._budget(epsilon, delta)
        self.metadata = load_metadata(metadata, self._where)
        self.seed = _random_seed() if seed is None else int(seed)
        self.accountant = accountant
        self.reproducible_noise = reproducible_noise
        self.keep_direct_identifiers = keep_direct_identifiers
        self.warnings: list[str] = []
        self.dropped_identifiers: list[str] = []
        self._component: Any = None
        self._ledger: dict[str, Any] | None = None
        self._estimated_rows: int | None = None
        self._fit_rows: int | None = None  # non-DP fits only: the input size is no secret there
        self._samples = 0

    def _budget(self, epsilon: float | None, delta: float) -> Budget | None:
        if not self.dp:
            if epsilon is not None:
                raise PrivacyBudgetError(
                    f"{self._where}: '{self.name}' is not differentially private with these parameters, so "
                    "epsilon means nothing here; drop epsilon/delta (or pick a DP synthesizer)"
                )
            return None
        if epsilon is None:
            raise PrivacyBudgetError(
                f"{self._where}: '{self.name}' is differentially private: give its budget, e.g. "
                f"Synthesizer('{self.name}', epsilon=1.0, delta=1e-6, metadata=...)"
            )
        eps, dlt = float(epsilon), float(delta)
        if not (math.isfinite(eps) and eps > 0):
            raise PrivacyBudgetError(f"{self._where}: epsilon={epsilon!r}; give a finite epsilon > 0 (e.g. 1.0)")
        if not (0 <= dlt < 1):
            raise PrivacyBudgetError(f"{self._where}: delta={delta!r}; give 0 <= delta < 1 (e.g. 1e-6)")
        return Budget(eps, dlt)

    # -- state ------------------------------------------------------------------
    @property
    def fitted(self) -> bool:
        return self._component is not None

    @property
    def ledger(self) -> dict[str, Any]:
        """The fit's privacy ledger (budget, composed spend, every charge), as in a run's ``ledger.json``."""
        self._require_fitted("ledger")
        assert self._ledger is not None
        return self._ledger

    @property
    def epsilon_spent(self) -> float:
        """Epsilon the fit spent (0 for a non-DP fit)."""
        return float(self.ledger["spent"]["epsilon"])

    def estimated_rows(self) -> int | None:
        """The synthesizer's DP estimate of the input row count (None when it has none)."""
        self._require_fitted("estimated_rows()")
        return self._estimated_rows

    def _require_fitted(self, what: str) -> None:
        if self._component is None:
            raise ComponentError(f"{self._where}: call fit(df) before {what}")

    # -- fit / sample -----------------------------------------------------------
    def fit(self, data: pd.DataFrame | Table) -> Synthesizer:
        """Fit on ``data`` (a DataFrame, or a Table); returns ``self`` so calls chain."""
        where = f"{self._where}.fit"
        table = _table(data, self.metadata, where)
        ids = [c for c in table.metadata.direct_identifiers if c in table.columns]
        if ids and not self.keep_direct_identifiers:
            table = table.select([c for c in table.columns if c not in ids])
            self.dropped_identifiers = ids
        if self.dp:
            require_declared(table, where=where, component=self.name)
        component: Any = self.info.cls(self.params)
        ledger = Ledger(self.budget, accountant=self.accountant)
        share = None
        if self.budget is not None:
            share = ledger.share(STEP, self.name, self.budget)
            if self.reproducible_noise:
                share.noise = NoiseSource.reproducible(self.seed)
                self.warnings.append("DP noise came from a seeded generator (reproducible_noise=True): not DP")
        component.fit(table, budget=share, seed=self.seed)
        if share is not None and not ledger.events(STEP):
            self.warnings.append(f"DP synthesizer '{self.name}' recorded no privacy charge")
        self._component = component
        self._ledger = ledger.to_dict()
        self._samples = 0
        self._estimated_rows = self._component_estimate(component) if self.dp else None
        self._fit_rows = None if self.dp else len(table)
        return self

    @staticmethod
    def _component_estimate(component: Any) -> int | None:
        method = getattr(component, "estimated_rows", None)
        value = method() if callable(method) else None
        return int(value) if value is not None else None

    def sample(self, rows: int | None = None, *, seed: int | None = None) -> pd.DataFrame:
        """``rows`` synthetic rows as a DataFrame.

        Without ``rows``: the synthesizer's DP estimate of the input size after a DP
        fit, the input size after a non-DP fit. Without ``seed``: a new draw on each
        call (reproducible from the handle's seed).
        """
        where = f"{self._where}.sample"
        self._require_fitted("sample()")
        if rows is None:
            rows = self._estimated_rows if self.dp else self._fit_rows
            if rows is None:
                raise ComponentError(
                    f"{where}: '{self.name}' has no DP estimate of the row count; give the number of rows, "
                    "e.g. .sample(1000)"
                )
        n = _check_rows(rows, where)
        if seed is None:
            self._samples += 1
            seed = int(np.random.SeedSequence([self.seed, self._samples]).generate_state(1)[0])
        table = self._component.sample(n, seed=int(seed))
        return table.df if isinstance(table, Table) else pd.DataFrame(table)

    # -- save / load --------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted model, its parameters and its ledger to one JSON file; returns the path."""
        where = f"{self._where}.save"
        self._require_fitted("save()")
        state = self._component.state_dict()
        if state is None:
            raise ComponentError(
                f"{where}: '{self.name}' does not support saving (its state_dict() returns None); "
                "keep the handle in memory or sample what you need now"
            )
        envelope = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "component": self.name,
            "distribution": self.info.distribution,
            "version": self.info.version,
            "params": self.params.model_dump(mode="json"),
            "dp": self.dp,
            "budget": self.budget.to_dict() if self.budget else None,
            "ledger": self._ledger,
            "estimated_rows": self._estimated_rows,
            "fit_rows": self._fit_rows,
            "dropped_identifiers": self.dropped_identifiers,
            "warnings": self.warnings,
            "state": state,
        }
        try:
            text = json.dumps(envelope, default=_json_default)
        except (TypeError, ValueError) as exc:
            raise ComponentError(
                f"{where}: the state of '{self.name}' is not JSON-serialisable ({exc}); the plugin's state_dict() "
                "must return plain lists, numbers and strings"
            ) from None
        out = Path(path)
        if out.is_dir():
            raise DataError(f"{where}: '{out}' is a folder; give a file name such as '{out / (self.name + '.json')}'")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        return out

    @classmethod
    def load(cls, path: str | Path, *, engine: Engine | None = None, seed: int | None = None) -> Synthesizer:
        """Restore a handle written by :meth:`save` (ready to sample)."""
        p = Path(path)
        where = f"Synthesizer.load('{p}')"
        if not p.is_file():
            raise DataError(f"{where}: file not found (give the path .save() wrote)")
        try:
            env = json.loads(p.read_text(encoding="utf-8"))
        except ValueError:
            raise DataError(f"{where}: not a saved synthesizer (the file is not JSON)") from None
        if not isinstance(env, dict) or env.get("format") != FORMAT:
            raise DataError(f"{where}: not a saved synthesizer (no '{FORMAT}' header)")
        if env.get("format_version") != FORMAT_VERSION:
            raise DataError(
                f"{where}: saved with format version {env.get('format_version')}, this safedata reads "
                f"{FORMAT_VERSION}; save it again with this version"
            )
        handle = cls.__new__(cls)
        handle.name = str(env["component"])
        handle._where = f"Synthesizer('{handle.name}')"
        handle.engine = engine or _default_engine()
        handle.info = handle.engine.registry.get(handle.name, "synthesizer")
        handle.params = _params(handle.info, env["params"], {}, where)
        handle.dp = bool(env["dp"])
        handle.budget = Budget(**env["budget"]) if env.get("budget") else None
        handle.metadata = None
        handle.seed = _random_seed() if seed is None else int(seed)
        handle.accountant = str((env.get("ledger") or {}).get("accountant", "rdp"))
        handle.reproducible_noise = False
        handle.keep_direct_identifiers = False
        handle.warnings = list(env.get("warnings") or [])
        handle.dropped_identifiers = list(env.get("dropped_identifiers") or [])
        handle._ledger = env["ledger"]
        handle._estimated_rows = env.get("estimated_rows")
        handle._fit_rows = env.get("fit_rows")
        handle._samples = 0
        component: Any = handle.info.cls(handle.params)
        try:
            component.load_state_dict(env["state"])
        except TypeError as exc:
            raise ComponentError(f"{where}: '{handle.name}' cannot load a saved state ({exc})") from None
        handle._component = component
        return handle

    def __repr__(self) -> str:
        budget = f", epsilon={self.budget.epsilon:g}, delta={self.budget.delta:g}" if self.budget else ""
        return f"Synthesizer('{self.name}'{budget}, {'fitted' if self.fitted else 'not fitted'})"


class SDC:
    """One statistical-disclosure-control method applied to a DataFrame.

    ``name`` is a registered SDC method; ``params`` and extra keyword arguments
    are its parameters (e.g. ``SDC("mdav", k=5)``). ``metadata`` declares types
    and roles as for :class:`Synthesizer`. After :meth:`apply`, ``changes`` holds
    the method's account of what it changed (records and cells modified, ...).
    SDC gives no formal guarantee: check the result with an attack.
    """

    def __init__(
        self,
        name: str,
        *,
        metadata: MetadataSource = None,
        params: Mapping[str, Any] | None = None,
        seed: int | None = None,
        engine: Engine | None = None,
        **extra_params: Any,
    ) -> None:
        self.name = name
        self._where = f"SDC('{name}')"
        self.engine = engine or _default_engine()
        self.info = self.engine.registry.get(name, "sdc")
        self.params = _params(self.info, params, extra_params, self._where)
        self.metadata = load_metadata(metadata, self._where)
        self.seed = _random_seed() if seed is None else int(seed)
        self.changes: dict[str, Any] = {}

    def apply(self, data: pd.DataFrame | Table, *, rows: np.ndarray | pd.Series | None = None) -> pd.DataFrame:
        """The protected table as a DataFrame; ``rows`` (a boolean mask) limits treatment to those records."""
        table = _table(data, self.metadata, f"{self._where}.apply")
        mask = None if rows is None else np.asarray(rows, dtype=bool)
        method: Any = self.info.cls(self.params)
        result = method.apply(table, seed=self.seed, rows=mask)
        self.changes = dict(result.changes)
        return result.table.df

    def __repr__(self) -> str:
        return f"SDC('{self.name}')"
