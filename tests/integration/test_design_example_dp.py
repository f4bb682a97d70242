"""DESIGN's example pipeline with ``privacy: {epsilon: 1.0}`` on the DP step runs for every DP synthesizer.

Issue 16: a step share naming only epsilon used to get delta 0, and mst, aim,
ctgan, tvae and gaussian_copula then failed mid-run. Here the example's shape
(an SDC step, the DP synthesizer with an epsilon-only share, a linkage attack
and TSTR) runs on a small non-Adult table for each of the six synthesizers,
with tiny settings; the delta the step received must be the pipeline's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from safedata_core import Engine

TINY: dict[str, dict[str, Any]] = {
    "mst": {"bins": 8, "iters": 100},
    "aim": {"bins": 8, "max_rounds": 2, "round_iters": 20, "final_iters": 60, "progress": False},
    "ctgan": {
        "epochs": 1,
        "batch_size": 50,
        "threads": 1,
        "max_modes": 2,
        "gmm_rows": 100,
        "dp_histogram_bins": 16,
        "embedding_dim": 8,
        "generator_dim": [16],
        "discriminator_dim": [16],
        "progress": False,
    },
    "tvae": {
        "epochs": 1,
        "batch_size": 50,
        "threads": 1,
        "max_modes": 2,
        "gmm_rows": 100,
        "dp_histogram_bins": 16,
        "embedding_dim": 8,
        "compress_dims": [16],
        "decompress_dims": [16],
        "progress": False,
    },
    "bayes_net": {"bins": 8, "max_parents": 2},
    "gaussian_copula": {},
}
PLUGIN = {
    "mst": "safedata_marginal",
    "aim": "safedata_marginal",
    "ctgan": "safedata_ctgan",
    "tvae": "safedata_tvae",
    "bayes_net": "safedata_bayesnet",
    "gaussian_copula": "safedata_copula",
}
META = {
    "age": {"type": "integer", "bounds": [0, 100], "role": "quasi_identifier"},
    "ward": {"type": "categorical", "categories": ["cardio", "ortho", "neuro", "onco"], "role": "quasi_identifier"},
    "stay_days": {"type": "integer", "bounds": [1, 60]},
    "cost": {"type": "numerical", "bounds": [0, 50000], "role": "sensitive"},
    "readmitted": {"type": "categorical", "categories": ["no", "yes"]},
}


@pytest.fixture(scope="module")
def hospital(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small hospital-stays table and its public metadata, with the DESIGN example pipeline beside them."""
    folder = tmp_path_factory.mktemp("hospital")
    rng = np.random.default_rng(16)
    n = 400
    age = rng.integers(1, 95, n)
    stay = np.clip(rng.poisson(4 + age / 20), 1, 60)
    df = pd.DataFrame(
        {
            "age": age,
            "ward": rng.choice(["cardio", "ortho", "neuro", "onco"], n, p=[0.4, 0.3, 0.2, 0.1]),
            "stay_days": stay,
            "cost": np.round(stay * rng.gamma(4.0, 250.0, n), 2),
            "readmitted": np.where(rng.random(n) < 0.1 + stay / 100, "yes", "no"),
        }
    )
    df.to_csv(folder / "stays.csv", index=False)
    (folder / "stays.meta.yaml").write_text(yaml.safe_dump({"columns": META}))
    return folder


def design_example(synthesizer: str) -> dict[str, Any]:
    """DESIGN section 5's example, on the hospital table, with ``synthesizer`` in the DP step."""
    return {
        "version": 1,
        "name": f"design-{synthesizer}",
        "data": {"source": "stays.csv", "metadata": "stays.meta.yaml"},
        "privacy": {"epsilon": 1.0, "delta": 1.0e-6, "accountant": "rdp"},
        "steps": [
            {"id": "protect", "use": "mdav", "params": {"k": 5, "columns": ["age", "stay_days"]}},
            {
                "id": "synth",
                "use": synthesizer,
                "input": "data",
                "privacy": {"epsilon": 1.0},  # its share: epsilon only, as DESIGN writes it
                "params": TINY[synthesizer],
            },
            {"id": "linkage", "use": "linkage", "target": "synth", "params": {"n_attacks": 100}},
            {"id": "utility", "use": "tstr", "target": "synth", "params": {"label": "readmitted", "max_iter": 10}},
        ],
        "report": {"formats": ["json"]},
        "seed": 7,
    }


@pytest.mark.parametrize("synthesizer", list(TINY))
def test_design_example_runs_with_an_epsilon_only_share(synthesizer: str, hospital: Path) -> None:
    plugins = [PLUGIN[synthesizer], "safedata_linkage", "safedata_microaggregation"]
    for module in plugins:
        pytest.importorskip(module, reason=f"{module} is not installed (make install installs every plugin)")
    path = hospital / f"{synthesizer}.yaml"
    path.write_text(yaml.safe_dump(design_example(synthesizer), sort_keys=False))
    engine = Engine(autoload=False, plugins=plugins)
    plan = {row["step"]: row for row in engine.validate(path).budget_plan()}
    assert plan["synth"]["epsilon"] == 1.0 and plan["synth"]["delta"] == pytest.approx(1e-6)
    result = engine.run(path)
    assert result.ok, result.error
    synthetic = result.released["synth"]
    assert list(synthetic.columns) == list(META) and len(synthetic) > 0
    assert set(synthetic["ward"].dropna()) <= set(META["ward"]["categories"])
    spent = result.ledger["spent"]
    assert 0 < spent["epsilon"] <= 1.0 + 1e-9 and spent["delta"] <= 1e-6 * (1 + 1e-9)


def test_bench_with_metadata_fills_every_dp_row(hospital: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # issue 16 done-when: `safedata bench --dataset X.csv --metadata X.yaml` on a non-Adult table
    from safedata_core.cli import main

    names = ["mst", "aim", "bayes_net", "gaussian_copula"]  # ctgan/tvae: the pipeline test above
    modules = sorted({PLUGIN[n] for n in names})
    for module in modules:
        pytest.importorskip(module, reason=f"{module} is not installed (make install installs every plugin)")
    grid = hospital / "grid.yaml"
    grid.write_text(yaml.safe_dump({"plugins": modules, "params": {n: TINY[n] for n in names}, "fast": True}))
    out = hospital / "bench"
    argv = ["bench", str(grid), "--synthesizers", ",".join(names), "--epsilon", "1", "--label", "readmitted"]
    argv += ["--dataset", str(hospital / "stays.csv"), "--metadata", str(hospital / "stays.meta.yaml")]
    assert main([*argv, "--out", str(out)]) == 0, capsys.readouterr().err
    board = pd.read_csv(out / "leaderboard.csv")
    assert sorted(board["synthesizer"]) == sorted(names) and (board["runs"] == 1).all()
    empty = board[[c for c in board.columns if c.endswith("_mean")]].isna().any(axis=1)
    assert not empty.any(), board.loc[empty, ["synthesizer", "evaluator_errors"]].to_dict("records")
    assert (board["epsilon_spent"] <= 1.0 + 1e-9).all() and not board["domains_from_data"].any()
