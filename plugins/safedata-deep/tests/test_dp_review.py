"""Adversarial DP review of the deep-synthesizer engine: what the fast clipper refuses, what it bounds, how it noises.

Every test here fails on a concrete DP defect: a trainable parameter outside the per-sample computation, batch
norm, per-layer instead of total clipping, noise divided by the realised batch, steps run != steps charged,
un-noised real-data losses in the report.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safedata_deep.dpplan import DPSGDPlan
from safedata_deep.dpsgd import LinearDPSGD
from torch import nn


def _plan(sigma: float, clip: float, batch: float, steps: int = 1, rate: float = 0.1) -> DPSGDPlan:
    return DPSGDPlan(
        noise_multiplier=sigma, sample_rate=rate, steps=steps, steps_per_epoch=steps, epochs=1,
        clip_norm=clip, expected_batch=batch, epsilon=1.0, delta=1e-5,
    )  # fmt: skip


class _WithNorm(nn.Module):
    def __init__(self, norm: nn.Module) -> None:
        super().__init__()
        self.fc, self.norm = nn.Linear(4, 4), norm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.fc(x))


class _WithFreeParam(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.scale = nn.Parameter(torch.ones(4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) * self.scale


@pytest.mark.parametrize(
    "module",
    [_WithNorm(nn.LayerNorm(4)), _WithNorm(nn.BatchNorm1d(4, affine=False)), _WithFreeParam(),
     nn.Sequential(nn.Embedding(5, 4), nn.Linear(4, 1))],
    ids=["layernorm-params", "batchnorm-without-params", "free-parameter", "embedding"],
)  # fmt: skip
def test_fast_clipper_refuses_parameters_it_cannot_clip_and_batch_norm(module: nn.Module) -> None:
    opt = torch.optim.SGD([p for p in module.parameters() if p.requires_grad], lr=0.1)
    with pytest.raises(ValueError, match="not in an nn.Linear layer|batch norm"):
        LinearDPSGD(module, opt, _plan(1.0, 1.0, 10.0), np.random.default_rng(0))


def test_frozen_extra_parameter_is_allowed_and_never_moves() -> None:
    module = _WithFreeParam()
    module.scale.requires_grad_(False)
    opt = torch.optim.Adam([p for p in module.parameters() if p.requires_grad], lr=0.1)
    dp = LinearDPSGD(module, opt, _plan(1.0, 1.0, 4.0), np.random.default_rng(0))
    x = torch.randn(8, 4)
    dp.step(lambda: module(x).sum(dim=1), 8)
    assert torch.equal(module.scale, torch.ones(4)) and module.scale.grad is None


def test_optimizer_with_foreign_parameters_is_refused() -> None:
    net, other = nn.Linear(3, 1), nn.Linear(3, 1)
    opt = torch.optim.SGD([*net.parameters(), *other.parameters()], lr=0.1)
    with pytest.raises(ValueError, match="optimizer"):
        LinearDPSGD(net, opt, _plan(1.0, 1.0, 4.0), np.random.default_rng(0))


def test_weight_sharing_is_refused() -> None:
    fc = nn.Linear(4, 4)
    dp = LinearDPSGD(fc, torch.optim.SGD(fc.parameters(), lr=0.1), _plan(0.0, 1.0, 4.0), np.random.default_rng(0))
    x = torch.randn(5, 4)
    with pytest.raises(RuntimeError, match="twice"):
        dp.step(lambda: fc(fc(x)).sum(dim=1), 5)


def test_clipping_bounds_the_total_norm_over_all_layers() -> None:
    """One sample with a huge gradient in three layers: the whole update has norm clip/expected_batch.

    Per-layer clipping would let it reach sqrt(3) x that.
    """
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 1))
    before = [p.detach().clone() for p in net.parameters()]
    clip, expected = 0.7, 2.0
    opt = torch.optim.SGD(net.parameters(), lr=1.0)
    dp = LinearDPSGD(net, opt, _plan(0.0, clip, expected), np.random.default_rng(0))
    x = torch.randn(1, 6) * 50
    dp.step(lambda: 1e3 * net(x).reshape(-1), 1)
    assert float(dp.last_norms[0]) > 10 * clip  # really clipped
    moved = torch.sqrt(sum(((b - p.detach()) ** 2).sum() for b, p in zip(before, net.parameters(), strict=True)))
    assert float(moved) == pytest.approx(clip / expected, rel=1e-4)
    per_layer = [float(((b - p.detach()) ** 2).sum().sqrt()) for b, p in zip(before, net.parameters(), strict=True)]
    assert max(per_layer) < clip / expected  # the norm is shared across layers, not given to each


@pytest.mark.parametrize("n", [0, 60])
def test_noise_is_sigma_clip_over_the_expected_batch_whatever_the_realised_size(n: int) -> None:
    net = nn.Linear(300, 2)
    nn.init.zeros_(net.weight)
    nn.init.zeros_(net.bias)
    dp = LinearDPSGD(net, torch.optim.SGD(net.parameters(), lr=1.0), _plan(3.0, 0.5, 5.0), np.random.default_rng(1))
    x = torch.randn(n, 300)
    dp.step(lambda: 0.0 * net(x).sum(dim=1), n)  # zero data gradient: the update is the noise alone
    std = float(torch.cat([net.weight.detach().ravel(), net.bias.detach().ravel()]).std())
    assert 0.27 < std < 0.33  # 3.0 * 0.5 / 5 = 0.3; dividing by n = 60 would give 0.025


def test_losses_must_be_one_per_sample() -> None:
    net = nn.Linear(3, 1)
    dp = LinearDPSGD(net, torch.optim.SGD(net.parameters(), lr=0.1), _plan(1.0, 1.0, 4.0), np.random.default_rng(0))
    x = torch.randn(4, 3)
    with pytest.raises(RuntimeError, match="per-sample losses"):
        dp.step(lambda: net(x).sum(), 4)
