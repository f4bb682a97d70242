"""Issue 8's end-to-end check: profile -> generalize -> suppress -> linkage -> report on builtin:adult."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from safedata_core import Engine
from safedata_core.inventory.risk import class_sizes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.delenv("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    pytest.importorskip("safedata_linkage", reason="plugins/safedata-linkage is not installed (run make test)")
    return Engine()


def test_adult_sdc_pipeline_reports_risk_before_and_after(engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = engine.run(ROOT / "docs" / "examples" / "adult-sdc.yaml", out=out)
    assert result.ok, result.error
    released = pd.read_csv(out / "release" / "suppress.csv")
    qis = result.report["profile"]["quasi_identifiers"]
    assert class_sizes(released.astype(object), qis).min() >= 5
    steps = {s["step"]: s for s in json.loads((out / "internal" / "report.json").read_text())["steps"]}
    assert steps["profile"]["result"]["risk"]["k_anonymity"] == 1
    assert steps["suppress"]["result"]["risk_after"]["k_anonymity"] >= 5
    assert steps["generalize"]["result"]["risk_before"]["records_below_k"]["5"] > 0
    linkage = steps["linkage"]["result"]
    assert 0 <= linkage["success_rate"] <= 1 and linkage["n_attempts"] > 0
    package = {p.name for p in (out / "release").iterdir()}
    assert package == {"suppress.csv", "report.json", "report.html", "ledger.json", "model_card.md"}
    assert "report.html" in {p.name for p in (out / "internal").iterdir()}
    # the linkage attack re-identifies records of the release: the run succeeded, its verdict is FAIL
    assert result.verdict == "fail" and result.release_verdicts == {"suppress": "fail"}
