"""SIGKILL mid-job: ``safedata serve`` and its workers are killed while a job is inside its step, the server is
restarted on the same folder, and the state is consistent (job failed "interrupted", budget still charged,
nothing released, no plaintext scratch left, audit chain intact, new jobs run)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from conftest import META, csv_bytes
from test_live_workflow import _free_port

FINAL = ("succeeded", "failed", "cancelled")


@contextmanager
def _serve(data: Path) -> Iterator[tuple[subprocess.Popen[str], httpx.Client, str | None]]:
    port = _free_port()
    skip = ("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", "SAFEDATA_LOAD_PLUGINS")
    env = {k: v for k, v in os.environ.items() if k not in skip}
    fresh = not data.exists()  # a new database prints the one-time admin key
    cmd = [sys.executable, "-m", "safedata_core.cli", "serve", "--port", str(port), "--data", str(data)]
    proc = subprocess.Popen(
        [*cmd, "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=True,  # its own process group: the kill takes the workers too
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("safedata service on")
    key = proc.stdout.readline().rsplit(" ", 1)[-1].strip() if fresh else None
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    for _ in range(600):
        try:
            if client.get("/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    try:
        yield proc, client, key
    finally:
        client.close()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _status(client: httpx.Client, h: dict[str, str], gen: str) -> dict[str, object]:
    body: dict[str, object] = client.get(f"/generators/{gen}", headers=h).json()
    return body


def test_sigkill_mid_job_then_restart_leaves_a_consistent_state(tmp_path: Path) -> None:
    pytest.importorskip("safedata_marginal", reason="the long job is a DP-AIM fit")
    pytest.importorskip("safedata_example", reason="the job after the restart uses the example generator")
    data = tmp_path / "safedata-data"
    with _serve(data) as (proc, client, key):
        assert key is not None
        h = {"Authorization": f"Bearer {key}"}
        r = client.post(
            "/datasets/upload", headers=h, files={"file": ("p.csv", csv_bytes(200))}, data={"epsilon": "10"}
        )
        ds = r.json()["id"]
        assert client.put(f"/datasets/{ds}/metadata", headers=h, json=META).status_code == 200
        body = {
            "generator_type": "dp-aim",
            "target_epsilon": 2.0,
            "target_delta": 1e-6,
            "params": {"max_rounds": 2000, "round_iters": 50, "final_iters": 50, "bins": 8},
        }
        gen = client.post(f"/generators/dataset/{ds}/generate", headers=h, json=body).json()["id"]
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:  # wait until it is inside its step (a round was reported)
            st = _status(client, h, gen)
            if st["status"] in FINAL or "round" in (st["progress"] or {}):  # type: ignore[operator]
                break
            time.sleep(0.2)
        assert st["status"] == "running" and st["progress"]["round"] >= 1, st  # type: ignore[index]
        os.killpg(proc.pid, signal.SIGKILL)  # the server and its workers, mid-step
        proc.wait()
    with _serve(data) as (_proc, client, _key):
        after = _status(client, h, gen)
        assert after["status"] == "failed" and "interrupted" in str(after["error"]), after
        assert after["has_release"] is False
        assert client.get(f"/generators/{gen}/download", headers=h).status_code == 409
        ledger = client.get(f"/datasets/{ds}/ledger", headers=h).json()
        assert ledger["reserved"]["epsilon"] == pytest.approx(2.0)  # the budget stays charged
        assert not any((data / "work").iterdir())  # no plaintext scratch left
        assert client.get("/audit/verify", headers=h).json()["ok"] is True
        new = client.post(
            f"/generators/dataset/{ds}/generate",
            headers=h,
            json={"generator_type": "example", "target_epsilon": 0.5, "num_rows": 20},
        ).json()["id"]
        deadline = time.monotonic() + 240
        while (st := _status(client, h, new))["status"] not in FINAL and time.monotonic() < deadline:
            time.sleep(0.2)
        assert st["status"] == "succeeded", st
