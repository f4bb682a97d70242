"""SIGKILL ``safedata run --force`` at random moments: the run directory holds no release or a complete one.

Each of the runs below replaces the previous run in one directory and is
killed after a random delay (most fall after start-up, while the steps run and
the files are written and moved). After every kill the directory must hold
either no ``release/`` at all or a complete one: every table in every format,
the report, the ledger and the model card, from the same run as the verified
audit log beside it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from safedata_core.audit import verify_audit_log
from tests.core.pipeline.fakes import write_tiny_data

KILLS = 20
ROWS = 150
RELEASE = {
    "plain.csv",
    "plain.parquet",
    "dp.csv",
    "dp.parquet",
    "report.json",
    "report.html",
    "ledger.json",
    "model_card.md",
}


def pipeline(folder: Path) -> Path:
    data, meta = write_tiny_data(folder, n=ROWS)
    path = folder / "p.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "kill",
                "data": {"source": data.name, "metadata": meta.name},
                "privacy": {"epsilon": 1.0},
                "steps": [
                    {"id": "plain", "use": "example", "params": {"dp": False}},
                    {"id": "dp", "use": "example", "rows": 50, "privacy": {"epsilon": 1.0}},
                    {"id": "tv", "use": "tv_complement", "target": "dp"},
                ],
                "report": {"formats": ["json", "html"], "release_formats": ["csv", "parquet"]},
            }
        )
    )
    return path


def check(out: Path) -> bool:
    """Assert the run directory is consistent; True when it holds a release."""
    assert not (out / "released").exists()
    if (out / "audit.jsonl").exists():
        verify_audit_log(out)  # a staged log is complete before it is moved into place
    release = out / "release"
    if not release.exists():
        return False
    assert {p.name for p in release.iterdir()} == RELEASE
    assert len(pd.read_csv(release / "plain.csv")) == ROWS and len(pd.read_parquet(release / "dp.parquet")) == 50
    run_id = json.loads((release / "report.json").read_text())["run"]["id"]
    assert json.loads((out / "pipeline.lock.json").read_text())["run_id"] == run_id
    start = json.loads((out / "audit.jsonl").read_text().splitlines()[0])
    assert start["event"] == "run_start" and start["run_id"] == run_id
    assert json.loads((release / "ledger.json").read_text())["charges"]
    return True


def test_sigkill_at_random_moments_leaves_no_or_a_complete_release(tmp_path: Path) -> None:
    p, out = pipeline(tmp_path), tmp_path / "run"
    env = {**os.environ, "SAFEDATA_LOAD_PLUGINS": "safedata-example"}
    env.pop("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", None)
    cmd = [sys.executable, "-m", "safedata_core.cli", "run", str(p), "--out", str(out), "--force"]
    t0 = time.monotonic()
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=300)
    full = time.monotonic() - t0
    assert check(out)
    rng = np.random.default_rng(20)
    outcomes = []
    for delay in full * rng.uniform(0.4, 1.4, KILLS):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        outcomes.append((proc.returncode, check(out)))
    killed = sum(rc == -signal.SIGKILL for rc, _ in outcomes)
    assert killed >= KILLS // 4, outcomes  # many runs were really cut short
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert check(out) and not [p.name for p in out.iterdir() if p.name.startswith((".staging-", ".replaced-"))]
