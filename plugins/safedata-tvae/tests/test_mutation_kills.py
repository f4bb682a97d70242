"""tvae's DP fit, checked line by line with tiny fits (the tests `make mutation` runs for target "tvae").

Each test names what a mutation of ``TVAESynthesizer.fit`` would change and checks it against a value
recomputed here: the epsilon of every preprocessing query from the split rule, the row estimate against the
exact n, the DP-SGD plan against the noisy row count, the fixed output scale, the released extras.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safedata_deep.testing import count_dp_steps, reproducible_share
from safedata_tvae.synthesizer import TVAESynthesizer

from safedata_core import ComponentError, Table
from safedata_core.data import ColumnMeta, Metadata

TINY = {
    "epochs": 1, "batch_size": 1000, "embedding_dim": 2, "compress_dims": [4], "decompress_dims": [4],
    "gmm_rows": 60, "max_modes": 2, "threads": 1, "progress": False, "dp_histogram_bins": 8,
    "dp_preprocess_fraction": 0.2, "dp_output_scale": 0.25,
}  # fmt: skip  # batch >= rows: sample rate 1, the accountant's curve is closed-form (fast)


def _table(n: int = 120, *, public_colour: bool = True) -> Table:
    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {
            "x": rng.uniform(0, 10, n),
            "y": rng.uniform(0, 5, n),
            "colour": rng.choice(["red", "blue"], n).astype(object),
        }
    )
    colour = (
        ColumnMeta(type="categorical", categories=["red", "blue"]) if public_colour else ColumnMeta(type="categorical")
    )
    meta = Metadata(
        columns={
            "x": ColumnMeta(type="numerical", bounds=(0, 10)),
            "y": ColumnMeta(type="numerical", bounds=(0, 5)),
            "colour": colour,
        }
    )
    return Table.from_dataframe(df, meta)


def _fit(t: Table, noise_seed: int, **params: object) -> tuple[TVAESynthesizer, object, list[int]]:
    share = reproducible_share(1.0, 1e-5, noise_seed)
    model = TVAESynthesizer({**TINY, **params})
    with count_dp_steps() as sizes:
        model.fit(t, budget=share, seed=0)
    return model, share, sizes


def test_each_preprocessing_query_spends_the_split_rule_share_and_names_tvae() -> None:
    # two numeric columns + the row count are counting queries, the colour without a public domain is one
    # selection: 0.2 * epsilon over 4 queries each; the selection also takes 0.2 * delta
    model, share, _ = _fit(_table(public_colour=False), 1)
    pre = [c for c in share.charges if c.event.mechanism != "subsampled_gaussian"]
    assert [c.event.mechanism for c in pre].count("geometric") == 3
    assert [c.event.mechanism for c in pre].count("approx") == 1
    for c in pre:
        assert c.event.epsilon == pytest.approx(0.2 * 1.0 / 4, rel=1e-12)
        assert c.note.startswith("tvae: ")
    approx = next(c.event for c in pre if c.event.mechanism == "approx")
    assert approx.delta == pytest.approx(0.2 * 1e-5, rel=1e-12)
    assert model.report_extras()["dp"]["epsilon_pre"] > 0


def test_public_domain_plan_spends_the_fraction_before_training_and_the_rest_on_dp_sgd() -> None:
    model, share, sizes = _fit(_table(), 2, batch_size=40)  # sample rate ~1/3
    geometric = [c.event for c in share.charges if c.event.mechanism == "geometric"]
    assert len(geometric) == 3  # x, y, row count; the colour's domain is public: no selection
    assert all(e.epsilon == pytest.approx(0.2 / 3, rel=1e-12) for e in geometric)
    dp = model.report_extras()["dp"]
    assert dp["epsilon_pre"] == pytest.approx(0.2, rel=1e-9)  # pure counting queries compose by their sum
    sgd = [c for c in share.charges if c.event.mechanism == "subsampled_gaussian"]
    assert len(sgd) == 1 and sgd[0].note.startswith("tvae: ")
    assert sgd[0].event.params["clip_norm"] == 1.0
    # the plan follows the noisy row count (kept as the estimate), not the exact n
    n_hat = model._n_hat
    assert dp["sample_rate"] == pytest.approx(min(1.0, 40 / n_hat), rel=1e-12)
    assert sgd[0].event.params["sample_rate"] == dp["sample_rate"]
    assert len(sizes) == sgd[0].event.params["steps"] > 0  # the charged steps are run
    # each Poisson batch samples all 120 rows at rate ~1/3: binomial(120, 1/3), 40 +- 5 (below 15: p < 1e-6)
    assert all(15 <= size <= 70 for size in sizes)
    assert share.spent().epsilon == pytest.approx(1.0, rel=1e-6)


def test_row_estimate_is_the_noisy_count_not_the_exact_n() -> None:
    rows = [_fit(_table(), seed)[0].estimated_rows() for seed in range(6)]
    # discrete Laplace at epsilon 0.2/3: standard deviation ~21 rows; six equal estimates would be the exact n
    assert len(set(rows)) > 1
    assert all(isinstance(r, int) and r >= 1 for r in rows)
    assert abs(np.mean(rows) - 120) < 60


def test_dp_output_scale_is_fixed_and_extras_hold_no_real_loss() -> None:
    model, _, _ = _fit(_table(), 3)
    sigma = model._net.sigma
    assert not sigma.requires_grad
    np.testing.assert_allclose(sigma.detach().numpy(), 0.25)
    assert model.report_extras()["training"] == {"loss_per_epoch": []}
    out = model.sample(50, seed=0).df
    assert list(out.columns) == ["x", "y", "colour"] and len(out) == 50
    assert out["x"].dropna().between(0, 10).all() and set(out["colour"].dropna()) <= {"red", "blue"}


def test_non_private_fit_needs_two_rows_and_reports_its_training() -> None:
    t = _table(1)
    with pytest.raises(ComponentError) as err:
        TVAESynthesizer({**TINY, "dp": False}).fit(t, budget=None, seed=0)
    assert str(err.value) == "tvae: the table needs at least 2 rows to train on"
    model = TVAESynthesizer({**TINY, "dp": False})
    model.fit(_table(2), budget=None, seed=0)
    extras = model.report_extras()
    assert extras["dp"] is None and len(extras["training"]["loss_per_epoch"]) == 1
    assert model.estimated_rows() is None
    assert model._net.sigma.requires_grad  # learned outside DP


def test_optimizer_gets_the_learning_rate_and_weight_decay(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    seen: list[dict[str, object]] = []
    real_adam = torch.optim.Adam

    def adam(params: object, **kwargs: object) -> torch.optim.Optimizer:
        seen.append(kwargs)
        return real_adam(params, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(torch.optim, "Adam", adam)
    _fit(_table(), 2, learning_rate=0.0123, l2scale=0.0004)
    # under DP the optimizer is rebuilt over the trainable parameters (sigma frozen): every one gets both
    assert len(seen) == 2 and all(kw == {"lr": 0.0123, "weight_decay": 0.0004} for kw in seen)
    seen.clear()
    TVAESynthesizer({**TINY, "dp": False, "learning_rate": 0.02, "l2scale": 0.003}).fit(_table(), budget=None, seed=0)
    assert seen == [{"lr": 0.02, "weight_decay": 0.003}]


def test_non_private_training_keeps_the_output_scale_inside_its_documented_range() -> None:
    import torch
    from safedata_deep.transformer import Span
    from safedata_tvae.model import TVAENet, train_tvae

    # one tanh scalar and a 2-wide one-hot; the output scale starts outside [0.01, 1] at both ends
    spans = [Span(0, 1, "tanh", "x", False), Span(1, 3, "softmax", "c", True)]
    rng = np.random.default_rng(0)
    data = np.zeros((8, 3), dtype=np.float32)
    data[:, 0] = rng.uniform(-0.5, 0.5, 8)
    data[np.arange(8), 1 + rng.integers(0, 2, 8)] = 1.0
    torch.manual_seed(0)
    net = TVAENet(3, [4], [4], 2)
    with torch.no_grad():
        net.sigma.copy_(torch.tensor([5.0, 1e-4, 0.5]))
    train_tvae(
        net, data, spans, epochs=1, batch_size=8, lr=1e-3, l2scale=0.0, loss_factor=2.0, plan=None,
        rng=rng, tgen=torch.Generator().manual_seed(0), progress=False,
    )  # fmt: skip
    sigma = net.sigma.detach().numpy()
    # one Adam step of lr 1e-3 moves each entry by about 1e-3: only the clamp brings 5 to 1 and 1e-4 to 0.01
    assert sigma[0] == pytest.approx(1.0) and sigma[1] == pytest.approx(0.01)
    assert abs(sigma[2] - 0.5) < 0.01


def test_the_progress_bar_of_a_dp_fit_is_labelled_dp(monkeypatch: pytest.MonkeyPatch) -> None:
    import safedata_tvae.model as tvae_model

    labels: list[tuple[bool, str]] = []

    class Bar(list[int]):
        def set_postfix(self, *args: object, **kwargs: object) -> None:
            pass

    def bar(n: int, *, enabled: bool, desc: str) -> Bar:
        labels.append((bool(enabled), desc))  # tqdm shows the bar only for a truthy flag
        return Bar(range(n))

    monkeypatch.setattr(tvae_model, "progress_bar", bar)
    _fit(_table(), 1)
    assert labels == [(False, "tvae (DP)")]  # TINY turns the bar off
    labels.clear()
    _fit(_table(), 1, progress=True)  # the default: the bar is shown
    TVAESynthesizer({**TINY, "dp": False, "progress": True}).fit(_table(), budget=None, seed=0)
    assert labels == [(True, "tvae (DP)"), (True, "tvae")]


def test_dp_training_draws_only_from_the_share_and_charges_dp_sgd_under_its_name() -> None:
    import torch

    runs = []
    for global_seed in (1, 2):  # the global torch generator must not matter: every draw is the share's
        torch.manual_seed(global_seed)
        model, share, _ = _fit(_table(), 5)
        runs.append([p.detach().clone() for p in model._net.parameters()])
        (sgd,) = [c for c in share.charges if c.event.mechanism == "subsampled_gaussian"]
        assert sgd.note == "tvae: DP-SGD on encoder and decoder"
    for a, b in zip(*runs, strict=True):
        assert torch.equal(a, b)


def test_non_private_training_replays_from_the_seed_alone() -> None:
    import torch

    # non-private: every draw (batches, modes, reparameterisation noise) comes from the pipeline seed, so
    # the global torch generator must not change the trained weights
    runs = []
    for global_seed in (1, 2):
        torch.manual_seed(global_seed)
        model = TVAESynthesizer({**TINY, "dp": False, "batch_size": 40})
        model.fit(_table(), budget=None, seed=4)
        runs.append([p.detach().clone() for p in model._net.parameters()])
    for a, b in zip(*runs, strict=True):
        assert torch.equal(a, b)


def test_dp_training_gives_every_sampled_row_its_own_reparameterisation_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch
    from safedata_tvae.model import TVAENet

    draws: list[torch.Tensor] = []
    real_forward = TVAENet.forward

    def forward(self: TVAENet, x: torch.Tensor, eps: torch.Tensor) -> tuple[torch.Tensor, ...]:
        draws.append(eps.detach().clone())
        assert eps.shape == (len(x), self.embedding_dim)
        return real_forward(self, x, eps)

    monkeypatch.setattr(TVAENet, "forward", forward)
    _fit(_table(), 6)  # sample rate 1: one Poisson batch of ~120 rows
    assert draws and all(len(e) > 50 for e in draws)
    for e in draws:  # one independent N(0, I) row per sampled row: no two rows share their draw
        assert len(torch.unique(e, dim=0)) == len(e)
