"""``irtd-annotator audit`` (issue 14): create prints the plan, status the table and JSON,
extend, accept (asks, refuses with reasons, accepts with --yes), undo-accept, and bad
arguments as one line with exit 2 that change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from audit_data import build_audit_project, drawn, set_status
from irtd_annotator import cli
from irtd_annotator.services.project import Project
from irtd_annotator.store.schema import Audit, Sample

REL = "Relationship|97-LLVIP"
MADE = ["--max-error", "0.05", "--confidence", "0.95", "--seed", "3"]


@pytest.fixture()
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "p.db")
    build_audit_project(path)
    return path


def _audit(db: str, *args: str) -> int:
    return cli.main(["audit", *args[:1], "--db", db, *args[1:]])


def _statuses(db: str) -> dict[str, int]:
    with Project.open(db, create=False) as project, project.engine.connect() as conn:
        return {str(k): int(v) for k, v in conn.execute(
            select(Sample.status, func.count()).group_by(Sample.status))}


def test_create_prints_the_plan_and_status_the_counts_as_table_and_json(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _audit(db, "create", "--name", "a1", *MADE, "--annotator", "lead") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("audit a1: max error 5.0% at 95% confidence, seed 3, by "
                             "task,source; made by lead at ")
    assert out[2].split() == ["Location", "/", "63-FLIR_ADAS", "10", "10"]
    assert out[3].split() == ["Relationship", "/", "97-LLVIP", "200", "51"]
    assert out[4].split() == ["total", "210", "61"]

    with Project.open(db, create=False) as project:
        set_status(project, drawn(project, "a1")[REL][:50], "approved")
        set_status(project, drawn(project, "a1")[REL][50:], "rejected", reason="other")
    assert _audit(db, "status") == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[3].split() == ["Relationship", "/", "97-LLVIP", "200", "51", "51", "51", "1",
                               "2.0%", "0.0%-10.4%", "continue", "0"]
    assert _audit(db, "status", "--name", "a1", "--json") == 0
    [status] = json.loads(capsys.readouterr().out)
    rel = status["strata"][1]
    assert (status["name"], status["seed"], status["by"]) == ("a1", 3, ["task", "source"])
    assert (rel["key"], rel["drawn"], rel["reviewed"], rel["errors"], rel["verdict"]) == (
        ["Relationship", "97-LLVIP"], 51, 51, 1, "continue")
    assert rel["low"] == pytest.approx(0.000496, abs=1e-6)

    assert _audit(db, "extend", "--name", "a1") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "drew 27 more samples"  # to 78, the plan for one error in 200
    assert out[4].split()[3:7] == ["200", "78", "78", "51"]  # population, plan, drawn, reviewed


def test_accept_asks_refuses_with_reasons_accepts_with_yes_and_undo_puts_back(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _audit(db, "create", "--name", "a1", *MADE) == 0
    assert _audit(db, "accept", "--name", "a1") == 1  # nothing accepted yet: refused
    out = capsys.readouterr().out
    assert ("refused Relationship / 97-LLVIP: verdict continue: 0 error(s) in 0 reviewed of 51 "
            "drawn; review the drawn samples") in out
    assert cli.main(["review", "--db", db, "--audit", "a1", "--task", "Relationship",
                     "--approve", "--yes"]) == 0
    capsys.readouterr()
    assert _audit(db, "accept", "--name", "a1") == 1  # not a terminal: asks for --yes
    captured = capsys.readouterr()
    assert "would accept 149 samples by audit a1:" in captured.out
    assert captured.err == "irtd-annotator: error: not a terminal; add --yes to do it\n"
    assert _statuses(db) == {"approved": 51, "pending": 159}

    assert _audit(db, "accept", "--name", "a1", "--yes", "--annotator", "lead") == 0
    assert "accepted 149 samples by audit a1:" in capsys.readouterr().out
    assert _statuses(db) == {"approved": 51, "accepted": 149, "pending": 10}
    assert _audit(db, "undo-accept", "--name", "a1") == 0
    assert "put back 149 samples accepted by audit a1:" in capsys.readouterr().out
    assert _statuses(db) == {"approved": 51, "pending": 159}


@pytest.mark.parametrize(("args", "message"), [
    (["create", "--name", "a1", *MADE], "an audit named 'a1' exists already; choose another name"),
    (["create", "--name", "b", "--max-error", "5", "--confidence", "0.95"],
     "--max-error '5': give a fraction between 0 and 1, e.g. 0.05"),
    (["create", "--name", "b", "--max-error", "0.05", "--confidence", "x"],
     "--confidence 'x': give a fraction between 0 and 1, e.g. 0.95"),
    (["create", "--name", "b", "--max-error", "0.05", "--confidence", "1"],
     "--confidence '1': give a fraction between 0 and 1, e.g. 0.95"),
    (["create", "--name", "b", *MADE[:4], "--seed", "-4"],
     "--seed '-4': give a whole number from 0 to 999,999,999,999,999,999"),
    (["create", "--name", "b", *MADE, "--by", "colour"],
     "cannot stratify by 'colour'; give each of task, source at most once, comma-separated"),
    (["create", "--name", "b", *MADE, "--task", "Nope"], "unknown task 'Nope'; one of "),
    (["create", "--name", "b", *MADE, "--source", "Nope"], "unknown source 'Nope'; the "),
    (["create", "--name", "b", *MADE, "--task", "Caption"],
     "the filter selects no pending sample; nothing to audit"),
    (["status", "--name", "zz"], "no audit named 'zz'; the project's audits: a1"),
    (["extend", "--name", "zz"], "no audit named 'zz'; the project's audits: a1"),
    (["accept", "--name", "zz", "--yes"], "no audit named 'zz'; the project's audits: a1"),
    (["undo-accept", "--name", "a1"], "audit 'a1' has no accepted sample to put back"),
])
def test_bad_arguments_are_one_line_exit_2_and_change_nothing(
        db: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert _audit(db, "create", "--name", "a1", *MADE) == 0
    capsys.readouterr()
    assert _audit(db, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"irtd-annotator: error: {message}") and err.count("\n") == 1
    with Project.open(db, create=False) as project, project.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Audit)).scalar_one() == 1
    assert _statuses(db) == {"pending": 210}


def test_undo_accept_clears_accepted_by_and_a_second_one_is_refused_in_one_line(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _audit(db, "create", "--name", "a1", *MADE) == 0
    assert cli.main(["review", "--db", db, "--audit", "a1", "--task", "Relationship",
                     "--approve", "--yes"]) == 0
    assert _audit(db, "accept", "--name", "a1", "--yes", "--annotator", "lead") == 0
    with Project.open(db, create=False) as project, project.engine.connect() as conn:
        first = conn.execute(select(func.min(Sample.id)).where(
            Sample.status == "accepted")).scalar_one()
    with Project.open(db, create=False) as project:
        set_status(project, [first], "rejected", reason="other")  # a reviewer looked after all
    capsys.readouterr()
    assert _audit(db, "status", "--name", "a1") == 0
    assert "accepted by lead" in capsys.readouterr().out
    assert _audit(db, "undo-accept", "--name", "a1") == 0
    assert "put back 148 samples accepted by audit a1:" in capsys.readouterr().out
    assert _audit(db, "status", "--name", "a1") == 0
    assert "accepted by" not in capsys.readouterr().out  # nothing it accepted is accepted now
    before = _statuses(db)
    assert _audit(db, "undo-accept", "--name", "a1") == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("irtd-annotator: error: audit 'a1' has no sample left "
                                   "accepted by it to put back")
    assert _statuses(db) == before == {"approved": 51, "rejected": 1, "pending": 158}


def test_status_shows_no_estimate_before_a_review_and_fits_long_strata(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "long.db")
    build_audit_project(db, {("Pedestrian Counting", "23-RGBTCrowdCounting"): 20,
                             ("Location", "63-FLIR_ADAS"): 10})
    assert _audit(db, "create", "--name", "a1", *MADE) == 0
    plan = capsys.readouterr().out.splitlines()[1:-1]  # the table, not the last hint
    assert len({len(line) for line in plan}) == 1  # every column lines up
    assert plan[2].startswith("  Pedestrian Counting / 23-RGBTCrowdCounting ")
    assert _audit(db, "status") == 0
    table = capsys.readouterr().out.splitlines()[1:-1]
    assert len({len(line) for line in table}) == 1, "\n".join(table)
    assert table[0].split()[:2] == ["stratum", "popul."]
    row = table[2].split()
    assert row[:4] == ["Pedestrian", "Counting", "/", "23-RGBTCrowdCounting"]
    assert row[7:11] == ["0", "0", "\u2013", "0.0%-100.0%"]  # nothing reviewed: no estimate


def test_small_max_errors_and_high_confidences_keep_their_digits(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _audit(db, "create", "--name", "a1", "--max-error", "0.0001", "--confidence",
                  "0.9999", "--seed", "3") == 0
    assert capsys.readouterr().out.startswith(
        "audit a1: max error 0.01% at 99.99% confidence, seed 3")
    with Project.open(db, create=False) as project:
        set_status(project, drawn(project, "a1")["Location|63-FLIR_ADAS"], "rejected",
                   reason="other")
    assert _audit(db, "status") == 0
    out = capsys.readouterr().out
    assert "two-sided at 99.99%; accept and reject each test one side at 99.99%" in out
    assert _audit(db, "accept", "--name", "a1", "--yes") == 1
    assert ("refused Location / 63-FLIR_ADAS: verdict reject: 10 error(s) in 10 reviewed of 10 "
            "drawn; the error rate is above 0.01% at 99.99% confidence"
            ) in capsys.readouterr().out
