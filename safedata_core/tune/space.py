"""The search space: which component to use and its params, as scikit-optimize dimensions.

One categorical dimension ``use`` picks a search entry; each searched param of
each entry is a dimension named ``<entry index>:<use>.<param>`` (ignored when
another entry is picked; one component may appear in several entries).
``auto`` takes the range from the component's Params JSON Schema:
``minimum``/``maximum`` (integer or real; log scale when the range spans 100x
or more from a positive low, or when the field declares
``json_schema_extra={"log": true}``), ``enum`` or a boolean as choices.
Choices are encoded as indices, so any YAML value (``null`` included) works.

A multi-step entry (``steps:``) names its dimensions ``<entry>.<step>:<use>.<param>``
and ``<entry>.<step>:<use>.share`` (a searched budget share); the decoded
:class:`Config` lists its :class:`StepConfig` parts with their fractions of the
budget (stick-breaking: each share is a fraction of what the earlier steps left).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from safedata_core.errors import PipelineValidationError, SafedataError
from safedata_core.tune.spec import ParamRange, SearchEntry

__all__ = ["Config", "SearchSpace", "StepConfig", "param_range", "require_skopt", "split_fractions"]


def require_skopt() -> None:
    """Refuse with the install command when scikit-optimize is missing."""
    try:
        import skopt  # noqa: F401
    except ImportError:
        raise SafedataError("safedata tune needs scikit-optimize: pip install 'safedata-core[tune]'") from None


@dataclass(frozen=True)
class StepConfig:
    """One part of a multi-step candidate: a component, its params, its fraction of the budget."""

    use: str
    params: dict[str, Any]
    fraction: float


@dataclass(frozen=True)
class Config:
    """One candidate: a component name and its full params (or, multi-step, its ``steps``)."""

    use: str
    params: dict[str, Any] = field(default_factory=dict)
    steps: tuple[StepConfig, ...] = ()

    @classmethod
    def multi(cls, steps: list[StepConfig]) -> Config:
        """A multi-step candidate; ``params`` lists the steps (for tables and the stored index)."""
        shown = {"steps": [{"use": s.use, "params": s.params, "fraction": s.fraction} for s in steps]}
        return cls("+".join(s.use for s in steps), shown, tuple(steps))

    def parts(self) -> list[StepConfig]:
        """The steps (a one-component candidate is one step with the whole budget)."""
        return list(self.steps) if self.steps else [StepConfig(self.use, self.params, 1.0)]

    def key(self) -> str:
        if self.steps:
            return " + ".join(f"{Config(s.use, s.params).key()}@{s.fraction:.3f}" for s in self.steps)
        inner = ", ".join(f"{k}={v!r}" for k, v in sorted(self.params.items()))
        return f"{self.use}({inner})"


def split_fractions(shares: list[float | None]) -> list[float]:
    """Fractions of the budget from stick-breaking shares (``None``: an equal part of the rest; last: the rest)."""
    left, out = 1.0, []
    n = len(shares)
    for j, share in enumerate(shares):
        if j == n - 1:
            out.append(left)
            break
        part = left * (share if share is not None else 1.0 / (n - j))
        out.append(part)
        left -= part
    return out


def _prop(schema: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of an ``anyOf`` property (``int | None`` fields)."""
    for branch in schema.get("anyOf", []):
        if branch.get("type") != "null":
            return {**schema, **branch}
    return schema


def param_range(params_cls: Any, name: str, where: str) -> ParamRange:
    """The range of ``params_cls.name`` declared in its JSON Schema (``auto``)."""
    props = params_cls.model_json_schema().get("properties", {})
    if name not in props:
        raise PipelineValidationError([(where, f"no param '{name}' (params: {', '.join(sorted(props))})")])
    prop = _prop(props[name])
    if "enum" in prop:
        return ParamRange(choices=list(prop["enum"]))
    if prop.get("type") == "boolean":
        return ParamRange(choices=[True, False])
    low = prop.get("minimum", prop.get("exclusiveMinimum"))
    high = prop.get("maximum", prop.get("exclusiveMaximum"))
    if prop.get("type") in ("integer", "number") and low is not None and high is not None:
        log = bool(prop.get("log")) or (low > 0 and high / low >= 100)
        return ParamRange(low=float(low), high=float(high), log=log)
    raise PipelineValidationError(
        [(where, f"param '{name}' declares no range in its schema: give low/high or choices")]
    )


class SearchSpace:
    """The dimensions of a list of :class:`SearchEntry` against the installed components."""

    def __init__(self, entries: list[SearchEntry], registry: Any) -> None:
        self.entries = entries
        self.infos: dict[str, Any] = {}
        # dim -> (entry, step or -1, param ('' for a share), range, integer)
        self.ranges: dict[str, tuple[int, int, str, ParamRange, bool]] = {}
        for i, entry in enumerate(entries):
            if entry.steps is None:
                assert entry.use is not None
                self._add(registry, i, -1, entry.use, entry.params, f"search.{i}")
                continue
            for j, step in enumerate(entry.steps):
                where = f"search.{i}.steps.{j}"
                self._add(registry, i, j, step.use, step.params, where)
                if self.infos[step.use].kind != "synthesizer" or self.infos[step.use].cls.privacy != "dp":
                    raise PipelineValidationError(
                        [(f"{where}.use", f"'{step.use}' is not a DP synthesizer: a multi-step candidate splits "
                          "a DP budget between DP synthesizers")])  # fmt: skip
                if isinstance(step.share, ParamRange):
                    self.ranges[f"{i}.{j}:{step.use}.share"] = (i, j, "", step.share, False)

    def _add(self, registry: Any, i: int, j: int, use: str, searched: dict[str, Any], where: str) -> None:
        try:
            info = registry.get(use)
        except Exception:
            raise PipelineValidationError([(f"{where}.use", f"no installed component '{use}'")]) from None
        if info.kind not in ("synthesizer", "sdc"):
            raise PipelineValidationError([(f"{where}.use", f"'{use}' is a {info.kind}: tune searches "
                                            "synthesizers and SDC methods")])  # fmt: skip
        self.infos[use] = info
        props = info.cls.Params.model_json_schema().get("properties", {})
        prefix = f"{i}" if j < 0 else f"{i}.{j}"
        for name, spec in searched.items():
            pw = f"{where}.params.{name}"
            rng = param_range(info.cls.Params, name, pw) if spec == "auto" else spec
            if name not in props:
                raise PipelineValidationError([(pw, f"'{use}' has no param '{name}'")])
            integer = _prop(props[name]).get("type") == "integer"
            self.ranges[f"{prefix}:{use}.{name}"] = (i, j, name, rng, integer)

    @property
    def names(self) -> list[str]:
        return ["use", *self.ranges]

    def dimensions(self) -> list[Any]:
        """scikit-optimize dimensions, in the order of :attr:`names`."""
        require_skopt()
        from skopt.space import Categorical, Integer, Real

        dims: list[Any] = [Categorical(list(range(len(self.entries))), name="use")]
        for dim, (_, _, _, rng, integer) in self.ranges.items():
            if rng.choices is not None:
                dims.append(Categorical(list(range(len(rng.choices))), name=dim))
                continue
            assert rng.low is not None and rng.high is not None
            prior = "log-uniform" if rng.log else "uniform"
            if integer:
                lo, hi = math.ceil(rng.low), math.floor(rng.high)
                dims.append(Integer(lo, hi, prior=prior, name=dim) if hi > lo else Categorical([lo], name=dim))
            else:
                dims.append(Real(rng.low, rng.high, prior=prior, name=dim))
        return dims

    def decode(self, point: list[Any]) -> Config:
        """The configuration of an optimizer point."""
        values = dict(zip(self.names, point, strict=True))
        index = int(values["use"])
        entry = self.entries[index]
        steps = entry.steps
        chosen: dict[int, dict[str, Any]] = {}
        for dim, (owner, j, name, rng, integer) in self.ranges.items():
            if owner != index:
                continue
            v = values[dim]
            if rng.choices is not None:
                value = rng.choices[int(v)]
            else:
                value = int(v) if integer else float(v)
            chosen.setdefault(j, {})[name] = value
        if steps is None:
            assert entry.use is not None
            return Config(entry.use, {**entry.fixed, **chosen.get(-1, {})})
        shares: list[float | None] = []
        for j, step in enumerate(steps):
            searched = chosen.get(j, {}).pop("", None)
            shares.append(float(searched) if searched is not None else step.share)  # type: ignore[arg-type]
        fractions = split_fractions(shares)
        return Config.multi(
            [
                StepConfig(s.use, {**s.fixed, **chosen.get(j, {})}, f)
                for j, (s, f) in enumerate(zip(steps, fractions, strict=True))
            ]
        )

    def default(self, index: int = 0) -> Config:
        """The component of entry ``index`` with its default params (plus the entry's fixed ones)."""
        entry = self.entries[index]
        if entry.steps is not None:
            fractions = split_fractions([None if isinstance(s.share, ParamRange) else s.share for s in entry.steps])
            return Config.multi(
                [StepConfig(s.use, dict(s.fixed), f) for s, f in zip(entry.steps, fractions, strict=True)]
            )
        assert entry.use is not None
        return Config(entry.use, dict(entry.fixed))

    def sample(self, n: int, seed: int) -> list[Config]:
        """``n`` configurations drawn independently of any data (random search; private mode)."""
        from skopt.space import Space

        points = Space(self.dimensions()).rvs(n_samples=n, random_state=seed)
        return [self.decode(list(p)) for p in points]
