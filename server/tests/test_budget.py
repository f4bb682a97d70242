"""The per-dataset lifetime budget: refusals before any work, and no overspending under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import META, csv_bytes, fresh_pg_database, make_settings
from fastapi.testclient import TestClient
from safedata_server.api.app import create_app
from safedata_server.auth import Principal
from safedata_server.models import BudgetCharge, Job
from safedata_server.runtime import create_runtime
from safedata_server.services import datasets, generators
from safedata_server.services.context import Conflict, Runtime
from safedata_server.services.session import principal_for, service_ctx


def _setup(rt: Runtime, admin_key: str, budget: float) -> tuple[Principal, str]:
    admin = principal_for(rt, admin_key)
    assert admin is not None
    with service_ctx(rt, admin) as ctx:
        ds = datasets.upload_dataset(ctx, "p.csv", csv_bytes(200), epsilon=budget, delta=1e-4)["id"]
        datasets.set_metadata(ctx, ds, META)
    return admin, ds


def _parallel_generate(rt: Runtime, who: Principal, ds: str, n: int, eps: float) -> list[str]:
    def one(_: int) -> str:
        try:
            with service_ctx(rt, who) as ctx:
                generators.start_generation(
                    ctx, ds, {"generator_type": "example", "target_epsilon": eps, "target_delta": 1e-6}
                )
            return "accepted"
        except Conflict:
            return "refused"

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def _check_no_overspend(rt: Runtime, ds: str, outcomes: list[str], budget: float, eps: float) -> None:
    from sqlalchemy import func, select

    assert outcomes.count("accepted") == int(budget / eps)
    assert outcomes.count("refused") == len(outcomes) - int(budget / eps)
    with rt.db.session() as s:
        charged = s.scalar(select(func.sum(BudgetCharge.epsilon)).where(BudgetCharge.dataset_id == ds))
        jobs = s.scalar(select(func.count()).select_from(Job).where(Job.dataset_id == ds))
    assert charged == pytest.approx(budget) and charged <= budget + 1e-12
    assert jobs == outcomes.count("accepted")  # a refused request queued nothing


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_twenty_parallel_requests_cannot_overspend(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = fresh_pg_database(request.getfixturevalue("pg_url"), "budget", tmp_path) if database == "postgresql" else None
    rt, key = create_runtime(make_settings(tmp_path / "data", url, start_workers=False))
    assert key is not None
    who, ds = _setup(rt, key, budget=5.0)
    outcomes = _parallel_generate(rt, who, ds, 20, 0.5)  # asks 10 in all, 5 allowed
    _check_no_overspend(rt, ds, outcomes, 5.0, 0.5)
    rt.db.dispose()


def test_refusal_is_409_before_any_work_and_the_ledger_composes(tmp_path: Path) -> None:
    rt, key = create_runtime(make_settings(tmp_path / "data", start_workers=False))
    assert key is not None
    client = TestClient(create_app(rt.settings, runtime=rt))
    h = {"Authorization": f"Bearer {key}"}
    ds = client.post(
        "/datasets/upload",
        headers=h,
        files={"file": ("p.csv", csv_bytes(100))},
        data={"epsilon": "2.0", "delta": "1e-5"},
    ).json()["id"]
    assert client.put(f"/datasets/{ds}/metadata", headers=h, json=META).status_code == 200
    first = client.post(
        f"/generators/dataset/{ds}/generate",
        headers=h,
        json={"generator_type": "example", "target_epsilon": 1.5, "target_delta": 1e-6},
    )
    assert first.status_code == 202
    second = client.post(
        f"/generators/dataset/{ds}/generate",
        headers=h,
        json={"generator_type": "example", "target_epsilon": 0.6, "target_delta": 1e-6},
    )
    assert second.status_code == 409 and "lifetime budget" in second.json()["detail"]
    ledger = client.get(f"/datasets/{ds}/ledger", headers=h).json()
    assert ledger["reserved"]["epsilon"] == pytest.approx(1.5)
    assert ledger["remaining"]["epsilon"] == pytest.approx(0.5)
    assert len(ledger["charges"]) == 1 and ledger["charges"][0]["job_status"] == "queued"
    # validate-config says the same without charging
    check = client.post(
        "/generators/dp/validate-config",
        headers=h,
        json={"dataset_id": ds, "generator_type": "dp-ctgan", "target_epsilon": 0.6},
    )
    assert check.status_code == 200 and not check.json()["is_valid"]
    assert any("lifetime budget" in e for e in check.json()["errors"])
    # a cancelled job keeps its charge (it may have spent it)
    gen = first.json()["id"]
    assert client.post(f"/generators/{gen}/cancel", headers=h).json()["status"] == "cancelled"
    assert client.get(f"/datasets/{ds}/ledger", headers=h).json()["reserved"]["epsilon"] == pytest.approx(1.5)
    # the admin may raise the budget, never below what is reserved
    assert client.put(f"/datasets/{ds}/budget", headers=h, json={"epsilon": 1.0, "delta": 1e-5}).status_code == 422
    assert client.put(f"/datasets/{ds}/budget", headers=h, json={"epsilon": 3.0, "delta": 1e-5}).status_code == 200
    assert (
        client.post(
            f"/generators/dataset/{ds}/generate",
            headers=h,
            json={"generator_type": "example", "target_epsilon": 0.6, "target_delta": 1e-6},
        ).status_code
        == 202
    )
    with rt.db.session() as s:
        assert s.get(Job, gen).status == "cancelled"
    rt.db.dispose()


def _per_reservation_ledger(ctx, ds):
    """The reference: the dataset's lifetime ledger with one share and one ``approx`` charge per reservation."""
    from safedata_core import Budget, Ledger

    ledger = Ledger(Budget(ds.budget_epsilon, ds.budget_delta), accountant=ds.accountant)
    charges = ctx.session.query(BudgetCharge).filter(BudgetCharge.dataset_id == ds.id).order_by(BudgetCharge.created_at)
    for c in charges:
        ledger.share(c.id, c.component, Budget(c.epsilon, c.delta)).charge(
            "approx", epsilon=c.epsilon, delta=c.delta, note=c.purpose
        )
    return ledger


def test_reserve_decides_as_the_per_reservation_ledger_and_writes_the_job_with_its_charge(tmp_path: Path) -> None:
    from safedata_core import Budget, PrivacyBudgetError

    rt, key = create_runtime(make_settings(tmp_path / "data", start_workers=False))
    assert key is not None
    who, ds = _setup(rt, key, budget=1.0)
    asks = [0.1] * 9 + [0.1 + 1e-12, 0.05]  # the 10th passes 1.0 by less than the ledger's tolerance
    outcomes = []
    for eps in asks:
        with service_ctx(rt, who) as ctx:
            full = _per_reservation_ledger(ctx, datasets.get_row(ctx, ds))
            try:
                full.share("next", "example", Budget(eps, 1e-6))
                expected = "accepted"
            except PrivacyBudgetError:
                expected = "refused"
        try:
            with service_ctx(rt, who) as ctx:
                job = generators.start_generation(
                    ctx, ds, {"generator_type": "example", "target_epsilon": eps, "target_delta": 1e-6}
                )
            outcomes.append(("accepted", expected))
            with rt.db.session(write=False) as s:
                charge = s.query(BudgetCharge).filter(BudgetCharge.job_id == job["id"]).one()
                assert charge.epsilon == eps and s.get(Job, job["id"]) is not None
        except Conflict as exc:
            outcomes.append(("refused", expected))
            assert "already reserved epsilon=1" in str(exc) and "\n" not in str(exc)
    assert all(got == want for got, want in outcomes), outcomes
    assert [got for got, _ in outcomes].count("accepted") == 10
    rt.db.dispose()
