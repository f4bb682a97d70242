"""Fuzz ``Engine.run`` with generated tables and pipelines (hypothesis).

Tables mix types, missing values, extremes (huge integers, infinities, 1e300),
unicode, constant columns and tiny row counts; pipelines chain profile, SDC,
DP mechanisms, the example DP synthesizer, metrics and attacks over them, with
and without declared metadata, a holdout and a file source. Every run must:

* raise nothing but a SafedataError (a foreign exception inside a step shows
  up as a ``run_failed_traceback`` audit event);
* release nothing when it failed, and complete files when it succeeded;
* leave an audit log that verifies with the key and agrees with the report;
* keep data values of the sensitive column out of the audit log.

Examples: ``SAFEDATA_FUZZ_EXAMPLES`` (default 40, what CI runs: a fixed, derandomised
set, so CI never fails on a newly drawn example; about 15 s). Run
``SAFEDATA_FUZZ_EXAMPLES=2000`` locally to hunt for foreign errors with fresh random
examples.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from safedata_core import Engine, SafedataError
from safedata_core.audit import verify_run

EXAMPLES = int(os.environ.get("SAFEDATA_FUZZ_EXAMPLES", "40"))
HUNTING = "SAFEDATA_FUZZ_EXAMPLES" in os.environ
SECRET = "ZQXSECRET"

NAMES = ["age", "income", "sex", "région", "名前", "x y", "a,b", "zip", "email", "score", "n", "q"]
TEXT = ["a", "b", "é", "日本", "🙂", "", " ", "?", "NA", "x,y", 'q"uote', "long value with spaces", "0", "1,000"]
INTS = st.one_of(
    st.integers(0, 5),
    st.integers(-(2**62), 2**62),
    st.sampled_from([0, -1, 2**53 + 1, 2**63 + 7, -(2**63) - 3, 10**30]),
)
FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64) | st.sampled_from([0.0, 1e300, -1e-300, 0.5])
KINDS = ["int", "float", "text", "bool", "constant", "missing", "mixed", "date", "grouped"]


@st.composite
def column(draw: st.DrawFn, n: int, kind: str) -> list[Any]:
    if kind == "int":
        values: list[Any] = draw(st.lists(INTS, min_size=n, max_size=n))
    elif kind == "float":
        values = draw(st.lists(FLOATS, min_size=n, max_size=n))
    elif kind == "text":
        values = draw(st.lists(st.sampled_from(TEXT), min_size=n, max_size=n))
    elif kind == "bool":
        values = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    elif kind == "constant":
        values = [draw(st.sampled_from([7, "same", 1.5, True]))] * n
    elif kind == "missing":
        values = [None] * n
    elif kind == "mixed":
        values = draw(st.lists(st.one_of(st.integers(0, 9), st.sampled_from(TEXT)), min_size=n, max_size=n))
    elif kind == "date":
        days = draw(st.lists(st.integers(0, 20_000), min_size=n, max_size=n))
        values = [str(pd.Timestamp("1950-01-01") + pd.Timedelta(days=d))[:10] for d in days]
    else:  # grouped: thousands separators
        values = [f"{v:,}" for v in draw(st.lists(st.integers(0, 10**7), min_size=n, max_size=n))]
    holes = draw(st.lists(st.booleans(), min_size=n, max_size=n)) if draw(st.booleans()) else [False] * n
    return [None if h else v for v, h in zip(values, holes, strict=True)]


@st.composite
def tables(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, str]]:
    n = draw(st.sampled_from([1, 2, 3, 5, 12, 40]))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True))
    kinds = {name: draw(st.sampled_from(KINDS)) for name in names}
    data = {name: draw(column(n, kinds[name])) for name in names}
    data["secret"] = [f"{SECRET}{i % 3}" for i in range(n)]
    kinds["secret"] = "secret"
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in data.items()}), kinds


ROLES = ["quasi_identifier", "quasi_identifier", "sensitive", "other", "direct_identifier", "weight"]
TYPE_OF = {"int": "integer", "float": "numerical", "bool": "boolean", "date": "datetime", "grouped": "integer"}


@st.composite
def metadata(draw: st.DrawFn, df: pd.DataFrame, kinds: dict[str, str]) -> dict[str, Any] | None:
    if not draw(st.booleans()):
        return None
    cols: dict[str, Any] = {"secret": {"type": "categorical", "role": "sensitive"}}
    for name, kind in kinds.items():
        if name == "secret" or not draw(st.booleans()):
            continue
        ctype = TYPE_OF.get(kind, "categorical")
        if draw(st.integers(0, 9)) == 0:
            ctype = draw(st.sampled_from(["integer", "numerical", "categorical", "boolean", "text"]))
        entry: dict[str, Any] = {"type": ctype, "role": draw(st.sampled_from(ROLES))}
        if ctype in ("integer", "numerical") and draw(st.booleans()):
            lo = draw(st.integers(-1000, 1000))
            entry["bounds"] = [lo, lo + draw(st.integers(0, 10**6))]
        if ctype == "categorical" and draw(st.booleans()):
            seen = sorted({str(v) for v in df[name].dropna()})[:20]
            entry["categories"] = seen + draw(st.lists(st.sampled_from(TEXT), max_size=2, unique=True))
        cols[name] = entry
    return {"columns": cols}


def _some(draw: st.DrawFn, names: list[str]) -> list[str]:
    return draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))


@st.composite
def releasing_step(draw: st.DrawFn, names: list[str], i: int, synth: bool) -> dict[str, Any]:
    choices = ["generalize", "suppress", "noise", "pram", "swap", "top_bottom_code", "dp_aggregate", "laplace"]
    use = draw(st.sampled_from([*choices, *(["example"] * 2 if synth else [])]))
    step: dict[str, Any] = {"id": f"r{i}", "use": use}
    cols = _some(draw, names)
    if use in ("generalize", "suppress"):
        step["params"] = {"quasi_identifiers": cols, "k": draw(st.sampled_from([2, 3, 5]))}
        if use == "generalize":
            step["params"]["suppression_limit"] = draw(st.sampled_from([0.0, 0.1, 1.0]))
            step["params"]["suppress_outliers"] = draw(st.booleans())
            if draw(st.booleans()):
                step["params"]["intervals"] = {cols[0]: [draw(st.sampled_from([1, 5, 10])), 20]}
            elif draw(st.booleans()):
                step["params"]["hierarchies"] = {cols[0]: "hierarchy.csv"}
        if draw(st.booleans()):
            step["target"] = "rare"
    elif use == "noise":
        step["params"] = {
            "columns": cols,
            "level": draw(st.sampled_from([0.01, 0.5, 2.0])),
            "kind": draw(st.sampled_from(["additive", "multiplicative"])),
        }
    elif use == "pram":
        step["params"] = {
            "columns": cols,
            "p_stay": draw(st.sampled_from([0.0, 0.5, 0.99])),
            "invariant": draw(st.booleans()),
        }
    elif use == "swap":
        step["params"] = {"variables": cols, "k": 2, **({"by": [names[0]]} if draw(st.booleans()) else {})}
    elif use == "top_bottom_code":
        side = draw(st.sampled_from(["top", "bottom"]))
        step["params"] = {
            side: {cols[0]: draw(st.sampled_from([0.0, 10.0, 1e9, -5.0]))},
            "replace_with": draw(st.sampled_from(["threshold", "mean"])),
        }
    elif use == "dp_aggregate":
        stat = draw(st.sampled_from(["count", "sum", "mean"]))
        statistic: dict[str, Any] = {"stat": stat}
        if stat != "count":
            statistic["column"] = cols[-1]
        step["params"] = {
            "group_by": cols[:1] if draw(st.booleans()) else [],
            "statistics": [statistic],
            "mechanism": draw(st.sampled_from(["laplace", "geometric", "gaussian"])),
        }
        if stat != "count" and draw(st.booleans()):
            step["params"]["bounds"] = {cols[-1]: [0, draw(st.sampled_from([1, 100, 10**9]))]}
    elif use == "laplace":
        step["params"] = {"sensitivity": draw(st.sampled_from([1.0, 1e-9, 1e9]))}
    else:
        step["rows"] = draw(st.sampled_from([1, 3, 20]))
    if use in ("dp_aggregate", "laplace", "example") and draw(st.booleans()):
        step["privacy"] = {"epsilon": draw(st.sampled_from([0.01, 0.5])), "delta": draw(st.sampled_from([0.0, 1e-9]))}
    return step


EVALUATORS = [
    "ks_complement",
    "tv_complement",
    "histogram_overlap",
    "js_divergence",
    "correlation_difference",
    "marginal_2way",
    "detection",
    "tstr",
    "dcr",
    "singling_out",
    "membership_inference",
    "attribute_inference",
]


@st.composite
def evaluating_step(draw: st.DrawFn, names: list[str], i: int, target: str) -> dict[str, Any]:
    use = draw(st.sampled_from(EVALUATORS))
    step: dict[str, Any] = {"id": f"e{i}", "use": use, "target": target}
    params: dict[str, Any] = {}
    if draw(st.booleans()):
        params["columns"] = _some(draw, names)
    if use in ("histogram_overlap", "js_divergence", "correlation_difference", "marginal_2way") and draw(st.booleans()):
        params["bins"] = draw(st.sampled_from([1, 2, 50]))
    if use in ("singling_out", "membership_inference", "attribute_inference"):
        params["n_attacks"] = 20
    if use == "dcr":
        params["n_samples"] = 20
    if use == "singling_out":
        params["mode"] = draw(st.sampled_from(["univariate", "multivariate"]))
        params["max_attempts"] = 2000
    if use == "attribute_inference" and draw(st.booleans()):
        params["secrets"] = [draw(st.sampled_from(names))]
    if use == "detection":
        params.update(folds=2, max_iter=20)
    if use == "tstr":
        params.update(label=draw(st.sampled_from(names)), max_iter=20)
    if use == "membership_inference":
        params["method"] = draw(st.sampled_from(["domias", "dcr"]))
    if params:
        step["params"] = params
    return step


@st.composite
def pipelines(draw: st.DrawFn, names: list[str], synth: bool) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    if draw(st.booleans()):
        steps.append({"id": "profile", "use": "profile", "params": {"k": draw(st.sampled_from([2, 5]))}})
    releases = [draw(releasing_step(names, i, synth)) for i in range(draw(st.integers(0, 2)))]
    steps += releases
    targets = [r["id"] for r in releases] + ["data"]
    for i in range(draw(st.integers(0 if releases else 1, 2))):
        steps.append(draw(evaluating_step(names, i, draw(st.sampled_from(targets)))))
    pipeline: dict[str, Any] = {"name": "fuzz", "data": {"source": "builtin:adult"}, "steps": steps, "seed": 3}
    if draw(st.integers(0, 4)) == 0:
        pipeline["data"]["columns"] = [*_some(draw, names), "secret"]
    if draw(st.integers(0, 4)) == 0:
        pipeline["data"]["keep_direct_identifiers"] = True
    if draw(st.booleans()) or any(s["use"] in ("dp_aggregate", "example", "laplace") for s in steps):
        pipeline["privacy"] = {
            "epsilon": draw(st.sampled_from([0.1, 1.0, 10.0])),
            "accountant": draw(st.sampled_from(["rdp", "basic", "prv"])),
            "noise": draw(st.sampled_from(["secure", "reproducible-test"])),
        }
    if draw(st.booleans()):
        pipeline["data"]["holdout"] = draw(st.sampled_from([0.2, 0.5]))
    pipeline["report"] = {"formats": ["json"], "release_formats": [draw(st.sampled_from(["csv", "parquet"]))]}
    return pipeline


def _engine() -> Engine:
    try:
        return Engine(autoload=False, plugins=["safedata_example"])
    except SafedataError:  # pragma: no cover - the example plugin ships in this repository
        return Engine(autoload=False)


ENGINE = _engine()
HAS_SYNTH = any(i.name == "example" for i in ENGINE.registry)
FILE_SOURCES = ["frame", "csv", "parquet"]


def _write_hierarchies(work: Path, df: pd.DataFrame, pipeline: dict[str, Any]) -> None:
    """A two-level ARX hierarchy for a step that names one; its path resolves against ``work``."""
    for step in pipeline["steps"]:
        for col, rel in step.get("params", {}).get("hierarchies", {}).items():
            values = sorted({str(v).strip() for v in df[col].dropna()} - {""})
            lines = [f"{v};{'low' if i % 2 else 'high'};*" for i, v in enumerate(values)]
            (work / rel).write_text("\n".join(lines) + "\n", encoding="utf-8")
            step["params"]["hierarchies"][col] = str(work / rel)


def _released_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.suffix in (".csv", ".parquet") and p.is_file()]


@settings(
    max_examples=EXAMPLES,
    derandomize=not HUNTING,
    # no explain phase: tracing every line of every shrinking run took tens of GB of memory
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
@given(st.data())
def test_engine_run_fails_only_with_safedata_errors(data: st.DataObject) -> None:
    df, kinds = data.draw(tables(), label="table")
    meta = data.draw(metadata(df, kinds), label="metadata")
    pipeline = data.draw(pipelines([c for c in df.columns if c != "secret"], HAS_SYNTH), label="pipeline")
    source = data.draw(st.sampled_from(FILE_SOURCES), label="source")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        frame: pd.DataFrame | None = df
        _write_hierarchies(work, df, pipeline)
        if meta is not None:
            (work / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            pipeline["data"]["metadata"] = str(work / "meta.json")
        if source != "frame":
            frame = None
            path = work / f"data.{source}"
            try:
                if source == "csv":
                    df.to_csv(path, index=False)
                else:
                    df.astype(str).where(df.notna(), None).to_parquet(path, index=False)
            except (ValueError, TypeError, OverflowError):
                return  # the generator wrote something pandas cannot store: not the engine's business
            pipeline["data"]["source"] = str(path)
        out = work / "run"
        try:
            result = ENGINE.run(pipeline, data=frame, out=out)
        except SafedataError:
            assert not out.exists() or not _released_files(out), "a refused pipeline left files behind"
            return
        audit = (out / "audit.jsonl").read_text(encoding="utf-8")
        events = [json.loads(line) for line in audit.splitlines()]
        foreign = [e for e in events if e.get("event") == "run_failed_traceback"]
        assert not foreign, f"foreign exception: {result.error}\n{foreign[0].get('traceback')}"
        if result.ok:
            for step, released in result.released.items():
                files = [p for p in _released_files(out) if p.stem == step]
                assert files, f"released table {step} has no file"
                back = pd.read_csv(files[0]) if files[0].suffix == ".csv" else pd.read_parquet(files[0])
                assert len(back) == len(released) and list(back.columns) == list(released.columns)
        else:
            assert not _released_files(out), f"failed run ({result.error}) left released files"
        check = verify_run(out)
        assert check.authenticated and check.outcome == ("succeeded" if result.ok else "failed")
        assert SECRET + "1" not in audit, "a sensitive value reached the audit log"
