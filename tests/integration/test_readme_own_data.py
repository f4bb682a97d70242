"""The README's "Your own data under DP" recipe, run literally on a table that is not Adult.

The shell commands and the pipeline file are read from the README itself, so
the recipe cannot drift from what works: a generated insurance-like table is
written as ``my.csv`` in a temporary folder, the pipeline block as
``pipeline.yaml``, and every command runs as a subprocess there.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Your own data under DP")
    return text[start : text.index("\n## ", start + 3)]


def _blocks(section: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", section, flags=re.S)


def _insurance(n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(16)
    age = rng.integers(18, 65, n)
    smoker = rng.random(n) < 0.2
    bmi = np.round(np.clip(rng.normal(30, 6, n), 16, 53), 1)
    charges = np.round(2000 + 250 * age + 20000 * smoker + rng.gamma(2.0, 1500, n), 2)
    return pd.DataFrame(
        {
            "age": age,
            "sex": rng.choice(["female", "male"], n),
            "bmi": bmi,
            "children": rng.integers(0, 6, n),
            "smoker": np.where(smoker, "yes", "no"),
            "region": rng.choice(["northeast", "northwest", "southeast", "southwest"], n),
            "charges": charges,
        }
    )


def test_the_readme_own_data_recipe_runs_as_written(tmp_path: Path) -> None:
    pytest.importorskip("safedata_marginal", reason="the recipe uses mst (contrib/safedata-marginal)")
    section = _section()
    (shell,) = _blocks(section, "sh")
    (pipeline,) = _blocks(section, "yaml")
    commands = [shlex.split(line, comments=True) for line in shell.splitlines() if line.strip()]
    assert [c[:2] for c in commands] == [["safedata", "profile"], ["safedata", "metadata"], ["safedata", "run"]]
    _insurance().to_csv(tmp_path / "my.csv", index=False)
    (tmp_path / "pipeline.yaml").write_text(pipeline, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SAFEDATA_DISABLE_PLUGIN_AUTOLOAD"}
    env["SAFEDATA_LOAD_PLUGINS"] = "safedata-marginal"  # the recipe's plugin (other installed plugins don't matter)
    for argv in commands:
        done = subprocess.run(
            [sys.executable, "-m", "safedata_core.cli", *argv[1:]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()}"
    release = tmp_path / "runs" / "mine" / "release"
    synth = pd.read_csv(release / "synth.csv")
    assert list(synth.columns) == list(_insurance(1).columns) and len(synth) > 300
    ledger = json.loads((release / "ledger.json").read_text())
    assert ledger["spent"]["epsilon"] == pytest.approx(1.0) and 0 < ledger["spent"]["delta"] <= 1e-6
    assert set(synth["region"].dropna()) <= {"northeast", "northwest", "southeast", "southwest"}
