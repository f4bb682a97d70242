"""Module weights to plain nested lists and back."""

from __future__ import annotations

import json

import torch
from safedata_deep.torchstate import load_module_state, module_state
from torch import nn


def test_weights_and_buffers_round_trip_through_json() -> None:
    torch.manual_seed(0)
    a = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    a.train()
    a(torch.randn(8, 3))  # moves the batch-norm running statistics
    state = json.loads(json.dumps(module_state(a)))
    assert state["1.num_batches_tracked"]["dtype"] == "int64"
    b = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    load_module_state(b, state)
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(x, y), name
