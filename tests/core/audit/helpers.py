"""Helpers for audit tests: a real run directory, and a forger who recomputes the chain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from safedata_core import Engine
from safedata_core.audit.log import GENESIS, event_hash, event_mac
from safedata_core.testing.fixtures import tiny_table

KEY_HEX = "11" * 32
OTHER_KEY_HEX = "22" * 32

PIPELINE: dict[str, Any] = {
    "name": "audit-test",
    "data": {"source": "builtin:adult"},
    "privacy": {"epsilon": 1.0, "delta": 1e-6, "accountant": "basic"},
    "steps": [
        {"id": "profile", "use": "profile"},
        {"id": "agg", "use": "dp_aggregate", "params": {"group_by": ["sex", "region"]}},
        {"id": "agg2", "use": "dp_aggregate", "params": {"group_by": ["sex"]}},
        {"id": "noise", "use": "noise"},
    ],
}


def make_run(out: Path) -> Path:
    result = Engine(autoload=False).run(PIPELINE, data=tiny_table(), out=out)
    assert result.ok, result.error
    return out


def read_events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_events(path: Path, events: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(e, sort_keys=True, separators=(",", ":")) + "\n" for e in events))


def rechain(events: list[dict[str, Any]], *, mac_key: bytes | None = None, strip_macs: bool = False) -> str:
    """Renumber, relink and rehash ``events`` as a forger would; returns the new head.

    ``mac_key``: re-seal with this (the forger's) key; otherwise old MACs are kept or stripped.
    """
    prev = GENESIS
    for i, ev in enumerate(events):
        ev["seq"] = i
        ev["prev_hash"] = prev
        if ev.get("event") in ("run_end", "run_aborted"):
            ev["events_before"] = i
        if strip_macs:
            ev.pop("mac", None)
            ev.pop("key_id", None)
            ev.pop("chain", None)
        if mac_key is not None and i == 0:
            from safedata_core.audit.key import key_id

            ev["key_id"] = key_id(mac_key)
        ev["hash"] = event_hash(prev, ev)
        if mac_key is not None:
            ev["mac"] = event_mac(mac_key, ev["hash"])
        prev = ev["hash"]
    return prev
