"""ctgan's DP fit and its conditional sampler, checked with tiny fits (the tests `make mutation` runs for "ctgan").

Each test names what a mutation of ``CTGANSynthesizer.fit`` or ``CondSampler`` would change and checks it
against a value recomputed here: the epsilon of every preprocessing query from the split rule (one counting
query per numeric column, per discrete column and for the row count), the conditional frequencies against
the exact counts, the plan against the noisy row count, PacGAN off under DP.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from safedata_ctgan.conditional import CondSampler
from safedata_ctgan.synthesizer import CTGANSynthesizer
from safedata_deep.testing import count_dp_steps, reproducible_share

from safedata_core import ComponentError, Table
from safedata_core.data import ColumnMeta, Metadata

TINY = {
    "epochs": 1, "batch_size": 1000, "embedding_dim": 2, "generator_dim": [4], "discriminator_dim": [4],
    "gmm_rows": 60, "max_modes": 2, "threads": 1, "progress": False, "dp_histogram_bins": 8,
    "dp_preprocess_fraction": 0.2,
}  # fmt: skip  # batch >= rows: sample rate 1, the accountant's curve is closed-form (fast)


def _table(n: int = 120) -> Table:
    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {
            "x": rng.uniform(0, 10, n),
            "colour": rng.choice(["red", "blue", "green"], n, p=[0.6, 0.3, 0.1]).astype(object),
            "f": rng.random(n) < 0.3,
        }
    )
    meta = Metadata(
        columns={
            "x": ColumnMeta(type="numerical", bounds=(0, 10)),
            "colour": ColumnMeta(type="categorical", categories=["red", "blue", "green"]),
            "f": ColumnMeta(type="boolean"),
        }
    )
    return Table.from_dataframe(df, meta)


def _fit(t: Table, noise_seed: int, **params: object) -> tuple[CTGANSynthesizer, object, list[int]]:
    share = reproducible_share(1.0, 1e-5, noise_seed)
    model = CTGANSynthesizer({**TINY, **params})
    with count_dp_steps() as sizes:
        model.fit(t, budget=share, seed=0)
    return model, share, sizes


def test_each_counting_query_spends_the_split_rule_share() -> None:
    # x's mode histogram, one frequency table per discrete column (colour, f), the row count: 4 queries
    model, share, sizes = _fit(_table(), 1)
    geometric = [c for c in share.charges if c.event.mechanism == "geometric"]
    assert len(geometric) == 4
    for c in geometric:
        assert c.event.epsilon == pytest.approx(0.2 * 1.0 / 4, rel=1e-12)
        assert c.note.startswith("ctgan: ")
    notes = " ".join(c.note for c in geometric)
    assert "'colour' conditional-vector frequencies" in notes and "'f' conditional-vector frequencies" in notes
    dp = model.report_extras()["dp"]
    assert dp["epsilon_pre"] == pytest.approx(0.2, rel=1e-9)
    assert dp["pac"] == 1
    sgd = [c for c in share.charges if c.event.mechanism == "subsampled_gaussian"]
    assert len(sgd) == 1 and sgd[0].note.startswith("ctgan: ")
    assert sgd[0].event.params["clip_norm"] == pytest.approx(0.1)
    assert len(sizes) == sgd[0].event.params["steps"] > 0
    assert share.spent().epsilon == pytest.approx(1.0, rel=1e-6)


def test_plan_follows_the_noisy_row_count() -> None:
    model, _, _ = _fit(_table(), 2, batch_size=40)
    n_hat = model._n_hat
    dp = model.report_extras()["dp"]
    assert dp["sample_rate"] == pytest.approx(min(1.0, 40 / n_hat), rel=1e-12)
    rows = {_fit(_table(), seed)[0].estimated_rows() for seed in range(3, 8)}
    assert len(rows) > 1  # the exact n would give one value


def test_conditional_frequencies_are_noisy_counts_and_exact_without_dp() -> None:
    t = _table()
    exact_colour = np.bincount(pd.Categorical(t.df["colour"], ["red", "blue", "green"]).codes, minlength=4)
    noisy = [_fit(t, seed)[0]._cond for seed in (10, 11)]
    assert noisy[0].widths == [4, 3]  # three categories + the missing slot; two values + the missing slot
    assert not np.array_equal(noisy[0].counts, noisy[1].counts)
    plain = CTGANSynthesizer({**TINY, "dp": False, "pac": 2})
    plain.fit(t, budget=None, seed=0)
    counts = plain._cond.counts
    np.testing.assert_array_equal(np.sort(counts[0, :3])[::-1], np.sort(exact_colour[:3])[::-1])
    assert counts[0].sum() == len(t.df) == counts[1].sum()
    assert plain.report_extras()["dp"] is None and plain.estimated_rows() is None
    out = plain.sample(30, seed=0).df
    assert len(out) == 30 and set(out["colour"].dropna()) <= {"red", "blue", "green"}


def test_non_private_fit_needs_two_rows() -> None:
    with pytest.raises(ComponentError, match="at least 2 rows"):
        CTGANSynthesizer({**TINY, "dp": False}).fit(_table(1), budget=None, seed=0)


def test_cond_sampler_offsets_probabilities_and_masks() -> None:
    cond = CondSampler([2, 3], [np.array([3.0, 1.0]), np.array([-2.0, 0.0, 0.0])], None)
    np.testing.assert_array_equal(cond.offsets, [0, 2, 5])
    assert cond.dim == 5 and cond.n_columns == 2
    np.testing.assert_allclose(cond.probs[0, :2], [0.75, 0.25])
    np.testing.assert_allclose(cond.probs[1, :3], [1 / 3, 1 / 3, 1 / 3])  # no positive count: uniform over allowed
    np.testing.assert_allclose(cond.log_probs[0, :2], np.log1p([3.0, 1.0]) / np.log1p([3.0, 1.0]).sum())
    masked = CondSampler([3], [np.array([0.0, 0.0, 0.0])], [np.array([True, False, True])])
    np.testing.assert_allclose(masked.probs[0], [0.5, 0.0, 0.5])
    rng = np.random.default_rng(0)
    c, col, cat = cond.sample(4000, rng, log_frequency=False)
    assert c.shape == (4000, 5) and c.dtype == np.float32
    np.testing.assert_array_equal(c.sum(axis=1), 1.0)
    np.testing.assert_array_equal(np.argmax(c, axis=1), cond.offsets[col] + cat)
    assert abs((col == 0).mean() - 0.5) < 0.05
    assert abs((cat[col == 0] == 0).mean() - 0.75) < 0.05
    assert cat[col == 1].max() == 2 and cat[col == 1].min() == 0
    _, col_l, cat_l = cond.sample(4000, rng, log_frequency=True)
    expected = np.log1p(3.0) / (np.log1p(3.0) + np.log1p(1.0))
    assert abs((cat_l[col_l == 0] == 0).mean() - expected) < 0.05
    empty = CondSampler([], [])
    c0, col0, cat0 = empty.sample(3, rng, log_frequency=False)
    assert c0.shape == (3, 0) and col0.tolist() == [0, 0, 0] and cat0.tolist() == [0, 0, 0]
    c1, col1, cat1 = empty.own(np.zeros((3, 0), dtype=np.int64), rng)
    assert c1.shape == (3, 0) and col1.tolist() == [0, 0, 0] and cat1.tolist() == [0, 0, 0]
    codes = np.array([[1, 2], [0, 0], [1, 1], [0, 2]])
    own, ocol, ocat = cond.own(codes, rng)
    assert own.shape == (4, 5) and own.dtype == np.float32
    np.testing.assert_array_equal(ocat, codes[np.arange(4), ocol])
    np.testing.assert_array_equal(np.argmax(own, axis=1), cond.offsets[ocol] + ocat)
    state = cond.to_dict()
    assert state == {"widths": [2, 3], "counts": [[3.0, 1.0], [1.0, 1.0, 1.0]]}
    np.testing.assert_array_equal(CondSampler.from_dict(state).probs, cond.probs)


def test_own_conditionals_draw_each_rows_column_uniformly_and_independently() -> None:
    # three discrete columns: every row's column is its own uniform draw, so 3,000 rows give ~1,000 per
    # column (binomial sd ~26; the band below is > 7 sd wide) and the conditional is that row's own category
    rng = np.random.default_rng(4)
    codes = np.column_stack([rng.integers(0, 2, 3000), rng.integers(0, 3, 3000), rng.integers(0, 4, 3000)])
    sampler = CondSampler([2, 3, 4], [np.ones(2), np.ones(3), np.ones(4)])
    cond, col, cat = sampler.own(codes, np.random.default_rng(5))
    assert np.all(np.abs(np.bincount(col, minlength=3) - 1000) < 200)
    assert np.array_equal(cat, codes[np.arange(3000), col])
    offsets = np.array([0, 2, 5])
    assert np.array_equal(np.flatnonzero(cond.ravel()), np.arange(3000) * 9 + offsets[col] + cat)


def test_a_table_without_discrete_columns_gets_empty_integer_conditions() -> None:
    sampler = CondSampler([], [])
    rng = np.random.default_rng(0)
    for cond, col, cat in (
        sampler.sample(5, rng, log_frequency=True),
        sampler.own(np.zeros((5, 0), dtype=np.int64), rng),
    ):
        assert cond.shape == (5, 0)
        assert col.dtype == np.int64 and cat.dtype == np.int64  # indices, usable to index arrays
        assert not col.any() and not cat.any()


@pytest.mark.parametrize("log_frequency", [False, True])
def test_a_fully_masked_column_still_draws_a_category_inside_its_own_block(log_frequency: bool) -> None:
    # column 0 (width 2) has every slot masked: its probabilities are all zero; column 1 has width 3
    sampler = CondSampler(
        [2, 3], [np.array([5.0, 5.0]), np.array([1.0, 2.0, 3.0])], allowed=[np.zeros(2, bool), np.ones(3, bool)]
    )
    cond, col, cat = sampler.sample(400, np.random.default_rng(1), log_frequency=log_frequency)
    widths = np.array([2, 3])
    assert (col == 0).sum() > 100  # P(fewer) < 1e-20 for a fair column draw
    assert np.all((cat >= 0) & (cat < widths[col]))
    offsets = np.array([0, 2])
    for i in range(len(col)):  # exactly one hot slot, inside the drawn column's block
        block = cond[i, offsets[col[i]] : offsets[col[i]] + widths[col[i]]]
        assert block.sum() == 1.0 and cond[i].sum() == 1.0


def test_a_sampler_without_discrete_columns_holds_empty_tables() -> None:
    # no discrete column: no frequency table at all (zero columns wide), nothing to condition on
    empty = CondSampler([], [])
    assert empty.counts.shape == (0, 0) and empty.probs.shape == (0, 0) and empty.log_probs.shape == (0, 0)
    assert empty.dim == 0 and empty.n_columns == 0
    assert empty.to_dict() == {"widths": [], "counts": []}


def _non_nullable_table(n: int = 120) -> Table:
    rng = np.random.default_rng(7)
    df = pd.DataFrame(
        {
            "x": rng.uniform(0, 10, n),
            "colour": rng.choice(["red", "blue", "green"], n).astype(object),
            "size": rng.choice(["s", "m", "l"], n).astype(object),
        }
    )
    meta = Metadata(
        columns={
            "x": ColumnMeta(type="numerical", bounds=(0, 10)),
            "colour": ColumnMeta(type="categorical", categories=["red", "blue", "green"], nullable=False),
            "size": ColumnMeta(type="categorical", categories=["s", "m", "l"], nullable=False),
        }
    )
    return Table.from_dataframe(df, meta)


def test_dp_conditions_never_use_the_missing_slot_of_a_non_nullable_column(monkeypatch: pytest.MonkeyPatch) -> None:
    import safedata_ctgan.model as ctgan_model

    bars: list[tuple[bool, str]] = []

    class Bar(list[int]):
        def set_postfix(self, *args: object, **kwargs: object) -> None:
            pass

    def bar(n: int, *, enabled: bool, desc: str) -> Bar:
        bars.append((enabled, desc))
        return Bar(range(n))

    monkeypatch.setattr(ctgan_model, "progress_bar", bar)
    # both columns are declared nullable: false, so slot 3 (missing) of each is never generated; its DP
    # frequency is a noisy count of zero rows (discrete Laplace, scale ~20 here): the sampler must zero it
    model, _, _ = _fit(_non_nullable_table(), 21, progress=True)
    cond = model._cond
    assert cond.widths == [4, 4]
    np.testing.assert_array_equal(cond.probs[:, 3], 0.0)
    np.testing.assert_array_equal(cond.log_probs[:, 3], 0.0)
    _, _, cat = cond.sample(2000, np.random.default_rng(0), log_frequency=True)
    assert cat.max() <= 2
    # the report holds the training log (no loss of the DP critic, no timing) and the DP plan
    extras = model.report_extras()
    assert set(extras) == {"training", "dp"}
    assert set(extras["training"]) == {"loss_per_epoch"} and len(extras["training"]["loss_per_epoch"]) == 1
    assert bars == [(True, "ctgan (DP)")]  # progress: true (the default) shows the bar


def test_same_seed_and_same_dp_noise_give_the_same_dp_modes() -> None:
    # under DP the numeric modes come from a GMM fitted to pseudo-points drawn from the DP histogram: that
    # post-processing is seeded by the pipeline seed, so a re-run with the same seed and noise is identical
    a, _, _ = _fit(_table(), 31)
    b, _, _ = _fit(_table(), 31)
    assert a._transformer.to_dict() == b._transformer.to_dict()
    assert a.estimated_rows() == b.estimated_rows()


def test_non_private_batch_is_capped_by_the_rows_rounded_down_to_pac(monkeypatch: pytest.MonkeyPatch) -> None:
    import safedata_ctgan.model as ctgan_model

    real = ctgan_model.train_ctgan
    batches: list[int] = []

    def spy(*args: object, **kwargs: object) -> object:
        batches.append(args[6].batch_size)  # type: ignore[attr-defined]  # the TrainConfig
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ctgan_model, "train_ctgan", spy)
    for n, pac, expected in ((13, 2, 12), (12, 5, 10), (3, 5, 5)):  # 13 - 13 % 2; 12 - 12 % 5; at least pac
        CTGANSynthesizer({**TINY, "dp": False, "pac": pac}).fit(_table(n), budget=None, seed=0)
        assert batches[-1] == expected
    CTGANSynthesizer({**TINY, "dp": False, "pac": 2, "batch_size": 6}).fit(_table(13), budget=None, seed=0)
    assert batches[-1] == 6  # batch_size below the rows: kept
