"""The pages: each handler opens one service call (:func:`page_ctx`) and renders a template.

:func:`page_ctx` applies the page's rule (:data:`~safedata_server.web.policy.PAGE_ROLES`):
no session -> sign-in (``GET``) or 401; wrong role -> 403; a ``POST`` without the
session's CSRF token -> 403. The service operations then check the role again and
keep to the caller's project (another project's id -> 404), exactly as for the API.
"""

from __future__ import annotations

import hmac
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from safedata_core import SafedataError
from safedata_server.auth import ROLES, Principal, authenticate
from safedata_server.services import audit, datasets, generators, keys, system, web_support
from safedata_server.services.context import Ctx, Forbidden, Invalid, Runtime, ServiceError, TooLarge
from safedata_server.services.session import service_ctx
from safedata_server.web import PREFIX
from safedata_server.web.charts import ledger_svg
from safedata_server.web.policy import PAGE_ROLES
from safedata_server.web.session import Sessions, WebSession, principal_of

__all__ = ["LEVELS_TEXT", "build_app"]

HERE = Path(__file__).parent
# the tutorial's privacy levels (generators.privacy_level) explained
LEVELS_TEXT = [
    (
        "very_strong",
        "epsilon below 1",
        "very strong: one person's record changes the odds of any output by less than a factor e (2.7)",
    ),
    ("strong", "1 to 5", "strong: the tutorial's default for releases shared outside the organisation"),
    ("moderate", "5 to 10", "moderate: for internal sharing with further safeguards"),
    ("weak", "10 to 20", "weak: a formal guarantee that says little; use only with other protections"),
    ("minimal", "20 and above", "minimal: close to no formal protection"),
]
COLUMN_TYPES = ("integer", "numerical", "categorical", "boolean", "datetime", "text")
COLUMN_ROLES = ("direct_identifier", "quasi_identifier", "sensitive", "label", "weight", "other")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'"
)
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"


class SignIn(Exception):
    """No valid session for a page that needs one."""


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=jinja2.select_autoescape(("html",)),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _num(value: Any, digits: int = 3) -> str:
    """A number for people: 3 significant digits, a dash when missing."""
    if value is None or isinstance(value, jinja2.Undefined):
        return "—"
    return f"{float(value):.{digits}g}"


_env.filters["num"] = _num


def _runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.parent.state.runtime
    return rt


def _sessions(request: Request) -> Sessions:
    s: Sessions = request.app.state.sessions
    return s


def _rule(request: Request) -> tuple[str, frozenset[str]]:
    template = getattr(request.scope.get("route"), "path", request.url.path)
    rule = PAGE_ROLES.get((request.method, template))
    if rule is None:
        raise RuntimeError(f"page {request.method} {template} has no rule in web/policy.py")
    return template, rule


@contextmanager
def page_ctx(request: Request, csrf: str = "") -> Iterator[tuple[Ctx, WebSession | None]]:
    """The page's service call: session -> principal, the page rule, the CSRF check for writes."""
    template, roles = _rule(request)
    web = _sessions(request).read(request)
    with service_ctx(_runtime(request), None, route=PREFIX + template, method=request.method) as ctx:
        ctx.principal = principal_of(ctx.session, web.key_id) if web is not None else None
        if roles:
            if ctx.principal is None or web is None:
                raise SignIn()
            if not ctx.principal.can(roles):
                raise Forbidden(
                    f"role '{ctx.principal.role}' may not open this page (needs: {', '.join(sorted(roles))})"
                )
            if request.method != "GET":
                sent = csrf or request.headers.get("x-csrf-token", "")
                if not sent or not hmac.compare_digest(sent.encode(), web.csrf.encode()):
                    raise Forbidden("the form's CSRF token is missing or stale: reload the page and try again")
        yield ctx, web


def render(
    request: Request, template: str, ctx: Ctx | None, web: WebSession | None, status: int = 200, **values: Any
) -> HTMLResponse:
    who: Principal | None = ctx.principal if ctx is not None else None
    body = _env.get_template(template).render(
        who=who, csrf=web.csrf if web else "", ui=PREFIX, levels=LEVELS_TEXT, request=request, **values
    )
    return HTMLResponse(body, status_code=status)


def _see(path: str) -> RedirectResponse:
    return RedirectResponse(PREFIX + path, status_code=303)


def _error_page(request: Request, status: int, message: str) -> Response:
    if request.url.path.endswith(("/status", "/validate")):
        return JSONResponse({"detail": message}, status_code=status)
    web = _sessions(request).read(request)
    body = _env.get_template("error.html").render(
        who=None, csrf=web.csrf if web else "", ui=PREFIX, status=status, message=message, signed_in=web is not None
    )
    return HTMLResponse(body, status_code=status)


def build_app(parent: FastAPI) -> FastAPI:
    """The UI app (mounted at ``/ui`` by :func:`safedata_server.web.mount`)."""
    ui = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    ui.state.parent = parent
    ui.state.sessions = Sessions(path=PREFIX)
    ui.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @ui.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith(f"{PREFIX}/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @ui.exception_handler(SignIn)
    async def _sign_in(request: Request, _exc: SignIn) -> Response:
        if request.method == "GET" and not request.url.path.endswith("/status"):
            return RedirectResponse(f"{PREFIX}/login?next={quote(request.url.path)}", status_code=303)
        return _error_page(request, 401, "sign in first: this needs a session")

    @ui.exception_handler(SafedataError)
    async def _refused(request: Request, exc: SafedataError) -> Response:
        status = exc.status if isinstance(exc, ServiceError) else 422
        return _error_page(request, status, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

    _routes(ui)
    return ui


def _routes(ui: FastAPI) -> None:
    # ---- session ----
    @ui.get("/")
    def home(request: Request) -> Response:
        _rule(request)
        return _see("/datasets" if _sessions(request).read(request) else "/login")

    @ui.get("/login")
    def login_form(request: Request, next: str = "") -> Response:
        _rule(request)
        token = _sessions(request).login_token(request)
        page = render(request, "login.html", None, None, login_csrf=token, next=next, error=None)
        _sessions(request).set_login_token(request, page, token)
        return page

    @ui.post("/login")
    def login(request: Request, api_key: str = Form(""), csrf_token: str = Form(""), next: str = Form("")) -> Response:
        _rule(request)
        sessions = _sessions(request)
        if not sessions.login_token_ok(request, csrf_token):
            raise Forbidden("the sign-in form's CSRF token is missing or stale: reload the page and try again")
        rt = _runtime(request)
        with service_ctx(rt, None, route=f"{PREFIX}/login", method="POST") as ctx:
            ctx.principal = authenticate(ctx.session, api_key.strip())
            if ctx.principal is not None:
                audit.record(ctx, "web_signed_in")
        if ctx.principal is None:
            token = sessions.login_token(request)
            page = render(
                request, "login.html", None, None, status=401, login_csrf=token, next=next,
                error="That API key is unknown, malformed or revoked.",
            )  # fmt: skip
            sessions.set_login_token(request, page, token)
            return page
        target = next if next.startswith(f"{PREFIX}/") and not next.startswith("//") else f"{PREFIX}/datasets"
        response = RedirectResponse(target, status_code=303)
        sessions.issue(request, response, ctx.principal.key_id)
        return response

    @ui.post("/logout")
    def logout(request: Request, csrf_token: str = Form("")) -> Response:
        with page_ctx(request, csrf_token):
            pass
        response = _see("/login")
        _sessions(request).end(request, response)
        return response

    # ---- datasets ----
    @ui.get("/datasets")
    def dataset_list(request: Request) -> Response:
        with page_ctx(request) as (ctx, web):
            rows = datasets.list_datasets(ctx)
            gens = generators.list_generators(ctx)
        by_ds: dict[str, list[dict[str, Any]]] = {}
        for g in gens:
            by_ds.setdefault(g["dataset_id"], []).append(g)
        limit_mb = _runtime(request).settings.max_upload_bytes // 2**20
        return render(request, "datasets.html", ctx, web, datasets=rows, gens=by_ds, limit_mb=limit_mb)

    @ui.post("/datasets/upload")
    def upload(
        request: Request,
        file: UploadFile = File(),
        name: str = Form(""),
        epsilon: float = Form(1.0),
        delta: float = Form(1e-5),
        csrf_token: str = Form(""),
    ) -> Response:
        limit = _runtime(request).settings.max_upload_bytes
        with page_ctx(request, csrf_token) as (ctx, _web):
            content = file.file.read(limit + 1)
            if len(content) > limit:
                raise TooLarge(f"upload '{file.filename}' is over the {limit // 2**20} MB limit")
            made = datasets.upload_dataset(
                ctx, file.filename or "upload.csv", content, name=name or None, epsilon=epsilon, delta=delta
            )
        with page_ctx(request, csrf_token) as (ctx, _web):
            web_support.start_profile(ctx, made["id"])  # a worker job: the dataset page follows it
        return _see(f"/datasets/{made['id']}")

    @ui.get("/datasets/{dataset_id}")
    def dataset_page(request: Request, dataset_id: str) -> Response:
        with page_ctx(request) as (ctx, web):
            ds = datasets.get_dataset(ctx, dataset_id)
            state = web_support.profile_status(ctx, dataset_id)
            pending = state["status"] in ("queued", "running")
            profile = None if pending else web_support.stored_profile(ctx, dataset_id)
            gens = generators.list_generators(ctx, dataset_id)
        plot = ""
        if profile:
            from safedata_core.inventory.html import class_size_svg

            plot = class_size_svg(profile["profile"]["risk"].get("class_size_distribution", []))
        values: dict[str, Any] = {"ds": ds, "profile": profile, "gens": gens, "plot": plot, "state": state}
        return render(request, "dataset.html", ctx, web, pending=pending, **values)

    @ui.post("/datasets/{dataset_id}/profile")
    def reprofile(request: Request, dataset_id: str, csrf_token: str = Form("")) -> Response:
        with page_ctx(request, csrf_token) as (ctx, _web):
            web_support.start_profile(ctx, dataset_id)
        return _see(f"/datasets/{dataset_id}")

    @ui.get("/datasets/{dataset_id}/profile/status")
    def profile_status(request: Request, dataset_id: str) -> Response:
        with page_ctx(request) as (ctx, _web):
            return JSONResponse(web_support.profile_status(ctx, dataset_id))

    @ui.get("/datasets/{dataset_id}/metadata")
    def metadata_form(request: Request, dataset_id: str) -> Response:
        with page_ctx(request) as (ctx, web):
            ds = datasets.get_dataset(ctx, dataset_id)
            profile = web_support.stored_profile(ctx, dataset_id)
        rows = _metadata_rows(ds, profile)
        return render(
            request, "metadata.html", ctx, web, ds=ds, rows=rows, types=COLUMN_TYPES, roles=COLUMN_ROLES, error=None
        )

    @ui.post("/datasets/{dataset_id}/metadata")
    async def metadata_save(request: Request, dataset_id: str) -> Response:
        form = await request.form()
        csrf = str(form.get("csrf_token") or "")

        def save() -> Response:
            with page_ctx(request, csrf) as (ctx, _web):
                if form.get("confirm") != "yes":
                    raise Invalid("metadata: tick the box confirming the domains are public knowledge, then save")
                doc = _metadata_from_form({k: str(v) for k, v in form.items()})
                datasets.set_metadata(ctx, dataset_id, doc)
            return _see(f"/datasets/{dataset_id}")

        return await run_in_threadpool(save)

    @ui.get("/datasets/{dataset_id}/release")
    def release_form(request: Request, dataset_id: str) -> Response:
        with page_ctx(request) as (ctx, web):
            ds = datasets.get_dataset(ctx, dataset_id)
            synths = web_support.synthesizers(ctx)
            sdcs = web_support.sdc_methods(ctx)
            left = datasets.ledger(ctx, dataset_id)["remaining"]
        return render(request, "release_form.html", ctx, web, ds=ds, synths=synths, sdcs=sdcs, remaining=left)

    @ui.post("/datasets/{dataset_id}/validate")
    async def validate(request: Request, dataset_id: str) -> Response:
        form = await request.form()
        csrf = str(form.get("csrf_token") or "")

        def check() -> Response:
            with page_ctx(request, csrf) as (ctx, _web):
                body = _generate_body(ctx, {k: str(v) for k, v in form.items()})
                return JSONResponse(generators.validate_config(ctx, body | {"dataset_id": dataset_id}))

        return await run_in_threadpool(check)

    @ui.post("/datasets/{dataset_id}/release")
    async def release_start(request: Request, dataset_id: str) -> Response:
        form = await request.form()
        csrf = str(form.get("csrf_token") or "")

        def start() -> Response:
            with page_ctx(request, csrf) as (ctx, _web):
                job = generators.start_generation(
                    ctx, dataset_id, _generate_body(ctx, {k: str(v) for k, v in form.items()})
                )
            return _see(f"/jobs/{job['id']}")

        return await run_in_threadpool(start)

    @ui.get("/datasets/{dataset_id}/ledger")
    def ledger_page(request: Request, dataset_id: str) -> Response:
        with page_ctx(request) as (ctx, web):
            view = datasets.ledger(ctx, dataset_id)
            name = next((d["name"] for d in datasets.list_datasets(ctx) if d["id"] == dataset_id), dataset_id)
        return render(request, "ledger.html", ctx, web, ledger=view, name=name, chart=ledger_svg(view))

    # ---- jobs and releases ----
    @ui.get("/jobs/{generator_id}")
    def job_page(request: Request, generator_id: str) -> Response:
        with page_ctx(request) as (ctx, web):
            job = generators.get_generator(ctx, generator_id)
        return render(request, "job.html", ctx, web, job=job)

    @ui.get("/jobs/{generator_id}/status")
    def job_status(request: Request, generator_id: str) -> Response:
        with page_ctx(request) as (ctx, _web):
            return JSONResponse(generators.get_generator(ctx, generator_id))

    @ui.post("/jobs/{generator_id}/cancel")
    def job_cancel(request: Request, generator_id: str, csrf_token: str = Form("")) -> Response:
        with page_ctx(request, csrf_token) as (ctx, _web):
            generators.cancel(ctx, generator_id)
        return _see(f"/jobs/{generator_id}")

    @ui.get("/releases/{generator_id}")
    def release_page(request: Request, generator_id: str) -> Response:
        with page_ctx(request) as (ctx, web):
            job = generators.get_generator(ctx, generator_id)
            if job["status"] != "succeeded":
                return _see(f"/jobs/{generator_id}")
            report = generators.privacy_report(ctx, generator_id)
        return render(request, "release.html", ctx, web, job=job, report=report)

    @ui.get("/releases/{generator_id}/report")
    def release_report(request: Request, generator_id: str) -> Response:
        with page_ctx(request) as (ctx, _web):
            report = generators.privacy_report(ctx, generator_id)["report"]
        try:
            from safedata_core.report import render_html

            html = render_html(report)
        except Exception:  # an older or partial report: show its verdict only
            html = f"<!doctype html><title>report</title><p>verdict: {report.get('verdict', 'unknown')}</p>"
        return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})

    @ui.get("/releases/{generator_id}/download")
    def release_csv(request: Request, generator_id: str) -> Response:
        with page_ctx(request) as (ctx, _web):
            body = generators.download(ctx, generator_id)
        disposition = f'attachment; filename="synthetic-{generator_id}.csv"'
        return Response(body, media_type="text/csv", headers={"Content-Disposition": disposition})

    @ui.get("/releases/{generator_id}/package")
    def release_zip(request: Request, generator_id: str) -> Response:
        with page_ctx(request) as (ctx, _web):
            body = generators.release_package(ctx, generator_id)
        disposition = f'attachment; filename="release-{generator_id}.zip"'
        return Response(body, media_type="application/zip", headers={"Content-Disposition": disposition})

    # ---- admin ----
    @ui.get("/audit")
    def audit_page(request: Request) -> Response:
        with page_ctx(request) as (ctx, web):
            events = audit.list_events(ctx, limit=200)
            chain = system.verify_audit(ctx)
        return render(request, "audit.html", ctx, web, events=events, chain=chain)

    @ui.get("/keys")
    def keys_page(request: Request) -> Response:
        with page_ctx(request) as (ctx, web):
            rows = keys.list_keys(ctx)
        return render(request, "keys.html", ctx, web, keys=rows, roles=ROLES, new_key=None)

    @ui.post("/keys")
    def keys_create(
        request: Request, name: str = Form("key"), role: str = Form("analyst"), csrf_token: str = Form("")
    ) -> Response:
        with page_ctx(request, csrf_token) as (ctx, web):
            made = keys.create_key(ctx, name or "key", role)
        with page_ctx(request, csrf_token) as (ctx, web):
            rows = keys.list_keys(ctx)
        return render(request, "keys.html", ctx, web, status=201, keys=rows, roles=ROLES, new_key=made)

    @ui.post("/keys/{key_id}/revoke")
    def keys_revoke(request: Request, key_id: str, csrf_token: str = Form("")) -> Response:
        with page_ctx(request, csrf_token) as (ctx, _web):
            keys.revoke_key(ctx, key_id)
        return _see("/keys")


def _metadata_rows(ds: dict[str, Any], stored: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One editor row per column: the declared metadata, else the profile's suggestion (types and roles only)."""
    declared = (ds.get("metadata") or {}).get("columns") or {}
    suggested = ((stored or {}).get("suggested_metadata") or {}).get("columns") or {}
    names = list(declared) or list(suggested) or list(((stored or {}).get("profile") or {}).get("columns") or {})
    rows = []
    for name in names:
        col = declared.get(name) or suggested.get(name) or {}
        bounds = col.get("bounds") or [None, None]
        rows.append(
            {
                "name": name,
                "type": col.get("type", "categorical"),
                "role": col.get("role", "other"),
                "min": _plain(bounds[0]),
                "max": _plain(bounds[1]),
                "categories": ", ".join(str(c) for c in col.get("categories") or []),
                "nullable": bool(col.get("nullable", True)),
                "declared": name in declared,
            }
        )
    return rows


def _plain(value: Any) -> str:
    """A bound as typed: ``18`` for 18.0, empty for none."""
    if value is None:
        return ""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _metadata_from_form(form: dict[str, str]) -> dict[str, Any]:
    """The metadata document from the editor's fields (``name_i``, ``type_i``, ``role_i``, ``min_i`` ...)."""
    cols: dict[str, Any] = {}
    i = 0
    while f"name_{i}" in form:
        name = form[f"name_{i}"]
        col: dict[str, Any] = {"type": form.get(f"type_{i}", "categorical"), "role": form.get(f"role_{i}", "other")}
        lo, hi = form.get(f"min_{i}", "").strip(), form.get(f"max_{i}", "").strip()
        if lo or hi:
            try:
                col["bounds"] = [_number(lo), _number(hi)]
            except ValueError:
                raise Invalid(f"metadata column '{name}': bounds must be two numbers (min and max)") from None
        col["nullable"] = form.get(f"nullable_{i}") == "yes"
        cats = [c.strip() for c in form.get(f"categories_{i}", "").split(",") if c.strip()]
        if cats:
            col["categories"] = cats
        cols[name] = col
        i += 1
    return {"columns": cols}


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value


def _generate_body(ctx: Ctx, form: dict[str, str]) -> dict[str, Any]:
    """A generate request (the API's fields) from the release form."""
    synth = form.get("generator_type", "")
    body: dict[str, Any] = {"generator_type": synth, "params": {}}
    for field, cast in (("target_epsilon", float), ("target_delta", float), ("num_rows", int), ("seed", int)):
        raw = form.get(field, "").strip()
        if raw:
            try:
                body[field] = cast(raw)
            except ValueError:
                raise Invalid(f"release form: {field.replace('_', ' ')} must be a number (got '{raw}')") from None
    if "target_epsilon" in body and not (body["target_epsilon"] > 0 and math.isfinite(body["target_epsilon"])):
        raise Invalid("release form: epsilon must be a finite number above 0")
    sdc = form.get("sdc_use", "").strip()
    if sdc:
        raw = form.get("sdc_params", "").strip() or "{}"
        try:
            params = json.loads(raw)
        except ValueError:
            raise Invalid(f"release form: SDC options must be a JSON object, e.g. {{\"k\": 5}} (got '{raw}')") from None
        body["sdc"] = {"use": sdc, "params": params}
    offered = {s["name"]: s for s in web_support.synthesizers(ctx)}
    for p in offered.get(synth, {}).get("params", []):
        raw = form.get(f"p_{synth}_{p['name']}", "").strip()
        if not raw or raw == str(p["default"]):
            continue
        kind = p["type"]
        try:
            if kind == "bool":
                body["params"][p["name"]] = raw.lower() in ("1", "true", "yes", "on")
            elif kind == "int":
                body["params"][p["name"]] = int(raw)
            elif kind == "float":
                body["params"][p["name"]] = float(raw)
            else:
                body["params"][p["name"]] = raw
        except ValueError:
            raise Invalid(f"release form: option '{p['name']}' of {synth} must be a {kind} (got '{raw}')") from None
    return body
