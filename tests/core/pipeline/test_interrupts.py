"""SIGINT / SIGTERM during a step: a closing run_aborted event naming the step, and no release."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from safedata_core.audit import verify_audit_log
from tests.core.pipeline import fakes

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = """
import sys
from safedata_core.cli import main
from safedata_core.commands import run
from tests.core.pipeline import fakes

run.make_engine = lambda args: fakes.engine()
sys.exit(main(["run", sys.argv[1], "--out", sys.argv[2]]))
"""


def start_and_signal(tmp_path: Path, signum: int) -> tuple[subprocess.CompletedProcess[str], Path]:
    data, meta = fakes.write_tiny_data(tmp_path)
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(
        yaml.safe_dump(
            {
                "name": "slow",
                "data": {"source": data.name, "metadata": meta.name},
                "privacy": {"epsilon": 1.0},
                "steps": [{"id": "synth", "use": "noisy_count", "rows": 30}, {"id": "slow", "use": "slow_sdc"}],
            }
        )
    )
    marker, out = tmp_path / "started", tmp_path / "run"
    env = {
        **os.environ,
        "SAFEDATA_TEST_MARKER": str(marker),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(pipeline), str(out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the slow step never started: {proc.communicate()}")
        time.sleep(0.05)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), out


@pytest.mark.parametrize(("signum", "returncode"), [(signal.SIGINT, 130), (signal.SIGTERM, -signal.SIGTERM)])
def test_signal_aborts_the_run_and_releases_nothing(tmp_path: Path, signum: int, returncode: int) -> None:
    done, out = start_and_signal(tmp_path, signum)
    assert done.returncode == returncode, done.stderr
    assert not (out / "release").exists()
    events = [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]
    aborted = [e for e in events if e["event"] == "run_aborted"]
    name = signal.Signals(signum).name
    assert len(aborted) == 1 and aborted[0]["step"] == "slow" and name in aborted[0]["reason"]
    assert events[-1]["event"] == "run_aborted"  # the closing event: verify says "aborted at step slow"
    assert verify_audit_log(out) == len(events)
    report = json.loads((out / "internal" / "report.json").read_text())
    assert report["run"]["status"] == "failed"
    assert report["run"]["error"] == f"interrupted by {name} during step 'slow' (slow_sdc); nothing was released"
    assert "interrupted" in (out / "run-failed.txt").read_text()
    assert "Traceback" not in done.stderr
