"""The one-call Python API (safedata_core.quick): DataFrames in and out, DP rules as in the runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import safedata_core
from safedata_core import (
    ComponentError,
    DataError,
    Engine,
    PrivacyBudgetError,
    Table,
    UnknownComponentError,
    hookimpl,
)
from safedata_core import Synthesizer as SynthesizerBase
from safedata_core.privacy import DiscreteLaplace, add_noise
from safedata_core.quick import SDC, Synthesizer
from safedata_core.testing.fixtures import tiny_metadata, tiny_table

pytest.importorskip("safedata_example")


class CountingSynthesizer(SynthesizerBase):
    """Resamples a DP histogram of 'sex' and publishes a DP row count.

    **Privacy guarantee**: epsilon-DP (two Laplace counts, half the share each).

    **Assumptions**: 'sex' is declared with its categories.
    """

    name = "counting"
    privacy = "dp"

    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        half = budget.epsilon / 2
        cats = list(table.metadata.columns["sex"].categories or [])
        counts = table.df["sex"].value_counts().reindex(cats, fill_value=0).to_numpy()
        noisy = add_noise(budget, DiscreteLaplace(1, half), counts, note="sex histogram")
        self._total = add_noise(budget, DiscreteLaplace(1, half), float(len(table)), note="row count")
        probs = np.clip(noisy, 0, None) + 1e-9
        self._cats, self._probs, self._meta = cats, probs / probs.sum(), table.metadata.subset(["sex"])

    def estimated_rows(self) -> int | None:
        return max(1, round(float(self._total)))

    def sample(self, n: int, *, seed: int) -> Table:
        values = np.random.default_rng(seed).choice(self._cats, n, p=self._probs)
        return Table(pd.DataFrame({"sex": values}), self._meta)


class CountingPlugin:
    @hookimpl
    def register_synthesizers(self, register: Any) -> None:
        register(CountingSynthesizer)


@pytest.fixture(scope="module")
def quick_engine() -> Engine:
    return Engine(autoload=False, plugins=["safedata_example", "tests.fake_plugins.good_synth", CountingPlugin()])


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return tiny_table(300, seed=3).df


def make(engine: Engine, **kw: Any) -> Synthesizer:
    args: dict[str, Any] = {"epsilon": 1.0, "metadata": tiny_metadata(), "engine": engine, "seed": 5}
    args.update(kw)
    return Synthesizer("example", **args)


def test_dp_fit_sample_returns_dataframes_and_a_ledger(quick_engine: Engine, df: pd.DataFrame) -> None:
    synth = make(quick_engine).fit(df)
    out = synth.sample(50)
    assert isinstance(out, pd.DataFrame) and out.shape == (50, df.shape[1]) and list(out.columns) == list(df.columns)
    assert set(out["sex"].dropna()) <= {"F", "M"}
    ledger = synth.ledger
    assert ledger["budget"] == {"epsilon": 1.0, "delta": 0.0}
    assert len(ledger["charges"]) == df.shape[1]  # one Laplace histogram per column
    assert 0.99 <= synth.epsilon_spent <= 1.0 + 1e-9
    json.dumps(ledger)  # JSON-ready, as ledger.json in a run directory


def test_metadata_as_object_dict_or_path(quick_engine: Engine, df: pd.DataFrame, tmp_path: Path) -> None:
    meta = tiny_metadata().to_dict()
    path = tmp_path / "meta.yaml"
    path.write_text(yaml.safe_dump(meta))
    for source in (tiny_metadata(), meta, meta["columns"], str(path), path):
        synth = make(quick_engine, metadata=source).fit(df)
        assert synth.sample(10).shape == (10, 5)
    with pytest.raises(DataError, match="metadata file .* not found"):
        make(quick_engine, metadata=tmp_path / "missing.yaml")


def test_dp_requires_every_column_declared(quick_engine: Engine, df: pd.DataFrame) -> None:
    with pytest.raises(ComponentError) as err:
        make(quick_engine, metadata=None).fit(df)
    msg = str(err.value)
    assert "cannot use column 'age'" in msg and "declare it in the metadata" in msg and "\n" not in msg
    partial = tiny_metadata().model_copy(update={"columns": dict(list(tiny_metadata().columns.items())[:4])})
    with pytest.raises(ComponentError, match="column 'smoker'"):
        make(quick_engine, metadata=partial).fit(df)


def test_budget_rules(quick_engine: Engine) -> None:
    with pytest.raises(PrivacyBudgetError, match=r"give its budget, e\.g\. Synthesizer\('example', epsilon=1\.0"):
        Synthesizer("example", engine=quick_engine)
    with pytest.raises(PrivacyBudgetError, match="epsilon means nothing here"):
        Synthesizer("example", dp=False, epsilon=1.0, engine=quick_engine)
    with pytest.raises(PrivacyBudgetError, match="finite epsilon > 0"):
        Synthesizer("example", epsilon=0.0, engine=quick_engine)
    with pytest.raises(PrivacyBudgetError, match="0 <= delta < 1"):
        Synthesizer("example", epsilon=1.0, delta=1.5, engine=quick_engine)


def test_params_and_names_are_checked(quick_engine: Engine) -> None:
    with pytest.raises(ComponentError, match=r"parameter 'binz': unknown parameter .*dp, bins"):
        make(quick_engine, binz=4)
    with pytest.raises(ComponentError, match="parameter 'bins'"):
        make(quick_engine, params={"bins": 1})
    assert make(quick_engine, params={"bins": 4}, dp=True).params.bins == 4
    with pytest.raises(UnknownComponentError, match="did you mean 'example'"):
        Synthesizer("exampel", epsilon=1.0, engine=quick_engine)
    with pytest.raises(UnknownComponentError, match="registered as a synthesizer, not a sdc"):
        SDC("example", engine=quick_engine)


def test_rows_default_to_the_dp_estimate(
    quick_engine: Engine, df: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    meta = tiny_metadata().subset(["sex"])
    counting = Synthesizer("counting", epsilon=4.0, metadata=meta, engine=quick_engine).fit(df[["sex"]])
    estimate = counting.estimated_rows()
    assert estimate is not None and abs(estimate - len(df)) < 40  # Laplace scale 0.5: |noise| < 40 w.p. ~1
    assert len(counting.sample()) == estimate
    assert [c["note"] for c in counting.ledger["charges"]] == ["sex histogram", "row count"]
    example = make(quick_engine).fit(df)
    assert abs(len(example.sample()) - len(df)) < 60  # the example plugin's DP row estimate
    from safedata_core.components import Synthesizer as SynthesizerBase

    monkeypatch.setattr(type(example._component), "estimated_rows", SynthesizerBase.estimated_rows)
    with pytest.raises(ComponentError, match=r"no DP estimate of the row count; give the number of rows, e\.g\."):
        make(quick_engine).fit(df).sample()


def test_non_dp_fit_samples_input_size(quick_engine: Engine, df: pd.DataFrame) -> None:
    synth = Synthesizer("example", dp=False, engine=quick_engine).fit(df)
    assert len(synth.sample()) == len(df)
    assert synth.ledger["budget"] is None and synth.epsilon_spent == 0.0
    resample = Synthesizer("resample", engine=quick_engine).fit(df)
    assert len(resample.sample(7)) == 7


def test_sample_checks(quick_engine: Engine, df: pd.DataFrame) -> None:
    synth = make(quick_engine)
    with pytest.raises(ComponentError, match=r"call fit\(df\) before sample\(\)"):
        synth.sample(5)
    synth.fit(df)
    for bad in (0, -3, 2.5, "10", True):
        with pytest.raises(DataError, match="rows must be a positive whole number"):
            synth.sample(bad)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="expected a pandas DataFrame"):
        make(quick_engine).fit(df.to_numpy())  # type: ignore[arg-type]


def test_seeds_drive_sampling_but_never_dp_noise(quick_engine: Engine, df: pd.DataFrame) -> None:
    a, b = make(quick_engine, seed=11).fit(df), make(quick_engine, seed=11).fit(df)
    # DP noise is drawn from the secure generator: the same seed gives different noisy marginals
    pa, pb = a._component.state_dict()["marginals"], b._component.state_dict()["marginals"]
    assert pa["age"]["probs"] != pb["age"]["probs"]
    # the sampling seed is honoured (same model, same seed, same rows) and calls without a seed differ
    pd.testing.assert_frame_equal(a.sample(30, seed=1), a.sample(30, seed=1))
    assert not a.sample(30).equals(a.sample(30))
    # reproducible noise (tests only) replays exactly and says it is not DP
    c = make(quick_engine, seed=11, reproducible_noise=True).fit(df)
    d = make(quick_engine, seed=11, reproducible_noise=True).fit(df)
    assert c._component.state_dict() == d._component.state_dict()
    assert any("not DP" in w for w in c.warnings) and not a.warnings


def test_declared_direct_identifiers_are_dropped(quick_engine: Engine, df: pd.DataFrame) -> None:
    with_ids = df.assign(email=[f"user{i}@example.org" for i in range(len(df))])
    meta = tiny_metadata().to_dict()
    meta["columns"]["email"] = {"type": "text", "role": "direct_identifier"}
    synth = make(quick_engine, metadata=meta).fit(with_ids)
    assert synth.dropped_identifiers == ["email"]
    assert "email" not in synth.sample(5).columns


def test_save_and_load_round_trip(quick_engine: Engine, df: pd.DataFrame, tmp_path: Path) -> None:
    synth = make(quick_engine).fit(df)
    path = synth.save(tmp_path / "models" / "example.json")
    loaded = Synthesizer.load(path, engine=quick_engine)
    assert loaded.fitted and loaded.ledger == synth.ledger and loaded.params == synth.params
    pd.testing.assert_frame_equal(loaded.sample(40, seed=9), synth.sample(40, seed=9))
    envelope = json.loads(path.read_text())
    assert envelope["component"] == "example" and envelope["budget"] == {"epsilon": 1.0, "delta": 0.0}
    assert "fit_rows" in envelope and envelope["fit_rows"] is None  # a DP fit keeps no exact row count


def test_save_refusals_and_bad_files(quick_engine: Engine, df: pd.DataFrame, tmp_path: Path) -> None:
    resample = Synthesizer("resample", engine=quick_engine).fit(df)
    with pytest.raises(ComponentError) as err:
        resample.save(tmp_path / "r.json")
    assert "'resample' does not support saving" in str(err.value) and "\n" not in str(err.value)
    assert not (tmp_path / "r.json").exists()
    with pytest.raises(ComponentError, match=r"call fit\(df\) before save\(\)"):
        make(quick_engine).save(tmp_path / "x.json")
    with pytest.raises(DataError, match="file not found"):
        Synthesizer.load(tmp_path / "nope.json", engine=quick_engine)
    (tmp_path / "bad.json").write_text("not json")
    with pytest.raises(DataError, match="not a saved synthesizer"):
        Synthesizer.load(tmp_path / "bad.json", engine=quick_engine)
    (tmp_path / "other.json").write_text('{"a": 1}')
    with pytest.raises(DataError, match="no 'safedata-synthesizer' header"):
        Synthesizer.load(tmp_path / "other.json", engine=quick_engine)


def test_sdc_handle(engine: Engine) -> None:
    table = tiny_table(200, seed=2)
    sdc = SDC("top_bottom_code", engine=engine, top={"income": 60_000.0}, seed=0)
    out = sdc.apply(table.df)
    assert isinstance(out, pd.DataFrame) and out.shape == table.df.shape
    assert out["income"].max() <= 60_000 < table.df["income"].max()
    assert sdc.changes["records_modified"] == int((table.df["income"] > 60_000).sum()) > 0
    only_first = np.arange(len(table)) < 50
    partial = sdc.apply(table.df, rows=only_first)
    pd.testing.assert_series_equal(partial["income"][50:], table.df["income"][50:])


def test_sdc_mdav_as_in_the_docs() -> None:
    pytest.importorskip("safedata_microaggregation")
    df = tiny_table(300, seed=3, with_missing=False).df
    engine = Engine(autoload=False, plugins=["safedata_microaggregation"])
    out = SDC("mdav", k=5, columns=["age", "income"], engine=engine).apply(df)
    groups = out.groupby(["age", "income"], dropna=False).size()
    assert groups.min() >= 5 and out.shape == df.shape


def test_top_level_names() -> None:
    assert safedata_core.QuickSynthesizer is Synthesizer and safedata_core.QuickSDC is SDC
    assert safedata_core.Synthesizer is SynthesizerBase  # the plugin base class is not shadowed
