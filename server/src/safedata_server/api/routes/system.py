"""/healthz, /metrics, /plugins, /projects, /keys, /audit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from safedata_server.api.calls import call, route_rule, runtime
from safedata_server.api.schemas import KeyRequest, ProjectRequest
from safedata_server.services import audit, keys, system

router = APIRouter()


@router.get("/healthz", tags=["system"])
def healthz(request: Request) -> dict[str, Any]:
    route_rule(request)
    return system.health(runtime(request))


@router.get("/metrics", tags=["system"], response_class=PlainTextResponse)
def metrics(request: Request) -> PlainTextResponse:
    route_rule(request)
    return PlainTextResponse(system.metrics_text(runtime(request)), media_type="text/plain; version=0.0.4")


@router.get("/plugins", tags=["system"])
def plugins(request: Request) -> dict[str, Any]:
    return call(request, system.list_plugins)


@router.post("/projects", tags=["admin"], status_code=201)
def create_project(request: Request, body: ProjectRequest) -> dict[str, Any]:
    return call(request, keys.create_project, body.name)


@router.post("/keys", tags=["admin"], status_code=201)
def create_key(request: Request, body: KeyRequest) -> dict[str, Any]:
    return call(request, keys.create_key, body.name, body.role)


@router.get("/keys", tags=["admin"])
def list_keys(request: Request) -> list[dict[str, Any]]:
    return call(request, keys.list_keys)


@router.delete("/keys/{key_id}", tags=["admin"])
def revoke_key(request: Request, key_id: str) -> dict[str, Any]:
    return call(request, keys.revoke_key, key_id)


@router.get("/audit/events", tags=["admin"])
def audit_events(request: Request, limit: int = 100, object_id: str | None = None) -> list[dict[str, Any]]:
    return call(request, audit.list_events, limit=limit, object_id=object_id)


@router.get("/audit/verify", tags=["admin"])
def audit_verify(request: Request) -> dict[str, Any]:
    return call(request, system.verify_audit)
