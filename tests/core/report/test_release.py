"""The release view: nothing in the release package reveals the input's size or an exact statistic of the real data.

Two runs on a table whose row count and numeric ranges are distinctive: a DP
synthesizer over declared columns, and a DP mechanism on a table that also has
an undeclared numeric column (whose range is inferred from the data). Every
file of the release package is searched for the true n, holdout size, min and
max; the internal report is searched too, to show the search finds them there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from safedata_core import Engine
from safedata_core.data import ColumnMeta, Metadata, Table
from safedata_core.pipeline.runner import RunResult
from safedata_core.report import release_view, write_report
from safedata_core.report.fidelity import _fmt_edge
from tests.core.report.helpers import noise_setting, validate, validate_release

N_INPUT = 1237
HOLDOUT = 0.25
INCOME_MIN, INCOME_MAX = 20417.37, 148263.91
SCORE_MIN, SCORE_MAX = 3.14159, 271.82818


def _table(*, undeclared_score: bool) -> Table:
    rng = np.random.default_rng(11)
    income = np.round(rng.uniform(INCOME_MIN, INCOME_MAX, N_INPUT), 2)
    income[:8], income[8:16] = INCOME_MIN, INCOME_MAX  # several rows each, so the training split has them
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 91, N_INPUT),
            "income": income,
            "sex": rng.choice(["F", "M"], N_INPUT),
            "region": rng.choice(["north", "south", "east", "west"], N_INPUT),
        }
    )
    meta = {
        "age": ColumnMeta(type="integer", role="quasi_identifier", bounds=(0, 120)),
        "income": ColumnMeta(type="numerical", role="sensitive", bounds=(0, 200_000)),
        "sex": ColumnMeta(type="categorical", role="quasi_identifier", categories=["F", "M"]),
        "region": ColumnMeta(type="categorical", role="other", categories=["north", "south", "east", "west"]),
    }
    if undeclared_score:  # no metadata: type and range are inferred from the data
        score = np.round(rng.uniform(SCORE_MIN, SCORE_MAX, N_INPUT), 5)
        score[:8], score[8:16] = SCORE_MIN, SCORE_MAX
        df["score"] = score
    return Table.from_dataframe(df, Metadata(columns=meta), source="people.csv")


def _pipeline(scenario: str) -> dict[str, Any]:
    if scenario == "synthesizer":
        dp_step = {"id": "synthetic", "use": "example", "privacy": {"epsilon": 1.0}, "rows": 500}
    else:
        dp_step = {
            "id": "synthetic",
            "use": "dp_aggregate",
            "privacy": {"epsilon": 1.0},
            "params": {"group_by": ["sex"]},
        }
    return {
        "version": 1,
        "name": f"release-{scenario}",
        "seed": 7,
        "data": {"source": "people.csv", "holdout": HOLDOUT},
        "privacy": {"epsilon": 1.0, "delta": 1e-6, "accountant": "basic", **noise_setting(True)},
        "steps": [
            {"id": "profile", "use": "profile"},
            dp_step,
            {"id": "tv", "use": "tv_complement", "target": "synthetic"},
            {"id": "dcr", "use": "dcr", "target": "synthetic", "params": {"n_samples": 200}},
        ],
        "report": {"thresholds": {"max_risk": 1.0, "min_utility": 0.0}},  # every section passes: a badge is shown
    }


def _release_package(result: RunResult, out: Path) -> Path:
    """The run's release/ folder; before the runner writes one, the same files written through the report API."""
    if (out / "release").is_dir():
        return out / "release"
    pkg = out / "release-package"
    write_report(release_view(result.report), pkg)
    (pkg / "ledger.json").write_text(json.dumps(result.ledger, indent=2) + "\n")
    for step, df in result.released.items():
        df.to_csv(pkg / f"{step}.csv", index=False)
    return pkg


def _secrets(result: RunResult, scenario: str) -> dict[str, re.Pattern[str]]:
    """Patterns of the real data's row counts and range: exact values, and the rounded bin labels the report uses."""
    n_train = result.report["data"]["rows"]
    n_hold = result.report["data"]["holdout_rows"]
    assert n_train + n_hold == N_INPUT and n_hold > 0
    out = {f"n={n}": re.compile(rf"(?<![\w.]){n}(?![\w.])") for n in (N_INPUT, n_train, n_hold)}
    lo, hi = (INCOME_MIN, INCOME_MAX) if scenario == "synthesizer" else (SCORE_MIN, SCORE_MAX)
    out |= {f"min={lo}": re.compile(re.escape(f"{lo}")), f"max={hi}": re.compile(re.escape(f"{hi}"))}
    if scenario == "synthesizer":  # distinctive enough to search for: '20.4k', '148k'
        out |= {f"label={_fmt_edge(x)}": re.compile(re.escape(_fmt_edge(x))) for x in (lo, hi)}
    return out


@pytest.fixture(scope="module", params=["synthesizer", "undeclared"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, RunResult, Path]:
    scenario = request.param
    engine = Engine(autoload=False, plugins=["safedata_example"])
    out = tmp_path_factory.mktemp(scenario)
    result = engine.run(_pipeline(scenario), data=_table(undeclared_score=scenario == "undeclared"), out=out)
    assert result.ok, result.error
    return scenario, result, out


def test_no_file_of_the_release_package_holds_n_or_a_real_range(run: tuple[str, RunResult, Path]) -> None:
    scenario, result, out = run
    secrets = _secrets(result, scenario)
    pkg = _release_package(result, out)
    files = sorted(p for p in pkg.rglob("*") if p.is_file())
    assert {"report.json", "report.html", "model_card.md", "ledger.json", "synthetic.csv"} <= {p.name for p in files}
    for path in files:
        text = path.read_text(encoding="utf-8")
        found = [name for name, pattern in secrets.items() if pattern.search(text)]
        assert not found, f"{path.relative_to(out)} holds {found}"
    # the search does find these facts where they belong: the internal report and metadata
    internal = json.dumps(result.report, ensure_ascii=False) + "".join(
        p.read_text() for p in out.rglob("metadata.json") if pkg not in p.parents
    )
    missed = [name for name, p in secrets.items() if not p.search(internal) and name != f"n={N_INPUT}"]
    if scenario == "synthesizer":  # declared: only binned in the report, whose quantile bins start at the minimum
        missed = [m for m in missed if not m.startswith(("min=", "max=", f"label={_fmt_edge(INCOME_MAX)}"))]
    assert not missed


def test_release_view_fields_are_an_allow_list(run: tuple[str, RunResult, Path]) -> None:
    scenario, result, _ = run
    view = release_view(result.report)
    validate_release(view)
    assert view["kind"] == "release"
    assert set(view) == set(
        "schema_version kind notice dp_headline run data privacy releases privacy_explainer compliance".split()
    )
    assert set(view["data"]) == {"source"} and "seconds" not in view["run"] and "audit_head" not in view["run"]
    forbidden = set(
        "rows holdout_rows marginals association profile inventory attacks utility seconds seconds_per_epoch "
        "rounds stopped_by_time extras steps narrative warnings column_types bounds categories".split()
    )

    def walk(node: Any, path: str) -> None:
        if path.endswith(".params"):
            return  # component parameters from the pipeline file (public settings)
        if isinstance(node, dict):
            for k, v in node.items():
                # 'rows' is allowed once: the released table's own row count
                assert k not in forbidden or (path.endswith(".table") and k == "rows"), f"{path}.{k}"
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")

    walk(view, "view")
    (rel,) = view["releases"]
    assert rel["dp"] and rel["noise"] == "secure" and rel["label"].startswith("differentially private")
    assert rel["table"]["rows"] == len(result.released["synthetic"])
    assert rel["table"]["columns"] == list(result.released["synthetic"].columns)
    assert rel["epsilon"] == pytest.approx(result.report["privacy"]["ledger"]["spent"]["epsilon"])
    assert view["privacy"]["ledger"]["charges"] == result.report["privacy"]["ledger"]["charges"]
    if scenario == "synthesizer":
        assert rel["table"]["rows"] == 500  # the step's public 'rows', not the input size


def test_release_schema_refuses_real_data_fields(run: tuple[str, RunResult, Path]) -> None:
    import jsonschema

    view = release_view(run[1].report)
    for key, where in (("rows", "data"), ("seconds", "run"), ("marginals", None)):
        bad = json.loads(json.dumps(view))
        (bad[where] if where else bad["releases"][0])[key] = 1
        with pytest.raises(jsonschema.ValidationError):
            validate_release(bad)


def test_internal_report_says_first_that_it_must_not_be_published(run: tuple[str, RunResult, Path]) -> None:
    _, result, _ = run
    report = result.report
    validate(report)
    assert list(report)[:3] == ["schema_version", "kind", "notice"] and report["kind"] == "internal"
    assert "non-DP statistics of the real data" in report["notice"] and "DO NOT PUBLISH" in report["notice"]
    from safedata_core.report import render_html

    page = render_html(report)
    notice = page.index("id='internal-notice'")
    assert notice < page.index("id='summary'") and notice < page.index("class='badge'")
    assert page.index("<h1>Internal evaluation report") < notice
    release_page = render_html(release_view(report))
    assert "DP release report" in release_page and "internal-notice" not in release_page
    assert release_page.index("id='release-kind'") < release_page.index("class='badge'")


def test_model_card_has_no_input_size(run: tuple[str, RunResult, Path]) -> None:
    from safedata_core.report import render_model_card

    _, result, _ = run
    card = render_model_card(result.report)
    assert card == render_model_card(release_view(result.report))  # always rendered from the release view
    assert "Source: people.csv." in card and "rows, " not in card.split("## Releases")[0]
    assert str(result.report["data"]["rows"]) not in card and str(N_INPUT) not in card
    assert "Differentially private (secure noise): synthetic" in card


def test_sdc_release_is_in_the_package_but_not_labelled_dp() -> None:
    from tests.core.report.helpers import make_engine, pipeline, small_adult

    engine = make_engine()
    result = engine.run(pipeline(), data=small_adult(engine, rows=800))
    assert result.ok, result.error
    view = release_view(result.report)
    validate_release(view)
    rel = {r["step"]: r for r in view["releases"]}
    assert rel["sdc"]["dp"] is False and rel["sdc"]["label"] == "not DP: statistical disclosure control"
    assert rel["sdc"]["sdc"]["k_anonymity"] == next(s for s in result.report["sdc"]["steps"])["k_after"]
    assert "k_before" not in json.dumps(view) and "information_loss" not in json.dumps(view)
    assert rel["synthetic"]["dp"] is True
    assert view["dp_headline"] == "Differentially private (secure noise): synthetic; NOT DP: sdc"
    # the exact-match attack on the SDC release failed: no badge, and the model card says why without numbers
    assert view["compliance"]["badge"] is None and "failed section" in view["compliance"]["no_badge_reason"]
    from safedata_core.report import render_model_card

    card = render_model_card(result.report)
    assert "- Privacy: not DP: statistical disclosure control" in card and "risk" not in card


def test_release_view_of_a_failed_run_names_no_error_text() -> None:
    from tests.core.report.helpers import make_engine, pipeline, small_adult

    engine = make_engine()
    table = small_adult(engine, rows=300)
    meta = table.metadata.model_copy(deep=True)
    meta.columns["workclass"].categories = None  # declared without categories: the example synthesizer fails in the run
    result = engine.run(pipeline(), data=Table(table.df, meta))
    assert not result.ok
    view = release_view(result.report)
    validate_release(view)
    assert view["releases"] == [] and view["compliance"]["badge"] is None
    assert view["run"]["failed_step"]["step"] == "synthetic" and view["privacy"]["dp_status"] == "failed"
    assert view["dp_headline"] == "Not DP: a DP step failed and nothing was released"
    assert result.error and result.error not in json.dumps(view)
