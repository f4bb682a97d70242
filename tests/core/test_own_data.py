"""Own data from Python: draft_metadata marks data-derived domains; DP refuses them until confirm_metadata."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from safedata_core import ComponentError, DataError, Engine, QuickSynthesizer, confirm_metadata, draft_metadata
from safedata_core.data.review import needs_review


def _df(n: int = 150) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {"age": rng.integers(18, 90, n), "plan": rng.choice(["basic", "gold"], n), "claims": rng.integers(0, 9, n)}
    )


def test_draft_then_confirm(tmp_path: Path) -> None:
    df = _df()
    draft = draft_metadata(df)
    assert needs_review(draft) == ["age", "plan", "claims"]
    assert draft.columns["plan"].categories == ["basic", "gold"] and draft.columns["age"].role == "quasi_identifier"
    engine = Engine(autoload=False, plugins=["safedata_example"])
    with pytest.raises(ComponentError, match="safedata metadata confirm"):
        QuickSynthesizer("example", epsilon=1.0, metadata=draft, engine=engine).fit(df)
    meta = confirm_metadata(draft)
    synth = QuickSynthesizer("example", epsilon=1.0, metadata=meta, engine=engine).fit(df)
    assert synth.ledger["spent"]["epsilon"] > 0 and len(synth.sample(20)) == 20
    df.to_csv(tmp_path / "d.csv", index=False)
    assert needs_review(draft_metadata(tmp_path / "d.csv")) == ["age", "plan", "claims"]


def test_draft_refuses_other_inputs() -> None:
    with pytest.raises(DataError, match="expected a DataFrame, Table or file path"):
        draft_metadata([1, 2, 3])  # type: ignore[arg-type]
