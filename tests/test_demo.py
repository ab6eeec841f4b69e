"""The demo project: built once from the shipped LLVIP pairs, with drafts to fix."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import func, select

from irtd_annotator import cli
from irtd_annotator.domain.tasks import Task, task_from_prompt
from irtd_annotator.services.folders import data_dir
from irtd_annotator.services.importing.sources import ensure_demo_project, load_drafts
from irtd_annotator.services.project import Project
from irtd_annotator.store.schema import Pair, Sample, Turn

DEMO_IDS = {"010005", "190001", "190002", "190003", "190004", "190005"}
# What a thermal camera cannot see: the kind of words a reviewer must remove.
COLOURS = re.compile(r"\b(red|green|blue|yellow|orange|pink|brown|golden|silver|beige|colourful)\b", re.I)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_demo_project_is_made_in_the_data_folder_with_drafts_to_review() -> None:
    path = ensure_demo_project()
    assert path == data_dir() / "demo" / "demo.db" and path.is_file()
    with Project.open(path, create=False) as project, project.engine.connect() as conn:
        pairs = conn.execute(select(Pair)).all()
        tasks = dict(conn.execute(select(Sample.task, func.count()).group_by(Sample.task)).all())
        drafts = conn.execute(select(Sample).where(Sample.task.in_(["Caption", "Instruction"]))).all()
        turns = {t.sample_id: t for t in conn.execute(select(Turn).where(Turn.idx == 1))}
    assert {Path(p.rel_path).stem for p in pairs} == DEMO_IDS
    for pair in pairs:  # the images were copied next to the project, so they are found
        assert pair.ir_exists and pair.visible_exists
        assert Path(pair.ir_path).is_relative_to(path.parent) and Path(pair.visible_path).is_file()
    assert tasks == {"Grounding": 5, "Location": 6, "Pedestrian Counting": 6,
                     "Caption": 6, "Instruction": 12}
    captions = [turns[s.id].text for s in drafts if s.task == "Caption"]
    assert len(captions) == 6 and all(COLOURS.search(text) for text in captions)
    assert all(s.status == "pending" and not s.edited for s in drafts)
    assert {p.stem for p in (path.parent / "LLVIP").rglob("*.jpg")} == DEMO_IDS
    assert (path.parent / "TERMS.md").is_file() and (path.parent / "CITATION.md").is_file()


def test_a_second_call_returns_the_project_untouched() -> None:
    path = ensure_demo_project()
    # a reviewer's work must survive a later "demo"
    with Project.open(path, create=False) as project, project.engine.begin() as conn:
        conn.execute(Turn.__table__.update().where(Turn.id == 1).values(text="edited by a person"))
    before = _digest(path)
    assert ensure_demo_project() == path
    assert _digest(path) == before
    with Project.open(path, create=False) as project, project.engine.connect() as conn:
        assert conn.execute(select(Turn.text).where(Turn.id == 1)).scalar_one() == "edited by a person"
        assert conn.execute(select(func.count()).select_from(Sample)).scalar_one() == 35
    assert sorted(p.name for p in path.parent.iterdir()) == ["CITATION.md", "LLVIP", "TERMS.md", "demo.db"]


def test_the_cli_demo_command_prints_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo", "--no-window"]) == 0
    out = capsys.readouterr().out
    assert "demo project:" in out and str(data_dir() / "demo" / "demo.db") in out
    assert re.search(r"Instruction\s+12", out) and re.search(r"Caption\s+6", out)
    assert re.search(r"pairs\s+6", out)


def test_the_drafts_are_llava_style_and_shipped_as_package_data() -> None:
    raw = json.loads((resources.files("irtd_annotator.resources") / "demo" / "drafts.json")
                     .read_text(encoding="utf-8"))
    assert "_about" in raw
    drafts = load_drafts()
    assert set(drafts) == DEMO_IDS
    for key, entries in drafts.items():
        assert [e["task"] for e in entries] == ["Caption", "Instruction", "Instruction"]
        for entry in entries:
            conversation = entry["conversations"]
            assert len(conversation) % 2 == 0 and key in entry["image"]
            assert [t["from"] for t in conversation] == ["human", "gpt"] * (len(conversation) // 2)
            assert conversation[0]["value"].startswith("<image>\n")
            assert not any(t["value"].startswith("<image>") for t in conversation[1:])
        assert task_from_prompt(entries[0]["conversations"][0]["value"]) is Task.CAPTION
    shipped = resources.files("irtd_annotator.resources") / "demo" / "LLVIP" / "Annotations"
    assert {p.name for p in shipped.iterdir()} == {f"{i}.xml" for i in DEMO_IDS}
