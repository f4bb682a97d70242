"""The tutorial's workflow against a live ``safedata serve`` (uvicorn on 127.0.0.1, a random free port), over HTTP.

upload -> profile -> PII detection -> declare metadata -> validate DP config -> generate at the three
privacy levels of the tutorial's comparison table -> privacy report, compliance report, model card,
audit narrative -> download -> quick evaluation; the lifetime budget then refuses the request that would
pass it, and 20 parallel requests cannot overspend a dataset.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pandas as pd
import pytest
from conftest import META, children, csv_bytes

LEVELS = [(0.5, "very_strong"), (2.0, "strong"), (5.0, "moderate")]  # sum 7.5 of a lifetime 8.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, str]]:
    pytest.importorskip("safedata_copula", reason="the workflow generates with dp-gaussian-copula")
    port = _free_port()
    data = tmp_path_factory.mktemp("live") / "safedata-data"
    env = {
        k: v for k, v in os.environ.items() if k not in ("SAFEDATA_DISABLE_PLUGIN_AUTOLOAD", "SAFEDATA_LOAD_PLUGINS")
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "safedata_core.cli",
            "serve",
            "--port",
            str(port),
            "--data",
            str(data),
            "--workers",
            "1",
            "--processes",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline(), proc.stdout.readline()]
    assert lines[0].startswith(f"safedata service on http://127.0.0.1:{port}"), lines
    key = lines[1].rsplit(" ", 1)[-1].strip()
    assert lines[1].startswith("admin API key (shown once") and key.startswith("sd_")
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    for _ in range(300):
        try:
            if client.get("/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    yield client, key
    client.close()
    workers = children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workers and not [p for p in workers if Path(f"/proc/{p}").exists() and not _zombie(p)], (
        "job workers outlived the server"
    )


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _wait(client: httpx.Client, headers: dict[str, str], gen: str) -> dict[str, object]:
    for _ in range(600):
        body = client.get(f"/generators/{gen}", headers=headers).json()
        if body["status"] in ("succeeded", "failed", "cancelled"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"generator {gen} did not finish: {body}")


def _quick_result(client: httpx.Client, headers: dict[str, str], path: str) -> dict[str, object]:
    """POST a quick-lane request (profile, PII detection); on 202 (still running) GET the same path until done,
    as the API documents."""
    r = client.post(path, headers=headers)
    for _ in range(600):
        if r.status_code != 202:
            break
        time.sleep(0.5)
        r = client.get(path, headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def test_tutorial_workflow_over_http(live: tuple[httpx.Client, str]) -> None:
    client, admin = live
    steward = client.post(
        "/keys", headers={"Authorization": f"Bearer {admin}"}, json={"name": "steward", "role": "steward"}
    ).json()["key"]
    h = {"Authorization": f"Bearer {steward}"}
    up = client.post(
        "/datasets/upload",
        headers=h,
        files={"file": ("patients.csv", csv_bytes(300))},
        data={"name": "patients", "epsilon": "8.0", "delta": "1e-4"},
    )
    assert up.status_code == 201, up.text
    ds = up.json()["id"]
    assert client.get("/datasets", headers=h).json()[0]["row_count"] == 300
    profile = _quick_result(client, h, f"/datasets/{ds}/profile")
    assert profile["profile"]["columns"]["name"]["role"] == "direct_identifier"
    assert _quick_result(client, h, f"/datasets/{ds}/pii-detection")["pii_columns"] == ["name"]
    assert client.put(f"/datasets/{ds}/metadata", headers=h, json=META).status_code == 200
    too_much = client.post(
        "/generators/dp/validate-config",
        headers=h,
        json={"dataset_id": ds, "generator_type": "dp-ctgan", "epochs": 50, "batch_size": 200, "target_epsilon": 10.0},
    ).json()
    assert too_much["is_valid"] is False and too_much["warnings"]  # over budget; sampling rate 200/300 warned
    ok = client.post(
        "/generators/dp/validate-config",
        headers=h,
        json={"dataset_id": ds, "generator_type": "dp-gaussian-copula", "target_epsilon": 0.5},
    ).json()
    assert ok["is_valid"] and ok["errors"] == [] and ok["expected_privacy_level"] == "very_strong"

    gens = []
    for eps, _level in LEVELS:
        r = client.post(
            f"/generators/dataset/{ds}/generate",
            headers=h,
            json={"generator_type": "dp-gaussian-copula", "target_epsilon": eps, "num_rows": 200},
        )
        assert r.status_code == 202 and r.json()["status"] == "queued", r.text
        gens.append(r.json()["id"])
    refused = client.post(
        f"/generators/dataset/{ds}/generate",
        headers=h,
        json={"generator_type": "dp-gaussian-copula", "target_epsilon": 1.0},
    )
    assert refused.status_code == 409 and "lifetime budget" in refused.json()["detail"]

    for gen, (eps, level) in zip(gens, LEVELS, strict=True):
        done = _wait(client, h, gen)
        assert done["status"] == "succeeded", done
        report = client.get(f"/generators/{gen}/privacy-report", headers=h).json()
        assert report["privacy_level"] == level and report["dp_enabled"]
        assert 0 < report["epsilon_spent"] <= eps * (1 + 1e-9)
        assert report["ledger"]["budget"]["epsilon"] == eps
        released = pd.read_csv(io.BytesIO(client.get(f"/generators/{gen}/download", headers=h).content))
        assert len(released) == 200 and list(released.columns) == ["age", "sex", "income"]
        # the declared domains hold for every released value; the columns are nullable (META declares no
        # `nullable: false`), so the copula's noisy missing cell may release a few missing values at small epsilon
        assert released["age"].dropna().between(18, 90).all() and set(released["sex"].dropna()) <= {"F", "M"}
    compliance = client.post(f"/generators/{gens[0]}/compliance-report", headers=h, json={"framework": "HIPAA"}).json()
    assert compliance["framework"] == "HIPAA" and compliance["checks"][0]["passed"]
    card = client.post(f"/generators/{gens[1]}/model-card", headers=h).json()
    assert card["privacy"]["level"] == "strong" and "gaussian_copula" in card["markdown"]
    story = client.get(f"/generators/{gens[2]}/audit-narrative", headers=h).json()
    assert "generation started" in story["narrative"] and "job succeeded" in story["narrative"]
    quick = client.post(f"/evaluations/quick/{gens[2]}", headers=h).json()
    assert quick["status"] == "succeeded" and 0 <= quick["results"]["tv_complement"]["score"] <= 1
    ledger = client.get(f"/datasets/{ds}/ledger", headers=h).json()
    assert ledger["reserved"]["epsilon"] == pytest.approx(7.5) and ledger["remaining"]["epsilon"] == pytest.approx(0.5)
    assert ledger["spent"]["epsilon"] <= 7.5 + 1e-9
    assert 'safedata_jobs{status="succeeded"}' in client.get("/metrics").text
    assert client.get("/openapi.json").json()["info"]["title"] == "safedata"


def test_twenty_parallel_http_requests_cannot_overspend(live: tuple[httpx.Client, str]) -> None:
    client, admin = live
    h = {"Authorization": f"Bearer {admin}"}
    ds = client.post(
        "/datasets/upload",
        headers=h,
        files={"file": ("p.csv", csv_bytes(100))},
        data={"epsilon": "1.0", "delta": "1e-4"},
    ).json()["id"]
    assert client.put(f"/datasets/{ds}/metadata", headers=h, json=META).status_code == 200

    def one(_: int) -> int:
        r = client.post(
            f"/generators/dataset/{ds}/generate",
            headers=h,
            json={"generator_type": "dp-gaussian-copula", "target_epsilon": 0.1, "target_delta": 1e-6, "num_rows": 10},
        )
        return r.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(one, range(20)))  # 2.0 asked of a lifetime 1.0
    assert sorted(codes) == [202] * 10 + [409] * 10
    ledger = client.get(f"/datasets/{ds}/ledger", headers=h).json()
    assert ledger["reserved"]["epsilon"] == pytest.approx(1.0) and len(ledger["charges"]) == 10
    for gen in [g["id"] for g in client.get("/generators", headers=h, params={"dataset_id": ds}).json()]:
        client.post(f"/generators/{gen}/cancel", headers=h)  # queued ones stop here (budget stays charged)


def test_the_httpx_example_in_the_docs_runs(
    live: tuple[httpx.Client, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = (Path(__file__).parents[2] / "docs" / "service.md").read_text(encoding="utf-8")
    section = doc.split("## A Python client with httpx", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    client, admin = live
    (tmp_path / "patients.csv").write_bytes(csv_bytes(200))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAFEDATA_URL", str(client.base_url))
    monkeypatch.setenv("SAFEDATA_KEY", admin)
    monkeypatch.setenv("SAFEDATA_CSV", str(tmp_path / "patients.csv"))
    exec(compile(code, "docs/service.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("strong ") and float(printed[0].split()[1]) <= 1.0
    assert len(pd.read_csv(tmp_path / "synthetic.csv")) == 500
