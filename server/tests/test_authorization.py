"""Authorization, generated from the app's route table: every route x every role, and cross-project ids.

A route the policy table (``api/policy.py``) does not know fails here, and so does
a route whose sample request is missing (add one to ``REQUESTS``).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import META, World, csv_bytes, upload
from safedata_server.api.app import create_app
from safedata_server.api.policy import ROUTE_ROLES, route_table
from safedata_server.auth import ROLES

APP_ROUTES = route_table(create_app().routes)

# a valid request for each route that takes a body ("files"/"data" for multipart, "json" otherwise)
REQUESTS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/projects"): {"json": {"name": "other"}},
    ("POST", "/keys"): {"json": {"name": "k", "role": "analyst"}},
    ("POST", "/datasets/upload"): {"files": {"file": ("x.csv", csv_bytes(40))}, "data": {"epsilon": "1"}},
    ("PUT", "/datasets/{dataset_id}/metadata"): {"json": META},
    ("PUT", "/datasets/{dataset_id}/budget"): {"json": {"epsilon": 60.0, "delta": 1e-4}},
    ("POST", "/generators/dp/validate-config"): {
        "json": {"dataset_id": "{dataset_id}", "generator_type": "example", "target_epsilon": 0.1}
    },
    ("POST", "/generators/dataset/{dataset_id}/generate"): {
        "json": {"generator_type": "example", "target_epsilon": 0.1, "num_rows": 20}
    },
    ("POST", "/generators/{generator_id}/compliance-report"): {"json": {"framework": "GDPR"}},
    ("POST", "/evaluations/run"): {"json": {"generator_id": "{generator_id}", "metrics": ["tv_complement"]}},
    ("POST", "/pipelines/run"): {
        "json": {"data": {"source": "dataset:{dataset_id}"}, "steps": [{"id": "p", "use": "profile"}]}
    },
}
DESTRUCTIVE = {("DELETE", "/datasets/{dataset_id}"), ("DELETE", "/keys/{key_id}")}


def test_every_route_has_a_rule() -> None:
    missing = [r for r in APP_ROUTES if r not in ROUTE_ROLES]
    stale = [r for r in ROUTE_ROLES if r not in APP_ROUTES]
    assert not missing, f"routes without an authorization rule in api/policy.py: {missing}"
    assert not stale, f"rules for routes that do not exist: {stale}"


@pytest.fixture(scope="module")
def objects(world: World) -> dict[str, dict[str, str]]:
    """Ids per project for every path parameter (evaluation and pipeline jobs created here)."""
    out: dict[str, dict[str, str]] = {}
    for p in ("A", "B"):
        h = world.h(f"{p}:steward")
        gen = world.ids[f"{p}:generator"]
        ev = world.client.post("/evaluations/run", headers=h, json={"generator_id": gen, "metrics": ["tv_complement"]})
        pipe = world.client.post(
            "/pipelines/run",
            headers=h,
            json={"data": {"source": f"dataset:{world.ids[f'{p}:dataset']}"}, "steps": [{"id": "p", "use": "profile"}]},
        )
        assert ev.status_code == 202 and pipe.status_code == 202, (ev.text, pipe.text)
        out[p] = {
            "dataset_id": world.ids[f"{p}:dataset"],
            "generator_id": gen,
            "evaluation_id": ev.json()["id"],
            "job_id": pipe.json()["id"],
        }
    return out


def _fresh(world: World, p: str, name: str) -> str:
    """A disposable object for a destructive route (a dataset or an API key of project ``p``)."""
    if name == "dataset_id":
        return upload(world.client, world.h(f"{p}:steward"), n=30, metadata=False)
    r = world.client.post("/keys", headers=world.h(f"{p}:admin"), json={"name": "doomed", "role": "analyst"})
    return str(r.json()["id"])


def _request(world: World, objects: dict[str, dict[str, str]], method: str, path: str, who: str, owner: str) -> int:
    ids = dict(objects[owner])
    params = [seg[1:-1] for seg in path.split("/") if seg.startswith("{")]
    if (method, path) in DESTRUCTIVE:
        ids |= {name: _fresh(world, owner, name) for name in params}
    url = path.format(**ids)
    spec = REQUESTS.get((method, path), {})
    kwargs: dict[str, Any] = {}
    if "json" in spec:
        body = spec["json"]
        kwargs["json"] = {k: (v.format(**ids) if isinstance(v, str) else v) for k, v in body.items()}
        if "data" in body and isinstance(body["data"], dict):
            kwargs["json"]["data"] = {k: v.format(**ids) for k, v in body["data"].items()}
    for key in ("files", "data"):
        if key in spec:
            kwargs[key] = spec[key]
    return int(world.client.request(method, url, headers=world.h(who), **kwargs).status_code)


@pytest.mark.parametrize(("method", "path"), APP_ROUTES)
@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_route_x_role(world: World, objects: dict[str, dict[str, str]], method: str, path: str, role: str) -> None:
    allowed = ROUTE_ROLES[(method, path)]
    status = _request(world, objects, method, path, f"A:{role}", "A")
    if not allowed:
        assert status == 200, f"{method} {path} is public but answered {status}"
    elif role == "anonymous":
        assert status == 401, f"{method} {path} without a key answered {status}"
    elif role in allowed:
        assert status not in (401, 403, 404, 422, 500), f"{method} {path} as {role} answered {status}"
    else:
        assert status == 403, f"{method} {path} as {role} answered {status}, expected 403"


# (route, role) pairs where the role may call a route that names an object
CROSS = [(m, p, role) for m, p in APP_ROUTES if "{" in p for role in ROLES if role in ROUTE_ROLES[(m, p)]]


@pytest.mark.parametrize(("method", "path", "role"), CROSS)
def test_cross_project_ids_are_not_found(
    world: World, objects: dict[str, dict[str, str]], method: str, path: str, role: str
) -> None:
    """A key of project B, with a role the route allows, asking for project A's objects: 404."""
    status = _request(world, objects, method, path, f"B:{role}", "A")
    assert status == 404, f"{method} {path} as B:{role} on A's object answered {status}"


def test_lists_show_only_the_callers_project(world: World) -> None:
    for role in ROLES:
        datasets = {d["id"] for d in world.client.get("/datasets", headers=world.h(f"B:{role}")).json()}
        gens = {g["id"] for g in world.client.get("/generators", headers=world.h(f"B:{role}")).json()}
        assert world.ids["A:dataset"] not in datasets and world.ids["B:dataset"] in datasets
        assert world.ids["A:generator"] not in gens and world.ids["B:generator"] in gens


def test_analyst_never_sees_raw_sizes_or_profiles(world: World) -> None:
    ds = world.ids["A:dataset"]
    view = world.client.get(f"/datasets/{ds}", headers=world.h("A:analyst")).json()
    assert "row_count" not in view and "metadata" not in view
    assert world.client.post(f"/datasets/{ds}/profile", headers=world.h("A:analyst")).status_code == 403
    gen = world.ids["A:generator"]
    assert world.client.get(f"/generators/{gen}/internal-report", headers=world.h("A:analyst")).status_code == 403
    assert world.client.get(f"/generators/{gen}/download", headers=world.h("A:analyst")).status_code == 200


def test_revoked_and_malformed_keys_are_refused(world: World) -> None:
    r = world.client.post("/keys", headers=world.h("A:admin"), json={"name": "short-lived", "role": "steward"})
    key, key_id = r.json()["key"], r.json()["id"]
    assert world.client.get("/datasets", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert world.client.delete(f"/keys/{key_id}", headers=world.h("A:admin")).status_code == 200
    assert world.client.get("/datasets", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert world.client.get("/datasets", headers={"Authorization": "Bearer sd_" + "0" * 64}).status_code == 401
    assert world.client.get("/datasets", headers={"X-API-Key": "not-a-key"}).status_code == 401
    listed = world.client.get("/keys", headers=world.h("A:admin")).json()
    assert all("key" not in k and "key_hash" not in k for k in listed)
