"""File paths in a pipeline: resolved against the pipeline file's folder, optionally confined to a data root.

Every relative path a pipeline names (``data.source``, ``data.metadata``,
``data.holdout`` and component params marked with
:data:`~safedata_core.schema.pipeline.PATH_FIELD`, such as ``generalize``'s
``hierarchies``) means "relative to the folder of the pipeline file", never to
the working directory. A value with a scheme (``builtin:adult``,
``s3://bucket/x.csv``) is left to the readers.

An embedding application may pass ``data_root``: then every local path must
resolve (symlinks followed) inside that folder, and ``file:`` URLs are refused.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from safedata_core.errors import SafedataError

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")

__all__ = ["PathOutsideRoot", "has_scheme", "path_params", "resolve_path"]


class PathOutsideRoot(SafedataError):
    """A path names a file outside the data root (or cannot be confined to it)."""


def has_scheme(value: str, base_dir: Path) -> bool:
    """True for ``builtin:NAME``, ``s3://...`` and the like (not for a local file whose name has a colon)."""
    return bool(_SCHEME.match(value)) and not (base_dir / value).exists()


def resolve_path(value: str, base_dir: Path, *, data_root: Path | None = None, where: str = "path") -> str:
    """``value`` as an absolute path string (relative ones against ``base_dir``); schemes unchanged.

    Raises :class:`PathOutsideRoot` when ``data_root`` is given and the path leaves it.
    """
    if has_scheme(value, base_dir):
        if data_root is not None and value.lower().startswith("file:"):
            raise PathOutsideRoot(f"{where}: file: URLs are not allowed with --data-root (give a path inside it)")
        return value
    p = Path(value).expanduser()
    full = p if p.is_absolute() else base_dir / p
    if data_root is not None:
        root = data_root.expanduser().resolve()
        real = full.resolve()
        if not real.is_relative_to(root):
            raise PathOutsideRoot(
                f"{where}: '{value}' resolves to '{real}', outside the data root '{root}' (move the file inside it)"
            )
    return str(full)


def path_params(params: BaseModel, base_dir: Path, *, data_root: Path | None, where: str) -> BaseModel:
    """``params`` with every field marked as a path resolved (str, list of str or dict of str values)."""
    from safedata_core.schema.pipeline import PATH_FIELD

    updates: dict[str, Any] = {}
    for name, info in type(params).model_fields.items():
        extra = info.json_schema_extra
        if not isinstance(extra, dict) or not all(extra.get(k) == v for k, v in PATH_FIELD.items()):
            continue
        value = getattr(params, name)
        here = f"{where}.{name}"
        if isinstance(value, str):
            updates[name] = resolve_path(value, base_dir, data_root=data_root, where=here)
        elif isinstance(value, list):
            updates[name] = [
                resolve_path(v, base_dir, data_root=data_root, where=f"{here}[{i}]") for i, v in enumerate(value)
            ]
        elif isinstance(value, dict):
            updates[name] = {
                k: resolve_path(v, base_dir, data_root=data_root, where=f"{here}.{k}") for k, v in value.items()
            }
    return params.model_copy(update=updates) if updates else params
