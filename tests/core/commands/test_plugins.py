"""``safedata plugins``: full summaries (wrapped between words on a terminal, one line when piped)."""

from __future__ import annotations

from typing import Any

import pytest

from safedata_core.cli import main
from safedata_core.commands.plugins import table_lines

LONG = (
    "A deliberately long summary that runs well past sixty characters so that the old table would have cut "
    "it in the middle of a word such as extraordinarily."
)


def info() -> dict[str, Any]:
    component = {
        "kind": "synthesizer",
        "name": "long",
        "privacy": "dp",
        "distribution": "safedata-long",
        "version": "1.0",
        "summary": LONG,
    }
    return {"components": [component], "failed": []}


def test_piped_summaries_are_whole() -> None:
    lines = table_lines(info())
    assert len(lines) == 2 and lines[1].endswith(LONG)


def test_terminal_summaries_wrap_between_words() -> None:
    lines = table_lines(info(), width=80)
    assert all(len(line) <= 80 for line in lines)
    indent = lines[0].index("SUMMARY")
    wrapped = " ".join(line[indent:].strip() for line in lines[1:])
    assert wrapped == LONG  # every word kept, none split
    assert all(line[:indent].strip() == "" for line in lines[2:])


def test_cli_prints_full_summaries(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.split()[:2] == ["metric", "tv_complement"])
    from safedata_core import Engine

    summary = Engine(autoload=False).registry.get("tv_complement").cls.summary()
    assert len(summary) > 60 and row.endswith(summary)
