"""``safedata demo``: builds its pipeline from what is installed and produces a schema-valid report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from safedata_core import Engine
from safedata_core.cli import main
from safedata_core.commands import demo
from tests.core.report.helpers import FakePlugin, validate


def test_demo_pipeline_uses_only_registered_components() -> None:
    bare_engine = Engine(autoload=False)
    bare = demo.demo_pipeline(bare_engine)
    names = {i.name for i in bare_engine.registry}
    assert bare["steps"][0]["use"] == "profile"
    assert not any(s["use"] in demo.DP_PREFERENCE for s in bare["steps"])  # no synthesizer without plugins
    assert all(s["use"] in names or s["use"] == "profile" for s in bare["steps"])
    if {"generalize", "suppress"} <= names:
        sdc = [s for s in bare["steps"] if s["use"] in ("generalize", "suppress")]
        assert [s["id"] for s in sdc] == ["sdc_generalize", "sdc"] and sdc[1]["input"] == "sdc_generalize"
        assert all(s["params"]["k"] == 5 for s in sdc)
    rich = demo.demo_pipeline(Engine(autoload=False, plugins=["safedata_example", FakePlugin()]))
    uses = [s["use"] for s in rich["steps"]]
    assert "example" in uses
    assert {"ks_complement", "tv_complement"} <= set(uses)
    synth = next(s for s in rich["steps"] if s["use"] == "example")
    assert synth["privacy"] == {"epsilon": 1.0, "delta": 1e-6}


def test_hierarchies_cover_every_adult_category() -> None:
    files = demo.hierarchy_files()
    assert set(files) == {"age", "education", "marital_status", "race", "sex", "native_country"}
    meta = yaml.safe_load((Path(demo.__file__).parents[1] / "data" / "datasets" / "adult.meta.yaml").read_text())
    for col, path in files.items():
        rows = [line.split(";") for line in Path(path).read_text().splitlines()]
        assert len({len(r) for r in rows}) == 1 and all(r[-1] == "*" for r in rows)
        keys = {r[0] for r in rows}
        expected = {str(a) for a in range(17, 91)} if col == "age" else set(meta["columns"][col]["categories"])
        assert keys == expected, col
        # a hierarchy: each level's value determines the next level's value
        for lvl in range(1, len(rows[0]) - 1):
            parents: dict[str, str] = {}
            for r in rows:
                assert parents.setdefault(r[lvl], r[lvl + 1]) == r[lvl + 1]


def test_demo_runs_and_report_validates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def engine(_args: Any) -> Engine:
        return Engine(autoload=False, plugins=["safedata_example"])

    monkeypatch.setattr(demo, "make_engine", engine)
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--rows", "1200"]) == 0
    printed = capsys.readouterr().out
    assert f"report: {out / 'internal' / 'report.html'}" in printed and "synthetic" in printed
    assert "verdict:" in printed and f"release (safe to publish): {out / 'release'}" in printed
    report = json.loads((out / "internal" / "report.json").read_text())
    validate(report)
    assert report["privacy"]["dp_status"] == "claimed"
    assert "synthetic" in [r["step"] for r in report["releases"]]
    assert 0.5 < report["summary"]["budget"]["epsilon_spent"] <= 1.0 + 1e-9
    assert (out / "internal" / "report.html").is_file() and (out / "release" / "model_card.md").is_file()
    assert (out / "release" / "synthetic.csv").is_file()


def test_demo_sdc_generalises_all_six_qis_and_releases_5_anonymous(tmp_path: Path) -> None:
    engine = Engine(autoload=False)
    names = {i.name for i in engine.registry}
    if not {"generalize", "suppress"} <= names:
        pytest.skip("generalize and suppress are not registered")
    pipeline = demo.demo_pipeline(engine)
    gen = next(s for s in pipeline["steps"] if s["use"] == "generalize")
    qis = ["age", "education", "marital_status", "race", "sex", "native_country"]
    assert gen["params"]["quasi_identifiers"] == qis and set(gen["params"]["hierarchies"]) == set(qis)
    assert gen["params"]["suppress_outliers"] is False  # suppress handles the records left below k
    # only the SDC part of the demo, on the full Adult data (native_country has missing values)
    pipeline["steps"] = [s for s in pipeline["steps"] if s["use"] in ("profile", "generalize", "suppress")]
    result = engine.run(pipeline, out=tmp_path / "sdc")
    assert result.ok, result.error
    (chain,) = result.report["sdc"]["chains"]
    assert chain["steps"] == ["sdc_generalize", "sdc"] and chain["k_before"] == 1 and chain["k_after"] == 5
    assert chain["records_below_k_after"] == 0
    # k and suppression targets are met, but the release keeps education_num, a 1:1 code of the hidden education
    assert chain["verdict"] == "fail"
    top = chain["proxies"][0]
    assert (top["column"], top["determines"], top["verdict"]) == ("education_num", "education", "fail")
    assert 0 < chain["information_loss"]["records_suppressed_share"] <= 0.05
