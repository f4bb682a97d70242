"""The ledger chart: a step line up to the reserved total, under the dashed budget line."""

from __future__ import annotations

import re

from safedata_server.web.charts import ledger_svg


def _view(*eps: float) -> dict[str, object]:
    charges = [
        {"epsilon": e, "created_at": f"2026-01-0{i + 1}T10:00:00", "purpose": "generate", "component": "mst"}
        for i, e in enumerate(eps)
    ]
    return {"budget": {"epsilon": 4.0}, "charges": charges}


def test_steps_climb_to_the_reserved_total() -> None:
    svg = ledger_svg(_view(1.0, 2.0), width=400, height=220)
    path = re.search(r'<path d="([^"]+)"', svg)
    assert path is not None
    levels = [float(v) for v in re.findall(r"V([\d.]+)", path.group(1))]
    assert len(levels) == 2 and levels[0] > levels[1]  # higher total = smaller y
    dashed = re.search(r'<line [^>]*y1="([\d.]+)"[^>]*stroke-dasharray', svg)
    assert dashed is not None
    budget_y = float(dashed.group(1))
    assert levels[1] > budget_y  # 3 of 4: below the budget line
    assert svg.count("<circle") == 2 and "3 of 4 after 2 request(s)" in svg
    assert "2026-01-01 10:00" in svg and "2026-01-02 10:00" in svg


def test_an_empty_ledger_draws_the_budget_only() -> None:
    svg = ledger_svg(_view())
    assert "<circle" not in svg and "lifetime budget 4" in svg and "0 of 4 after 0 request(s)" in svg
