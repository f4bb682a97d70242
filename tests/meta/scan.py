"""Static checks over the repository's test modules (parsed with ``ast``, never imported).

A test function *asserts* when its body (or a helper it calls that is defined
in the same module or class, followed transitively) contains at least one of:

* an ``assert`` statement;
* ``pytest.raises`` / ``pytest.warns`` / ``pytest.deprecated_call`` (as a
  context manager or a call), or ``pytest.fail``;
* a call to a function or method whose name starts with ``assert`` or
  ``check_`` (``np.testing.assert_allclose``, ``pd.testing.assert_frame_equal``,
  the contract kit's ``assert_noise_variance``, pytester's ``assert_outcomes``).

A test uses *reference data* when it calls ``shared_data`` / ``reference_path``
(directly, through a module helper, or through a fixture of its module that
does); such a test must carry the ``reference`` marker (on the function, its
class, or the module's ``pytestmark``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ScannedTest", "find_test_modules", "scan_module"]

ROOT = Path(__file__).resolve().parents[2]
RAISING = {"raises", "warns", "deprecated_call", "fail"}
REFERENCE_CALLS = {"shared_data", "reference_path"}


def find_test_modules(root: Path = ROOT) -> list[Path]:
    """Every test module of the core, the plugins and contrib, plus the contract kit."""
    files: set[Path] = set()
    for base in [root / "tests", *sorted(root.glob("plugins/*/tests")), *sorted(root.glob("contrib/*/tests"))]:
        files.update(base.rglob("test_*.py"))
    files.update((root / "safedata_core" / "testing").glob("*contract*.py"))
    return sorted(files)


@dataclass(frozen=True)
class ScannedTest:
    path: Path
    qualname: str
    lineno: int
    asserts: bool
    uses_reference: bool
    marked_reference: bool

    def where(self, root: Path = ROOT) -> str:
        try:
            rel = self.path.relative_to(root)
        except ValueError:
            rel = self.path
        return f"{rel}:{self.lineno} {self.qualname}"


def _call_name(node: ast.Call) -> str:
    f = node.func
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return ""


def _is_reference_mark(node: ast.expr) -> bool:
    """``pytest.mark.reference`` (called or not), possibly inside a list of marks."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(_is_reference_mark(e) for e in node.elts)
    return isinstance(node, ast.Attribute) and node.attr == "reference"


def _is_fixture(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for dec in fn.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(target, ast.Attribute) and target.attr == "fixture":
            return True
        if isinstance(target, ast.Name) and target.id == "fixture":
            return True
    return False


class _Module:
    """Function bodies of one module by name (module level and per class) and the facts derived from them."""

    def __init__(self, tree: ast.Module) -> None:
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.methods: dict[str, dict[str, ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.module_marked = False
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                self.classes[node.name] = node
                self.methods[node.name] = {
                    n.name: n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                }
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
            ):
                self.module_marked = _is_reference_mark(node.value)
        self.fixtures = {name for name, fn in self.functions.items() if _is_fixture(fn)}

    def _callees(self, fn: ast.AST, cls: str | None) -> list[tuple[ast.AST, str | None]]:
        out: list[tuple[ast.AST, str | None]] = []
        for node in ast.walk(fn):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if isinstance(f, ast.Name) and f.id in self.functions:
                out.append((self.functions[f.id], None))
            elif (
                isinstance(f, ast.Attribute)
                and isinstance(f.value, ast.Name)
                and f.value.id in ("self", "cls")
                and cls is not None
            ):
                method = self._method(cls, f.attr)
                if method is not None:
                    out.append((method, cls))
        return out

    def _method(self, cls: str, name: str) -> ast.AST | None:
        seen: set[str] = set()
        todo = [cls]
        while todo:
            c = todo.pop()
            if c in seen or c not in self.classes:
                continue
            seen.add(c)
            if name in self.methods[c]:
                return self.methods[c][name]
            todo.extend(b.id for b in self.classes[c].bases if isinstance(b, ast.Name))
        return None

    def _reaches(self, fn: ast.AST, cls: str | None, direct: object, seen: set[int] | None = None) -> bool:
        seen = seen if seen is not None else set()
        if id(fn) in seen:
            return False
        seen.add(id(fn))
        if direct(fn):  # type: ignore[operator]
            return True
        return any(self._reaches(callee, c, direct, seen) for callee, c in self._callees(fn, cls))

    def asserts(self, fn: ast.AST, cls: str | None) -> bool:
        return self._reaches(fn, cls, _asserts_directly)

    def uses_reference(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, cls: str | None) -> bool:
        if self._reaches(fn, cls, _calls_reference):
            return True
        args = {a.arg for a in [*fn.args.args, *fn.args.kwonlyargs]}
        return any(self._reaches(self.functions[name], None, _calls_reference) for name in args & self.fixtures)


def _asserts_directly(fn: ast.AST) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name.startswith(("assert", "check_")):
                return True
            if name in RAISING and isinstance(node.func, ast.Attribute):
                return True
    return False


def _calls_reference(fn: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and _call_name(n) in REFERENCE_CALLS for n in ast.walk(fn))


def _marked(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(_is_reference_mark(d) for d in fn.decorator_list)


def scan_source(source: str, path: Path = Path("<source>")) -> list[ScannedTest]:
    """Every test function of a module's source, with what it does."""
    tree = ast.parse(source, filename=str(path))
    mod = _Module(tree)
    out: list[ScannedTest] = []
    for name, fn in mod.functions.items():
        if name.startswith("test") and name not in mod.fixtures:
            out.append(
                ScannedTest(
                    path,
                    name,
                    fn.lineno,
                    mod.asserts(fn, None),
                    mod.uses_reference(fn, None),
                    mod.module_marked or _marked(fn),
                )
            )
    for cls_name, cls in mod.classes.items():
        if not (cls_name.startswith("Test") or cls_name.endswith("Contract")):
            continue
        cls_marked = any(_is_reference_mark(d) for d in cls.decorator_list)
        for name, fn in mod.methods[cls_name].items():
            if name.startswith("test"):
                out.append(
                    ScannedTest(
                        path,
                        f"{cls_name}.{name}",
                        fn.lineno,
                        mod.asserts(fn, cls_name),
                        mod.uses_reference(fn, cls_name),
                        mod.module_marked or cls_marked or _marked(fn),
                    )
                )
    return out


def scan_module(path: Path) -> list[ScannedTest]:
    return scan_source(path.read_text(encoding="utf-8"), path)
