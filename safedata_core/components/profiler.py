"""``Profiler``: an inventory and disclosure-risk profile of a step's input (the ``profile`` step)."""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from safedata_core.components.base import Component, P
from safedata_core.components.step import StepInputs, StepOutput

if TYPE_CHECKING:
    import numpy as np

    from safedata_core.data import Table

__all__ = ["Profiler"]


class Profiler(Component[P]):
    """Base class for profile steps (``privacy = "none"``: an evaluation of the real data, not a release).

    ``profile`` returns the profile (a JSON-serialisable dict with at least
    ``quasi_identifiers`` and ``k``) and the mask of rare records (records in
    quasi-identifier classes smaller than ``k``). The step leaves both to later
    steps as the facts ``profile`` and ``rare_mask``; an SDC step with
    ``target: rare`` reads them.
    """

    kind: ClassVar[str] = "profile"
    privacy: ClassVar[Literal["none"]] = "none"

    @abstractmethod
    def profile(self, table: Table) -> tuple[dict[str, Any], np.ndarray]:
        """``(profile, rare_mask)`` of ``table``."""

    def run_step(self, inputs: StepInputs) -> StepOutput:
        """Profile the step's input; the profile is the step's result and a fact for later steps."""
        profile, mask = self.profile(inputs.source)
        return StepOutput(result=profile, facts={"profile": profile, "rare_mask": mask})
