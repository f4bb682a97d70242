"""The ``reference`` marker: clean skips without shared/data, failures under SAFEDATA_REQUIRE_REFERENCE=1."""

from __future__ import annotations

from pathlib import Path

import pytest

from safedata_core.testing.reference import DATA_ENV, REQUIRE_ENV, reference_path, reference_root

pytest_plugins = ["pytester"]

MODULE = """
import pytest
from safedata_core.testing.reference import reference_path

@pytest.mark.reference
def test_needs_data():
    assert reference_path("reference_values", "x.json").exists()

@pytest.mark.reference
def test_skips_for_another_reason():
    pytest.skip("optional tool missing")

def test_unmarked_skip():
    pytest.skip("not a reference test")
"""


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *, data: Path, require: str | None) -> object:
    monkeypatch.setenv(DATA_ENV, str(data))
    if require is None:
        monkeypatch.delenv(REQUIRE_ENV, raising=False)
    else:
        monkeypatch.setenv(REQUIRE_ENV, require)
    pytester.makepyfile(test_ref=MODULE)
    # the hook comes from the pytest11 entry point of the installed safedata-core, as in any plugin run
    return pytester.runpytest_subprocess("-rs", "-p", "no:cacheprovider")


def test_missing_data_skips_cleanly_with_a_reason(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = _run(pytester, monkeypatch, data=tmp_path / "absent", require=None)
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(["*reference data*absent*x.json is not present*"])


def test_required_reference_turns_skips_into_failures(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = _run(pytester, monkeypatch, data=tmp_path / "absent", require="1")
    # both marked tests fail (missing file, and a skip for another reason); the unmarked one still skips
    result.assert_outcomes(failed=2, skipped=1)
    result.stdout.fnmatch_lines(["*SAFEDATA_REQUIRE_REFERENCE*"])
    assert result.ret == 1


def test_required_reference_passes_when_data_is_there(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "data" / "reference_values").mkdir(parents=True)
    (tmp_path / "data" / "reference_values" / "x.json").write_text("{}")
    result = _run(pytester, monkeypatch, data=tmp_path / "data", require="0")
    result.assert_outcomes(passed=1, skipped=2)


def test_reference_root_defaults_beside_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_ENV, raising=False)
    repo = Path(__file__).resolve().parents[3]
    assert reference_root() == repo.parent / "shared" / "data"


@pytest.mark.reference  # it calls reference_path (on a temporary folder; it never skips)
def test_reference_path_fails_directly_when_required(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="SAFEDATA_REQUIRE_REFERENCE is set"):
        reference_path("nothing-here.json")
    monkeypatch.setenv(REQUIRE_ENV, "0")
    with pytest.raises(pytest.skip.Exception, match="is not present"):
        reference_path("nothing-here.json")
