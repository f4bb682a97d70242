"""validate-config fills recommended_config from the tuner's stored results (safedata tune's index)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import META, make_settings, people, upload
from fastapi.testclient import TestClient
from safedata_server.api.app import create_app
from safedata_server.runtime import create_runtime

from safedata_core import Engine
from safedata_core.tune import dataset_fingerprint
from safedata_core.tune.store import record_result


@pytest.fixture()
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, dict[str, str], Path]]:
    pytest.importorskip("safedata_example", reason="the recommendation names the safedata-example synthesizer")
    index = tmp_path / "tune-index.jsonl"
    monkeypatch.setenv("SAFEDATA_TUNE_INDEX", str(index))
    rt, admin = create_runtime(make_settings(tmp_path / "data", start_workers=False))
    assert admin is not None
    client = TestClient(create_app(rt.settings, runtime=rt))
    r = client.post("/keys", headers={"Authorization": f"Bearer {admin}"}, json={"name": "s", "role": "steward"})
    assert r.status_code == 201, r.text
    yield client, {"Authorization": f"Bearer {r.json()['key']}"}, index
    client.close()
    rt.db.dispose()


def fingerprint_of_the_core_tune(tmp_path: Path) -> str:
    """The key ``safedata tune --out`` stores for the same table and metadata (read by the core, not the server)."""
    csv, meta = tmp_path / "people.csv", tmp_path / "people.meta.yaml"
    people().to_csv(csv, index=False)
    meta.write_text(yaml.safe_dump(META))
    return dataset_fingerprint(Engine(autoload=False).read_table(str(csv), str(meta)))


def validate(client: TestClient, h: dict[str, str], ds: str, epsilon: float) -> dict[str, Any]:
    r = client.post(
        "/generators/dp/validate-config",
        headers=h,
        json={"dataset_id": ds, "generator_type": "example", "target_epsilon": epsilon, "target_delta": 1e-6},
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()["recommended_config"]
    assert body is not None, r.json()
    return body


def test_validate_config_recommends_the_stored_tune_result(
    served: tuple[TestClient, dict[str, str], Path], tmp_path: Path
) -> None:
    client, h, index = served
    ds = upload(client, h)
    before = validate(client, h, ds, 2.0)
    assert before.get("source") != "tune" and before["generator_type"] == "example"  # no index yet: the request
    fp = fingerprint_of_the_core_tune(tmp_path)
    base = {"fingerprint": fp, "dp": True, "mode": "private", "pipeline": "best.yaml"}
    record_result({**base, "epsilon": 1.0, "use": "example", "params": {"dp": True}, "objective": 0.7}, index)
    record_result({**base, "epsilon": 3.0, "use": "example", "params": {}, "objective": 0.99}, index)  # above 2
    steps = {"steps": [{"use": "example", "params": {}, "fraction": 0.5}] * 2}
    record_result({**base, "epsilon": 2.0, "use": "example+example", "params": steps, "objective": 0.9}, index)
    record_result({**base, "fingerprint": "other", "epsilon": 2.0, "use": "example", "params": {}}, index)
    rec = validate(client, h, ds, 2.0)
    assert rec["source"] == "tune" and rec["generator_type"] == "example"
    assert rec["tuned"] == {"epsilon": 1.0, "mode": "private", "objective": 0.7}  # multi-step and eps 3 skipped
    assert rec["target_epsilon"] == 2.0 and rec["params"] == {}  # the request's budget; dp is the server's
    assert validate(client, h, ds, 0.5).get("source") != "tune"  # nothing tuned within 0.5
    # the recommendation is a request the endpoint accepts as it is
    again = client.post("/generators/dp/validate-config", headers=h, json={"dataset_id": ds, **rec})
    assert again.status_code == 200 and again.json()["component"] == "example"
