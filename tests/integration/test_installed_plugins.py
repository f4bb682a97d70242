"""Entry-point discovery with really installed packages (autoload on).

* plugins/safedata-example is installed by `make test`; it must be found with
  its distribution and version.
* A plugin package written outside this repo is pip-installed into a temporary
  folder and picked up with no change to the core; its component runs.
* Two installed plugins claiming one component name make `safedata plugins`
  and `safedata run` fail, naming both distributions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from safedata_core import Engine

PLUGIN_TEMPLATE = '''
"""{dist}: a plugin written outside the safedata repository."""

from typing import Any

import numpy as np

from safedata_core import Synthesizer, Table, hookimpl


class OutsideSynthesizer(Synthesizer):
    """Samples rows uniformly from the training table's first column values.

    **Privacy guarantee**: none.

    **Assumptions**: tests only.
    """

    name = "{component}"
    privacy = "none"

    def fit(self, table: Table, *, budget: Any, seed: int) -> None:
        self._table = table

    def sample(self, n: int, *, seed: int) -> Table:
        idx = np.random.default_rng(seed).integers(0, len(self._table), n)
        return self._table.with_df(self._table.df.iloc[idx].reset_index(drop=True))


@hookimpl
def register_synthesizers(register: Any) -> None:
    register(OutsideSynthesizer)
'''


def _install_outside_plugin(root: Path, target: Path, dist: str, component: str) -> None:
    module = dist.replace("-", "_")
    src = root / dist
    (src / module).mkdir(parents=True)
    (src / module / "__init__.py").write_text(PLUGIN_TEMPLATE.format(dist=dist, component=component))
    (src / "pyproject.toml").write_text(
        textwrap.dedent(f"""
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "{dist}"
        version = "2.3.4"
        dependencies = []

        [project.entry-points.safedata]
        {module} = "{module}"

        [tool.setuptools]
        packages = ["{module}"]
    """)
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(src),
        ],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", raising=False)


def test_example_plugin_is_discovered_from_its_distribution(autoload: None) -> None:
    pytest.importorskip("safedata_example", reason="plugins/safedata-example is not installed (run make test)")
    info = Engine().registry.get("example")
    assert info.distribution == "safedata-example" and info.version == "0.1.0"
    assert info.plugin == "safedata_example"


def test_outside_plugin_is_picked_up_and_runs(autoload: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "site"
    _install_outside_plugin(tmp_path / "src", target, "acme-safedata-outside", "outside_resample")
    monkeypatch.syspath_prepend(str(target))
    engine = Engine()
    info = engine.registry.get("outside_resample")
    assert (info.distribution, info.version) == ("acme-safedata-outside", "2.3.4")
    pipeline = {
        "data": {"source": "builtin:adult_test"},
        "steps": [{"id": "synth", "use": "outside_resample", "rows": 50}],
    }
    result = engine.run(pipeline)
    assert result.ok and len(result.released["synth"]) == 50


def test_duplicate_component_across_installed_plugins_fails_cli(autoload: None, tmp_path: Path) -> None:
    target = tmp_path / "site"
    _install_outside_plugin(tmp_path / "src", target, "acme-dup-one", "dup_synth")
    _install_outside_plugin(tmp_path / "src2", target, "acme-dup-two", "dup_synth")
    env = {k: v for k, v in os.environ.items() if k != "SAFEDATA_DISABLE_PLUGIN_AUTOLOAD"}
    env["PYTHONPATH"] = str(target)
    cli = [sys.executable, "-m", "safedata_core.cli"]
    listing = subprocess.run([*cli, "plugins", "--json"], capture_output=True, text=True, env=env)
    assert listing.returncode == 2
    assert "acme-dup-one 2.3.4" in listing.stderr and "acme-dup-two 2.3.4" in listing.stderr
    assert "Traceback" not in listing.stderr
    pipeline = tmp_path / "p.json"
    pipeline.write_text(json.dumps({"data": {"source": "builtin:adult"}, "steps": [{"id": "p", "use": "profile"}]}))
    run = subprocess.run(
        [*cli, "run", str(pipeline), "--out", str(tmp_path / "run")], capture_output=True, text=True, env=env
    )
    assert run.returncode == 2 and "acme-dup-one" in run.stderr and "acme-dup-two" in run.stderr
