"""Engine configuration, handed to plugins through the historic ``configure`` hook."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Config"]


@dataclass(frozen=True)
class Config:
    """Settings an :class:`~safedata_core.Engine` was created with."""

    autoload: bool = True
    strict_plugins: bool = False
    options: dict[str, Any] = field(default_factory=dict)
