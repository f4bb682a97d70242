"""The tvae component under DP: where its randomness comes from, what it refuses, what it releases and spends."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
import safedata_deep.dpplan as dpplan
import safedata_deep.dpsgd as dpsgd
import safedata_tvae.model as tvae_model
import torch
from safedata_deep.testing import independent_epsilon, reproducible_share
from safedata_deep.trainlog import TrainLog
from safedata_deep.transformer import DataTransformer
from safedata_tvae.synthesizer import TVAESynthesizer

from safedata_core import ComponentError, Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.testing import make_budget

TINY = {
    "epochs": 1, "batch_size": 1000, "embedding_dim": 4, "compress_dims": [8], "decompress_dims": [8],
    "gmm_rows": 100, "max_modes": 3, "threads": 1, "progress": False,
}  # fmt: skip  # batch >= rows: sample rate 1, so the accountant's curve is closed-form (fast tests)


def table(n: int = 300, *, nullable: bool = True, missing: float = 0.0) -> Table:
    """Three declared columns; ``missing`` of the x and colour values are missing (whatever ``nullable`` says)."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "x": rng.normal(50, 10, n).clip(0, 100),
            "colour": rng.choice(["red", "blue", "green"], n).astype(object),
            "flag": rng.random(n) < 0.3,
        }
    )
    df.loc[rng.random(n) < missing, "x"] = np.nan
    df.loc[rng.random(n) < missing, "colour"] = None
    meta = Metadata(
        columns={
            "x": ColumnMeta(type="numerical", bounds=(0, 100), nullable=nullable),
            "colour": ColumnMeta(type="categorical", categories=["red", "blue", "green"], nullable=nullable),
            "flag": ColumnMeta(type="boolean", nullable=nullable),
        }
    )
    return Table.from_dataframe(df, meta)


def test_secure_fits_differ_and_reproducible_noise_replays_them() -> None:
    t = table()
    secure = []
    for _ in range(2):
        model = TVAESynthesizer(TINY)
        model.fit(t, budget=make_budget(1.0, 1e-5), seed=4)
        secure.append(model.sample(200, seed=1).df)
    assert not secure[0].equals(secure[1])  # same seed, fresh secure noise
    replay = []
    for _ in range(2):
        model = TVAESynthesizer(TINY)
        model.fit(t, budget=reproducible_share(1.0, 1e-5, 11), seed=4)
        replay.append((model.sample(200, seed=1).df, model.state_dict()))
    pd.testing.assert_frame_equal(replay[0][0], replay[1][0])
    assert replay[0][1] == replay[1][1]


def test_training_draws_come_from_the_share_not_the_seed_or_torch_global_generator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Poisson batches, DP-SGD noise, encodings and reparameterisation draws all come from ``budget.noise``.

    torch's global generator is reset to the same state before each fit: a draw taken from it (or from the
    seed) would repeat across the two fits.
    """
    seen: dict[str, list[Any]] = {"noise_rng": [], "batch_rng": [], "encode_rng": [], "eps": [], "batch": []}
    linear, batches, transform, forward = (
        dpsgd.LinearDPSGD.__init__,
        tvae_model.poisson_batches,
        DataTransformer.transform,
        tvae_model.TVAENet.forward,
    )

    def spy_linear(self: Any, module: Any, optimizer: Any, plan: Any, noise_rng: Any, **kw: Any) -> None:
        seen["noise_rng"].append(noise_rng)
        linear(self, module, optimizer, plan, noise_rng, **kw)

    def spy_batches(n: int, rate: float, steps: int, rng: Any) -> Any:
        seen["batch_rng"].append(rng)
        out = list(batches(n, rate, steps, rng))
        seen["batch"].append(out[0])
        return iter(out)

    def spy_transform(self: Any, df: Any, rng: Any) -> Any:
        seen["encode_rng"].append(rng)
        return transform(self, df, rng)

    def spy_forward(self: Any, x: torch.Tensor, eps: torch.Tensor) -> Any:
        seen["eps"].append(eps[0].clone())
        return forward(self, x, eps)

    monkeypatch.setattr(dpsgd.LinearDPSGD, "__init__", spy_linear)
    monkeypatch.setattr(tvae_model, "poisson_batches", spy_batches)
    monkeypatch.setattr(DataTransformer, "transform", spy_transform)
    monkeypatch.setattr(tvae_model.TVAENet, "forward", spy_forward)
    budgets, first_eps = [], []
    for _ in range(2):
        torch.manual_seed(0)
        budget = make_budget(1.0, 1e-5)
        start = len(seen["eps"])
        TVAESynthesizer({**TINY, "batch_size": 100}).fit(table(600), budget=budget, seed=4)  # sample rate ~1/6
        budgets.append(budget)
        first_eps.append(seen["eps"][start])  # the first DP-SGD step's reparameterisation draw
    for key in ("noise_rng", "batch_rng", "encode_rng"):
        assert [g is b.noise.generator for g, b in zip(seen[key], budgets, strict=True)] == [True, True], key
    assert not np.array_equal(seen["batch"][0], seen["batch"][1])
    assert not torch.equal(first_eps[0], first_eps[1])


def test_undeclared_column_is_refused_before_anything_is_charged() -> None:
    t = table()
    df = t.df.assign(answer=np.where(np.arange(len(t.df)) % 2, "yes", "no"))
    undeclared = Table.from_dataframe(df, Metadata(columns=dict(t.metadata.columns)))
    assert undeclared.metadata.columns["answer"].inferred
    budget = make_budget(1.0, 1e-5)
    with pytest.raises(ComponentError) as info:
        TVAESynthesizer(TINY).fit(undeclared, budget=budget, seed=0)
    message = str(info.value)
    assert "'answer'" in message and "declare it in the metadata" in message and "\n" not in message
    assert budget.charges == []
    TVAESynthesizer({**TINY, "dp": False}).fit(undeclared, budget=None, seed=0)  # non-private fits may infer


def test_non_nullable_columns_never_get_missing_values_under_dp() -> None:
    # a third of x and colour is missing although the metadata says nullable: false: the model learns the
    # missing slot, and must still never generate it
    model = TVAESynthesizer(TINY)
    model.fit(table(nullable=False, missing=0.3), budget=make_budget(3.0, 1e-5), seed=0)
    tr = model._transformer
    mask = tr.allowed_mask()
    assert (~mask).sum() == 3  # the missing slot of each column exists (DP: layout is data-independent) ...
    raw = tvae_model.sample_tvae(model._net, tr.spans, 4000, 3, mask)
    assert raw[:, ~mask].sum() == 0  # ... but the sampler never draws it
    out = model.sample(4000, seed=3).df
    assert out.notna().all().all()
    assert set(out["colour"]) <= {"red", "blue", "green"}
    nullable = TVAESynthesizer(TINY)
    nullable.fit(table(nullable=True), budget=make_budget(1.0, 1e-5), seed=0)
    assert nullable._transformer.allowed_mask().all()


def test_report_extras_hold_no_timing_under_dp_and_the_state_keeps_the_row_estimate() -> None:
    model = TVAESynthesizer(TINY)
    model.fit(table(), budget=make_budget(1.0, 1e-5), seed=0)
    extras = model.report_extras()
    assert "seconds" not in repr(extras) and extras["training"] == {"loss_per_epoch": []}
    rows = model.estimated_rows()
    assert isinstance(rows, int) and rows > 0
    again = TVAESynthesizer(TINY)
    again.load_state_dict(model.state_dict())
    assert again.estimated_rows() == rows
    plain = TVAESynthesizer({**TINY, "dp": False})
    assert plain.estimated_rows() is None
    plain.fit(table(), budget=None, seed=0)
    assert plain.estimated_rows() is None
    assert plain.report_extras()["training"]["seconds_per_epoch"] > 0  # timing only for non-private fits


def test_whole_share_spent_by_an_independent_recomputation() -> None:
    budget = make_budget(1.0, 1e-5)
    TVAESynthesizer({**TINY, "batch_size": 100}).fit(table(600), budget=budget, seed=0)
    assert independent_epsilon(budget) == pytest.approx(1.0, rel=1e-6)
    assert budget.spent().epsilon <= 1.0


@pytest.mark.slow
def test_whole_share_spent_on_builtin_adult() -> None:
    from safedata_core.data import read_table

    adult = read_table("builtin:adult")
    budget = make_budget(1.0, 1e-6)
    model = TVAESynthesizer({"epochs": 1, "threads": 1, "progress": False})
    model.fit(adult, budget=budget, seed=0)
    spent = budget.spent().epsilon
    assert 1.0 * (1 - 1e-6) <= spent <= 1.0
    assert independent_epsilon(budget) == pytest.approx(spent, rel=1e-9)
    assert abs(model.estimated_rows() - len(adult)) < 500  # scale 1 / 0.0125 = 80


NEIGHBOUR_PARAMS = {"epochs": 1, "batch_size": 50, "embedding_dim": 2, "compress_dims": [2], "decompress_dims": [2]}
NEIGHBOUR_RUNS = 150


def _neighbours() -> tuple[Table, Table]:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"c": rng.choice(["a", "b"], 300).astype(object), "f": rng.random(300) < 0.5})
    meta = Metadata(
        columns={"c": ColumnMeta(type="categorical", categories=["a", "b"]), "f": ColumnMeta(type="boolean")}
    )
    extra = pd.DataFrame({"c": ["b"], "f": [True]})
    return Table.from_dataframe(df, meta), Table.from_dataframe(pd.concat([df, extra], ignore_index=True), meta)


def _fit_many(t: Table) -> tuple[np.ndarray, np.ndarray]:
    rows, rates = [], []
    for i in range(NEIGHBOUR_RUNS):
        model = TVAESynthesizer({**NEIGHBOUR_PARAMS, "progress": False, "threads": 1})
        model.fit(t, budget=reproducible_share(1.0, 1e-5, i), seed=0)
        rows.append(model.estimated_rows())
        rates.append(model.report_extras()["dp"]["sample_rate"])
    return np.asarray(rows, dtype=float), np.asarray(rates)


@pytest.mark.slow  # 300 fits without training: ~10 s on a loaded 2-core machine
def test_row_estimate_and_sample_rate_are_noisy_across_neighbours(monkeypatch: pytest.MonkeyPatch) -> None:
    """D (300 rows) and D + 1 row, fitted 150 times each with test-only noise (run i: noise seed i on both sides).

    Training and the noise calibration are stubbed out (they do not touch the row count): what is compared is
    the noisy quantities the fit releases.
    """
    from scipy import stats

    monkeypatch.setattr(tvae_model, "train_tvae", lambda *a, **k: TrainLog())
    monkeypatch.setattr(dpplan, "calibrate_to_share", lambda budget, **k: (50.0, 0.5))
    small, big = _neighbours()
    rows_d, rates_d = _fit_many(small)
    rows_n, rates_n = _fit_many(big)
    # the released row estimate is the charged noisy count: unbiased, at the discrete-Laplace scale of the
    # split rule (one counting query: epsilon 0.1 * 1.0); the exact n would give variance 0
    p = math.exp(-0.1)
    var = 2 * p / (1 - p) ** 2
    assert abs(rows_d.mean() - 300) < 5 * math.sqrt(var / NEIGHBOUR_RUNS)
    assert abs(rows_d.var() / var - 1) < 5 * math.sqrt(5 / NEIGHBOUR_RUNS)  # false alarm < 1e-6 (normal approx.)
    # neighbours: the two samples of estimates are not separable (a two-sample KS test does not reject at
    # 1e-3, its false-alarm rate when the shift of 1 row is negligible against the noise; exact counts would
    # give KS = 1)
    assert stats.ks_2samp(rows_d, rows_n).pvalue > 1e-3
    assert stats.ks_2samp(rates_d, rates_n).pvalue > 1e-3
    # the sample rate is post-processing of the same noisy count (never of the exact n)
    np.testing.assert_allclose(rates_d, np.minimum(1.0, 50 / np.maximum(rows_d, 1)), rtol=5e-3)
