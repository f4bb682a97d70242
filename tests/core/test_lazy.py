"""deferred_imports: stand-in modules that import the real one on first use, and the quick CLI paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from safedata_core.lazy import deferred_imports


@pytest.fixture
def fake_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    name = "safedata_lazy_probe"
    (tmp_path / f"{name}.py").write_text("LOADS = 1\nVALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return name


def test_stand_in_imports_the_real_module_on_first_use(fake_module: str) -> None:
    with deferred_imports([fake_module]):
        import safedata_lazy_probe as probe  # type: ignore[import-not-found]

        assert "VALUE" not in vars(probe)  # not executed yet
        assert probe.VALUE == 42
        real = sys.modules[fake_module]
        assert real is not probe and real.VALUE == 42 and vars(probe)["LOADS"] == 1
    assert sys.modules[fake_module] is real  # the real module stays after the block


def test_unused_stand_in_is_removed_and_imported_modules_are_left_alone(fake_module: str) -> None:
    with deferred_imports([fake_module, "json", "no_such_module_xyz"]):
        assert sys.modules["json"] is json
        assert "no_such_module_xyz" not in sys.modules
    assert fake_module not in sys.modules


def test_quick_commands_import_neither_pandas_nor_numpy() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from safedata_core.cli import main\n"
        "for argv in (['plugins', '--json'], ['--version']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "        try:\n"
        "            rc = main(argv)\n"
        "        except SystemExit as exc:\n"
        "            rc = exc.code\n"
        "    assert rc == 0, (argv, rc)\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'scipy', 'sklearn', 'torch') if m in sys.modules))\n"
    )
    env = {**os.environ, "SAFEDATA_LOAD_PLUGINS": ""}  # the core's default plugins only
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert json.loads(proc.stdout.strip().replace("'", '"')) == []
