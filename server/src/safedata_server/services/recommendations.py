"""Recommended configurations from the tuner's stored results (``safedata tune``), for ``validate-config``.

The key is :func:`safedata_core.tune.schema_fingerprint` of the dataset's column
names and declared types (public metadata only; the rows are never read). The
index is ``$SAFEDATA_TUNE_INDEX`` when set, else ``tune-index.jsonl`` in the
server's data folder (stewards copy or append the lines ``safedata tune --out``
wrote). Only DP results tuned at an epsilon no larger than the request's, for a
single installed synthesizer, are recommended; reading the index charges nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from safedata_server.records import DatasetRecord
from safedata_server.services import datasets
from safedata_server.services.context import Ctx

__all__ = ["index_file", "tuned_recommendation"]


def index_file(ctx: Ctx) -> Path:
    """Where the server reads stored tuning results."""
    env = os.environ.get("SAFEDATA_TUNE_INDEX")
    return Path(env) if env else Path(ctx.rt.settings.data_dir) / "tune-index.jsonl"


def tuned_recommendation(ctx: Ctx, ds: DatasetRecord, epsilon: float, delta: float | None) -> dict[str, Any] | None:
    """A ``recommended_config`` built from the best stored tune of this dataset's schema, or ``None``."""
    from safedata_core.tune import recommended_config, schema_fingerprint

    path = index_file(ctx)
    if not path.is_file():
        return None
    meta = datasets.load_metadata(ctx, ds) or {}
    declared = meta.get("columns", {}) if isinstance(meta.get("columns"), dict) else {}
    columns = list(ds.columns) if ds.columns else list(datasets.load_frame(ctx, ds).columns)
    types = {c: m.get("type") for c, m in declared.items() if isinstance(m, dict)}
    installed = [i.name for i in ctx.rt.engine.registry if i.kind == "synthesizer" and i.cls.privacy == "dp"]
    found = recommended_config(schema_fingerprint(columns, types), epsilon, path=path, single_step=True, uses=installed)
    if found is None:
        return None
    params = {k: v for k, v in (found.get("params") or {}).items() if k != "dp"}
    return {
        "generator_type": found["use"],
        "target_epsilon": epsilon,
        "target_delta": delta,
        "params": params,
        "source": "tune",
        "tuned": {k: found.get(k) for k in ("epsilon", "mode", "objective")},
    }
