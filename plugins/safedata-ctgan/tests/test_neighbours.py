"""Neighbouring datasets (one extra extreme record with a unique category), same seeds, for ``tvae`` and ``ctgan``.

What a DP fit keeps that is NOT noisy (params, metadata, column layout, category lists, bounds, the ledger's
mechanisms and preprocessing charges) must be identical with and without the extra record; the record's value
and category must appear nowhere in the saved state or the report; and the number of DP-SGD steps actually run
must equal the number charged. Noisy quantities across neighbours are compared in each plugin's own tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import safedata_tvae.dpsgd as dpsgd
from safedata_ctgan.synthesizer import CTGANSynthesizer
from safedata_tvae.synthesizer import TVAESynthesizer

from safedata_core import Table
from safedata_core.data import ColumnMeta, Metadata
from safedata_core.privacy import NoiseSource
from safedata_core.testing import make_budget

COMMON = {"epochs": 2, "batch_size": 100, "embedding_dim": 8, "gmm_rows": 200, "threads": 1, "progress": False}
MODELS = {
    "tvae": (TVAESynthesizer, {**COMMON, "compress_dims": [16], "decompress_dims": [16]}),
    "ctgan": (CTGANSynthesizer, {**COMMON, "generator_dim": [16], "discriminator_dim": [16]}),
}
EXTREME, UNIQUE = 987654321.0, "zz-unique-category"


def _tables() -> tuple[Table, Table]:
    rng = np.random.default_rng(0)
    n = 1500  # each colour ~500 rows: well above the DP selection threshold
    df = pd.DataFrame(
        {
            "x": rng.normal(50, 10, n).clip(0, 100),
            "colour": rng.choice(["red", "blue", "green"], n).astype(object),  # no public domain: DP-selected
            "size": rng.choice(["S", "M", "L"], n).astype(object),  # public domain
        }
    )
    meta = Metadata(
        columns={
            "x": ColumnMeta(type="numerical", bounds=(0, 100)),
            "colour": ColumnMeta(type="categorical"),
            "size": ColumnMeta(type="categorical", categories=["S", "M", "L"]),
        }
    )
    extra = pd.DataFrame({"x": [EXTREME], "colour": [UNIQUE], "size": ["L"]})
    return Table.from_dataframe(df, meta), Table.from_dataframe(pd.concat([df, extra], ignore_index=True), meta)


def _fit(name: str, table: Table, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, list[int]]:
    cls, params = MODELS[name]
    sizes: list[int] = []
    original = dpsgd.LinearDPSGD.step

    def counting(self: Any, losses: Any, n: int) -> float:
        sizes.append(n)
        return original(self, losses, n)

    monkeypatch.setattr(dpsgd.LinearDPSGD, "step", counting)
    budget = make_budget(3.0, 1e-5)
    budget.noise = NoiseSource.reproducible(5)  # test-only: the same noise draws for both tables
    model = cls(params)
    model.fit(table, budget=budget, seed=7)
    monkeypatch.setattr(dpsgd.LinearDPSGD, "step", original)
    return model, budget, sizes


def _public_layout(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Per column: everything except the DP-estimated mixture (means, sds, weights come from a noisy histogram)."""
    drop = {"means", "stds", "weights"}
    return [{k: v for k, v in c.items() if k not in drop} for c in state["transformer"]["columns"]]


def _ledger(budget: Any) -> list[tuple[Any, ...]]:
    out = []
    for c in budget.charges:
        e = c.event
        if e.mechanism == "subsampled_gaussian":  # sigma, sample rate and steps follow the DP row count
            out.append((e.mechanism, c.note, e.params["clip_norm"]))
            continue
        out.append((e.mechanism, c.note, e.count, round(e.epsilon, 12), tuple(sorted(e.params.items()))))
    return out


@pytest.mark.parametrize("name", ["tvae", "ctgan"])
def test_neighbouring_tables_give_identical_non_noisy_state(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    small, big = _tables()
    m1, b1, sizes1 = _fit(name, small, monkeypatch)
    m2, b2, sizes2 = _fit(name, big, monkeypatch)
    s1, s2 = m1.state_dict(), m2.state_dict()
    assert s1 is not None and s2 is not None
    assert s1["params"] == s2["params"] and s1["metadata"] == s2["metadata"]
    assert _public_layout(s1) == _public_layout(s2)
    x_col = next(c for c in s1["transformer"]["columns"] if c["name"] == "x")
    assert (x_col["low"], x_col["high"]) == (0.0, 100.0)  # public bounds, not the data's min/max
    colour = next(c for c in s2["transformer"]["columns"] if c["name"] == "colour")
    assert colour["categories"] == ["blue", "green", "red"]  # DP-selected; the unique category is not
    if name == "ctgan":
        assert s1["conditional"]["widths"] == s2["conditional"]["widths"]
    assert _ledger(b1) == _ledger(b2)
    for model, budget in ((m1, b1), (m2, b2)):
        text = repr(model.state_dict()) + repr(model.report_extras())
        assert UNIQUE not in text and "987654321" not in text
        assert budget.spent().epsilon <= 3.0 + 1e-9
    # the steps actually run are the steps charged, empty Poisson batches included
    for budget, sizes in ((b1, sizes1), (b2, sizes2)):
        sgd = next(c.event for c in budget.charges if c.event.mechanism == "subsampled_gaussian")
        assert len(sizes) == sgd.count == sgd.params["steps"]
        expected = sgd.params["sample_rate"] * (len(small.df) + (budget is b2))
        assert abs(np.mean(sizes) - expected) < 4 * np.sqrt(expected / len(sizes)) + 1


@pytest.mark.parametrize("name", ["tvae", "ctgan"])
def test_dp_report_has_no_unnoised_real_data_loss(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    model, _, _ = _fit(name, _tables()[0], monkeypatch)
    losses = model.report_extras()["training"]["loss_per_epoch"]
    if name == "tvae":
        assert losses == []  # the TVAE loss is computed on real rows only
    else:
        assert len(losses) == COMMON["epochs"]  # the generator's loss: post-processing of the DP critic


def test_tvae_decoder_scale_stays_frozen_under_dp(monkeypatch: pytest.MonkeyPatch) -> None:
    model, _, _ = _fit("tvae", _tables()[0], monkeypatch)
    sigma = model._net.sigma.detach()
    assert not model._net.sigma.requires_grad
    assert float(sigma.max() - sigma.min()) == 0.0


def test_critic_fake_rows_depend_on_their_own_draws_only() -> None:
    """With batch norm in the generator, a generated row must not depend on the other rows of the DP step.

    Otherwise adding one record (one more pair) changes every other record's term of the clipped sum.
    """
    import torch
    from safedata_ctgan.model import Generator, critic_fake_rows

    torch.manual_seed(0)
    gen = Generator(6, [8], 5)
    gen.train()
    for _ in range(3):  # a few training-mode passes move the running statistics away from their initial values
        gen(torch.randn(32, 6))
    buffers = {k: v.clone() for k, v in gen.state_dict().items() if "running" in k or "num_batches" in k}
    z = torch.randn(40, 6)

    def make(zs: torch.Tensor) -> Any:
        return lambda k: (gen(zs[:k]), zs[:k])

    rows = {m: critic_fake_rows(gen, make(z), m)[0] for m in (1, 3, 40)}
    torch.testing.assert_close(rows[1], rows[40][:1])  # independent of how many rows the batch has
    torch.testing.assert_close(rows[3], rows[40][:3])
    other = z.clone()
    other[1:] = torch.randn(39, 6) * 5
    torch.testing.assert_close(critic_fake_rows(gen, make(other), 40)[0][0], rows[40][0])  # ... and of their draws
    assert gen.training  # the mode is restored
    after = gen.state_dict()
    assert all(torch.equal(after[k], v) for k, v in buffers.items())  # running stats not advanced by the critic step
    with torch.no_grad():
        direct = gen(other[:40])  # the unsafe way: batch statistics over the m rows
    assert not torch.allclose(direct[0], rows[40][0])
