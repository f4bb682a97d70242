"""SDC post-processing of a generation: validated against the installed SDC methods, applied to the synthetic
table only (never the real records), the DP guarantee kept; over the API and from the release form."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import World, wait_job

sys.path.insert(0, str(Path(__file__).parent / "web"))

from webclient import sign_in


def test_sdc_over_the_api(world: World) -> None:
    pytest.importorskip("safedata_example", reason="generates with the safedata-example plugin")
    client, h, ds = world.client, world.h("A:steward"), world.ids["A:dataset"]
    base = {"dataset_id": ds, "generator_type": "example", "target_epsilon": 0.5, "num_rows": 40}
    ok = client.post("/generators/dp/validate-config", headers=h, json=base | {"sdc": {"use": "noise"}}).json()
    assert ok["is_valid"] is True and ok["sdc"]["use"] == "noise" and ok["sdc"]["dp_preserved"] is True
    bad = client.post("/generators/dp/validate-config", headers=h, json=base | {"sdc": {"use": "nope"}}).json()
    assert bad["is_valid"] is False and len(bad["errors"]) == 1
    assert "sdc.use 'nope' is not an installed SDC method" in bad["errors"][0] and "noise" in bad["errors"][0]
    r = client.post(
        f"/generators/dataset/{ds}/generate", headers=h, json=base | {"sdc": {"use": "noise", "input": "data"}}
    )
    assert r.status_code == 422 and "input" in r.text  # the SDC step never chooses its input (the real records)
    paths = {"sdc": {"use": "generalize", "params": {"hierarchies": {"age": "/etc/passwd"}}}}
    r = client.post(f"/generators/dataset/{ds}/generate", headers=h, json=base | paths)
    assert r.status_code == 422 and "sdc.params.hierarchies: file paths" in r.json()["detail"]
    r = client.post(f"/generators/dataset/{ds}/generate", headers=h, json=base | {"sdc": {"use": "nope"}})
    assert r.status_code == 422 and "not an installed SDC method" in r.json()["detail"]

    body = {k: v for k, v in base.items() if k != "dataset_id"} | {"sdc": {"use": "noise", "params": {"level": 0.5}}}
    r = client.post(f"/generators/dataset/{ds}/generate", headers=h, json=body)
    assert r.status_code == 202, r.text
    gen = r.json()["id"]
    done = wait_job(client, h, f"/generators/{gen}")
    assert done["status"] == "succeeded", done
    assert done["sdc"]["use"] == "noise" and done["sdc"]["applied_to"] == "synth"
    report = client.get(f"/generators/{gen}/privacy-report", headers=h).json()
    assert report["dp_enabled"] is True and report["epsilon_spent"] == pytest.approx(0.5)
    assert report["sdc"]["dp_preserved"] is True and "post-processing" in report["sdc"]["note"]
    released = pd.read_csv(io.BytesIO(client.get(f"/generators/{gen}/download", headers=h).content))
    assert len(released) == 40 and "name" not in released.columns
    with zipfile.ZipFile(io.BytesIO(client.get(f"/generators/{gen}/release-package", headers=h).content)) as zf:
        assert {"sdc.csv", "synth.csv"} <= set(zf.namelist())
        labels = {r["step"]: r for r in json.loads(zf.read("report.json"))["releases"]}
        pipeline = json.loads(zf.read("pipeline.lock.json"))
    assert labels["synth"]["dp"] is True and labels["sdc"]["kind"] == "sdc"
    steps = pipeline.get("pipeline", pipeline)["steps"]
    sdc_step = next(s for s in steps if s["id"] == "sdc")
    assert sdc_step["input"] == "synth"  # the SDC method read the synthetic table, never the real records
    # an analyst sees the release and its SDC note too
    assert client.get(f"/generators/{gen}", headers=world.h("A:analyst")).json()["sdc"]["use"] == "noise"


def test_sdc_from_the_release_form(world: World) -> None:
    pytest.importorskip("safedata_example", reason="generates with the safedata-example plugin")
    client, csrf = sign_in(world.client.app, world.keys["A:steward"])
    ds = world.ids["A:dataset"]
    form_page = client.get(f"/ui/datasets/{ds}/release").text
    assert '<label for="sdc_use">' in form_page and '<option value="noise">noise: ' in form_page
    assert '<label for="sdc_params">' in form_page
    form = {"generator_type": "example", "target_epsilon": "0.2", "num_rows": "20", "csrf_token": csrf}
    checked = client.post(
        f"/ui/datasets/{ds}/validate", data=form | {"sdc_use": "pram"}, headers={"X-CSRF-Token": csrf}
    ).json()
    assert checked["sdc"]["use"] == "pram"
    r = client.post(f"/ui/datasets/{ds}/release", data=form | {"sdc_use": "noise", "sdc_params": "{level"})
    assert r.status_code == 422 and "SDC options must be a JSON object" in r.text
    r = client.post(f"/ui/datasets/{ds}/release", data=form | {"sdc_use": "zzz"})
    assert r.status_code == 422 and "not an installed SDC method" in r.text
    r = client.post(
        f"/ui/datasets/{ds}/release",
        data=form | {"sdc_use": "noise", "sdc_params": '{"level": 0.2}'},
        follow_redirects=False,
    )
    assert r.status_code == 303
    job_id = r.headers["location"].rsplit("/", 1)[1]
    done = wait_job(world.client, world.h("A:steward"), f"/generators/{job_id}")
    assert done["status"] == "succeeded" and done["sdc"]["params"] == {"level": 0.2}
    page = client.get(f"/ui/releases/{job_id}").text
    assert 'id="sdc-note"' in page and "noise" in page and "post-processing" in page
