"""Privacy-utility tuning: search synthesizers, SDC methods and their params, with the tuning accounted.

``safedata tune TUNE.yaml --out DIR`` and :func:`tune` run a validated
:class:`TuneSpec` in one of three modes (``public``, ``private``,
``nonprivate``; see :mod:`safedata_core.tune.search`) and write the outputs of
:mod:`safedata_core.tune.output`. :func:`recommended_config` reads the stored
results (for a server's ``validate-config``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from safedata_core.tune.search import TuneResult, run_tune
from safedata_core.tune.spec import TuneSpec, load_tune, tune_json_schema
from safedata_core.tune.store import dataset_fingerprint, recommended_config, schema_fingerprint

__all__ = [
    "TuneResult",
    "TuneSpec",
    "dataset_fingerprint",
    "load_tune",
    "recommended_config",
    "run_tune",
    "schema_fingerprint",
    "tune",
    "tune_json_schema",
]


def tune(
    spec: TuneSpec | str | Path | dict[str, Any], out: str | Path | None = None, *, engine: Any = None
) -> TuneResult:
    """Validate and run a tune; with ``out``, write its outputs there and record it in the stored index."""
    from safedata_core import Engine

    spec = spec if isinstance(spec, TuneSpec) else load_tune(spec)
    engine = engine or Engine(plugins=list(spec.plugins))
    result = run_tune(spec, engine=engine)
    if out is not None:
        from safedata_core.tune.output import write_outputs

        fp = dataset_fingerprint(engine.read_table(spec.data.source, spec.data.metadata))
        write_outputs(result, Path(out), engine.registry, fingerprint=fp)
    return result
