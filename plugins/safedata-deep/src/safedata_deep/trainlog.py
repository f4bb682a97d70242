"""What a training run of a deep synthesizer reports (losses, timing) and what of it may go into a DP report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["TrainLog"]


@dataclass
class TrainLog:
    """What a training run reports: losses (never a statistic of real rows under DP) and timing per epoch."""

    losses: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)

    def to_dict(self, *, dp: bool) -> dict[str, Any]:
        """The report's training block. Under DP no timing: how long an epoch takes depends on the row count."""
        out: dict[str, Any] = {"loss_per_epoch": [round(v, 5) for v in self.losses]}
        if not dp:
            out["seconds_per_epoch"] = float(np.mean(self.epoch_seconds)) if self.epoch_seconds else None
        return out
