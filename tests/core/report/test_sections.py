"""Report sections (safedata_core/report/sections.py): release labels, SDC information loss, chains, proxy reasons."""

from __future__ import annotations

import pandas as pd
import pytest

from safedata_core.report.dpstatus import SECURE, TEST_NOISE_LABEL
from safedata_core.report.sections import _chain, _information_loss, proxy_reason, release_label
from safedata_core.report.verdict import DEFAULT_THRESHOLDS

DP_COMP = {"kind": "synthesizer", "privacy": "dp", "dp_active": True}


@pytest.mark.parametrize(
    ("comp", "dp", "charged", "noise", "label"),
    [
        (DP_COMP, True, True, SECURE, "differentially private (epsilon=0.5)"),
        ({"kind": "sdc", "privacy": "sdc"}, False, False, None, "not DP: statistical disclosure control"),
        ({"kind": "synthesizer", "privacy": "none"}, False, False, None, "not DP: a non-private component"),
        ({**DP_COMP, "dp_active": False}, False, False, SECURE, "not DP: the component ran without DP (dp: false)"),
        (DP_COMP, False, True, "seeded", TEST_NOISE_LABEL),
        (DP_COMP, False, False, SECURE, "not DP: the DP component recorded no charge in the ledger"),
    ],
)
def test_release_label_says_why_a_table_is_not_dp(
    comp: dict[str, object], dp: bool, charged: bool, noise: str | None, label: str
) -> None:
    assert release_label(comp, dp=dp, charged=charged, noise=noise, eps=0.5) == label


def test_information_loss_counts_changed_and_blanked_cells() -> None:
    orig = pd.DataFrame({"age": [30, 40, 50, 60], "zip": ["a", "b", None, "d"]})
    rel = pd.DataFrame({"age": [30, 45, 50, 60], "zip": ["a", None, None, "x"]})
    loss = _information_loss(orig, rel)
    assert loss["columns"] == {
        "age": {"changed": 0.25, "suppressed": 0.0},
        "zip": {"changed": 0.5, "suppressed": 0.25},  # a value missing on both sides is unchanged
    }
    assert loss["cells_changed_share"] == pytest.approx(0.375)
    assert loss["records_changed_share"] == 0.5 and loss["records_suppressed_share"] == 0.25
    assert _information_loss(orig, rel.iloc[:3]) == {"records_removed_share": 0.25}


def test_chain_walks_back_to_the_first_sdc_step() -> None:
    inputs = {"gen": "data", "sup": "gen", "micro": "sup", "synth": "data"}
    assert _chain("micro", inputs, {"gen", "sup", "micro"}) == ["gen", "sup", "micro"]
    assert _chain("gen", inputs, {"gen", "sup", "micro"}) == ["gen"]


def test_proxy_reason_is_one_line_with_the_threshold_and_examples() -> None:
    proxy = {
        "column": "zip",
        "determines": "city",
        "hidden_as": "suppressed",
        "verdict": "fail",
        "theil_u": 0.934,
        "revealed_share": 0.82,
        "hidden_records": 57,
        "revealing_values": ["10115", "10117", "10119", "10178"],
    }
    text = proxy_reason(proxy, dict(DEFAULT_THRESHOLDS))
    assert "\n" not in text and text.startswith("kept column 'zip' nearly determines the suppressed quasi-identifier")
    assert "(Theil's U 0.93 >= proxy_fail_u " in text and "82% of the 57 hidden values" in text
    assert text.endswith("e.g. zip = 10115, 10117, 10119)")
    warn = proxy_reason({**proxy, "verdict": "warn", "revealing_values": []}, dict(DEFAULT_THRESHOLDS))
    assert "partly reveals" in warn and "proxy_warn_u" in warn and "e.g." not in warn
