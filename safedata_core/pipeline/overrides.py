"""``--set key=value``: change a pipeline document's fields by dotted path before it is validated.

``steps.synth.privacy.epsilon=0.5`` walks the document: a mapping by key, the
``steps`` list by step id (or by index, ``steps.0``). The value is read as YAML
(``0.5`` and ``1e-6`` are numbers, ``true`` a boolean, ``[a, b]`` a list, ``null`` nothing).
A missing mapping along the path is created (a step without ``privacy`` gets
one); a step id or index that does not exist, or a path that runs through a
value, is a one-line :class:`~safedata_core.errors.SafedataError`. Keys the
schema does not know are then refused by validation, with their path.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

import yaml

from safedata_core.errors import SafedataError

__all__ = ["apply_overrides", "parse_override"]

_EXPONENT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+")


def parse_override(text: str) -> tuple[list[str], Any]:
    """``"a.b=1"`` -> ``(["a", "b"], 1)``; a one-line error for text without ``=`` or an empty segment."""
    key, sep, value = text.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(p.strip() for p in parts):
        raise SafedataError(f"--set '{text}': give KEY=VALUE with a dotted key, e.g. --set steps.synth.params.bins=8")
    try:
        parsed = yaml.safe_load(value) if value.strip() else None
    except yaml.YAMLError:
        raise SafedataError(f"--set '{text}': the value is not valid YAML (quote text, e.g. key='a: b')") from None
    if isinstance(parsed, str) and _EXPONENT.fullmatch(parsed.strip()):
        parsed = float(parsed)  # YAML 1.1 reads 1e-6 as text; a user means the number
    return [p.strip() for p in parts], parsed


def _child(node: Any, part: str, path: str, text: str) -> tuple[Any, Any]:
    """The key or index naming ``part`` inside ``node``, and the child there (None when a mapping lacks it)."""
    if isinstance(node, dict):
        return part, node.get(part)
    if isinstance(node, list):
        ids = [item.get("id") for item in node if isinstance(item, dict)]
        if part in ids:
            index = ids.index(part)
            return index, node[index]
        if part.isdigit() and int(part) < len(node):
            return int(part), node[int(part)]
        known = ", ".join(str(i) for i in ids if i is not None) or f"indexes 0..{len(node) - 1}"
        raise SafedataError(f"--set '{text}': '{path}' has no entry '{part}' (known: {known})")
    raise SafedataError(f"--set '{text}': '{path}' is a value, not a section (set '{path}' itself)")


def apply_overrides(document: dict[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """A copy of ``document`` with every ``KEY=VALUE`` of ``overrides`` applied in order."""
    doc = copy.deepcopy(document)
    for text in overrides:
        parts, value = parse_override(text)
        node: Any = doc
        for depth, part in enumerate(parts[:-1]):
            path = ".".join(parts[:depth]) or "the pipeline"
            key, child = _child(node, part, path, text)
            if child is None and isinstance(node, dict):
                child = node[key] = {}
            node = child
        path = ".".join(parts[:-1]) or "the pipeline"
        if isinstance(node, list):
            key, _ = _child(node, parts[-1], path, text)
            node[key] = value
        elif isinstance(node, dict):
            node[parts[-1]] = value
        else:
            _child(node, parts[-1], path, text)  # raises: a path through a value
    return doc
