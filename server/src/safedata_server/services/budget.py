"""Per-dataset lifetime privacy budget, kept with the core's :class:`~safedata_core.Ledger`.

Every generate job or DP evaluation *reserves* its (epsilon, delta) before any
work: the dataset row is locked (``SELECT ... FOR UPDATE``; SQLite transactions
are ``BEGIN IMMEDIATE``), a core ledger is built with the lifetime budget and the
past reservations (one share holding their sums), and the new share is asked of
the ledger, which refuses it when the shares would pass the lifetime budget (-> 409). The charge is
written in the same transaction, so concurrent requests cannot overspend. A
reservation is never refunded (a failed or interrupted job may have spent it).
What the runs actually recorded is composed with the dataset's accountant for
the ``spent`` figure of :func:`ledger_view`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, select

from safedata_core import Budget, Ledger, PrivacyBudgetError
from safedata_core.privacy import PrivacyEvent
from safedata_server.db import mark_durable, refuse_read_only
from safedata_server.models import BudgetCharge, Job, new_id, now
from safedata_server.records import DatasetRecord
from safedata_server.services.context import Conflict, Ctx, Invalid

__all__ = ["ledger_view", "remaining", "reserve"]


_AMOUNTS = (
    select(BudgetCharge.epsilon, BudgetCharge.delta)
    .where(BudgetCharge.dataset_id == bindparam("dataset"))
    .order_by(BudgetCharge.created_at)
)
_CHARGES: Table = BudgetCharge.__table__  # type: ignore[assignment]
_ALL = select(_CHARGES).where(_CHARGES.c.dataset_id == bindparam("dataset")).order_by(_CHARGES.c.created_at)
_INSERT = _CHARGES.insert()


def _charges(ctx: Ctx, ds: DatasetRecord) -> list[Any]:
    """The dataset's charges, oldest first (rows with the ``budget_charges`` columns as attributes)."""
    return list(ctx.session.execute(_ALL, {"dataset": ds.id}))


def _reserved(ctx: Ctx, ds: DatasetRecord) -> tuple[float, float]:
    """Sums of the dataset's reservations (epsilon, delta), added in the order of the charges."""
    rows = ctx.session.execute(_AMOUNTS, {"dataset": ds.id}).all()
    return sum(r[0] for r in rows), sum(r[1] for r in rows)


def reserve(
    ctx: Ctx,
    ds: DatasetRecord,
    *,
    epsilon: float,
    delta: float,
    purpose: str,
    component: str,
    job_id: str | None = None,
) -> str:
    """Reserve (epsilon, delta) of ``ds``'s lifetime budget for one request (the job ``job_id``), or raise
    :class:`Conflict`; returns the charge's id.

    The caller must hold the dataset row locked (:func:`datasets.lock`).
    """
    try:
        want = Budget(float(epsilon), float(delta))
    except ValueError as exc:
        raise Invalid(f"privacy budget of the request: {exc}") from None
    used_e, used_d = _reserved(ctx, ds)
    # the core ledger decides: the earlier reservations as one share (their sums, added in the order of the
    # charges, as the ledger adds one share per reservation: the same totals) and this request's share, which
    # the ledger refuses when the shares would pass the lifetime budget. One share, not one per reservation: the
    # check under the lock costs the same however long the dataset's history
    ledger = Ledger(Budget(ds.budget_epsilon, ds.budget_delta), accountant=ds.accountant)
    charge = {
        "id": new_id(),
        "dataset_id": ds.id,
        "job_id": job_id,
        "purpose": purpose,
        "component": component,
        "epsilon": want.epsilon,
        "delta": want.delta,
        "key_id": ctx.who.key_id,
        "created_at": now(),
    }
    try:
        if used_e or used_d:
            ledger.share("reserved", "earlier requests", Budget(used_e, used_d))
        ledger.share("request", component, want)
    except PrivacyBudgetError:
        raise Conflict(
            f"dataset {ds.id}: this request (epsilon={want.epsilon:g}, delta={want.delta:g}) would take the "
            f"dataset past its lifetime budget (epsilon={ds.budget_epsilon:g}, delta={ds.budget_delta:g}; "
            f"already reserved epsilon={used_e:g}, delta={used_d:g}); ask for less or ask an admin"
        ) from None
    refuse_read_only(ctx.session)
    ctx.session.execute(_INSERT, charge)  # plain SQL: no ORM unit of work under the lock
    mark_durable(ctx.session)  # on disk before the request answers and before any DP work starts
    return str(charge["id"])


def remaining(ctx: Ctx, ds: DatasetRecord) -> dict[str, float]:
    """What is left of the lifetime budget: ``ledger_view(...)["remaining"]`` (the same sums, in the same order),
    without building the view."""
    used_e, used_d = _reserved(ctx, ds)
    return {"epsilon": max(0.0, ds.budget_epsilon - used_e), "delta": max(0.0, ds.budget_delta - used_d)}


def ledger_view(ctx: Ctx, ds: DatasetRecord) -> dict[str, Any]:
    """Budget, reserved (what refusals use), spent (the runs' recorded events composed) and every charge."""
    charges = _charges(ctx, ds)
    reserved_e = sum(c.epsilon for c in charges)
    reserved_d = sum(c.delta for c in charges)
    events: list[PrivacyEvent] = []
    # only the columns used (a job row carries its request, pipeline, progress and summary documents too)
    q = select(Job.id, Job.status, Job.ledger).where(Job.dataset_id == ds.id)
    jobs = {row.id: row for row in ctx.session.execute(q)}
    for c in charges:
        job = jobs.get(c.job_id or "")
        recorded = (job.ledger or {}).get("charges") if job is not None and job.status == "succeeded" else None
        if recorded is not None:
            events += [
                PrivacyEvent(e["mechanism"], e["epsilon"], e["delta"], e.get("count", 1), e.get("params") or {})
                for e in recorded
            ]
        else:  # not finished, failed or cancelled: the whole reservation counts
            events.append(PrivacyEvent("approx", c.epsilon, c.delta))
    ledger = Ledger(Budget(ds.budget_epsilon, ds.budget_delta), accountant=ds.accountant)
    spent = ledger.compose(events, ds.budget_delta) if events else 0.0
    return {
        "dataset_id": ds.id,
        "accountant": ds.accountant,
        "budget": {"epsilon": ds.budget_epsilon, "delta": ds.budget_delta},
        "reserved": {"epsilon": reserved_e, "delta": reserved_d},
        "remaining": {
            "epsilon": max(0.0, ds.budget_epsilon - reserved_e),
            "delta": max(0.0, ds.budget_delta - reserved_d),
        },
        "spent": {"epsilon": min(spent, reserved_e), "delta": reserved_d},
        "charges": [
            {
                "id": c.id,
                "job_id": c.job_id,
                "purpose": c.purpose,
                "component": c.component,
                "epsilon": c.epsilon,
                "delta": c.delta,
                "created_at": c.created_at.isoformat(),
                "job_status": jobs[c.job_id].status if c.job_id in jobs else None,
            }
            for c in charges
        ],
    }
