"""The job page shows the epoch / round the core's on_progress hook reported (written into the job row)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from conftest import World, upload, wait_job
from webclient import sign_in


def test_job_page_shows_the_rounds_of_an_aim_release(world: World) -> None:
    pytest.importorskip("safedata_marginal", reason="AIM comes with safedata-marginal")
    ds = upload(world.client, world.h("A:steward"), n=150)
    client, csrf = sign_in(world.client.app, world.keys["A:steward"])
    form = {
        "generator_type": "aim",
        "target_epsilon": "1",
        "num_rows": "20",
        "p_aim_max_rounds": "3",
        "p_aim_round_iters": "5",
        "p_aim_final_iters": "10",
        "p_aim_bins": "4",
        "csrf_token": csrf,
    }
    r = client.post(f"/ui/datasets/{ds}/release", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    job_url = r.headers["location"]
    done = wait_job(world.client, world.h("A:steward"), "/generators/" + job_url.rsplit("/", 1)[1])
    assert done["status"] == "succeeded", done
    status = client.get(job_url + "/status").json()["progress"]
    assert status["round"] == status["rounds_total"] >= 1
    page = client.get(job_url).text
    shown = re.search(r'<dd id="job-epoch">([^<]*)</dd>', page)
    assert shown is not None and shown.group(1) == f"round {status['round']} of {status['rounds_total']}"
