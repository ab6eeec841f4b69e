"""What a person sees when a team's database cannot be used (issue 12): one line naming the
cause, the exit code of the command line's other errors (2), and the same line in the window
when it opens the project. Never a traceback.

The test server (``.ci/pg-server``) trusts every local connection except those of the role
``irtd_password_check``, which must give its password: the wrong-password test uses it and is
skipped, saying why, on a server started otherwise.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from irtd_annotator.cli import main
from irtd_annotator.domain.errors import StoreError
from irtd_annotator.services.project import Project
from irtd_annotator.store.engine import store_url
from test_main_window import open_window

MISSING_DRIVER = "PostgreSQL needs its driver: pip install 'irtd-annotator[postgres]'"


def _one_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line ``irtd-annotator ARGV`` writes, checking its exit code and that it is
    one line."""
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("irtd-annotator: error: "), err
    return err.removeprefix("irtd-annotator: error: ").rstrip("\n")


def _with(url: str, **parts: object) -> str:
    return make_url(url).set(**parts).render_as_string(hide_password=False)  # type: ignore[arg-type]


def test_an_unreachable_server_is_one_line() -> None:
    # port 1 of this machine: nothing listens there (tcpmux is never served)
    with pytest.raises(StoreError) as raised:
        Project.open("postgresql+psycopg://reviewer@127.0.0.1:1/irtd", create=False)
    assert str(raised.value).startswith(
        "cannot reach the database server 127.0.0.1:1 for "
        "postgresql+psycopg://reviewer@127.0.0.1:1/irtd: is it running and is the address right?")


def test_a_host_no_name_service_knows_is_unreachable_in_one_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    line = _one_error(["stats", "--db", "postgresql://reviewer@no-such-host.invalid/irtd"], capsys)
    assert line.startswith("cannot reach the database server no-such-host.invalid:5432 for ")


def test_a_database_not_created_yet_says_how_to_create_it(
        pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = _with(pg_url, database="irtd_never_created")
    assert _one_error(["stats", "--db", url], capsys) == (
        f"the database irtd_never_created does not exist on {_server(pg_url)}; create it "
        "(createdb irtd_never_created) and then run irtd-annotator init --db URL")


def _server(url: str) -> str:
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


def test_an_unknown_user_or_password_is_one_line_without_the_password(
        pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = _with(pg_url, username="irtd_no_such_role", password="s3cret")
    line = _one_error(["stats", "--db", url], capsys)
    assert line == (f"the database server {_server(pg_url)} refused the user or password of "
                    f"{make_url(store_url(url)).render_as_string(hide_password=True)}")
    assert "s3cret" not in line


PASSWORD_ROLE = "irtd_password_check"  # made by .ci/pg-server, password over TCP only


def test_a_wrong_password_is_one_line_without_the_password(
        pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            known = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                                 {"r": PASSWORD_ROLE}).first()
    finally:
        engine.dispose()
    if known is None:
        pytest.skip(f"the test server has no role {PASSWORD_ROLE} (start it with .ci/pg-server)")
    url = _with(pg_url, username=PASSWORD_ROLE, password="not-the-password")
    line = _one_error(["stats", "--db", url], capsys)
    assert line == (f"the database server {_server(pg_url)} refused the user or password of "
                    f"{make_url(store_url(url)).render_as_string(hide_password=True)}")
    assert "not-the-password" not in line


def test_a_database_of_a_newer_schema_is_refused_and_left_alone(
        pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    Project.open(pg_url).close()
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    line = _one_error(["stats", "--db", pg_url], capsys)
    assert "was written by a newer version of IRTD Annotator (schema 9999)" in line
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [("9999",)]
    engine.dispose()


@pytest.mark.parametrize("form", ["postgresql", "postgres", "postgresql+psycopg2"])
def test_the_usual_postgresql_url_forms_open_with_the_installed_driver(
        pg_url: str, form: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = _with(pg_url, drivername=form)
    assert main(["init", "--db", url]) == 0
    assert main(["stats", "--db", url, "--json"]) == 0
    assert '"samples": 0' in capsys.readouterr().out


def test_another_postgresql_driver_is_refused_naming_the_url_form(
        capsys: pytest.CaptureFixture[str]) -> None:
    line = _one_error(["stats", "--db", "postgresql+asyncpg://reviewer@db.example/irtd"], capsys)
    assert line == ("project postgresql+asyncpg://reviewer@db.example/irtd: the PostgreSQL "
                    "driver asyncpg is not supported; give the URL as "
                    "postgresql://USER:PASSWORD@HOST:PORT/DATABASE")


# Runs the command line in a Python where the driver cannot be imported, as where the
# [postgres] extra was not installed.
WITHOUT_DRIVER = """
import sys
sys.modules["psycopg"] = None
from irtd_annotator.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("command", ["stats", "init", "import"])
def test_a_missing_driver_says_how_to_install_it(command: str, tmp_path: Path,
                                                 irtd_files: Path) -> None:
    args = {"import": [str(irtd_files / "AerialCounting.json")]}.get(command, [])
    done = subprocess.run([sys.executable, "-c", WITHOUT_DRIVER, command, *args, "--db",
                           "postgresql://reviewer@db.example/irtd"],
                          capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"irtd-annotator: error: {MISSING_DRIVER}\n")


def test_the_window_shows_each_cause_in_one_line(qtbot: QtBot, pg_url: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    win, errors = open_window(qtbot, None)
    assert not win.open_project(_with(pg_url, database="irtd_never_created"))
    assert not win.open_project("postgresql+psycopg://reviewer@127.0.0.1:1/irtd")
    monkeypatch.setitem(sys.modules, "psycopg", None)
    assert not win.open_project(pg_url)
    assert [e.split(";")[0].split(": ")[0] for e in errors] == [
        f"the database irtd_never_created does not exist on {_server(pg_url)}",
        "cannot reach the database server 127.0.0.1:1 for postgresql+psycopg://reviewer@"
        "127.0.0.1:1/irtd",
        "PostgreSQL needs its driver"]
    assert all("\n" not in e for e in errors)
    win.close()
