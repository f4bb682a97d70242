"""Projects and API keys (admin): create a project with its first admin key, create, list and revoke keys.

A key is returned once, by the call that creates it; afterwards only its id,
name, role and the first characters (``prefix``) are shown.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safedata_server.auth import ADMIN, ROLES, hash_key, new_key
from safedata_server.models import ApiKey, Project, now
from safedata_server.services import audit
from safedata_server.services.context import Ctx, Invalid, NotFound, Runtime, authorize

__all__ = ["bootstrap", "create_key", "create_project", "key_view", "list_keys", "revoke_key"]


def key_view(row: ApiKey) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "role": row.role,
        "project_id": row.project_id,
        "prefix": row.prefix,
        "created_at": row.created_at.isoformat(),
        "revoked": row.revoked_at is not None,
    }


def _add_key(session: Session, project_id: str, name: str, role: str) -> tuple[ApiKey, str]:
    if role not in ROLES:
        raise Invalid(f"role '{role}' is unknown (use one of: {', '.join(ROLES)})")
    key = new_key()
    row = ApiKey(project_id=project_id, name=name[:200], role=role, key_hash=hash_key(key), prefix=key[:10])
    session.add(row)
    session.flush()
    return row, key


def bootstrap(rt: Runtime, session: Session) -> str | None:
    """On a new database: create the ``default`` project and its admin key; returns the key (else ``None``)."""
    audit.ensure_head(session)
    if session.scalars(select(ApiKey).limit(1)).first() is not None:
        return None
    project = Project(name="default")
    session.add(project)
    session.flush()
    row, key = _add_key(session, project.id, "bootstrap admin", "admin")
    audit.record_event(session, rt.audit_key, "key_created", project_id=project.id, object=row.id, role="admin")
    return key


def create_project(ctx: Ctx, name: str) -> dict[str, Any]:
    """A new project with its first admin key (returned once)."""
    authorize(ctx, ADMIN, "create a project")
    ctx.begin_write()
    project = Project(name=name[:200] or "project")
    ctx.session.add(project)
    ctx.session.flush()
    row, key = _add_key(ctx.session, project.id, f"{project.name} admin", "admin")
    audit.record(ctx, "project_created", obj=project.id, new_project=project.id)
    return {"id": project.id, "name": project.name, "admin_key": key, "admin_key_id": row.id}


def create_key(ctx: Ctx, name: str, role: str) -> dict[str, Any]:
    """A new key in the caller's project; the response holds the key, shown this once."""
    who = authorize(ctx, ADMIN, "create an API key")
    ctx.begin_write()
    row, key = _add_key(ctx.session, who.project_id, name, role)
    audit.record(ctx, "key_created", obj=row.id, new_role=role)
    return key_view(row) | {"key": key}


def list_keys(ctx: Ctx) -> list[dict[str, Any]]:
    who = authorize(ctx, ADMIN, "list API keys")
    rows = ctx.session.scalars(select(ApiKey).where(ApiKey.project_id == who.project_id).order_by(ApiKey.created_at))
    return [key_view(r) for r in rows]


def revoke_key(ctx: Ctx, key_id: str) -> dict[str, Any]:
    who = authorize(ctx, ADMIN, "revoke an API key")
    ctx.begin_write()
    row = ctx.session.get(ApiKey, key_id)
    if row is None or row.project_id != who.project_id:
        raise NotFound(f"API key {key_id} not found in this project")
    if row.revoked_at is None:
        row.revoked_at = now()
    ctx.rt.principals.clear()  # now, and again once the revocation committed (see service_ctx)
    ctx.extra.setdefault("after_commit", []).append(ctx.rt.principals.clear)
    audit.record(ctx, "key_revoked", obj=row.id)
    return key_view(row)
