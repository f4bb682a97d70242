"""The ctgan component under DP: where its randomness comes from, what it refuses, what it releases and spends."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
import safedata_ctgan.model as ctgan_model
import safedata_deep.dpplan as dpplan
import safedata_deep.dpsgd as dpsgd
import torch
from safedata_ctgan.conditional import CondSampler
from safedata_ctgan.synthesizer import CTGANSynthesizer
from safedata_deep.testing import independent_epsilon, reproducible_share
from safedata_deep.trainlog import TrainLog
from safedata_deep.transformer import DataTransformer

from safedata_core import ComponentError, Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.testing import make_budget

TINY = {
    "epochs": 1, "batch_size": 1000, "embedding_dim": 4, "generator_dim": [8], "discriminator_dim": [8],
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
        model = CTGANSynthesizer(TINY)
        model.fit(t, budget=make_budget(1.0, 1e-5), seed=4)
        secure.append(model.sample(200, seed=1).df)
    assert not secure[0].equals(secure[1])  # same seed, fresh secure noise
    replay = []
    for _ in range(2):
        model = CTGANSynthesizer(TINY)
        model.fit(t, budget=reproducible_share(1.0, 1e-5, 11), seed=4)
        replay.append((model.sample(200, seed=1).df, model.state_dict()))
    pd.testing.assert_frame_equal(replay[0][0], replay[1][0])
    assert replay[0][1] == replay[1][1]


def test_training_draws_come_from_the_share_not_the_seed_or_torch_global_generator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Batches, noise, encodings, real rows' conditions, paired fake rows and dropout masks come from ``budget.noise``.

    torch's global generator is reset to the same state before each fit: a draw taken from it (or from the
    seed) would repeat across the two fits at the first DP step.
    """
    seen: dict[str, list[Any]] = {
        k: [] for k in ("noise_rng", "batch_rng", "encode_rng", "own_rng", "own", "fake", "mask")
    }
    linear, batches, transform = dpsgd.LinearDPSGD.__init__, ctgan_model.poisson_batches, DataTransformer.transform
    own, fake_rows, dropout = CondSampler.own, ctgan_model.critic_fake_rows, ctgan_model.GeneratorDropout.forward

    def spy_linear(self: Any, module: Any, optimizer: Any, plan: Any, noise_rng: Any, **kw: Any) -> None:
        seen["noise_rng"].append(noise_rng)
        linear(self, module, optimizer, plan, noise_rng, **kw)

    def spy_batches(n: int, rate: float, steps: int, rng: Any) -> Any:
        seen["batch_rng"].append(rng)
        return batches(n, rate, steps, rng)

    def spy_transform(self: Any, df: Any, rng: Any) -> Any:
        seen["encode_rng"].append(rng)
        return transform(self, df, rng)

    def spy_own(self: Any, codes: np.ndarray, rng: Any) -> Any:
        out = own(self, codes, rng)
        seen["own_rng"].append(rng)
        seen["own"].append(out[1][:30].copy())  # the drawn column of the first 30 real rows
        return out

    def spy_fake_rows(gen: Any, make: Any, m: int) -> Any:
        out = fake_rows(gen, make, m)
        seen["fake"].append(out[0][0].clone())
        return out

    def spy_dropout(self: Any, x: torch.Tensor) -> torch.Tensor:
        out = dropout(self, x)
        seen["mask"].append((out[0] != 0).clone())
        return out

    monkeypatch.setattr(dpsgd.LinearDPSGD, "__init__", spy_linear)
    monkeypatch.setattr(ctgan_model, "poisson_batches", spy_batches)
    monkeypatch.setattr(DataTransformer, "transform", spy_transform)
    monkeypatch.setattr(CondSampler, "own", spy_own)
    monkeypatch.setattr(ctgan_model, "critic_fake_rows", spy_fake_rows)
    monkeypatch.setattr(ctgan_model.GeneratorDropout, "forward", spy_dropout)
    budgets, firsts = [], []
    for _ in range(2):
        torch.manual_seed(0)
        budget = make_budget(1.0, 1e-5)
        start = {k: len(v) for k, v in seen.items()}
        CTGANSynthesizer({**TINY, "batch_size": 100}).fit(table(600), budget=budget, seed=4)  # sample rate ~1/6
        budgets.append(budget)
        firsts.append({k: seen[k][start[k]] for k in ("own", "fake", "mask")})
        for key in ("noise_rng", "batch_rng", "encode_rng", "own_rng"):
            drawn = seen[key][start[key] :]
            assert drawn and all(g is budget.noise.generator for g in drawn), key
    assert not np.array_equal(firsts[0]["own"], firsts[1]["own"])
    assert not torch.equal(firsts[0]["fake"], firsts[1]["fake"])
    assert not torch.equal(firsts[0]["mask"], firsts[1]["mask"])


def test_undeclared_column_is_refused_before_anything_is_charged() -> None:
    t = table()
    df = t.df.assign(answer=np.where(np.arange(len(t.df)) % 2, "yes", "no"))
    undeclared = Table.from_dataframe(df, Metadata(columns=dict(t.metadata.columns)))
    assert undeclared.metadata.columns["answer"].inferred
    budget = make_budget(1.0, 1e-5)
    with pytest.raises(ComponentError) as info:
        CTGANSynthesizer(TINY).fit(undeclared, budget=budget, seed=0)
    message = str(info.value)
    assert "'answer'" in message and "declare it in the metadata" in message and "\n" not in message
    assert budget.charges == []


def test_non_nullable_columns_never_get_missing_values_under_dp() -> None:
    # a third of x and colour is missing although the metadata says nullable: false: the model learns the
    # missing slot, and must still never generate it
    model = CTGANSynthesizer(TINY)
    model.fit(table(nullable=False, missing=0.3), budget=make_budget(3.0, 1e-5), seed=0)
    tr, cond = model._transformer, model._cond
    mask = tr.allowed_mask()
    assert (~mask).sum() == 3  # each column's missing slot exists (DP: data-independent layout) ...
    raw = ctgan_model.sample_ctgan(model._gen, tr.spans, cond, 4000, TINY["embedding_dim"], 3, mask)
    assert raw[:, ~mask].sum() == 0  # ... but is never generated ...
    _, col, cat = cond.sample(4000, np.random.default_rng(0), log_frequency=False)
    assert not np.any(cat == np.asarray(cond.widths)[col] - 1)  # ... nor used as a condition
    out = model.sample(4000, seed=3).df
    assert out.notna().all().all()
    assert set(out["colour"]) <= {"red", "blue", "green"}


def test_report_extras_hold_no_timing_under_dp_and_the_state_keeps_the_row_estimate() -> None:
    model = CTGANSynthesizer(TINY)
    model.fit(table(), budget=make_budget(1.0, 1e-5), seed=0)
    extras = model.report_extras()
    assert "seconds" not in repr(extras) and set(extras["training"]) == {"loss_per_epoch"}
    rows = model.estimated_rows()
    assert isinstance(rows, int) and rows > 0
    again = CTGANSynthesizer(TINY)
    again.load_state_dict(model.state_dict())
    assert again.estimated_rows() == rows
    plain = CTGANSynthesizer({**TINY, "dp": False, "batch_size": 50})
    plain.fit(table(), budget=None, seed=0)
    assert plain.estimated_rows() is None
    assert plain.report_extras()["training"]["seconds_per_epoch"] > 0  # timing only for non-private fits


def test_whole_share_spent_by_an_independent_recomputation() -> None:
    budget = make_budget(1.0, 1e-5)
    CTGANSynthesizer({**TINY, "batch_size": 100}).fit(table(600), budget=budget, seed=0)
    assert independent_epsilon(budget) == pytest.approx(1.0, rel=1e-6)
    assert budget.spent().epsilon <= 1.0


@pytest.mark.slow
def test_whole_share_spent_on_builtin_adult() -> None:
    from safedata_core.data import read_table

    adult = read_table("builtin:adult")
    budget = make_budget(1.0, 1e-6)
    model = CTGANSynthesizer({"epochs": 1, "threads": 1, "progress": False})
    model.fit(adult, budget=budget, seed=0)
    spent = budget.spent().epsilon
    assert 1.0 * (1 - 1e-6) <= spent <= 1.0
    assert independent_epsilon(budget) == pytest.approx(spent, rel=1e-9)
    assert abs(model.estimated_rows() - len(adult)) < 2000  # scale 1 / (0.1 / 16 queries) = 160


@pytest.mark.slow  # 300 fits without training: ~10 s on a loaded 2-core machine
def test_row_estimate_and_sample_rate_are_noisy_across_neighbours(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neighbouring tables D (300 rows) and D + 1 row, 150 fits each (noise seed i on both sides).

    Training and the noise calibration are stubbed out (they do not touch the row count).
    """
    from scipy import stats

    monkeypatch.setattr(ctgan_model, "train_ctgan", lambda *a, **k: TrainLog())
    monkeypatch.setattr(dpplan, "calibrate_to_share", lambda budget, **k: (50.0, 0.5))
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"c": rng.choice(["a", "b"], 300).astype(object), "f": rng.random(300) < 0.5})
    meta = Metadata(
        columns={"c": ColumnMeta(type="categorical", categories=["a", "b"]), "f": ColumnMeta(type="boolean")}
    )
    big = pd.concat([df, pd.DataFrame({"c": ["b"], "f": [True]})], ignore_index=True)
    runs, params = 150, {**TINY, "batch_size": 50}
    rows: dict[int, list[float]] = {300: [], 301: []}
    rates: dict[int, list[float]] = {300: [], 301: []}
    for frame in (df, big):
        t = Table.from_dataframe(frame, meta)
        for i in range(runs):
            model = CTGANSynthesizer(params)
            model.fit(t, budget=reproducible_share(1.0, 1e-5, i), seed=0)
            rows[len(frame)].append(float(model.estimated_rows()))
            rates[len(frame)].append(model.report_extras()["dp"]["sample_rate"])
    est = np.asarray(rows[300])
    eps_each = 0.1 / 3  # split rule: two conditional-vector histograms and the row count
    p = math.exp(-eps_each)
    var = 2 * p / (1 - p) ** 2
    assert abs(est.mean() - 300) < 5 * math.sqrt(var / runs)
    assert abs(est.var() / var - 1) < 5 * math.sqrt(5 / runs)  # false alarm < 1e-6 (normal approx.)
    assert stats.ks_2samp(rows[300], rows[301]).pvalue > 1e-3  # exact counts would give KS = 1
    assert stats.ks_2samp(rates[300], rates[301]).pvalue > 1e-3
    np.testing.assert_allclose(rates[300], np.minimum(1.0, 50 / np.maximum(est, 1)), rtol=5e-3)
