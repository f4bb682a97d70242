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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["dataset_fingerprint", "index_path", "recommended_config", "record_result", "schema_fingerprint"]


def index_path() -> Path:
    """Where the index lives: ``$SAFEDATA_TUNE_INDEX`` or ``~/.safedata/tune-index.jsonl``."""
    env = os.environ.get("SAFEDATA_TUNE_INDEX")
    return Path(env) if env else Path.home() / ".safedata" / "tune-index.jsonl"


def schema_fingerprint(columns: Sequence[str], types: Mapping[str, Any]) -> str:
    """A hash of the column names (in order) and their declared types (``"?"`` when undeclared).

    What :func:`dataset_fingerprint` computes from a table, from the schema alone: a server that
    keeps a dataset's column list and metadata document computes the same key without the rows.
    """
    text = json.dumps([[c, str(types[c]) if c in types and types[c] is not None else "?"] for c in columns])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def dataset_fingerprint(table: Any) -> str:
    """A hash of the column names and declared types (public metadata only, never the values)."""
    meta = table.metadata.columns
    return schema_fingerprint(list(table.columns), {c: meta[c].type for c in table.columns if c in meta})


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


def recommended_config(
    dataset_fingerprint: str,
    epsilon: float,
    *,
    path: Path | None = None,
    single_step: bool = False,
    uses: Sequence[str] | None = None,
) -> dict[str, Any] | None:
    """The best stored DP configuration for this dataset tuned at an epsilon <= ``epsilon`` (nearest first).

    Among the results of the same dataset (``dataset_fingerprint``, see :func:`schema_fingerprint`)
    that were DP and spent at most ``epsilon``, the one tuned at the largest epsilon wins, then the
    highest objective. ``single_step`` skips multi-step candidates (budget splits); ``uses`` keeps
    only results whose component(s) are all in it (the installed ones, say).
    Returns ``{"use", "params", "epsilon", "mode", "objective", "pipeline", "steps"}`` or ``None``
    when nothing fits (non-DP results are never recommended for a DP budget).
    """
    allowed = set(uses) if uses is not None else None

    def ok(e: dict[str, Any]) -> bool:
        if e.get("fingerprint") != dataset_fingerprint or not e.get("dp") or not e.get("use"):
            return False
        try:
            eps = float(e.get("epsilon", math.inf))
        except (TypeError, ValueError):
            return False
        if not (math.isfinite(eps) and eps <= epsilon * (1 + 1e-9)):
            return False
        steps = (e.get("params") or {}).get("steps") if isinstance(e.get("params"), dict) else None
        if single_step and steps:
            return False
        names = [str(s.get("use")) for s in steps] if steps else [str(e["use"])]
        return allowed is None or all(n in allowed for n in names)

    fits = [e for e in _entries(path or index_path()) if ok(e)]
    if not fits:
        return None

    def rank(e: dict[str, Any]) -> tuple[float, float]:
        obj = e.get("objective")
        value = float(obj) if isinstance(obj, int | float) and math.isfinite(obj) else -math.inf
        return float(e["epsilon"]), value

    best = max(fits, key=rank)
    out = {k: best.get(k) for k in ("use", "params", "epsilon", "mode", "objective", "pipeline")}
    params = best.get("params")
    out["steps"] = params.get("steps") if isinstance(params, dict) else None
    return out
