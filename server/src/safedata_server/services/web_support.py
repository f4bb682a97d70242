"""Service operations the web pages need beyond the API's: the stored profile, the synthesizers on offer.

Same rules as every service operation (role checked here, the caller's project
only, reads of stored data audited).
"""

from __future__ import annotations

import json
from typing import Any

from safedata_server.auth import ANY_ROLE, STEWARD
from safedata_server.services import audit, datasets
from safedata_server.services.context import Ctx, authorize
from safedata_server.services.generators import ALIASES

__all__ = ["stored_profile", "synthesizers"]


def stored_profile(ctx: Ctx, dataset_id: str) -> dict[str, Any] | None:
    """The dataset's last profile (``profile_dataset``'s result), or ``None`` when it was never profiled."""
    authorize(ctx, STEWARD, "read a dataset's profile")
    ds = datasets.get_row(ctx, dataset_id)
    if ds.profile_object_id is None:
        return None
    data: dict[str, Any] = json.loads(ctx.rt.store.get(ctx.session, ds.profile_object_id))
    audit.record(ctx, "profile_read", obj=ds.id)
    return data


def synthesizers(ctx: Ctx) -> list[dict[str, Any]]:
    """Installed synthesizers: name, one-line summary, DP or not, tutorial aliases, and their parameters."""
    authorize(ctx, ANY_ROLE, "list synthesizers")
    out = []
    for info in sorted(ctx.rt.engine.registry, key=lambda i: i.name):
        if info.kind != "synthesizer":
            continue
        cls = info.cls
        params = []
        for name, field in cls.Params.model_fields.items():
            if name == "dp":
                continue
            default = field.default if field.default is not None and not callable(field.default) else None
            params.append(
                {
                    "name": name,
                    "description": (field.description or "").splitlines()[0] if field.description else "",
                    "default": default if isinstance(default, (int, float, str, bool)) else None,
                    "type": type(default).__name__ if isinstance(default, (int, float, str, bool)) else "text",
                }
            )
        out.append(
            {
                "name": info.name,
                "summary": cls.summary(),
                "dp": info.privacy == "dp",
                "aliases": sorted(a for a, (c, _dp) in ALIASES.items() if c == info.name),
                "params": params,
            }
        )
    return out
