"""Write a profile's files: ``profile.json``, ``metadata.yaml`` and ``profile.html``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from safedata_core.data import Metadata
from safedata_core.data.review import HEADER, metadata_text
from safedata_core.errors import DataError
from safedata_core.inventory.html import render_html

__all__ = ["METADATA_HEADER", "write_outputs"]

METADATA_HEADER = HEADER  # the drafted file explains the review marks (data/review.py)


def write_outputs(profile: dict[str, Any], metadata: Metadata, out_dir: str | Path, *, title: str) -> dict[str, Path]:
    """Write the three files into ``out_dir`` (created if needed); returns their paths.

    A folder that cannot be written (read-only, a file in the way) is a one-line DataError.
    """
    out = Path(out_dir)
    paths = {"json": out / "profile.json", "metadata": out / "metadata.yaml", "html": out / "profile.html"}
    meta_text = metadata_text(metadata, header=METADATA_HEADER)
    try:
        out.mkdir(parents=True, exist_ok=True)
        paths["json"].write_text(json.dumps(profile, indent=2, default=str) + "\n", encoding="utf-8")
        paths["metadata"].write_text(meta_text, encoding="utf-8")
        paths["html"].write_text(render_html(profile, title=title), encoding="utf-8")
    except OSError as exc:
        where = exc.filename or out
        raise DataError(
            f"cannot write the profile to '{where}': {exc.strerror or type(exc).__name__} (choose another --out)"
        ) from None
    return paths
