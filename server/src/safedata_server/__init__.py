"""safedata-server: the safedata engine behind a REST API.

Layers (outer to inner): ``api`` (FastAPI routes, thin) -> ``services`` (the
operations, shared with the web pages in ``web``) -> ``models``/``db`` (SQLAlchemy),
``storage``/``crypto`` (encrypted objects), ``jobs`` (worker processes running the
core's pipelines). ``plugin`` adds ``safedata serve`` to the core's CLI.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
