"""Safe loading of pipeline and metadata files (YAML or JSON) with one-line errors.

Stricter than ``yaml.safe_load``:

* a key written twice in one mapping is refused, naming the key and both
  lines (YAML silently keeps the last one: a second ``privacy:`` block would
  replace the first);
* at most :data:`MAX_ALIASES` aliases (``*name``) per document, so a few
  lines cannot expand into billions of nodes;
* nesting deeper than :data:`MAX_DEPTH` is refused before the parser recurses;
* the file must be UTF-8 (a BOM is allowed); the error names the byte offset;
* no string may hold a lone surrogate (``"\\udc80"`` escapes), which could
  not be written to the report or the audit log.

:func:`check_document` applies the depth and text checks to a dict given
directly (``Engine.run({...})``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from yaml.nodes import MappingNode, Node

from safedata_core.errors import SafedataError

MAX_DEPTH = 32
MAX_ALIASES = 32
MAX_BYTES = 16 * 2**20

__all__ = ["MAX_ALIASES", "MAX_DEPTH", "DocumentError", "check_document", "load_document", "parse_document"]


class DocumentError(SafedataError):
    """A pipeline or metadata file cannot be read safely; the message names the file, the place and the fix."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, too many aliases and deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _Refused(f"line {mark.line + 1}: more than {MAX_ALIASES} aliases (*name); write the values out")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise _Refused(f"line {mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base constructor reports it
                continue
            line = key_node.start_mark.line + 1
            if first is not None:
                raise _Refused(
                    f"line {line}: key '{key}' appears twice in one mapping (first on line {first}); "
                    "keep one (YAML would silently use the last)"
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


class _Refused(Exception):
    """Raised inside the loader; turned into a :class:`DocumentError` naming the file."""


def load_document(path: str | Path, *, what: str = "pipeline file") -> Any:
    """Read and parse a YAML/JSON file (JSON by the ``.json`` suffix) with the checks above."""
    p = Path(path)
    if not p.is_file():
        raise DocumentError(f"{what} '{p}' not found (check the path)")
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise DocumentError(f"{what} '{p}' is {size:,} bytes; at most {MAX_BYTES:,} are read")
        raw = p.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{what} '{p}' cannot be read ({exc.strerror or type(exc).__name__})") from None
    return parse_document(raw, source=f"{what} '{p}'", fmt="json" if p.suffix.lower() == ".json" else "yaml")


def parse_document(raw: bytes | str, *, source: str, fmt: Literal["yaml", "json"]) -> Any:
    """Parse ``raw`` as YAML or JSON; ``source`` names it in errors (e.g. "pipeline file 'p.yaml'")."""
    text = _decode(raw, source) if isinstance(raw, bytes) else raw
    if not text.strip():
        raise DocumentError(f"{source} is empty (see docs/concepts/pipeline.md for an example)")
    try:
        data = _parse_json(text) if fmt == "json" else yaml.load(text, Loader=_StrictLoader)
    except _Refused as exc:
        raise DocumentError(f"{source}: {exc}") from None
    except RecursionError:
        raise DocumentError(f"{source}: nested deeper than {MAX_DEPTH} levels") from None
    except yaml.YAMLError as exc:
        first = str(exc).replace("\n", " ").strip()
        raise DocumentError(f"{source} is not valid YAML: {first}") from None
    except ValueError as exc:
        raise DocumentError(f"{source} is not valid JSON: {str(exc).splitlines()[0]}") from None
    check_document(data, source=source)
    return data


def check_document(data: Any, *, source: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` and strings with lone surrogates (iteratively)."""
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        value, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            raise DocumentError(f"{source}: {where or '<root>'}: nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, str):
            _check_text(value, source, where)
        elif isinstance(value, Mapping):
            for k, v in value.items():
                if isinstance(k, str):
                    _check_text(k, source, where or "<root>")
                stack.append((v, depth + 1, f"{where}.{k}" if where else str(k)))
        elif isinstance(value, (list, tuple)):
            stack.extend((v, depth + 1, f"{where}[{i}]") for i, v in enumerate(value))


def _check_text(value: str, source: str, where: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(value[exc.start])
        raise DocumentError(
            f"{source}: {where or '<root>'}: contains a lone surrogate (\\u{code:04x}), which is not text; "
            "remove the escape"
        ) from None


def _decode(raw: bytes, source: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(f"{source} is UTF-16 text; re-save it as UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DocumentError(
            f"{source} is not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start} (line {line}); "
            "re-save it as UTF-8"
        ) from None


def _parse_json(text: str) -> Any:
    depth = _json_depth(text)
    if depth > MAX_DEPTH:
        raise _Refused(f"nested deeper than {MAX_DEPTH} levels")

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise _Refused(f"key '{key}' appears twice in one object; keep one")
            out[key] = value
        return out

    return json.loads(text, object_pairs_hook=pairs)


def _json_depth(text: str) -> int:
    """Deepest bracket nesting outside strings (so ``json.loads`` is never asked to recurse past it)."""
    import re

    import numpy as np

    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)  # string literals may hold brackets
    codes = np.frombuffer(stripped.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    steps = np.isin(codes, (ord("["), ord("{"))).astype(np.int64) - np.isin(codes, (ord("]"), ord("}")))
    return int(np.cumsum(steps).max(initial=0))
