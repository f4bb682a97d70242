"""The DP-SGD engine: vectorised per-sample clipping equals a per-row loop; Poisson batches vary."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safedata_deep.dpplan import DPSGDPlan
from safedata_deep.dpsgd import DPSGD, poisson_batches
from torch import nn
from torch.func import functional_call


def _plan(sigma: float, clip: float, batch: float) -> DPSGDPlan:
    return DPSGDPlan(
        noise_multiplier=sigma, sample_rate=0.1, steps=1, steps_per_epoch=1, epochs=1,
        clip_norm=clip, expected_batch=batch, epsilon=1.0, delta=1e-5,
    )  # fmt: skip


def test_clipped_sum_matches_per_row_loop() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 1))
    x, y = torch.randn(12, 5) * 3, torch.randn(12, 1)

    def loss(params: dict[str, torch.Tensor], xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        return ((functional_call(net, params, (xb,)) - yb) ** 2).sum()

    clip = 0.5
    expected = {n: torch.zeros_like(p) for n, p in net.named_parameters()}
    for i in range(12):
        net.zero_grad()
        ((net(x[i : i + 1]) - y[i : i + 1]) ** 2).sum().backward()
        norm = torch.sqrt(sum(p.grad.pow(2).sum() for p in net.parameters()))
        for n, p in net.named_parameters():
            expected[n] += p.grad * min(1.0, clip / (float(norm) + 1e-6))
    opt = torch.optim.SGD(net.parameters(), lr=1.0)
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    DPSGD(net, opt, _plan(0.0, clip, 12.0), np.random.default_rng(0), loss).step(x, y)
    for n, p in net.named_parameters():
        torch.testing.assert_close(before[n] - p.detach(), expected[n] / 12.0, rtol=1e-4, atol=1e-6)
    # at least one row was actually clipped, so the check above is not vacuous
    assert any(float(v.abs().sum()) > 0 for v in expected.values())


def test_noise_has_the_calibrated_scale_and_empty_batches_still_step() -> None:
    net = nn.Linear(400, 1, bias=False)
    nn.init.zeros_(net.weight)
    opt = torch.optim.SGD(net.parameters(), lr=1.0)

    def loss(params: dict[str, torch.Tensor], xb: torch.Tensor) -> torch.Tensor:
        return functional_call(net, params, (xb,)).sum()

    dp = DPSGD(net, opt, _plan(2.0, 0.5, 1.0), np.random.default_rng(1), loss)
    dp.step(torch.zeros(0, 400))  # empty Poisson batch: a noise-only step
    std = float(net.weight.detach().std())
    assert 0.85 < std < 1.15  # sigma * clip / expected_batch = 1.0


def test_poisson_batches_have_variable_size_around_the_rate() -> None:
    sizes = [len(b) for b in poisson_batches(1000, 0.05, 200, np.random.default_rng(0))]
    assert len(set(sizes)) > 5
    assert abs(np.mean(sizes) - 50) < 3


def test_fast_linear_clipper_equals_per_sample_gradients_with_pairs() -> None:
    """LinearDPSGD (no per-sample gradients materialised) == vmap DPSGD, for one real + one fake row per sample."""
    from safedata_deep.dpsgd import LinearDPSGD

    torch.manual_seed(3)
    make = lambda: nn.Sequential(nn.Linear(6, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))  # noqa: E731
    a, b = make(), make()
    b.load_state_dict(a.state_dict())
    real, fake = torch.randn(10, 6) * 2, torch.randn(10, 6)

    def pair_loss(params: dict[str, torch.Tensor], r: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
        return (functional_call(a, params, (f,)) - functional_call(a, params, (r,))).sum()

    plan = _plan(0.0, 0.3, 10.0)
    DPSGD(a, torch.optim.SGD(a.parameters(), lr=1.0), plan, np.random.default_rng(0), pair_loss).step(real, fake)
    fast = LinearDPSGD(b, torch.optim.SGD(b.parameters(), lr=1.0), plan, np.random.default_rng(0), group=2)

    def losses() -> torch.Tensor:
        score = b(torch.cat([real, fake])).reshape(-1)
        return score[10:] - score[:10]

    fast.step(losses, 10)
    for (n, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p.detach(), q.detach(), rtol=1e-4, atol=1e-6, msg=n)


@pytest.mark.parametrize("n", [0, 40], ids=["empty-batch", "batch-of-40"])
@pytest.mark.parametrize(("sigma", "clip", "expected"), [(3.0, 0.5, 5.0), (0.8, 2.0, 40.0)])
def test_linear_engine_noise_is_gaussian_at_the_calibrated_scale(
    n: int, sigma: float, clip: float, expected: float
) -> None:
    """KS test of the DP-SGD noise against N(0, (sigma * clip / expected_batch)^2), 20,000 coordinates.

    False-alarm rate 1e-4 (the p-value threshold); a factor 1.5 in the scale moves the KS statistic to ~0.13,
    ten times the critical value, so doubled/halved noise, clip or expected batch are all caught.
    """
    from safedata_deep.dpsgd import LinearDPSGD
    from scipy import stats

    net = nn.Linear(500, 40)
    nn.init.zeros_(net.weight)
    nn.init.zeros_(net.bias)
    rng = np.random.Generator(np.random.PCG64(5))
    dp = LinearDPSGD(net, torch.optim.SGD(net.parameters(), lr=1.0), _plan(sigma, clip, expected), rng)
    x = torch.randn(n, 500)
    dp.step(lambda: 0.0 * net(x).sum(dim=1), n)  # zero data gradient: minus the update is the noise alone
    update = -torch.cat([net.weight.detach().ravel(), net.bias.detach().ravel()]).double().numpy()
    assert update.size == 20_040
    assert stats.kstest(update, stats.norm(scale=sigma * clip / expected).cdf).pvalue > 1e-4


def test_vmap_engine_noise_is_gaussian_at_the_calibrated_scale() -> None:
    """Same KS test (false alarm 1e-4) for the generic engine."""
    from scipy import stats

    net = nn.Linear(20_000, 1, bias=False)
    nn.init.zeros_(net.weight)

    def loss(params: dict[str, torch.Tensor], xb: torch.Tensor) -> torch.Tensor:
        return functional_call(net, params, (xb,)).sum()

    dp = DPSGD(net, torch.optim.SGD(net.parameters(), lr=1.0), _plan(2.0, 0.5, 4.0), np.random.default_rng(3), loss)
    dp.step(torch.zeros(0, 20_000))
    update = -net.weight.detach().double().numpy().ravel()
    assert stats.kstest(update, stats.norm(scale=2.0 * 0.5 / 4.0).cdf).pvalue > 1e-4


def test_seeded_init_is_reproducible_and_leaves_the_global_generator_alone() -> None:
    from safedata_deep.dpsgd import seeded_init

    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    with seeded_init(7):
        a = nn.Linear(4, 3).weight.detach().clone()
    assert torch.equal(torch.random.get_rng_state(), before)
    with seeded_init(7):
        b = nn.Linear(4, 3).weight.detach().clone()
    assert torch.equal(a, b)
