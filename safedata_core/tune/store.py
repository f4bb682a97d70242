"""Stored tuning results and ``recommended_config``: the best known configuration for a dataset and budget.

Every ``safedata tune --out DIR`` appends one line to an index (JSON lines,
``$SAFEDATA_TUNE_INDEX`` or ``~/.safedata/tune-index.jsonl``) with the
dataset fingerprint (:func:`dataset_fingerprint`: a hash of the column names
and declared types, i.e. public metadata only), the mode, the total epsilon,
the best objective and the path of the ready pipeline. A server's
``validate-config`` can call :func:`recommended_config` to fill its
``recommended_config`` field.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

__all__ = ["dataset_fingerprint", "index_path", "recommended_config", "record_result"]


def index_path() -> Path:
    """Where the index lives: ``$SAFEDATA_TUNE_INDEX`` or ``~/.safedata/tune-index.jsonl``."""
    env = os.environ.get("SAFEDATA_TUNE_INDEX")
    return Path(env) if env else Path.home() / ".safedata" / "tune-index.jsonl"


def dataset_fingerprint(table: Any) -> str:
    """A hash of the column names and declared types (public metadata only, never the values)."""
    meta = table.metadata.columns
    text = json.dumps([[c, str(meta[c].type) if c in meta else "?"] for c in table.columns])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def record_result(entry: dict[str, Any], path: Path | None = None) -> Path:
    """Append one result (fingerprint, mode, epsilon, objective, pipeline, config) to the index."""
    target = path or index_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, sort_keys=True, default=str) + "\n")
    return target


def _entries(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a torn line from a crash is skipped, not fatal
    return out


def recommended_config(dataset_fingerprint: str, epsilon: float, *, path: Path | None = None) -> dict[str, Any] | None:
    """The best stored DP configuration for this dataset tuned at an epsilon <= ``epsilon`` (nearest first).

    Returns ``{"use", "params", "epsilon", "mode", "objective", "pipeline"}`` or ``None``
    when nothing fits (non-DP results are never recommended for a DP budget).
    """
    fits = [
        e
        for e in _entries(path or index_path())
        if e.get("fingerprint") == dataset_fingerprint
        and e.get("dp")
        and e.get("use")
        and math.isfinite(float(e.get("epsilon", math.inf)))
        and float(e["epsilon"]) <= epsilon * (1 + 1e-9)
    ]
    if not fits:
        return None
    best = max(fits, key=lambda e: (float(e["epsilon"]), float(e.get("objective") or -math.inf)))
    keys = ("use", "params", "epsilon", "mode", "objective", "pipeline")
    return {k: best.get(k) for k in keys}
