"""The TUNE document: what to search, how to score it, what it may cost (pydantic, with a JSON Schema).

```yaml
version: 1
mode: private                    # public | private | nonprivate
data: {source: builtin:adult, proxy: builtin:adult_test, label: income, rows: 4000}
privacy: {epsilon: 2.0, delta: 1.0e-6}
trials: {distribution: poisson, mean: 5, calls: 12}
search:
  - use: mst
    params: {bins: {low: 4, high: 32, log: true}, iters: {choices: [300, 1000]}}
  - use: aim
    params: {degree: {choices: [2, 3]}, bins: auto}
objective: {tstr_auc: 1.0}
constraints: {max_seconds: 120}
```
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from safedata_core.errors import PipelineValidationError

__all__ = [
    "Constraints",
    "Objective",
    "ParamRange",
    "SearchEntry",
    "StepEntry",
    "TrialsSpec",
    "TuneData",
    "TunePrivacy",
    "TuneSpec",
    "load_tune",
    "tune_json_schema",
]

Mode = Literal["public", "private", "nonprivate"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParamRange(_Strict):
    """One searched parameter: a numeric range (``low``/``high``, ``log`` scale) or a list of ``choices``."""

    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: list[Any] | None = None

    @model_validator(mode="after")
    def _check(self) -> ParamRange:
        if self.choices is not None:
            if not self.choices or self.low is not None or self.high is not None:
                raise ValueError("give either non-empty choices or low/high, not both")
        elif self.low is None or self.high is None or not self.low < self.high:
            raise ValueError("a range needs low < high (or use choices: [...])")
        elif self.log and self.low <= 0:
            raise ValueError("a log-scale range needs low > 0")
        return self


class StepEntry(_Strict):
    """One DP step of a multi-step candidate: a synthesizer, its searched params and its budget share.

    ``share`` is the fraction of what the earlier steps left (stick-breaking): a number, a searched
    range (``{low: 0.2, high: 0.8}``) or absent (an equal part of the rest). The last step takes the
    rest and gives no share.
    """

    use: str
    params: dict[str, ParamRange | Literal["auto"]] = Field(default_factory=dict)
    fixed: dict[str, Any] = Field(default_factory=dict)
    share: float | ParamRange | None = None

    @model_validator(mode="after")
    def _share(self) -> StepEntry:
        s = self.share
        if s is None:
            return self
        values = [s] if not isinstance(s, ParamRange) else (s.choices if s.choices is not None else [s.low, s.high])
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < 1 for v in values):
            raise ValueError("a step's share is a fraction of the budget left: 0 < share < 1 (low, high, choices)")
        return self


class SearchEntry(_Strict):
    """A component to try and its searched params (``auto``: range from its Params schema); ``fixed`` params too.

    Or ``steps``: several DP synthesizers fitted on the same data, each on its share of the budget
    (the shares are searched too); their samples together are the release (rows in proportion to
    the shares).
    """

    use: str | None = None
    params: dict[str, ParamRange | Literal["auto"]] = Field(default_factory=dict)
    fixed: dict[str, Any] = Field(default_factory=dict)
    steps: list[StepEntry] | None = Field(None, min_length=2, description="A multi-step candidate (budget split).")

    @model_validator(mode="after")
    def _one_form(self) -> SearchEntry:
        if (self.use is None) == (self.steps is None):
            raise ValueError("give either use: (one component) or steps: (two or more DP synthesizers)")
        if self.steps is not None:
            if self.params or self.fixed:
                raise ValueError("a multi-step candidate takes params and fixed inside each of its steps")
            if self.steps[-1].share is not None:
                raise ValueError("the last step takes the budget the others left: remove its share")
        return self

    @property
    def label(self) -> str:
        """The component name, or the steps' names joined by '+'."""
        return self.use if self.use is not None else "+".join(s.use for s in self.steps or [])


class TuneData(_Strict):
    source: str = Field(description="The private data: a file or builtin:NAME (its metadata is used as for run).")
    metadata: str | None = None
    proxy: str | None = Field(None, description="Public/proxy data the public mode tunes on (same columns).")
    label: str | None = Field(
        None, description="Column the TSTR objective predicts (default: income or last category)."
    )
    rows: int | None = Field(
        None, ge=50, description="Use a random sample of this many rows (public sampling, seeded)."
    )
    holdout: float = Field(0.3, gt=0.05, lt=0.8, description="Fraction of records held out to score trials on.")


class TunePrivacy(_Strict):
    epsilon: float = Field(gt=0, description="Total epsilon of everything the tune charges, tuning included.")
    delta: float = Field(1e-6, ge=0, lt=1)
    accountant: Literal["rdp"] = "rdp"


class TrialsSpec(_Strict):
    """How many trials: a random number (private mode) or a fixed number of optimizer calls (other modes)."""

    distribution: Literal["poisson", "truncated_negative_binomial"] = "poisson"
    mean: float = Field(5.0, ge=1.0, description="Expected number of trials in private mode.")
    eta: float = Field(1.0, ge=0, description="Truncated negative binomial shape (0 logarithmic, 1 geometric).")
    calls: int = Field(12, ge=1, le=10_000, description="Optimizer calls in public and nonprivate mode.")
    initial: int = Field(4, ge=1, description="Random calls before the Gaussian-process model is used.")
    max_trials: int = Field(200, ge=1, description="Safety stop for private mode: refuse when K is above this.")


class Objective(_Strict):
    """Weights of the scores to maximise (all in [0, 1], higher is better)."""

    tstr_auc: float = Field(1.0, ge=0)
    accuracy: float = Field(0.0, ge=0)
    fidelity_2way: float = Field(0.0, ge=0)
    bins: int = Field(20, ge=2, le=200, description="Score bins of the DP AUC (private mode).")
    fidelity_columns: int = Field(6, ge=2, le=30, description="Columns whose pairs the 2-way fidelity uses.")

    @model_validator(mode="after")
    def _some_weight(self) -> Objective:
        if self.tstr_auc + self.accuracy + self.fidelity_2way <= 0:
            raise ValueError("give at least one positive objective weight (tstr_auc, accuracy, fidelity_2way)")
        return self

    def weights(self) -> dict[str, float]:
        return {k: v for k, v in (("tstr_auc", self.tstr_auc), ("accuracy", self.accuracy),
                                  ("fidelity_2way", self.fidelity_2way)) if v > 0}  # fmt: skip


class Constraints(_Strict):
    """Upper/lower bounds turned into penalties (``penalty`` per unit of violation, relative)."""

    max_seconds: float | None = Field(None, gt=0, description="Time per trial.")
    max_risk: float | None = Field(None, gt=0, le=1, description="Membership-inference AUC bound (not private mode).")
    min_k: int | None = Field(None, ge=2, description="Smallest equivalence class on the QIs (SDC trials).")
    max_suppression: float | None = Field(None, ge=0, le=1, description="Share of blanked QI cells (SDC trials).")
    penalty: float = Field(1.0, gt=0)


class TuneSpec(_Strict):
    version: Literal[1] = 1
    name: str = "tune"
    mode: Mode
    data: TuneData
    privacy: TunePrivacy | None = None
    trials: TrialsSpec = Field(default_factory=TrialsSpec)
    search: list[SearchEntry] = Field(min_length=1)
    objective: Objective = Field(default_factory=Objective)
    constraints: Constraints = Field(default_factory=Constraints)
    seed: int = 0
    plugins: list[str] = Field(default_factory=list, description="Extra plugin modules to load (importable names).")
    jobs: int = Field(1, ge=1, description="Trials run at once (local processes), public and nonprivate mode.")
    dask: str | None = Field(None, description="Dask scheduler address ('local' starts one), as bench --dask.")

    @model_validator(mode="after")
    def _modes(self) -> TuneSpec:
        if self.mode == "nonprivate" and self.privacy is not None:
            raise ValueError("mode nonprivate is allowed only with DP off: remove privacy:")
        if self.mode != "nonprivate" and self.privacy is None:
            raise ValueError(f"mode {self.mode} needs privacy: {{epsilon: ..., delta: ...}}")
        if self.mode == "public" and not self.data.proxy:
            raise ValueError("mode public tunes on public data: give data.proxy")
        c = self.constraints
        if self.mode == "nonprivate" and any(e.steps for e in self.search):
            raise ValueError("multi-step candidates split a DP budget: not in nonprivate mode")
        if self.mode == "private" and any(
            v is not None for v in (c.max_risk, c.max_seconds, c.min_k, c.max_suppression)
        ):
            raise ValueError(
                "private mode selects on DP scores only: constraints (attacks, timings, k, suppression on the "
                "private data) are not DP; tune them in public mode"
            )
        if self.privacy is not None and not math.isfinite(self.privacy.epsilon):
            raise ValueError("privacy.epsilon must be finite")
        return self


def tune_json_schema() -> dict[str, Any]:
    """JSON Schema of the TUNE document."""
    schema = TuneSpec.model_json_schema()
    schema["title"] = "safedata tune file"
    return schema


def load_tune(source: str | Path | dict[str, Any]) -> TuneSpec:
    """Read and validate a TUNE file (YAML/JSON) or dict; problems raise ``PipelineValidationError``."""
    if isinstance(source, dict):
        data, where = source, "tune"
    else:
        import yaml

        path = Path(source)
        if not path.is_file():
            raise PipelineValidationError([("", f"{path}: no such tune file")])
        data, where = yaml.safe_load(path.read_text(encoding="utf-8")), str(path)
    if not isinstance(data, dict):
        raise PipelineValidationError([("", f"{where}: a tune file is a mapping of keys")])
    try:
        return TuneSpec.model_validate(data)
    except ValidationError as exc:
        problems = [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        raise PipelineValidationError(problems) from None
