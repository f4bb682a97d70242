"""Every test in the repository can fail: it asserts, and reference-data tests carry the ``reference`` marker.

The rules (what counts as asserting, what counts as using reference data) are
in :mod:`tests.meta.scan`; the tests at the bottom check the scanner itself.
"""

from __future__ import annotations

import textwrap

from tests.meta.scan import ROOT, find_test_modules, scan_module, scan_source


def _all() -> list:
    return [f for path in find_test_modules() for f in scan_module(path)]


def test_scan_covers_core_plugins_contrib_and_the_kit() -> None:
    paths = {p.relative_to(ROOT).parts[0] for p in find_test_modules()}
    assert {"tests", "plugins", "contrib", "safedata_core"} <= paths
    assert len(_all()) > 300


def test_every_test_function_asserts() -> None:
    silent = [f.where() for f in _all() if not f.asserts]
    rule = "test functions that cannot fail (no assert, pytest.raises/warns or assert_*/check_* call)"
    assert not silent, rule + ":\n" + "\n".join(silent)


def test_reference_data_tests_carry_the_marker() -> None:
    unmarked = [f.where() for f in _all() if f.uses_reference and not f.marked_reference]
    assert not unmarked, "tests reading shared/data need @pytest.mark.reference:\n" + "\n".join(unmarked)


def test_scanner_flags_a_test_without_assertions() -> None:
    found = scan_source(
        textwrap.dedent(
            """
            import pytest

            def helper():
                assert True

            def quiet():
                return 1

            def test_passes_silently():
                quiet()

            def test_asserts_through_helper():
                helper()

            def test_raises():
                with pytest.raises(ValueError):
                    int("x")

            def test_numpy_helper():
                np.testing.assert_allclose(1, 1)

            class TestThing:
                def _check(self):
                    assert 1

                def test_method_helper(self):
                    self._check()

                def test_pass(self):
                    pass
            """
        )
    )
    silent = {f.qualname for f in found if not f.asserts}
    assert silent == {"test_passes_silently", "TestThing.test_pass"}


def test_scanner_follows_reference_fixtures_and_markers() -> None:
    found = scan_source(
        textwrap.dedent(
            """
            import pytest

            @pytest.fixture
            def ref():
                return shared_data("x.json")

            def test_uses_fixture(ref):
                assert ref

            @pytest.mark.reference
            def test_marked(ref):
                assert ref

            def test_direct():
                assert reference_path("y")
            """
        )
    )
    by_name = {f.qualname: f for f in found}
    assert set(by_name) == {"test_uses_fixture", "test_marked", "test_direct"}
    assert all(f.uses_reference for f in found)
    assert [n for n, f in by_name.items() if not f.marked_reference] == ["test_uses_fixture", "test_direct"]
