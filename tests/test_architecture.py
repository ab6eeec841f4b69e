"""The layer contracts of docs/architecture (import-linter, declared in pyproject.toml) hold."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    assert lint.exists(), "import-linter is a test dependency: pip install -e '.[test]'"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower() or "0 broken" in result.stdout.lower()


# The four modules of the review change pipeline still build their SQL in place; the pipeline
# work of issue 11 moves it to the store. Nothing else in services/ may (docs/architecture:
# "SQL lives in store/ only").
SQL_ALLOWED = frozenset({
    "review/session.py", "review/editing.py", "review/answers.py", "review/pair_editing.py",
})
SQL_CALLS = frozenset({"select", "insert", "update", "delete", "text", "bindparam", "tuple_",
                       "exists", "case", "func"})
SQL_METHODS = frozenset({"execute", "executemany", "exec_driver_sql", "executescript"})
# What a service may take from SQLAlchemy: connections to pass to the store, and its errors.
SQLALCHEMY_NAMES = frozenset({"Connection", "Engine"})


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
