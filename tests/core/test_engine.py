"""The Engine facade: versions, plugin listing, reading tables."""

from __future__ import annotations

import time

from safedata_core import Engine


def test_versions_include_core_and_plugins() -> None:
    engine = Engine(autoload=False, plugins=["tests.fake_plugins.good_synth"])
    versions = engine.versions()
    assert "safedata-core" in versions and "pandas" in versions


def test_plugins_info_lists_hooks() -> None:
    info = Engine(autoload=False, plugins=["tests.fake_plugins.good_synth"]).plugins_info()
    plugin = next(p for p in info["plugins"] if p["name"] == "tests.fake_plugins.good_synth")
    assert plugin["hooks"] == ["register_synthesizers"]


def test_import_is_light() -> None:
    import subprocess
    import sys

    code = "import sys, safedata_core; print(any(m in sys.modules for m in ('torch', 'opacus', 'pgmpy', 'sklearn')))"
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False", "importing safedata_core must not import torch/opacus/pgmpy/sklearn"
    assert time.perf_counter() - t0 < 30
