"""The default delta of a DP generation is data-independent: it never reveals the dataset's row count."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import META, csv_bytes, make_settings
from safedata_server.models import BudgetCharge, Job
from safedata_server.runtime import create_runtime
from safedata_server.services import datasets, generators
from safedata_server.services.session import principal_for, service_ctx


def test_default_delta_does_not_depend_on_the_row_count(tmp_path: Path) -> None:
    pytest.importorskip("safedata_example", reason="generates with the safedata-example plugin")
    rt, key = create_runtime(make_settings(tmp_path / "data", start_workers=False))
    who = principal_for(rt, key)
    deltas: dict[int, dict[str, float]] = {}
    try:
        for n in (50, 400):  # 1/n differs (0.02 vs 0.0025); a budget of 0.5 would let either through
            with service_ctx(rt, who) as ctx:
                ds = datasets.upload_dataset(ctx, "p.csv", csv_bytes(n), epsilon=5.0, delta=0.5)["id"]
                datasets.set_metadata(ctx, ds, META)
            body = {"generator_type": "example", "target_epsilon": 1.0}
            with service_ctx(rt, who) as ctx:
                checked = generators.validate_config(ctx, body | {"dataset_id": ds})
            with service_ctx(rt, who) as ctx:
                job_id = generators.start_generation(ctx, ds, body)["id"]
            with rt.db.session() as s:
                job = s.get(Job, job_id)
                charge = s.query(BudgetCharge).filter(BudgetCharge.job_id == job_id).one()
                assert job is not None
                deltas[n] = {"validated": checked["target_delta"], "job": job.delta, "charged": charge.delta}
    finally:
        rt.db.dispose()
    assert deltas[50] == deltas[400]
    assert deltas[50]["job"] == pytest.approx(1e-6)  # the core's default, under a tenth of the budget
    assert set(deltas[50].values()) == {deltas[50]["job"]}


def test_default_delta_is_capped_by_the_public_budget() -> None:
    assert generators.default_delta(1e-5, 1e-5) == pytest.approx(1e-6)
    assert generators.default_delta(1e-6, 1e-6) == pytest.approx(1e-7)  # a tenth of the lifetime delta
    assert generators.default_delta(1e-4, 3e-7) == pytest.approx(3e-7)  # what is left
    assert generators.default_delta(0.0, 0.0) == 0.0
