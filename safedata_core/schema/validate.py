"""Two-phase pipeline validation: the envelope, then everything that needs the registry.

All problems are collected and raised together as one
:class:`~safedata_core.PipelineValidationError` whose entries carry paths such as
``steps[2].params.epochs``. Nothing runs until a pipeline validates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata as md
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from safedata_core.components import Profiler
from safedata_core.errors import PipelineValidationError, SafedataError, UnknownComponentError
from safedata_core.privacy.budget import Budget
from safedata_core.registry import ComponentInfo, Registry
from safedata_core.schema.loader import check_document, load_document
from safedata_core.schema.paths import PathOutsideRoot, path_params, resolve_path
from safedata_core.schema.pipeline import Pipeline, StepSpec

RELEASING_KINDS = ("synthesizer", "sdc", "mechanism")

__all__ = ["PlannedStep", "ResolvedPipeline", "load_pipeline", "resolve_pipeline"]


@dataclass
class PlannedStep:
    """A validated step: its component, parsed params and budget share."""

    spec: StepSpec
    kind: str  # the component's kind (``"unknown"`` when its use is not registered)
    info: ComponentInfo | None
    params: BaseModel | None
    share: Budget | None
    target: str | None  # releasing step evaluated (attack/metric) or 'all'/'rare' (sdc)
    intermediate: bool = False  # an SDC step whose output a later SDC step protects further

    @property
    def produces_table(self) -> bool:
        return self.kind in RELEASING_KINDS

    @property
    def releases(self) -> bool:
        """Whether the step's table is written to released/ (``release`` overrides the default).

        By default every table-producing step releases, except an SDC step whose
        output a later SDC step reads: that table is an intermediate, not yet
        protected (e.g. generalisation before local suppression).
        """
        if not self.produces_table:
            return False
        if self.spec.release is not None:
            return self.spec.release
        return not self.intermediate


@dataclass
class ResolvedPipeline:
    """A pipeline that passed both validation phases."""

    pipeline: Pipeline
    base_dir: Path
    steps: list[PlannedStep]
    raw: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    data_root: Path | None = None

    def resolve_source(self, value: str, where: str = "data.source") -> str:
        """A data/metadata/holdout value as the runner must open it: an absolute path or a scheme.

        Relative paths resolve against the pipeline file's folder; with a data
        root, a path outside it raises a one-line SafedataError.
        """
        return resolve_path(value, self.base_dir, data_root=self.data_root, where=where)

    def budget_plan(self) -> list[dict[str, Any]]:
        return [
            {"step": p.spec.id, "use": p.spec.use, "epsilon": p.share.epsilon, "delta": p.share.delta}
            for p in self.steps
            if p.share is not None
        ]


def load_pipeline(source: str | Path | Mapping[str, Any]) -> tuple[dict[str, Any], Path]:
    """Read a pipeline file (YAML/JSON) or take a dict; returns the raw dict and its folder.

    Files go through :mod:`safedata_core.schema.loader` (duplicate keys, aliases,
    depth, encoding); a dict gets the depth and text checks.
    """
    if isinstance(source, Mapping):
        check_document(source, source="pipeline")
        return dict(source), Path.cwd()
    path = Path(source)
    data = load_document(path, what="pipeline file")
    if not isinstance(data, dict):
        raise SafedataError(f"pipeline file '{path}' must hold a mapping (version, data, steps, ...)")
    return data, path.resolve().parent


def _loc(parts: tuple[Any, ...]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _pydantic_problems(exc: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    problems = []
    for err in exc.errors():
        loc = _loc(tuple(err["loc"]))
        path = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (remove it or check its spelling)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        problems.append((path, msg))
    return problems


def resolve_pipeline(
    source: str | Path | Mapping[str, Any] | Pipeline,
    registry: Registry,
    *,
    data_root: str | Path | None = None,
    base_dir: str | Path | None = None,
) -> ResolvedPipeline:
    """Validate ``source`` fully against ``registry``; raise with every problem found.

    Relative paths resolve against the pipeline file's folder (for a dict or a
    model: ``base_dir``, else ``data_root``, else the working directory).
    ``data_root``: refuse every local path outside this folder (for embedding
    applications; the CLI's ``--data-root``).
    """
    root = Path(data_root) if data_root is not None else None
    if isinstance(source, Pipeline):
        raw, folder = source.model_dump(mode="json", exclude={"privacy": {"secure"}}), Path.cwd()
    else:
        raw, folder = load_pipeline(source)
    if isinstance(source, (Pipeline, Mapping)):
        folder = Path(base_dir) if base_dir is not None else root if root is not None else folder
    try:
        pipeline = Pipeline.model_validate(raw)
    except ValidationError as exc:
        raise PipelineValidationError(_pydantic_problems(exc)) from None

    problems: list[tuple[str, str]] = []
    warnings: list[str] = _noise_warnings(raw)
    problems += _check_requires(pipeline.requires)
    problems += _check_data_paths(pipeline, folder, root)
    planned: list[PlannedStep] = []
    seen: dict[str, PlannedStep] = {}
    last_release: str | None = None
    for i, step in enumerate(pipeline.steps):
        where = f"steps[{i}]"
        if step.id in seen or step.id == "data":
            problems.append((f"{where}.id", f"duplicate step id '{step.id}' (ids must be unique and not 'data')"))
        if step.input != "data" and step.input not in seen:
            problems.append(
                (f"{where}.input", f"'{step.input}' is not an earlier step (use 'data' or an earlier step id)")
            )
        elif step.input != "data" and not seen[step.input].produces_table:
            problems.append((f"{where}.input", f"step '{step.input}' releases no table to read"))
        try:
            info = registry.get(step.use)
        except UnknownComponentError as exc:
            problems.append((f"{where}.use", str(exc)))
            seen[step.id] = PlannedStep(step, "unknown", None, None, None, None)
            continue
        kind = info.kind
        if kind in RELEASING_KINDS and not getattr(info.cls, "releases_table", True):
            problems.append(
                (
                    f"{where}.use",
                    f"'{step.use}' perturbs values and releases no table; use the 'dp_aggregate' step "
                    f"with mechanism: {step.use}",
                )
            )
        try:
            params = info.cls.Params.model_validate(step.params)
            params = path_params(params, folder, data_root=root, where=f"{where}.params")
        except ValidationError as exc:
            problems += _pydantic_problems(exc, f"{where}.params")
            params = None
        except PathOutsideRoot as exc:
            problems.append((f"{where}.params", str(exc)))
            params = None
        target = step.target
        if kind in ("attack", "metric"):
            if target is None:
                target = last_release
                if target is None:
                    problems.append(
                        (
                            f"{where}.target",
                            "no earlier step releases a table to evaluate "
                            "(add target: <step id>, or target: data for the input itself)",
                        )
                    )
            elif target != "data" and (target not in seen or not seen[target].produces_table):
                problems.append((f"{where}.target", f"'{target}' is not an earlier step that releases a table"))
        elif kind == "sdc":
            target = target or "all"
            if target not in ("all", "rare"):
                problems.append((f"{where}.target", "SDC steps take target 'all' or 'rare'"))
            elif target == "rare" and not any(
                p.info is not None and issubclass(p.info.cls, Profiler) for p in seen.values()
            ):
                problems.append((f"{where}.target", "target 'rare' needs an earlier 'profile' step"))
        elif target is not None:
            problems.append((f"{where}.target", f"a {kind} step takes no target (remove it)"))
        if step.privacy is not None and (info.privacy != "dp" or not getattr(params, "dp", True)):
            problems.append(
                (
                    f"{where}.privacy",
                    f"'{step.use}' spends no budget here (not a DP component, or params.dp is false): remove privacy",
                )
            )
        if step.rows is not None and kind != "synthesizer":
            problems.append((f"{where}.rows", "only synthesizer steps take rows"))
        plan = PlannedStep(step, kind, info, params, None, target)
        planned.append(plan)
        if kind == "sdc" and step.input in seen and seen[step.input].kind == "sdc":
            seen[step.input].intermediate = True
        seen[step.id] = plan
        if plan.produces_table:
            last_release = step.id
    problems += _plan_budget(pipeline, planned)
    if problems:
        raise PipelineValidationError(problems)
    warnings += _dp_setting_warnings(planned, _estimate_rows(pipeline, folder))
    return ResolvedPipeline(pipeline, folder, planned, raw, warnings, data_root=root)


def _noise_warnings(raw: dict[str, Any]) -> list[str]:
    privacy = raw.get("privacy")
    if not isinstance(privacy, dict):
        return []
    out = []
    if privacy.get("secure") is not None:
        out.append("privacy.secure is deprecated: write privacy.noise: secure (or reproducible-test for tests)")
    if privacy.get("noise") == "reproducible-test" or privacy.get("secure") is False:
        out.append(
            "privacy.noise is reproducible-test: DP noise follows the published seed, so the release is "
            "NOT differentially private (use it for tests only)"
        )
    return out


def _check_data_paths(pipeline: Pipeline, base_dir: Path, root: Path | None) -> list[tuple[str, str]]:
    """Every local path under data: resolvable inside the data root (when one is set)."""
    spec = pipeline.data
    problems = []
    for where, value in (
        ("data.source", spec.source),
        ("data.metadata", spec.metadata),
        ("data.holdout", spec.holdout),
    ):
        if isinstance(value, str):
            try:
                resolve_path(value, base_dir, data_root=root, where=where)
            except PathOutsideRoot as exc:
                problems.append((where, str(exc).split(": ", 1)[1]))
    return problems


def _estimate_rows(pipeline: Pipeline, base_dir: Path) -> int | None:
    """A cheap estimate of the input's row count (for setting warnings only; never used by DP code)."""
    from safedata_core.data.io import BUILTIN_ROWS

    source = pipeline.data.source
    if source.startswith("builtin:"):
        rows = BUILTIN_ROWS.get(source.split(":", 1)[1])
    else:
        path = Path(resolve_path(source, base_dir))
        if not path.is_file() or path.suffix.lower() != ".csv" or path.stat().st_size > 512 * 2**20:
            return None
        with path.open("rb") as fh:
            rows = max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(2**20), b"")) - 1)
    if rows is not None and isinstance(pipeline.data.holdout, float):
        rows = round(rows * (1 - pipeline.data.holdout))
    return rows


def _dp_setting_warnings(planned: list[PlannedStep], n_rows: int | None) -> list[str]:
    out: list[str] = []
    for p in planned:
        if p.kind != "synthesizer" or p.info is None or p.share is None:
            continue
        hook = getattr(p.info.cls, "dp_warnings", None)
        if hook is None:
            continue
        rows = n_rows if p.spec.input == "data" else None
        for w in hook(p.params, n_rows=rows, epsilon=p.share.epsilon, delta=p.share.delta):
            out.append(f"step '{p.spec.id}' ({p.spec.use}): {w}")
    return out


def _plan_budget(pipeline: Pipeline, planned: list[PlannedStep]) -> list[tuple[str, str]]:
    """Give every DP step its share; shares must fit the total (basic composition)."""
    dp_steps = [p for p in planned if is_private(p)]
    if not dp_steps:
        return []
    if pipeline.privacy is None:
        return [
            (
                "privacy",
                f"step '{dp_steps[0].spec.id}' uses DP component '{dp_steps[0].spec.use}' "
                "but the pipeline has no privacy budget (add privacy: {epsilon: 1.0, delta: 1.0e-6})",
            )
        ]
    total = pipeline.privacy
    explicit = [p for p in dp_steps if p.spec.privacy is not None]
    implicit = [p for p in dp_steps if p.spec.privacy is None]
    eps_used = sum(p.spec.privacy.epsilon for p in explicit if p.spec.privacy)
    named_delta = [p.spec.privacy.delta for p in explicit if p.spec.privacy and p.spec.privacy.delta is not None]
    delta_used = sum(named_delta)
    problems: list[tuple[str, str]] = []
    if eps_used > total.epsilon * (1 + 1e-9) or delta_used > total.delta * (1 + 1e-9):
        problems.append(
            (
                "privacy",
                f"step shares add up to epsilon={eps_used:g}, delta={delta_used:g}, above "
                f"the total epsilon={total.epsilon:g}, delta={total.delta:g} (lower the shares "
                "or raise privacy.epsilon)",
            )
        )
        return problems
    left_eps, left_delta = total.epsilon - eps_used, max(0.0, total.delta - delta_used)
    if implicit and left_eps <= 0:
        problems.append(
            (
                f"steps[{planned.index(implicit[0])}].privacy",
                "no budget is left for this DP step (give it an explicit share or lower the others)",
            )
        )
        return problems
    # steps that name no delta (explicit shares without one, and implicit shares) split the unnamed delta
    unnamed = [p for p in dp_steps if p.spec.privacy is None or p.spec.privacy.delta is None]
    delta_each = left_delta / len(unnamed) if unnamed else 0.0
    for p in explicit:
        assert p.spec.privacy is not None
        delta = p.spec.privacy.delta if p.spec.privacy.delta is not None else delta_each
        p.share = Budget(p.spec.privacy.epsilon, delta)
    for p in implicit:
        p.share = Budget(left_eps / len(implicit), delta_each)
    for p in dp_steps:
        if p.share is not None and p.share.delta <= 0 and _requires_delta(p):
            problems.append(
                (
                    f"steps[{planned.index(p)}].privacy.delta",
                    f"step '{p.spec.id}': DP component '{p.spec.use}' needs delta > 0 (it uses Gaussian noise or "
                    "a DP category selection) but its share has delta 0; set privacy.delta in the pipeline or "
                    "the step",
                )
            )
    return problems


def _requires_delta(plan: PlannedStep) -> bool:
    """Whether the component declares it needs delta > 0 (ClassVar ``requires_delta``, may depend on params)."""
    if plan.info is None:
        return False
    needs = getattr(plan.info.cls, "requires_delta", False)
    return bool(needs(plan.params) if callable(needs) else needs)


def is_private(plan: PlannedStep) -> bool:
    """A step spends budget when its component is DP and its params do not set ``dp: false``."""
    return plan.info is not None and plan.info.privacy == "dp" and bool(getattr(plan.params, "dp", True))


def _check_requires(requires: list[str]) -> list[tuple[str, str]]:
    if not requires:
        return []
    from packaging.requirements import InvalidRequirement, Requirement

    problems = []
    for i, text in enumerate(requires):
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            problems.append((f"requires[{i}]", f"not a PEP 508 requirement: {exc}"))
            continue
        try:
            version = md.version(req.name)
        except md.PackageNotFoundError:
            problems.append((f"requires[{i}]", f"'{req.name}' is not installed (pip install {req.name})"))
            continue
        if req.specifier and not req.specifier.contains(version, prereleases=True):
            problems.append((f"requires[{i}]", f"{req.name} {version} is installed but {text} is required"))
    return problems
