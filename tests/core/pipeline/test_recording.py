"""Filling the run record: docstring sections, the input summary and the components of a plan."""

from __future__ import annotations

from safedata_core import Engine
from safedata_core.pipeline.recording import component_records, data_record, doc_section
from safedata_core.testing.fixtures import tiny_table

DOC = """Summary line.

**Privacy guarantee**: epsilon-DP
    for counts.

**Assumptions**: none.
"""


def test_doc_section_reads_one_paragraph_on_one_line() -> None:
    assert doc_section(DOC, "privacy guarantee") == "epsilon-DP for counts."
    assert doc_section(DOC, "Assumptions") == "none." and doc_section(DOC, "Example") is None
    assert doc_section(None, "Assumptions") is None


def test_data_record_summarises_the_input() -> None:
    table = tiny_table(40)
    holdout = table.with_df(table.df.head(7))
    record = data_record(table, holdout, ["name"])
    assert record.rows == 40 and record.holdout_rows == 7 and record.dropped_direct_identifiers == ["name"]
    assert record.columns == list(table.columns) and set(record.column_types) == set(table.columns)
    assert record.quasi_identifiers == table.metadata.quasi_identifiers


def test_component_records_follow_the_plan() -> None:
    engine = Engine(autoload=False)
    pipeline = {
        "data": {"source": "builtin:adult"},
        "privacy": {"epsilon": 1.0},
        "steps": [{"id": "p", "use": "profile", "params": {"k": 4}}],
    }
    (comp,) = component_records(engine.validate(pipeline))
    assert (comp.step, comp.use, comp.kind, comp.params["k"]) == ("p", "profile", "profile", 4)
    assert comp.privacy == "none" and not comp.dp_active and comp.share is None
    assert comp.privacy_guarantee is not None and comp.privacy_guarantee.startswith("none")
