"""The house plan holds: the layer contracts of docs/architecture (import-linter, declared in
pyproject.toml), no import cycle, no module over the line limit."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    assert lint.exists(), "import-linter is a test dependency: pip install -e '.[test]'"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower() or "0 broken" in result.stdout.lower()


_KNOWN_CYCLES: frozenset[frozenset[str]] = frozenset()  # none may be added

MAX_MODULE_LINES = 420  # the house rule says ~400; a little slack, no more
_KNOWN_LONG_MODULES: frozenset[str] = frozenset()  # none may be added


def _direct_imports() -> dict[str, set[str]]:
    """Each module of irtd_annotator -> the modules of irtd_annotator it imports, including
    imports made only for type checking (a cycle there is still a knot for a reader)."""
    graph = grimp.build_graph("irtd_annotator", cache_dir=None)
    return {module: set(graph.find_modules_directly_imported_by(module))
            for module in graph.modules}


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative): the
    sets of modules that import each other, directly or through each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _loop_through(component: list[str], edges: dict[str, set[str]]) -> list[str]:
    """One loop of imports inside ``component``, from its first module back to it."""
    members, start = set(component), component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:  # breadth first: the shortest loop back to ``start``
        node = queue.pop(0)
        for child in sorted(edges[node] & members):
            if child == start:
                return paths[node] + [start]
            if child not in paths:
                paths[child] = paths[node] + [child]
                queue.append(child)
    return component


def test_cycle_finder_finds_the_knots_and_a_loop_through_each() -> None:
    edges = {"a": {"b"}, "b": {"c", "d"}, "c": {"a", "d"}, "d": {"b"}, "e": {"f"}, "f": set()}
    assert _cycles(edges) == [["a", "b", "c", "d"]]
    assert _loop_through(["a", "b", "c", "d"], edges) == ["a", "b", "c", "a"]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    edges = _direct_imports()
    cycles = _cycles(edges)
    unexpected = [f"{', '.join(knot)}\n    e.g. {' -> '.join(_loop_through(knot, edges))}"
                  for knot in cycles if frozenset(knot) not in _KNOWN_CYCLES]
    assert not unexpected, "import cycles in irtd_annotator:\n" + "\n".join(unexpected)
    stale = _KNOWN_CYCLES - {frozenset(knot) for knot in cycles}
    assert not stale, f"these cycles are gone: remove them from _KNOWN_CYCLES: {stale}"


def test_no_module_over_the_line_limit() -> None:
    lengths = {path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
               for path in sorted((ROOT / "irtd_annotator").rglob("*.py"))}
    too_long = [f"{name}: {lines} lines" for name, lines in lengths.items()
                if lines > MAX_MODULE_LINES and name not in _KNOWN_LONG_MODULES]
    assert not too_long, (f"modules over {MAX_MODULE_LINES} lines (split them by "
                          "responsibility):\n" + "\n".join(too_long))
    stale = sorted(name for name in _KNOWN_LONG_MODULES
                   if lengths.get(name, 0) <= MAX_MODULE_LINES)
    assert not stale, f"no longer over the limit: remove from _KNOWN_LONG_MODULES: {stale}"


# Services that may still build SQL in place: none (docs/architecture: "SQL lives in store/
# only"). A service needing a query asks the store for a named function.
SQL_ALLOWED: frozenset[str] = frozenset()
SQL_CALLS = frozenset({"select", "insert", "update", "delete", "text", "bindparam", "tuple_",
                       "exists", "case", "func"})
SQL_METHODS = frozenset({"execute", "executemany", "exec_driver_sql", "executescript"})
# What a service may take from SQLAlchemy: connections to pass to the store, the rows it hands
# back, and its errors.
SQLALCHEMY_NAMES = frozenset({"Connection", "Engine", "Row"})


def _sql_in(path: Path) -> list[str]:
    """Where ``path`` builds or runs SQL: SQLAlchemy constructs imported or called, statements
    executed, the store's tables imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "sqlalchemy":
                found += [f"line {node.lineno}: from sqlalchemy import {a.name}"
                          for a in node.names if a.name not in SQLALCHEMY_NAMES]
            elif node.module.startswith("sqlalchemy.") and node.module not in (
                    "sqlalchemy.exc", "sqlalchemy.engine"):
                found.append(f"line {node.lineno}: from {node.module} import ...")
            elif node.module == "irtd_annotator.store.schema":
                found.append(f"line {node.lineno}: imports the store's tables")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in SQL_METHODS:
                found.append(f"line {node.lineno}: .{func.attr}(...)")
            elif isinstance(func, ast.Name) and func.id in SQL_CALLS:
                found.append(f"line {node.lineno}: {func.id}(...)")
    return found


def test_services_leave_sql_to_the_store() -> None:
    services = ROOT / "irtd_annotator" / "services"
    offenders = {
        str(path.relative_to(services)): found
        for path in sorted(services.rglob("*.py"))
        if str(path.relative_to(services).as_posix()) not in SQL_ALLOWED
        and (found := _sql_in(path))
    }
    assert not offenders, offenders


def test_the_sql_scan_sees_sql(tmp_path: Path) -> None:
    """The scan above finds each kind of SQL it looks for (so its silence means something)."""
    module = tmp_path / "service.py"
    module.write_text(
        "from sqlalchemy import Connection, select\n"
        "from sqlalchemy.sql import text\n"
        "from irtd_annotator.store.schema import Sample\n"
        "def f(conn: Connection) -> None:\n"
        "    conn.execute(select(Sample.id))\n"
        "    conn.exec_driver_sql('SELECT 1')\n"
        "    conn.connection.cursor().executemany('SELECT ?', [])\n", encoding="utf-8")
    assert sorted(_sql_in(module)) == [
        "line 1: from sqlalchemy import select", "line 2: from sqlalchemy.sql import ...",
        "line 3: imports the store's tables", "line 5: .execute(...)", "line 5: select(...)",
        "line 6: .exec_driver_sql(...)", "line 7: .executemany(...)"]
