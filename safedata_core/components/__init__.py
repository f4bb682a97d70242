"""The component kinds: ABCs that plugins subclass, and what a step gives and returns to them."""

from __future__ import annotations

from safedata_core.components.attack import Attack, AttackResult, wilson_interval
from safedata_core.components.base import KINDS, Component, ComponentKind, NoParams, PrivacyKind, Register, kind_base
from safedata_core.components.mechanism import Mechanism
from safedata_core.components.metric import Metric, MetricResult
from safedata_core.components.params import DPParams
from safedata_core.components.profiler import Profiler
from safedata_core.components.sdc import SDCMethod, SDCResult
from safedata_core.components.state import ModelState
from safedata_core.components.step import RowCountPolicy, StepInputs, StepOutput
from safedata_core.components.synthesizer import Synthesizer

BASE_CLASSES: dict[str, type[Component]] = {
    cls.kind: cls for cls in (Synthesizer, Mechanism, SDCMethod, Attack, Metric)
}  # the kinds with a register_* hook of their own; other kinds register through register_components

__all__ = [
    "BASE_CLASSES",
    "KINDS",
    "Attack",
    "AttackResult",
    "Component",
    "ComponentKind",
    "DPParams",
    "Mechanism",
    "Metric",
    "MetricResult",
    "ModelState",
    "NoParams",
    "PrivacyKind",
    "Profiler",
    "Register",
    "RowCountPolicy",
    "SDCMethod",
    "SDCResult",
    "StepInputs",
    "StepOutput",
    "Synthesizer",
    "kind_base",
    "wilson_interval",
]
