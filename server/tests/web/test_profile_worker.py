"""The dataset pages profile through the worker lane: the request thread never computes the profile."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from conftest import World, csv_bytes
from webclient import sign_in


def test_upload_profiles_in_a_worker_and_the_page_follows_it(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from safedata_server.services import datasets

    def in_thread(*_a: object, **_k: object) -> None:
        raise AssertionError("the page profiled in the request thread")

    monkeypatch.setattr(datasets, "profile_dataset", in_thread)
    client, csrf = sign_in(world.client.app, world.keys["A:steward"])
    r = client.post(
        "/ui/datasets/upload",
        files={"file": ("w.csv", csv_bytes(120))},
        data={"epsilon": "1", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page_url = r.headers["location"]
    status_url = page_url + "/profile/status"
    first = client.get(status_url).json()
    assert first["status"] in ("queued", "running", "succeeded") and first["job_id"]
    deadline = time.monotonic() + 60
    state = first
    while state["status"] in ("queued", "running") and time.monotonic() < deadline:
        page = client.get(page_url).text
        assert "Profiling…" in page and 'id="below-k"' not in page  # the page says so and polls
        time.sleep(0.2)
        state = client.get(status_url).json()
    assert state["status"] == "succeeded" and state["has_profile"] is True
    page = client.get(page_url).text
    assert 'id="below-k"' in page and "Profiling…" not in page
    # profiling again queues a new job
    r = client.post(page_url + "/profile", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    again = client.get(status_url).json()
    assert again["job_id"] != first["job_id"]
    # an analyst may not follow it
    analyst, _ = sign_in(world.client.app, world.keys["A:analyst"])
    assert analyst.get(status_url).status_code == 403
