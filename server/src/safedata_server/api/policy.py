"""Who may call which route: the single table the API enforces and the authorization tests are generated from.

Every route of the app must appear here (a route without a rule answers 500 and
fails the generated test). ``PUBLIC`` routes need no key.
"""

from __future__ import annotations

from typing import Any

from safedata_server.auth import ADMIN, ANY_ROLE, PUBLIC, STEWARD

__all__ = ["ROUTE_ROLES", "route_table"]

ROUTE_ROLES: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/plugins"): ANY_ROLE,
    # projects and keys
    ("POST", "/projects"): ADMIN,
    ("POST", "/keys"): ADMIN,
    ("GET", "/keys"): ADMIN,
    ("DELETE", "/keys/{key_id}"): ADMIN,
    ("GET", "/audit/events"): ADMIN,
    ("GET", "/audit/verify"): ADMIN,
    # datasets
    ("POST", "/datasets/upload"): STEWARD,
    ("GET", "/datasets"): ANY_ROLE,
    ("GET", "/datasets/{dataset_id}"): ANY_ROLE,
    ("DELETE", "/datasets/{dataset_id}"): STEWARD,
    ("POST", "/datasets/{dataset_id}/profile"): STEWARD,
    ("POST", "/datasets/{dataset_id}/pii-detection"): STEWARD,
    ("GET", "/datasets/{dataset_id}/profile"): STEWARD,
    ("GET", "/datasets/{dataset_id}/pii-detection"): STEWARD,
    ("PUT", "/datasets/{dataset_id}/metadata"): STEWARD,
    ("PUT", "/datasets/{dataset_id}/budget"): ADMIN,
    ("GET", "/datasets/{dataset_id}/ledger"): ANY_ROLE,
    # generators
    ("POST", "/generators/dp/validate-config"): STEWARD,
    ("POST", "/generators/dataset/{dataset_id}/generate"): STEWARD,
    ("GET", "/generators"): ANY_ROLE,
    ("GET", "/generators/{generator_id}"): ANY_ROLE,
    ("POST", "/generators/{generator_id}/cancel"): STEWARD,
    ("GET", "/generators/{generator_id}/privacy-report"): ANY_ROLE,
    ("POST", "/generators/{generator_id}/compliance-report"): ANY_ROLE,
    ("POST", "/generators/{generator_id}/model-card"): ANY_ROLE,
    ("GET", "/generators/{generator_id}/audit-narrative"): STEWARD,
    ("GET", "/generators/{generator_id}/download"): ANY_ROLE,
    ("GET", "/generators/{generator_id}/release-package"): ANY_ROLE,
    ("GET", "/generators/{generator_id}/internal-report"): STEWARD,
    # evaluations and pipelines
    ("POST", "/evaluations/quick/{generator_id}"): STEWARD,
    ("POST", "/evaluations/run"): STEWARD,
    ("GET", "/evaluations/{evaluation_id}"): STEWARD,
    ("POST", "/pipelines/run"): STEWARD,
    ("GET", "/pipelines/{job_id}"): STEWARD,
}


def route_table(routes: list[Any], prefix: str = "") -> list[tuple[str, str]]:
    """Every (method, path) an app serves through API routes, including routes of included routers.

    Walks FastAPI's included routers (older FastAPI flattens them into ``APIRoute``s;
    newer keeps them as included-router entries with ``original_router``).
    """
    from fastapi.routing import APIRoute

    found: list[tuple[str, str]] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found += [(m, prefix + route.path) for m in route.methods or ()]
        elif hasattr(route, "original_router"):
            context = getattr(route, "include_context", None)
            found += route_table(route.original_router.routes, prefix + str(getattr(context, "prefix", "") or ""))
    return sorted(set(found))
