"""Saving torch module weights as plain nested lists (JSON/pickle-able) and loading them back."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["load_module_state", "module_state"]


def module_state(module: nn.Module) -> dict[str, Any]:
    """Parameters and buffers as ``{name: {"dtype": str, "value": nested list}}``."""
    return {
        k: {"dtype": str(v.dtype).removeprefix("torch."), "value": v.detach().cpu().numpy().tolist()}
        for k, v in module.state_dict().items()
    }


def load_module_state(module: nn.Module, state: dict[str, Any]) -> None:
    """Inverse of :func:`module_state`."""
    module.load_state_dict({k: torch.from_numpy(np.asarray(v["value"], dtype=v["dtype"])) for k, v in state.items()})
