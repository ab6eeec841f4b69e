"""A PostgreSQL database is treated like a project file (issue 12, adversarial findings):
a command that only reads refuses an empty database, and no command writes our schema into
another program's; ``init`` makes a project once, also when two inits race."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from irtd_annotator.cli import main
from irtd_annotator.store.engine import POSTGRES_FORM

# (``check`` opens nothing for writing and says so in its own words: tests/test_team_check.py)
READERS = [["stats"], ["assign", "--to", "Ada", "--count", "1"], ["export", "--out", "OUT"]]


def _one_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("irtd-annotator: error: "), err
    return err.removeprefix("irtd-annotator: error: ").rstrip("\n")


def _tables_and_extensions(url: str) -> tuple[list[str], list[str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            extensions = conn.execute(text("SELECT extname FROM pg_extension ORDER BY 1"))
            return sorted(inspect(conn).get_table_names()), [str(e) for (e,) in extensions]
    finally:
        engine.dispose()


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@pytest.mark.parametrize("command", READERS, ids=lambda c: c[0])
def test_a_reader_refuses_an_empty_database_and_writes_nothing(
        pg_url: str, command: list[str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    before = _tables_and_extensions(pg_url)
    argv = [a.replace("OUT", str(tmp_path / "release")) for a in command] + ["--db", pg_url]
    line = _one_error(argv, capsys)
    assert line == (f"the database {_shown(pg_url)} holds no project yet: run "
                    "irtd-annotator init --db URL")
    assert _tables_and_extensions(pg_url) == before == ([], before[1])


@pytest.mark.parametrize("command", [*READERS, ["init"], ["import", "FILE"]],
                         ids=lambda c: c[0])
def test_no_command_writes_into_another_programs_database(
        pg_url: str, command: list[str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE customers (id integer PRIMARY KEY, name text)"))
        conn.execute(text("INSERT INTO customers VALUES (1, 'Grace')"))
    engine.dispose()
    before = _tables_and_extensions(pg_url)
    source = tmp_path / "Detection.json"
    source.write_text("[]", encoding="utf-8")
    argv = [a.replace("OUT", str(tmp_path / "release")).replace("FILE", str(source))
            for a in command] + ["--db", pg_url, *(["--quiet"] if command[0] == "import" else [])]
    line = _one_error(argv, capsys)
    assert line == (f"{_shown(pg_url)} is a database of another program (tables customers); "
                    "IRTD Annotator will not write into it")
    assert _tables_and_extensions(pg_url) == before == (["customers"], before[1])
    assert "pg_trgm" not in before[1]


def test_a_url_without_a_database_name_is_refused(
        pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    bare = pg_url.rpartition("/")[0]  # the server, no database (URL.set keeps a None part)
    assert make_url(bare).database is None and make_url(bare).host
    for command in (["init"], ["stats"]):
        line = _one_error([*command, "--db", bare], capsys)
        assert line.endswith(f"names no database; give the URL as {POSTGRES_FORM}"), line


def test_init_makes_a_project_once_on_both_stores(
        store_target: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--db", store_target]) == 0
    assert capsys.readouterr().out.startswith("created an empty project: ")
    line = _one_error(["init", "--db", store_target], capsys)
    assert line.endswith(" is already an IRTD Annotator project; nothing was changed"), line
    assert main(["stats", "--db", store_target]) == 0


def test_of_two_racing_inits_one_creates_and_the_other_says_it_exists(
        store_target: str, capsys: pytest.CaptureFixture[str]) -> None:
    start = threading.Barrier(2)
    codes: list[int] = []

    def init() -> None:
        start.wait()
        codes.append(main(["init", "--db", store_target]))

    threads = [threading.Thread(target=init) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out, err = capsys.readouterr()
    assert sorted(codes) == [0, 2], (codes, out, err)
    assert out.count("created an empty project: ") == 1
    assert err.count("is already an IRTD Annotator project; nothing was changed") == 1
