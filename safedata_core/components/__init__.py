"""The five component kinds: ABCs that plugins subclass."""

from __future__ import annotations

from safedata_core.components.attack import Attack, AttackResult, wilson_interval
from safedata_core.components.base import KINDS, Component, ComponentKind, NoParams, PrivacyKind
from safedata_core.components.mechanism import Mechanism
from safedata_core.components.metric import Metric, MetricResult
from safedata_core.components.sdc import SDCMethod, SDCResult
from safedata_core.components.synthesizer import Synthesizer

BASE_CLASSES: dict[str, type[Component]] = {
    "synthesizer": Synthesizer,
    "mechanism": Mechanism,
    "sdc": SDCMethod,
    "attack": Attack,
    "metric": Metric,
}

__all__ = [
    "BASE_CLASSES",
    "KINDS",
    "Attack",
    "AttackResult",
    "Component",
    "ComponentKind",
    "Mechanism",
    "Metric",
    "MetricResult",
    "NoParams",
    "PrivacyKind",
    "SDCMethod",
    "SDCResult",
    "Synthesizer",
    "wilson_interval",
]
