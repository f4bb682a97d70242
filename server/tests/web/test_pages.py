"""The web pages with a TestClient: sessions and their cookie, CSRF refusals, role refusals, page content."""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))

from conftest import World
from webclient import csrf_of, sign_in


def _cookie_header(client: TestClient, key: str) -> str:
    token = csrf_of(client.get("/ui/login").text)
    r = client.post("/ui/login", data={"api_key": key, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    return next(v for v in r.headers.get_list("set-cookie") if v.startswith("sd_session="))


def test_session_cookie_flags_and_no_key_in_it(world: World) -> None:
    key = world.keys["A:steward"]
    plain = _cookie_header(TestClient(world.client.app), key)
    flags = {p.strip().lower() for p in plain.split(";")}
    assert {"httponly", "samesite=strict", "path=/ui"} <= flags and "secure" not in flags
    assert key not in plain and key[3:20] not in plain
    tls = _cookie_header(TestClient(world.client.app, base_url="https://testserver"), key)
    assert "secure" in {p.strip().lower() for p in tls.split(";")}


def test_forms_without_the_csrf_token_are_refused(world: World) -> None:
    client, csrf = sign_in(world.client.app, world.keys["A:steward"])
    ds = world.ids["A:dataset"]
    before = client.get(f"/ui/datasets/{ds}/ledger").text.count("<tr>")
    for token in ("", "0" * 40, csrf[:-1] + ("0" if csrf[-1] != "0" else "1"), "é" * 40):
        r = client.post(
            f"/ui/datasets/{ds}/release",
            data={"generator_type": "example", "target_epsilon": "0.1", "csrf_token": token},
        )
        assert r.status_code == 403 and "CSRF" in r.text
    assert client.get(f"/ui/datasets/{ds}/ledger").text.count("<tr>") == before  # nothing was reserved
    # another session's token does not fit this session
    _other, other_csrf = sign_in(world.client.app, world.keys["A:steward"])
    assert client.post(f"/ui/datasets/{ds}/profile", data={"csrf_token": other_csrf}).status_code == 403
    assert (
        client.post(f"/ui/datasets/{ds}/profile", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    )
    # the live check (fetch) sends the token in a header
    r = client.post(
        f"/ui/datasets/{ds}/validate",
        data={"generator_type": "example", "target_epsilon": "0.1"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 200 and r.json()["is_valid"] is True


def test_sign_in_refusals(world: World) -> None:
    client = TestClient(world.client.app)
    token = csrf_of(client.get("/ui/login").text)
    r = client.post("/ui/login", data={"api_key": "sd_" + "0" * 64, "csrf_token": token})
    assert (
        r.status_code == 401
        and "unknown, malformed or revoked" in r.text
        and "sd_session" not in r.headers.get("set-cookie", "")
    )
    for forged in ("forged", "ü"):
        r = client.post("/ui/login", data={"api_key": world.keys["A:admin"], "csrf_token": forged})
        assert r.status_code == 403
    # a next= to another site is ignored
    r = client.post(
        "/ui/login",
        data={"api_key": world.keys["A:admin"], "csrf_token": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/ui/datasets"


def test_analyst_is_refused_raw_pages_but_sees_releases(world: World) -> None:
    client, _ = sign_in(world.client.app, world.keys["A:analyst"])
    ds, gen = world.ids["A:dataset"], world.ids["A:generator"]
    for path in (f"/ui/datasets/{ds}", f"/ui/datasets/{ds}/metadata", f"/ui/datasets/{ds}/release", "/ui/keys"):
        r = client.get(path)
        assert r.status_code == 403 and "analyst" in r.text, path
    listing = client.get("/ui/datasets").text
    assert f'href="/ui/datasets/{ds}"' not in listing and "Rows" not in listing
    assert client.get(f"/ui/releases/{gen}").status_code == 200
    assert client.get(f"/ui/releases/{gen}/download").status_code == 200
    assert client.get(f"/ui/datasets/{ds}/ledger").status_code == 200


def test_steward_is_refused_admin_pages(world: World) -> None:
    client, csrf = sign_in(world.client.app, world.keys["A:steward"])
    assert client.get("/ui/audit").status_code == 403
    assert client.post("/ui/keys", data={"name": "x", "role": "admin", "csrf_token": csrf}).status_code == 403


def test_sign_out_and_revocation_end_sessions(world: World) -> None:
    client, csrf = sign_in(world.client.app, world.keys["A:steward"])
    cookie = client.cookies.get("sd_session")
    assert client.post("/ui/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    replay = TestClient(world.client.app)
    replay.cookies.set("sd_session", str(cookie), path="/ui")
    assert replay.get("/ui/datasets", follow_redirects=False).status_code == 303  # back to sign-in
    made = world.client.post("/keys", headers=world.h("A:admin"), json={"name": "brief", "role": "steward"}).json()
    short, _ = sign_in(world.client.app, made["key"])
    admin, admin_csrf = sign_in(world.client.app, world.keys["A:admin"])
    r = admin.post(f"/ui/keys/{made['id']}/revoke", data={"csrf_token": admin_csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert short.get("/ui/datasets", follow_redirects=False).status_code == 303


def test_pages_send_a_strict_content_security_policy(world: World) -> None:
    client, _ = sign_in(world.client.app, world.keys["A:steward"])
    page = client.get("/ui/datasets")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "http" not in csp
    assert '<script src="/ui/static/app.js"' in page.text and "https://" not in page.text
    report = client.get(f"/ui/releases/{world.ids['A:generator']}/report")
    assert report.status_code == 200 and "sandbox" in report.headers["content-security-policy"]


def test_metadata_needs_the_public_domain_confirmation(world: World) -> None:
    client, csrf = sign_in(world.client.app, world.keys["A:steward"])
    ds = world.ids["A:dataset"]
    form = client.get(f"/ui/datasets/{ds}/metadata").text
    assert 'value="18"' in form and 'value="F, M"' in form  # the declared domains are shown back
    r = client.post(f"/ui/datasets/{ds}/metadata", data={"csrf_token": csrf, "name_0": "age", "type_0": "integer"})
    assert r.status_code == 422 and "confirming the domains are public" in r.text


def test_keys_page_shows_a_new_key_once(world: World) -> None:
    client, csrf = sign_in(world.client.app, world.keys["A:admin"])
    r = client.post("/ui/keys", data={"name": "for-bob", "role": "analyst", "csrf_token": csrf})
    assert r.status_code == 201
    key = r.text.split('id="new-key" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert key.startswith("sd_") and len(key) == 67
    assert key not in client.get("/ui/keys").text
    audit = client.get("/ui/audit").text
    assert "The hash chain verifies" in audit and "web signed in" in audit


def test_cancel_a_queued_job_and_the_upload_limit(tmp_path: Path) -> None:
    """No workers: a release stays queued, the job page shows it, cancel ends it; an upload over the limit: 413."""
    import pytest
    from conftest import make_settings, upload
    from safedata_server.api.app import create_app
    from safedata_server.runtime import create_runtime

    pytest.importorskip("safedata_example", reason="the release uses the safedata-example plugin")
    settings = make_settings(tmp_path / "data", start_workers=False)
    settings.max_upload_bytes = 4096
    rt, admin = create_runtime(settings)
    assert admin is not None
    app = create_app(settings, runtime=rt)
    try:
        api = TestClient(app)
        ds = upload(api, {"Authorization": f"Bearer {admin}"}, n=40)
        client, csrf = sign_in(app, admin)
        form = {"generator_type": "example", "target_epsilon": "0.5", "num_rows": "10", "csrf_token": csrf}
        r = client.post(f"/ui/datasets/{ds}/release", data=form, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/ui/jobs/")
        job = client.get(r.headers["location"])
        assert job.status_code == 200 and "queued" in job.text and "Cancel the job" in job.text
        status_url = r.headers["location"] + "/status"
        assert client.get(status_url).json()["status"] == "queued"
        assert client.post(r.headers["location"] + "/cancel", data={"csrf_token": csrf}).status_code == 200
        assert client.get(status_url).json()["status"] == "cancelled"
        assert client.get(r.headers["location"].replace("/jobs/", "/releases/")).url.path.startswith("/ui/jobs/")
        ledger = client.get(f"/ui/datasets/{ds}/ledger").text
        assert "cancelled" in ledger and "ε 0.5" in ledger  # the reservation stays charged
        big = {"file": ("big.csv", b"a,b\n" + b"1,2\n" * 2000)}
        r = client.post("/ui/datasets/upload", files=big, data={"epsilon": "1", "csrf_token": csrf})
        assert r.status_code == 413 and "over the" in r.text
    finally:
        rt.db.dispose()
