"""pyproject.toml of the core: every third-party import declared, every dependency used, licence and extras."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# distribution name -> the module it is imported as, where they differ
MODULE_OF = {"scikit-learn": "sklearn", "pyyaml": "yaml", "dp-accounting": "dp_accounting"}
# used without an import statement of its own
IMPLICIT = {"pyarrow": "pandas' Parquet engine (data/io.py reads and writes .parquet)"}
# imported only lazily, behind an error that names the fix, or only by the optional test kit
OPTIONAL_IMPORTS = {"torch", "dask", "pytest", "PIL", "skopt"}  # PIL: only to shrink screenshots; skopt: [tune]


def third_party_imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / "safedata_core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "safedata_core":
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def declared() -> dict[str, str]:
    """Module name -> distribution name of every core dependency."""
    out = {}
    for spec in PYPROJECT["project"]["dependencies"]:
        dist = Requirement(spec).name.lower()
        out[MODULE_OF.get(dist, dist.replace("-", "_"))] = dist
    return out


def test_every_third_party_import_is_declared() -> None:
    missing = {m: sorted(p)[:2] for m, p in third_party_imports().items() if m not in declared()}
    missing = {m: p for m, p in missing.items() if m not in OPTIONAL_IMPORTS}
    assert not missing, f"declare these in pyproject.toml dependencies: {missing}"


def test_every_dependency_is_used() -> None:
    imported = third_party_imports()
    unused = [dist for module, dist in declared().items() if module not in imported and dist not in IMPLICIT]
    assert not unused, f"core dependencies never imported by safedata_core (drop them): {unused}"
    assert "matplotlib" not in declared() and "threadpoolctl" in declared()


def test_licence_file_matches_the_declared_licence() -> None:
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text
    assert "LICENSE" in PYPROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]


def test_classifiers_name_the_licence_free_python_and_typing() -> None:
    classifiers = PYPROJECT["project"]["classifiers"]
    assert "Typing :: Typed" in classifiers and "Programming Language :: Python :: 3.11" in classifiers
    assert not [c for c in classifiers if c.startswith("License ::")]  # PEP 639: the SPDX expression says it


def test_extras_all_is_every_first_party_plugin_and_dev_is_test_tools() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    plugins = {
        tomllib.loads(p.read_text(encoding="utf-8"))["project"]["name"]
        for p in [*ROOT.glob("plugins/*/pyproject.toml"), *ROOT.glob("contrib/*/pyproject.toml")]
    }
    assert "safedata-marginal" in plugins
    assert {Requirement(r).name for r in extras["all"]} == plugins
    tools = {Requirement(r).name for r in extras["test"]}
    assert {"pytest", "hypothesis", "ruff", "mypy"} <= tools and not tools & plugins
    assert extras["dev"] == ["safedata-core[test]"]
    assert ".[test,dask,tune]" in (ROOT / "Makefile").read_text(encoding="utf-8")  # CI runs the Dask tests too


def test_make_install_shows_pip_output_and_says_what_it_does() -> None:
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    installs = [i for i, line in enumerate(lines) if "$(PIP) install" in line]
    assert len(installs) >= 2
    for i in installs:
        assert " -q" not in lines[i] and "--quiet" not in lines[i], lines[i]
        assert lines[i - 1].strip().startswith("@echo"), f"say what is being installed before: {lines[i].strip()}"
