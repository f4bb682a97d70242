"""Who may open which page: the web UI's rule table, enforced by every page and the source of its generated test.

Paths are those of the UI app, mounted at ``/ui`` (``/ui/datasets`` is
``("GET", "/datasets")`` here). Every route of the UI app must appear (a route
without a rule answers 500 and fails ``server/tests/web/test_page_authorization.py``).
The rules follow the API's (``api/policy.py``): an analyst sees the dataset list,
ledgers and releases, never a dataset's rows, profile or metadata.
"""

from __future__ import annotations

from safedata_server.auth import ADMIN, ANY_ROLE, PUBLIC, STEWARD

__all__ = ["PAGE_ROLES"]

PAGE_ROLES: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): ANY_ROLE,
    # datasets
    ("GET", "/datasets"): ANY_ROLE,
    ("POST", "/datasets/upload"): STEWARD,
    ("GET", "/datasets/{dataset_id}"): STEWARD,
    ("POST", "/datasets/{dataset_id}/profile"): STEWARD,
    ("GET", "/datasets/{dataset_id}/profile/status"): STEWARD,
    ("GET", "/datasets/{dataset_id}/metadata"): STEWARD,
    ("POST", "/datasets/{dataset_id}/metadata"): STEWARD,
    ("GET", "/datasets/{dataset_id}/release"): STEWARD,
    ("POST", "/datasets/{dataset_id}/release"): STEWARD,
    ("POST", "/datasets/{dataset_id}/validate"): STEWARD,
    ("GET", "/datasets/{dataset_id}/ledger"): ANY_ROLE,
    # jobs and releases
    ("GET", "/jobs/{generator_id}"): ANY_ROLE,
    ("GET", "/jobs/{generator_id}/status"): ANY_ROLE,
    ("POST", "/jobs/{generator_id}/cancel"): STEWARD,
    ("GET", "/releases/{generator_id}"): ANY_ROLE,
    ("GET", "/releases/{generator_id}/report"): ANY_ROLE,
    ("GET", "/releases/{generator_id}/download"): ANY_ROLE,
    ("GET", "/releases/{generator_id}/package"): ANY_ROLE,
    # admin
    ("GET", "/audit"): ADMIN,
    ("GET", "/keys"): ADMIN,
    ("POST", "/keys"): ADMIN,
    ("POST", "/keys/{key_id}/revoke"): ADMIN,
}
