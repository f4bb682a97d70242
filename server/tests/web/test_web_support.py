"""The service reads the pages add (services/web_support.py): same role and project rules as every operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import World
from safedata_server.auth import authenticate
from safedata_server.services import web_support
from safedata_server.services.context import Forbidden, NotFound
from safedata_server.services.session import service_ctx


def _call(world: World, who: str, op: Callable[..., Any], *args: Any) -> Any:
    with service_ctx(world.rt, None) as ctx:
        ctx.principal = authenticate(ctx.session, world.keys[who])
        return op(ctx, *args)


def test_stored_profile_is_for_stewards_of_the_project(world: World) -> None:
    ds = world.ids["A:dataset"]
    world.client.post(f"/datasets/{ds}/profile", headers=world.h("A:steward"))
    profile = _call(world, "A:steward", web_support.stored_profile, ds)
    assert isinstance(profile, dict) and profile["dataset_id"] == ds and "risk" in profile["profile"]
    with pytest.raises(Forbidden):
        _call(world, "A:analyst", web_support.stored_profile, ds)
    with pytest.raises(NotFound):
        _call(world, "B:steward", web_support.stored_profile, ds)


def test_synthesizers_name_their_summary_and_options(world: World) -> None:
    synths = {s["name"]: s for s in _call(world, "A:analyst", web_support.synthesizers)}
    assert "example" in synths and synths["example"]["summary"]
    for s in synths.values():
        assert all(p["name"] != "dp" for p in s["params"])
    if "mst" in synths:
        mst = synths["mst"]
        assert mst["dp"] and "dp-mst" in mst["aliases"]
        iters = next(p for p in mst["params"] if p["name"] == "iters")
        assert iters["type"] == "int" and iters["default"] == 1000
