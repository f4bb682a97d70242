"""Authorization of the web pages, generated from their rule table (``web/policy.py``): every page x every role,
and cross-project ids (404). The pages live in their own app mounted at /ui, outside the API's route table.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from conftest import META, World, csv_bytes
from safedata_server.api.app import create_app
from safedata_server.api.policy import route_table
from safedata_server.auth import ROLES
from safedata_server.web.policy import PAGE_ROLES
from webclient import sign_in, ui_app

APP = create_app()
PAGES = route_table(ui_app(APP).routes)

META_FORM: dict[str, str] = {"confirm": "yes"}
for i, (name, col) in enumerate(META["columns"].items()):
    META_FORM |= {f"name_{i}": name, f"type_{i}": col["type"], f"role_{i}": col["role"]}
    if "bounds" in col:
        META_FORM |= {f"min_{i}": str(col["bounds"][0]), f"max_{i}": str(col["bounds"][1])}
    if "categories" in col:
        META_FORM[f"categories_{i}"] = ", ".join(col["categories"])
GENERATE = {"generator_type": "example", "target_epsilon": "0.1", "num_rows": "20"}

# a valid form for each page that takes one ("files" for multipart)
FORMS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/datasets/upload"): {"files": {"file": ("x.csv", csv_bytes(40))}, "data": {"epsilon": "1"}},
    ("POST", "/datasets/{dataset_id}/metadata"): {"data": META_FORM},
    ("POST", "/datasets/{dataset_id}/release"): {"data": GENERATE},
    ("POST", "/datasets/{dataset_id}/validate"): {"data": GENERATE},
    ("POST", "/keys"): {"data": {"name": "k", "role": "analyst"}},
}
DESTRUCTIVE = {("POST", "/keys/{key_id}/revoke")}


def test_every_page_has_a_rule_and_the_api_table_has_none() -> None:
    missing = [r for r in PAGES if r not in PAGE_ROLES]
    stale = [r for r in PAGE_ROLES if r not in PAGES]
    assert not missing, f"pages without a rule in web/policy.py: {missing}"
    assert not stale, f"rules for pages that do not exist: {stale}"
    assert not [p for _m, p in route_table(APP.routes) if p.startswith("/ui")], "pages leaked into the API table"


@pytest.fixture(scope="module")
def ids(world: World) -> dict[str, dict[str, str]]:
    return {p: {"dataset_id": world.ids[f"{p}:dataset"], "generator_id": world.ids[f"{p}:generator"]} for p in "AB"}


def _key_id(world: World, owner: str) -> str:
    r = world.client.post("/keys", headers=world.h(f"{owner}:admin"), json={"name": "doomed", "role": "analyst"})
    return str(r.json()["id"])


def _request(world: World, ids: dict[str, dict[str, str]], method: str, path: str, who: str, owner: str) -> Any:
    """``method path`` on ``owner``'s objects, signed in as ``who`` ("A:steward", or "anonymous")."""
    values = dict(ids[owner])
    if (method, path) in DESTRUCTIVE:
        values["key_id"] = _key_id(world, owner)
    url = "/ui" + path.format(**values)
    if who == "anonymous":
        from fastapi.testclient import TestClient

        client, csrf = TestClient(world.client.app), ""
    else:
        client, csrf = sign_in(world.client.app, world.keys[who])
    spec = FORMS.get((method, path), {})
    kwargs: dict[str, Any] = {"follow_redirects": False}
    if method == "POST":
        kwargs["data"] = dict(spec.get("data", {})) | {"csrf_token": csrf}
        if "files" in spec:
            kwargs["files"] = spec["files"]
    return client.request(method, url, **kwargs)


PROTECTED = [(m, p) for m, p in PAGES if PAGE_ROLES.get((m, p))]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_page_x_role(world: World, ids: dict[str, dict[str, str]], method: str, path: str, role: str) -> None:
    allowed = PAGE_ROLES[(method, path)]
    r = _request(world, ids, method, path, f"A:{role}" if role != "anonymous" else role, "A")
    if role == "anonymous":
        if method == "GET" and not path.endswith("/status"):
            assert r.status_code == 303 and r.headers["location"].startswith("/ui/login?next=/ui/"), (
                f"{method} {path} without a session answered {r.status_code}"
            )
        else:
            assert r.status_code == 401, f"{method} {path} without a session answered {r.status_code}"
    elif role in allowed:
        assert r.status_code not in (401, 403, 404, 422, 500), f"{method} {path} as {role}: {r.status_code} {r.text}"
    else:
        assert r.status_code == 403, f"{method} {path} as {role} answered {r.status_code}, expected 403"


CROSS = [(m, p, role) for m, p in PROTECTED if "{" in p for role in ROLES if role in PAGE_ROLES[(m, p)]]


@pytest.mark.parametrize(("method", "path", "role"), CROSS)
def test_cross_project_ids_are_not_found(
    world: World, ids: dict[str, dict[str, str]], method: str, path: str, role: str
) -> None:
    """Signed in with a key of project B, with a role the page allows, opening project A's objects: 404."""
    r = _request(world, ids, method, path, f"B:{role}", "A")
    assert r.status_code == 404, f"{method} {path} as B:{role} on A's object answered {r.status_code}"


def test_public_pages(world: World) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(world.client.app)
    assert client.get("/", follow_redirects=False).headers["location"] == "/ui/"
    assert client.get("/ui/", follow_redirects=False).headers["location"] == "/ui/login"
    assert client.get("/ui/login").status_code == 200
    assert client.get("/ui/static/app.js").status_code == 200
    assert client.post("/ui/login", data={"api_key": world.keys["A:admin"]}).status_code == 403  # no CSRF token


def test_lists_show_only_the_callers_project(world: World) -> None:
    for role in ROLES:
        client, _ = sign_in(world.client.app, world.keys[f"B:{role}"])
        page = client.get("/ui/datasets").text
        assert world.ids["B:dataset"] in page and world.ids["A:dataset"] not in page
        assert world.ids["A:generator"] not in page
