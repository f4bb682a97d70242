"""The SDC verdict judges each release chain by its last step: docs/examples/adult-sdc.yaml (generalize -> suppress)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from safedata_core import Engine
from tests.core.report.helpers import ROOT, validate


@pytest.fixture(scope="module")
def sdc_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    spec = yaml.safe_load((ROOT / "docs" / "examples" / "adult-sdc.yaml").read_text())
    plugins = []
    if importlib.util.find_spec("safedata_linkage") is not None:
        plugins.append("safedata_linkage")
    else:  # the attack is not what this test is about
        spec["steps"] = [s for s in spec["steps"] if s["use"] != "linkage"]
    out = tmp_path_factory.mktemp("adult-sdc")
    result = Engine(autoload=False, plugins=plugins).run(spec, out=out)
    assert result.ok, result.error
    return json.loads((Path(out) / "internal" / "report.json").read_text())


def test_chain_is_judged_by_its_last_step(sdc_report: dict) -> None:
    validate(sdc_report)
    sdc = sdc_report["sdc"]
    steps = {s["step"]: s for s in sdc["steps"]}
    gen, sup = steps["generalize"], steps["suppress"]
    # generalize with suppress_outliers: false leaves classes below k by design; it is not the release
    assert gen["input"] == "data" and not gen["final"] and gen["k_after"] < 5
    assert gen["verdict"] == "not_applicable"
    # suppress reads generalize; its before/after is against generalize's output
    assert sup["input"] == "generalize" and sup["final"] and sup["chain"] == ["generalize", "suppress"]
    assert sup["k_before"] == gen["k_after"] and sup["k_after"] == 5
    assert sup["records_below_k_after"] == 0
    # k and suppression targets are met: only the proxy columns judge the release (see the next test)
    assert {c["check"] for c in sup["checks"]} == {"proxy"} and sup["verdict"] == "fail"
    (chain,) = sdc["chains"]
    assert chain["release"] == "suppress" and chain["steps"] == ["generalize", "suppress"]
    assert chain["k_before"] == gen["k_before"] and chain["k_after"] == 5
    # suppression counted against the original data, within the default 5% limit
    assert 0 < chain["information_loss"]["records_suppressed_share"] <= 0.05
    assert sdc["verdict"] == "fail" and chain["verdict"] == "fail"
    assert sdc_report["summary"]["verdicts"]["sdc"] == "fail"


def test_kept_proxy_columns_fail_the_release(sdc_report: dict) -> None:
    """Adult keeps education_num (a 1:1 code of education) and relationship (Husband/Wife: married)."""
    sup = next(s for s in sdc_report["sdc"]["steps"] if s["step"] == "suppress")
    proxies = {(p["column"], p["determines"]): p for p in sup["proxies"]}
    edu = proxies[("education_num", "education")]
    assert edu["verdict"] == "fail" and edu["theil_u"] > 0.95 and edu["revealed_share"] == 1.0
    assert edu["hidden_as"] == "suppressed" and 0 < edu["hidden_records"] < 100  # the few cells suppress blanked
    rel = proxies[("relationship", "marital_status")]  # generalize recoded marital_status to '*'
    assert rel["verdict"] == "warn" and 0.3 <= rel["theil_u"] < 0.8
    assert set(rel["revealing_values"]) == {"Husband", "Wife"} and 0.3 < rel["revealed_share"] < 0.6
    # a near-unique number (fnlwgt) and weak associations are not proxies
    assert {c for c, _ in proxies} <= {"education_num", "relationship"}
    release = next(r for r in sdc_report["releases"] if r["step"] == "suppress")
    assert release["verdict"] == "fail" and release["reasons"][0].startswith(
        "kept column 'education_num' nearly determines the suppressed quasi-identifier 'education' (Theil's U"
    )
    (decision,) = sdc_report["summary"]["publish"]
    assert decision["decision"] == "no" and decision["text"].startswith(
        "Publish `suppress`: no, because a column it keeps gives back a quasi-identifier that was hidden: "
        "kept column 'education_num'"
    )
    assert decision["label"] == "not DP: statistical disclosure control"


def test_html_shows_the_release_chain(sdc_report: dict) -> None:
    from safedata_core.report.html import render_html

    page = render_html(sdc_report)
    assert "generalize → suppress" in page and "intermediate" in page
    proxies = page[page.index("id='proxies'") : page.index("id='attacks'")]
    assert "<td>education_num</td><td>education (suppressed)</td>" in proxies and ">fail<" in proxies
