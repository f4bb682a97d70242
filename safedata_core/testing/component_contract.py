"""``ComponentContract``: the checks every component kind must pass (registration, Params, docstring)."""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import pytest

from safedata_core.components import Component
from safedata_core.data import Table
from safedata_core.registry import REQUIRED_DOC_SECTIONS, Registry
from safedata_core.testing.fixtures import tiny_table

__all__ = ["ComponentContract"]


class ComponentContract:
    """Checks every component kind must pass."""

    component: ClassVar[type[Component]]
    params: ClassVar[dict[str, Any]] = {}
    #: set False for a component tested in-tree without being installed
    check_entry_point: ClassVar[bool] = True

    def make(self, **overrides: Any) -> Any:
        return self.component({**self.params, **overrides})

    def table(self) -> Table:
        return tiny_table()

    def test_registers_cleanly(self) -> None:
        registry = Registry()
        info = registry.add(self.component.kind, self.component, plugin="contract-test")
        assert info.cls is self.component
        assert (info.kind, info.name) == (self.component.kind, self.component.name)
        assert registry.get(self.component.name, self.component.kind) is info

    def test_discoverable_through_entry_point(self) -> None:
        if not self.check_entry_point or self.component.__module__.startswith("safedata_core."):
            pytest.skip("component is built into safedata-core or not meant to be installed")
        from safedata_core.engine import Engine

        engine = Engine(autoload=True)
        info = engine.registry.get(self.component.name)
        assert info.cls is self.component, f"'{self.component.name}' is registered by {info.origin()}"

    def test_params_reject_unknown_keys(self) -> None:
        from pydantic import ValidationError

        with pytest.raises(ValidationError):
            self.component.Params.model_validate({**self.params, "no_such_option_xyz": 1})

    def test_params_export_json_schema(self) -> None:
        schema = self.component.Params.model_json_schema()
        assert schema.get("type") == "object"

    def test_docstring_sections(self) -> None:
        doc = inspect.getdoc(self.component) or ""
        for section in REQUIRED_DOC_SECTIONS:
            assert f"**{section}**" in doc, f"{self.component.__qualname__} docstring needs a **{section}** section"
