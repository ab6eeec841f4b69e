"""Test set-up: Qt offscreen, isolated data and settings folders, paths to the shared real data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Offscreen, on a desktop-sized screen (the plugin's own is 800x800): the window fits the
# screen it opens on (issue 13), and the window tests are written for its default 1600x950;
# tests/test_window_fit.py plays the small screens.
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = (
        f"offscreen:configfile={Path(__file__).resolve().parent / 'offscreen_screen.json'}")
SHARED_DATA = ROOT.parent / "shared" / "data"
IRTD_FILES = SHARED_DATA / "irtd_json_sft"
LLVIP_DIR = SHARED_DATA / "llvip" / "LLVIP"

# The per-file sample counts of shared/data/README.md.
RELEASED_COUNTS = {
    "AerialCounting.json": 900,
    "Detection.json": 2789,
    "Location.json": 14979,
    "PedestrianCounting.json": 1030,
    "ReID.json": 3733,
    "Recognition.json": 3705,
    "Relationship.json": 5205,
    "Security.json": 7859,
}


# An import does not start the search index's builder as a process of its own (ADR 0024):
# tests copy and compare project files right after imports; tests of the builder run it.
os.environ["IRTD_ANNOTATOR_BACKGROUND_INDEX"] = "off"


@pytest.fixture(autouse=True)
def _isolated_folders(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own data and settings folders: nothing touches the user's."""
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("IRTD_ANNOTATOR_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("IRTD_ANNOTATOR_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "xdg-config"))


@pytest.fixture(scope="session")
def irtd_files() -> Path:
    assert IRTD_FILES.is_dir(), f"the real IR-TD files are expected at {IRTD_FILES}"
    return IRTD_FILES.resolve()


@pytest.fixture(scope="session")
def llvip_dir() -> Path:
    assert LLVIP_DIR.is_dir(), f"the real LLVIP pairs are expected at {LLVIP_DIR}"
    # resolved, as the importer stores roots: ../shared may be a link to the real folder
    return LLVIP_DIR.resolve()


@pytest.fixture()
def data(tmp_path: Path, llvip_dir: Path, irtd_files: Path):  # type: ignore[no-untyped-def]
    """A review project of real LLVIP pairs and real Detection.json samples (tests/review_data)."""
    from review_data import build_review_project

    return build_review_project(tmp_path / "review.db", llvip_dir=llvip_dir, irtd_files=irtd_files)


@pytest.fixture()
def session(data):  # type: ignore[no-untyped-def]
    """A ReviewSession on ``data`` for the annotator Ada."""
    from irtd_annotator.services.project import Project
    from irtd_annotator.services.review.session import ReviewSession

    project = Project.open(data.path, create=False)
    yield ReviewSession(project, annotator="Ada")
    project.close()


# --- PostgreSQL -------------------------------------------------------------------------------
# `.ci/run` starts a throw-away server (`.ci/pg-server`) and sets IRTD_TEST_DATABASE_URL to its
# maintenance database; each test that asks for ``pg_url`` gets a fresh database of its own.
PG_ENV = "IRTD_TEST_DATABASE_URL"
PG_SKIP = (f"PostgreSQL tests skipped: {PG_ENV} is not set "
           "(`eval \"$(bash .ci/pg-server start)\"` starts a server, as .ci/run does)")


def _pg_admin_url() -> str | None:
    return os.environ.get(PG_ENV) or None


# how many tests got a PostgreSQL database of their own, and how many were skipped for want of
# a server: the run's summary says both, so a CI log shows the PostgreSQL tests really ran
_PG_TESTS = {"ran": 0, "skipped": 0}


@pytest.fixture()
def pg_url() -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty PostgreSQL database, dropped after the test."""
    admin = _pg_admin_url()
    if admin is None:
        _PG_TESTS["skipped"] += 1
        pytest.skip(PG_SKIP)
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"irtd_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        _PG_TESTS["ran"] += 1
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new project on each kind of store: an SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "project.db")
    return str(request.getfixturevalue("pg_url"))


def pytest_report_header(config: pytest.Config) -> str:
    admin = _pg_admin_url()
    if admin is None:
        return PG_SKIP
    from sqlalchemy.engine import make_url

    return f"PostgreSQL tests run against {make_url(admin).render_as_string(hide_password=True)}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line: how many tests ran on a real PostgreSQL server (or were skipped without one)."""
    ran, skipped = _PG_TESTS["ran"], _PG_TESTS["skipped"]
    if ran or skipped:
        where = _pg_admin_url()
        server = "" if where is None else f" ({where.rsplit('@', 1)[-1]})"
        terminalreporter.write_line(
            f"PostgreSQL: {ran} tests ran on a real server{server}, {skipped} skipped without one")
