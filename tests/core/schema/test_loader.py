"""Safe YAML/JSON loading: duplicate keys, alias bombs, deep nesting, bad encodings and lone surrogates
give one-line errors naming the file and the place (the probes of issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from safedata_core import Engine
from safedata_core.cli import main
from safedata_core.schema.loader import MAX_ALIASES, MAX_DEPTH, DocumentError, load_document, parse_document

GOOD = """\
version: 1
name: dup
data: {source: builtin:adult}
privacy:
  epsilon: 1
steps:
  - {id: p, use: profile}
"""


def write(tmp_path: Path, text: str | bytes, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_duplicate_privacy_block_is_refused_with_key_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "privacy:\n  epsilon: 1000\n")
    with pytest.raises(DocumentError, match=r"line 8: key 'privacy' appears twice in one mapping \(first on line 4\)"):
        Engine(autoload=False).validate(path)


def test_duplicate_key_in_a_nested_mapping_and_in_json(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="key 'epsilon' appears twice"):
        parse_document("privacy: {epsilon: 1, epsilon: 9}", source="x", fmt="yaml")
    with pytest.raises(DocumentError, match="key 'epsilon' appears twice"):
        parse_document('{"privacy": {"epsilon": 1, "epsilon": 9}}', source="x", fmt="json")


def test_merge_keys_are_not_duplicates() -> None:
    text = "base: &b {k: 5, loss: entropy}\nstep: {<<: *b, k: 10}\n"
    assert parse_document(text, source="x", fmt="yaml")["step"] == {"k": 10, "loss": "entropy"}


def test_alias_bomb_is_refused() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    with pytest.raises(DocumentError, match=f"more than {MAX_ALIASES} aliases"):
        parse_document("\n".join(lines), source="x", fmt="yaml")


@pytest.mark.parametrize(
    ("fmt", "text"), [("yaml", "a: " + "[" * 5000 + "]" * 5000), ("json", "[" * 100_000 + "]" * 100_000)]
)
def test_deep_nesting_is_a_one_line_error(
    tmp_path: Path, fmt: str, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, text, f"p.{fmt}")
    with pytest.raises(DocumentError, match=f"nested deeper than {MAX_DEPTH} levels"):
        load_document(path)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "RecursionError" not in err


def test_non_utf8_pipeline_names_the_byte_offset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, GOOD.replace("name: dup", "name: caf\xe9").encode("latin-1"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "is not UTF-8: byte 0xe9 at offset 20 (line 2)" in err and err.count("\n") == 1


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    assert load_document(write(tmp_path, b"\xef\xbb\xbf" + GOOD.encode()))["name"] == "dup"


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_lone_surrogate_escape_is_refused(tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = 'name: "bad\\udc80"\n' if fmt == "yaml" else '{"name": "bad\\udc80"}'
    path = write(tmp_path, text, f"p.{fmt}")
    with pytest.raises(DocumentError, match=r"name: contains a lone surrogate \(\\udc80\)"):
        load_document(path)
    assert main(["run", str(path), "--out", str(tmp_path / "run")]) == 2
    assert not (tmp_path / "run").exists()  # no empty audit.jsonl left behind


def test_dict_input_gets_the_same_checks() -> None:
    deep: dict = {}
    node = deep
    for _ in range(MAX_DEPTH + 2):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(DocumentError, match="nested deeper"):
        Engine(autoload=False).validate({"data": {"source": "builtin:adult"}, "steps": [], "extra": deep})


def test_python_tags_are_refused() -> None:
    with pytest.raises(DocumentError, match="not valid YAML"):
        parse_document("a: !!python/object/apply:os.system [echo hi]", source="x", fmt="yaml")
