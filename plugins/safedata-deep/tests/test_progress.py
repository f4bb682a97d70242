"""The epoch bar reports each finished epoch to the running pipeline (the core's on_progress hook)."""

from __future__ import annotations

from safedata_deep.dpsgd import progress_bar

from safedata_core.progress import progress_reporter


def test_each_finished_epoch_is_reported_after_its_body_ran() -> None:
    events: list[tuple[str, int, int | None, str]] = []
    with progress_reporter(lambda done, total, unit, info: events.append(("report", done, total, unit))):
        bar = progress_bar(3, enabled=False, desc="test")
        for epoch in bar:
            events.append(("body", epoch, None, ""))
            bar.set_postfix(loss="1.0")  # the tqdm methods still work
    assert events == [
        ("body", 0, None, ""),
        ("report", 1, 3, "epoch"),
        ("body", 1, None, ""),
        ("report", 2, 3, "epoch"),
        ("body", 2, None, ""),
        ("report", 3, 3, "epoch"),
    ]


def test_outside_a_run_the_bar_reports_nothing_and_still_iterates() -> None:
    assert list(progress_bar(2, enabled=False, desc="test")) == [0, 1]
