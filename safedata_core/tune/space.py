"""The search space: which component to use and its params, as scikit-optimize dimensions.

One categorical dimension ``use`` picks a search entry; each searched param of
each entry is a dimension named ``<entry index>:<use>.<param>`` (ignored when
another entry is picked; one component may appear in several entries).
``auto`` takes the range from the component's Params JSON Schema:
``minimum``/``maximum`` (integer or real; log scale when the range spans 100x
or more from a positive low, or when the field declares
``json_schema_extra={"log": true}``), ``enum`` or a boolean as choices.
Choices are encoded as indices, so any YAML value (``null`` included) works.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from safedata_core.errors import PipelineValidationError, SafedataError
from safedata_core.tune.spec import ParamRange, SearchEntry

__all__ = ["Config", "SearchSpace", "param_range", "require_skopt"]


def require_skopt() -> None:
    """Refuse with the install command when scikit-optimize is missing."""
    try:
        import skopt  # noqa: F401
    except ImportError:
        raise SafedataError("safedata tune needs scikit-optimize: pip install 'safedata-core[tune]'") from None


@dataclass(frozen=True)
class Config:
    """One candidate: a component name and its full params."""

    use: str
    params: dict[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in sorted(self.params.items()))
        return f"{self.use}({inner})"


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
        self.ranges: dict[str, tuple[int, str, ParamRange, bool]] = {}  # dim -> (entry, param, range, integer)
        for i, entry in enumerate(entries):
            where = f"search.{i}"
            try:
                info = registry.get(entry.use)
            except Exception:
                raise PipelineValidationError([(f"{where}.use", f"no installed component '{entry.use}'")]) from None
            if info.kind not in ("synthesizer", "sdc"):
                raise PipelineValidationError([(f"{where}.use", f"'{entry.use}' is a {info.kind}: tune searches "
                                                "synthesizers and SDC methods")])  # fmt: skip
            self.infos[entry.use] = info
            props = info.cls.Params.model_json_schema().get("properties", {})
            for name, spec in entry.params.items():
                pw = f"{where}.params.{name}"
                rng = param_range(info.cls.Params, name, pw) if spec == "auto" else spec
                if name not in props:
                    raise PipelineValidationError([(pw, f"'{entry.use}' has no param '{name}'")])
                integer = _prop(props[name]).get("type") == "integer"
                self.ranges[f"{i}:{entry.use}.{name}"] = (i, name, rng, integer)

    @property
    def names(self) -> list[str]:
        return ["use", *self.ranges]

    def dimensions(self) -> list[Any]:
        """scikit-optimize dimensions, in the order of :attr:`names`."""
        require_skopt()
        from skopt.space import Categorical, Integer, Real

        uses = [e.use for e in self.entries]
        dims: list[Any] = [Categorical(list(range(len(uses))), name="use")]
        for dim, (_, _, rng, integer) in self.ranges.items():
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
        params: dict[str, Any] = dict(entry.fixed)
        for dim, (owner, name, rng, integer) in self.ranges.items():
            if owner != index:
                continue
            v = values[dim]
            if rng.choices is not None:
                params[name] = rng.choices[int(v)]
            else:
                params[name] = int(v) if integer else float(v)
        return Config(entry.use, params)

    def default(self, index: int = 0) -> Config:
        """The component of entry ``index`` with its default params (plus the entry's fixed ones)."""
        entry = self.entries[index]
        return Config(entry.use, dict(entry.fixed))

    def sample(self, n: int, seed: int) -> list[Config]:
        """``n`` configurations drawn independently of any data (random search; private mode)."""
        from skopt.space import Space

        points = Space(self.dimensions()).rvs(n_samples=n, random_state=seed)
        return [self.decode(list(p)) for p in points]
