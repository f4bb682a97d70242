"""Running one step without knowing its kind: resolve its component, check its traits, build its inputs.

The runner calls ``component.run_step(inputs)``; everything kind-specific
lives in the component base classes (:mod:`safedata_core.components`). What
the runner needs to know about a component it reads from the class's traits
(``releases_table``, ``reads_data``, ``requires_delta``), checked here before
any step runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from safedata_core.components import Component, StepInputs
from safedata_core.errors import ComponentError
from safedata_core.pipeline.privacy_checks import rows_to_sample
from safedata_core.pipeline.recording import NOT_A_TABLE
from safedata_core.privacy import NoiseSource

if TYPE_CHECKING:
    from safedata_core.data import Table
    from safedata_core.pipeline.context import RunContext
    from safedata_core.privacy import BudgetShare
    from safedata_core.registry import Registry
    from safedata_core.schema.validate import PlannedStep, ResolvedPipeline

__all__ = ["check_traits", "component_classes", "step_budget", "step_inputs"]


def _where(plan: PlannedStep) -> str:
    return f"step '{plan.spec.id}' ({plan.spec.use})"


def component_classes(resolved: ResolvedPipeline, registry: Registry | None) -> dict[str, type[Component]]:
    """Each step's component class: the validator's, else the one registered under the step's ``use``.

    A step the validator plans without a component (a built-in step such as
    ``profile``) is run by the component registered under its name.
    """
    classes: dict[str, type[Component]] = {}
    for plan in resolved.steps:
        if plan.info is not None:
            classes[plan.spec.id] = plan.info.cls
        elif registry is not None and plan.spec.use in registry:
            classes[plan.spec.id] = registry.get(plan.spec.use).cls
        else:
            raise ComponentError(
                f"{_where(plan)}: no component named '{plan.spec.use}' is registered "
                "(run the pipeline through an Engine, which has the default plugins)"
            )
    return classes


def check_traits(resolved: ResolvedPipeline, classes: dict[str, type[Component]]) -> None:
    """Refuse, before any step runs, a step its component's traits say it cannot be."""
    for plan in resolved.steps:
        cls, spec = classes[plan.spec.id], plan.spec
        if plan.produces_table and not cls.releases_table:
            raise ComponentError(
                f"{_where(plan)}: '{spec.use}' releases no table (releases_table = False), so it cannot be "
                f"a {plan.kind} step; use a component that releases one (for a mechanism that perturbs "
                f"values: the 'dp_aggregate' step with mechanism: {spec.use})"
            )
        if plan.share is not None and cls.requires_delta and plan.share.delta <= 0:
            raise ComponentError(
                f"{_where(plan)}: '{spec.use}' needs a budget share with delta > 0 and its share has "
                f"delta={plan.share.delta:g} (set privacy.delta, or the step's privacy.delta, above 0)"
            )
        if not cls.reads_data and "data" in (spec.input, plan.target):
            raise ComponentError(
                f"{_where(plan)}: '{spec.use}' reads only earlier releases (reads_data = False) "
                "and cannot be given the input data (set input: <an earlier step id>)"
            )


def step_budget(plan: PlannedStep, ctx: RunContext, seed: int) -> BudgetShare | None:
    """The step's budget share from the ledger (``None`` when it spends none)."""
    if plan.share is None:
        return None
    budget = ctx.ledger.share(plan.spec.id, plan.spec.use, plan.share)
    if not ctx.secure_noise:
        budget.noise = NoiseSource.reproducible(seed)  # test-only mode: the report says "not DP"
    return budget


def step_inputs(
    plan: PlannedStep, component: Component, ctx: RunContext, seed: int, budget: BudgetShare | None
) -> StepInputs:
    """What the step may read (no private table for a component with ``reads_data = False``)."""
    spec = plan.spec
    source = ctx.table(spec.input)
    private = component.reads_data
    target = plan.target
    return StepInputs(
        step=spec.id,
        use=spec.use,
        source=source,
        seed=seed,
        data=ctx.data if private else None,
        holdout=ctx.holdout if private else None,
        target=ctx.table(target) if target not in NOT_A_TABLE else None,
        budget=budget,
        rows_mask=_rare_rows(plan, source, ctx) if target == "rare" else None,
        row_count=lambda: rows_to_sample(plan, component, source),
    )


def _rare_rows(plan: PlannedStep, source: Table, ctx: RunContext) -> np.ndarray:
    """The records of ``source`` in quasi-identifier classes smaller than the profile's ``k``."""
    from safedata_core.inventory.risk import rare_mask

    profile = ctx.profile
    if profile is None:
        raise ComponentError(f"{_where(plan)}: target 'rare' needs an earlier profile step")
    qis = list(profile["quasi_identifiers"])
    source.require_columns(qis, where=f"step '{plan.spec.id}' (target: rare)")
    return np.asarray(rare_mask(source.df, qis, int(profile.get("k", 5))), dtype=bool)
