"""The benchmark's figures, each computed by a registered metric or attack (the code a pipeline step runs).

==================  ==========================================  ===================================
column              component(s)                                figure
==================  ==========================================  ===================================
tstr_auc            ``tstr`` (metric)                           TSTR ROC AUC on the holdout
fidelity_1way       ``ks_complement`` + ``tv_complement``       mean over columns of 1 - KS / 1 - TVD
fidelity_2way       ``marginal_2way``                           mean over pairs of 1 - TVD (quantile bins)
detection_auc       ``detection``                               real-vs-synthetic classifier AUC
exact_copy_rate     ``dcr`` (attack)                            share of released rows copying a training row
mia_auc             ``membership_inference`` (attack)           membership attack AUC (its ``method``)
==================  ==========================================  ===================================

Each component gets the parameters it accepts from those the bench offers
(the label, and lighter settings under ``fast``). A component that is not
registered, cannot take those parameters, raises, or reports no figure leaves
its column empty and says why in ``evaluator_errors``: there is no second
implementation to fall back on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from safedata_core.components.attack import Attack, AttackResult
from safedata_core.components.metric import Metric, MetricResult

if TYPE_CHECKING:
    from safedata_core.data import Table
    from safedata_core.registry import Registry

#: what the components behind one figure returned, in :attr:`Figure.components` order
Results: TypeAlias = list[MetricResult | AttackResult]

__all__ = ["FAST_EVALUATION", "FIGURES", "Figure", "evaluate", "from_details", "one_figure"]

#: parameters offered to the evaluating components when ``grid.fast`` is set (each takes those it has)
FAST_EVALUATION: dict[str, Any] = {"max_iter": 20, "max_rows": 2000, "n_attacks": 200, "n_samples": 1000}


def from_details(details: dict[str, Any], *keys: str) -> float | None:
    """The first finite number among ``details[key]``; a key may be a dotted path (``tstr.roc_auc``)."""
    for k in keys:
        v: Any = details
        for part in k.split("."):
            v = v.get(part) if isinstance(v, dict) else None
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(float(v)):
            return float(v)
    return None


def _column_scores(results: Results) -> float | None:
    """Mean of the per-column scores of several column metrics (``details['columns']``)."""
    values = [
        float(v)
        for r in results
        for v in (r.details.get("columns") or {}).values()
        if isinstance(v, int | float) and math.isfinite(float(v))
    ]
    return float(np.mean(values)) if values else None


def _tstr_auc(details: dict[str, Any]) -> float | None:
    """TSTR ROC AUC; a release with one label class trains a constant model, whose AUC is 0.5 by definition."""
    auc = from_details(details, "tstr.roc_auc")
    if auc is None and "two label values" in str((details.get("tstr") or {}).get("error", "")):
        return 0.5
    return auc


def _score(results: Results) -> float | None:
    s = results[0].score if isinstance(results[0], MetricResult) else None
    return float(s) if isinstance(s, int | float) and math.isfinite(float(s)) else None


@dataclass(frozen=True)
class Figure:
    """One leaderboard column: the registered components that compute it and how to read their results."""

    components: tuple[str, ...]
    kind: str
    pick: Callable[[Results], float | None]


FIGURES: dict[str, Figure] = {
    "tstr_auc": Figure(("tstr",), "metric", lambda rs: _tstr_auc(rs[0].details)),
    "fidelity_1way": Figure(("ks_complement", "tv_complement"), "metric", _column_scores),
    "fidelity_2way": Figure(("marginal_2way",), "metric", _score),
    "detection_auc": Figure(("detection",), "metric", lambda rs: from_details(rs[0].details, "auc")),
    "exact_copy_rate": Figure(("dcr",), "attack", lambda rs: from_details(rs[0].details, "exact_copy_rate")),
    "mia_auc": Figure(
        ("membership_inference",),
        "attack",
        lambda rs: from_details(rs[0].details, f"{rs[0].details.get('method')}.auc", "auc"),
    ),
}


class _Unavailable(Exception):
    """A component the bench cannot run (not installed, wrong kind, parameters that do not fit)."""


def _one_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"


def _run(
    registry: Registry, name: str, kind: str, offered: dict[str, Any], tables: tuple[Table, Table, Table], seed: int
) -> MetricResult | AttackResult:
    """Run one registered component on (train, synthetic, holdout); raises a one-line reason when it cannot."""
    from safedata_core.components.params import fit_params

    try:
        info = registry.get(name)
    except Exception:
        raise _Unavailable("not installed") from None
    if info.kind != kind:
        raise _Unavailable(f"registered as a {info.kind}, not a {kind}")
    params = fit_params(info.cls.Params, offered)
    if params is None:
        raise _Unavailable(f"its parameters do not validate with {sorted(offered)}")
    train, synth, holdout = tables
    cls = info.cls
    if issubclass(cls, Metric):
        return cls(cls.Params.model_validate(params)).compute(train, synth, holdout=holdout, seed=seed)
    if issubclass(cls, Attack):
        return cls(cls.Params.model_validate(params)).run(train, synth, holdout, seed=seed)
    raise _Unavailable(f"a {info.kind} gives no figure")


def evaluate(
    registry: Registry, train: Table, holdout: Table, synth: Table, label: str, seed: int, *, fast: bool = False
) -> tuple[dict[str, float | None], str, str]:
    """Every figure of :data:`FIGURES`, the components that gave one, and one error line per component that did not."""
    offered = {"label": label, **(FAST_EVALUATION if fast else {})}
    figures: dict[str, float | None] = {}
    used: list[str] = []
    errors: list[str] = []
    for column, figure in FIGURES.items():
        results: Results = []
        for name in figure.components:
            try:
                results.append(_run(registry, name, figure.kind, offered, (train, synth, holdout), seed))
            except Exception as exc:  # the row keeps its other figures; the reason stays visible
                reason = str(exc) if isinstance(exc, _Unavailable) else _one_line(exc)
                errors.append(f"{name}: {reason}"[:200])
        value = figure.pick(results) if len(results) == len(figure.components) else None
        if value is None and len(results) == len(figure.components):
            errors.append(f"{'+'.join(figure.components)}: reported no usable figure")
        if value is not None:
            used += [n for n in figure.components if n not in used]
        figures[column] = value
    return figures, ",".join(used), "; ".join(errors)


def one_figure(
    registry: Registry,
    column: str,
    train: Table,
    holdout: Table,
    synth: Table,
    seed: int,
    *,
    label: str = "",
    fast: bool = True,
) -> float | None:
    """One figure of :data:`FIGURES` (for example ``mia_auc``); raises when its component cannot run."""
    figure = FIGURES[column]
    offered = {"label": label, **(FAST_EVALUATION if fast else {})}
    return figure.pick(
        [_run(registry, n, figure.kind, offered, (train, synth, holdout), seed) for n in figure.components]
    )
