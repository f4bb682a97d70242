"""Several server processes (``safedata serve --processes 2``) over HTTP: one budget, one audit chain, key
revocation everywhere within the cache TTL, and a second server starting leaves the first one's job alone."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from conftest import META, children, csv_bytes

FINAL = ("succeeded", "failed", "cancelled")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serve(data: Path, processes: int) -> Iterator[tuple[subprocess.Popen[str], str, str | None]]:
    port = _free_port()
    skip = ("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", "SAFEDATA_LOAD_PLUGINS")
    env = {k: v for k, v in os.environ.items() if k not in skip}
    fresh = not data.exists()
    cmd = [sys.executable, "-m", "safedata_core.cli", "serve", "--port", str(port), "--data", str(data)]
    proc = subprocess.Popen(
        [*cmd, "--workers", "1", "--processes", str(processes)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("safedata service on")
    key = proc.stdout.readline().rsplit(" ", 1)[-1].strip() if fresh else None
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/healthz", timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    try:
        yield proc, url, key
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    pytest.importorskip("safedata_copula", reason="the jobs generate with dp-gaussian-copula")
    with _serve(tmp_path_factory.mktemp("procs") / "safedata-data", 2) as (proc, url, key):
        assert key is not None
        yield proc, url, key


def _fresh(url: str, key: str) -> httpx.Client:
    """A client on a new connection (connections are spread over the server processes by the kernel)."""
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def _dataset(url: str, key: str, epsilon: float) -> str:
    with _fresh(url, key) as c:
        ds: str = c.post(
            "/datasets/upload", files={"file": ("p.csv", csv_bytes(100))}, data={"epsilon": str(epsilon)}
        ).json()["id"]
        assert c.put(f"/datasets/{ds}/metadata", json=META).status_code == 200
    return ds


def test_two_server_processes_answer(two: tuple[subprocess.Popen[str], str, str]) -> None:
    proc, _url, _key = two
    assert len(children(proc.pid)) >= 2  # the server processes (the job workers are below the leader)


def test_parallel_requests_across_processes_cannot_overspend(two: tuple[subprocess.Popen[str], str, str]) -> None:
    _proc, url, key = two
    ds = _dataset(url, key, 1.0)
    body = {"generator_type": "dp-gaussian-copula", "target_epsilon": 0.1, "target_delta": 1e-6, "num_rows": 10}

    def one(_: int) -> int:
        with _fresh(url, key) as c:
            return c.post(f"/generators/dataset/{ds}/generate", json=body).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(one, range(20)))  # 2.0 asked of a lifetime 1.0, over both processes
    assert sorted(codes) == [202] * 10 + [409] * 10
    with _fresh(url, key) as c:
        ledger = c.get(f"/datasets/{ds}/ledger").json()
        assert ledger["reserved"]["epsilon"] == pytest.approx(1.0) and len(ledger["charges"]) == 10
        gens = [g["id"] for g in c.get("/generators", params={"dataset_id": ds}).json()]
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:  # every job runs once, to its end (one dispatcher)
            states = [c.get(f"/generators/{g}").json()["status"] for g in gens]
            if all(s in FINAL for s in states):
                break
            time.sleep(0.5)
        assert states == ["succeeded"] * 10


def test_concurrent_audited_requests_keep_one_linear_chain(two: tuple[subprocess.Popen[str], str, str]) -> None:
    _proc, url, key = two
    ds = _dataset(url, key, 5.0)
    with _fresh(url, key) as c:
        before = c.get("/audit/verify").json()
    assert before["ok"]

    def one(i: int) -> int:
        with _fresh(url, key) as c:
            path = f"/datasets/{ds}/ledger" if i % 2 else f"/datasets/{ds}"
            return c.get(path).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(one, range(48)))
    assert codes == [200] * 48
    with _fresh(url, key) as c:
        after = c.get("/audit/verify").json()
    assert after["ok"] and after["first_bad"] is None
    assert after["events"] >= before["events"] + 48  # every audited read is in the one chain


def test_a_revoked_key_stops_working_in_every_process_within_the_cache_ttl(
    two: tuple[subprocess.Popen[str], str, str],
) -> None:
    _proc, url, admin = two
    with _fresh(url, admin) as c:
        made = c.post("/keys", json={"name": "temp", "role": "analyst"}).json()
    key = made["key"]

    def status(_: int) -> int:
        with _fresh(url, key) as c:
            return c.get("/datasets").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(status, range(16))) == [200] * 16  # cached in both processes now
    with _fresh(url, admin) as c:
        assert c.delete(f"/keys/{made['id']}").status_code == 200
    time.sleep(1.2)  # the principal cache's TTL (1 s)
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(status, range(16))) == [401] * 16


def test_a_second_server_starting_does_not_fail_the_running_job_of_the_first(tmp_path: Path) -> None:
    pytest.importorskip("safedata_ctgan", reason="the long job is a DP-CTGAN fit")
    data = tmp_path / "safedata-data"
    with _serve(data, 1) as (_proc, url, key):
        assert key is not None
        ds = _dataset(url, key, 10.0)
        body = {"generator_type": "dp-ctgan", "target_epsilon": 2.0, "epochs": 2000, "batch_size": 20}
        with _fresh(url, key) as c:
            gen = c.post(f"/generators/dataset/{ds}/generate", json=body).json()["id"]
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                st = c.get(f"/generators/{gen}").json()
                if st["status"] in FINAL or "epoch" in (st["progress"] or {}):
                    break
                time.sleep(0.2)
            assert st["status"] == "running", st
        with _serve(data, 1) as (_second, url2, again):  # same data, another port: its start-up runs recovery
            assert again is None
            with _fresh(url2, key) as c2:
                st2 = c2.get(f"/generators/{gen}").json()
        assert st2["status"] == "running" and st2["error"] is None, st2  # recovery of the second left it alone
        with _fresh(url, key) as c:
            st = c.get(f"/generators/{gen}").json()
            assert st["status"] in ("running", "succeeded") and st["error"] is None, st  # the first server's still
            c.post(f"/generators/{gen}/cancel")
