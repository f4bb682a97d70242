"""The typed run record: steps with shares, spend and charges; releases; evaluations; coded warnings."""

from __future__ import annotations

from typing import Any

import numpy as np

from safedata_core import Engine, Synthesizer, Table
from safedata_core.pipeline.record import WARNING_CODES, RunRecord
from safedata_core.testing.fixtures import tiny_table
from tests.core.pipeline import fakes
from tests.fake_plugins.mechanisms import make_plugin


class _Silent(Synthesizer):
    """A 'DP' synthesizer that never charges its share (a broken component, for tests).

    **Privacy guarantee**: none.

    **Assumptions**: none.
    """

    name = "silent_copy"
    privacy = "dp"

    def _fit(self, table: Table, *, budget: Any, seed: int) -> None:
        self._table = table

    def sample(self, n: int, *, seed: int) -> Table:
        idx = np.random.default_rng(seed).integers(0, len(self._table), n)
        return self._table.with_df(self._table.df.iloc[idx].reset_index(drop=True))


def _pipeline(*steps: dict[str, Any], secure: bool = True) -> dict[str, Any]:
    privacy: dict[str, Any] = {"epsilon": 1.0, "delta": 1e-6, "accountant": "basic"}
    if not secure:
        privacy["secure"] = False
    return {"name": "rec", "data": {"source": "mem"}, "privacy": privacy, "steps": list(steps), "seed": 5}


def test_record_of_a_dp_run_has_steps_releases_and_evaluations() -> None:
    p = _pipeline(
        {"id": "prof", "use": "profile", "params": {"k": 3}},
        {"id": "synth", "use": "noisy_count", "privacy": {"epsilon": 0.4}},
        {"id": "tv", "use": "tv_complement", "target": "synth"},
    )
    result = fakes.engine().run(p, data=tiny_table(150))
    assert result.ok, result.error
    record = result.record
    assert record is not None and record.status == "succeeded" and record.run_id == result.report["run"]["id"]
    assert [(s.id, s.kind) for s in record.steps] == [("prof", "profile"), ("synth", "synthesizer"), ("tv", "metric")]
    synth = record.step("synth")
    charged = [c for c in result.ledger["charges"] if c["step"] == "synth"]
    assert synth.charges == len(charged) == 1
    assert synth.share is not None and synth.share.epsilon == 0.4
    assert synth.spent is not None and synth.spent.epsilon == result.ledger["charges"][0]["epsilon"]
    assert synth.released and synth.rows == len(result.released["synth"])
    assert record.step("prof").charges == 0 and record.step("prof").share is None and not record.step("prof").released
    assert [(r.step, r.rows, r.dp_step) for r in record.releases] == [("synth", len(result.released["synth"]), True)]
    assert record.releases[0].columns == list(result.released["synth"].columns)
    assert [(e.step, e.target) for e in record.evaluations] == [("tv", "synth")]
    assert record.evaluations[0].result["score"] == record.step("tv").result["score"]
    assert record.noise == "secure" and record.budget is not None and record.budget.epsilon == 1.0
    assert record.spent is not None and record.spent.epsilon == result.ledger["spent"]["epsilon"]
    assert record.warnings == []
    again = RunRecord.model_validate_json(record.model_dump_json())  # numpy values in the profile serialise
    assert again.step("prof").result["quasi_identifiers"] == ["age", "sex", "region"]


def test_warnings_carry_codes_a_reader_can_match() -> None:
    engine = Engine(autoload=False, plugins=[make_plugin("register_synthesizers", _Silent)])
    p = _pipeline({"id": "copy", "use": "silent_copy", "rows": 30}, secure=False)
    result = engine.run(p, data=tiny_table(80))
    assert result.ok, result.error
    record = result.record
    assert record is not None
    assert [c for c in record.codes() if c.startswith("dp.")] == ["dp.reproducible_noise", "dp.no_charge"]
    assert all(code in WARNING_CODES for code in record.codes())
    assert [w.code for w in record.step("copy").warnings] == ["dp.no_charge"]
    assert record.noise == "reproducible-test" and record.step("copy").charges == 0
    dp_messages = [w.message for w in record.warnings if w.code.startswith("dp.")]
    assert all(m in result.report["warnings"] for m in dp_messages)


def test_record_of_a_failed_run_names_the_failed_step_and_releases_nothing() -> None:
    p = {
        "data": {"source": "mem"},
        "steps": [{"id": "copy", "use": "resample", "rows": 10}, {"id": "bad", "use": "boom"}],
    }
    result = fakes.engine().run(p, data=tiny_table(40))
    assert not result.ok
    record = result.record
    assert record is not None and record.status == "failed" and record.error == result.error
    assert [(s.id, s.status) for s in record.steps] == [("copy", "succeeded"), ("bad", "failed")]
    error = record.step("bad").error
    assert error is not None and "\n" not in error
    assert error.startswith("step 'bad' (boom) failed with ZeroDivisionError")
    assert record.releases == [] and record.step("copy").released  # made, but a failed run releases nothing
    assert record.noise is None and record.budget is None


def test_record_holds_what_the_report_reads() -> None:
    p = _pipeline({"id": "prof", "use": "profile", "params": {"k": 3}}, {"id": "synth", "use": "noisy_count"})
    result = fakes.engine().run(p, data=tiny_table(150))
    record = result.record
    assert record is not None and record.data is not None, result.error
    assert record.data.rows == result.report["data"]["rows"] and record.data.columns == result.report["data"]["columns"]
    assert record.profile is not None and record.profile["k"] == 3
    assert [(c.step, c.kind, c.dp_active) for c in record.components] == [
        ("prof", "profile", False),
        ("synth", "synthesizer", True),
    ]
    assert record.component("prof") is not None and record.component("prof").distribution == "safedata-core"
    assert record.ledger == result.ledger and record.audit_events == len(result.audit_lines)
    assert record.data_source == "mem" and record.failed_step is None
