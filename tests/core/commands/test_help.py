"""``safedata --help``, every subcommand's --help and -V/--version."""

from __future__ import annotations

from pathlib import Path

import pytest

from safedata_core.cli import COMMANDS, HELP, build_parser, main


def help_text(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_help_has_a_description_and_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    command = command.replace("_", "-")  # module dp_audit is the command dp-audit
    text = help_text([command, "--help"], capsys)
    head, _, examples = text.partition("\nexamples:\n")
    _usage, _, rest = head.partition("\n\n")
    description = rest.split("\n\n")[0]
    assert len(description.split()) >= 8 and not description.lstrip().startswith(("positional", "options")), text
    lines = [line.strip() for line in examples.splitlines() if line.strip()]
    assert lines and all(line.startswith(f"safedata {command}") for line in lines), text
    assert max(len(line) for line in description.splitlines()) <= 79  # wrapped for a terminal


def test_every_command_has_help_text() -> None:
    assert set(HELP) == set(COMMANDS)


def test_top_level_help_lists_commands_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(["--help"], capsys)
    assert "-V, --version" in text and "examples:\n  safedata demo" in text
    for command in COMMANDS:
        assert f"    {command.replace('_', '-')}" in text


def test_a_module_description_wins() -> None:
    import argparse

    from safedata_core.cli import _describe

    own = argparse.ArgumentParser(description="Own words.", epilog="examples:\n  safedata run x.yaml --json")
    _describe(own, "run")
    assert own.description == "Own words." and own.epilog.endswith("--json")  # type: ignore[union-attr]
    bare = argparse.ArgumentParser()
    _describe(bare, "run")
    assert bare.description and bare.description.startswith("Validate, then run a pipeline")
    assert bare.epilog == "examples:\n  safedata run docs/examples/adult-sdc.yaml --out runs/sdc"


def test_every_subparser_has_description_and_epilog() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():  # type: ignore[union-attr]
        assert p.description, name
        assert "examples:" in (p.epilog or ""), name


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_lists_core_and_plugins(
    flag: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("safedata_example")
    monkeypatch.delenv("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.setenv("SAFEDATA_LOAD_PLUGINS", "safedata-example")
    lines = help_text([flag], capsys).splitlines()
    assert lines[0].startswith("safedata-core 0.")
    assert any(line.startswith("safedata-example 0.") for line in lines)
    assert lines[-1].startswith("python 3.")


def test_version_without_plugins(capsys: pytest.CaptureFixture[str]) -> None:
    lines = help_text(["-V"], capsys).splitlines()
    assert lines[0].startswith("safedata-core ") and "(no plugins installed)" in lines


def test_counts_are_pluralised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    from safedata_core.commands import schema

    one = tmp_path / "one.yaml"
    one.write_text(yaml.safe_dump({"data": {"source": "builtin:adult"}, "steps": [{"id": "p", "use": "profile"}]}))
    assert main(["validate", str(one)]) == 0
    assert ": valid (1 step)" in capsys.readouterr().out
    two = tmp_path / "two.yaml"
    steps = [{"id": "p", "use": "profile"}, {"id": "tv", "use": "tv_complement", "target": "data"}]
    two.write_text(yaml.safe_dump({"data": {"source": "builtin:adult"}, "steps": steps}))
    assert main(["validate", str(two)]) == 0
    assert ": valid (2 steps)" in capsys.readouterr().out
    monkeypatch.setattr(schema, "write_schemas", lambda *a, **k: [Path("x.json")])
    assert main(["schema", "export", "--dir", str(tmp_path)]) == 0
    assert "wrote 1 schema file to" in capsys.readouterr().out
