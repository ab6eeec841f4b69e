"""Importing LLVIP (the real 30 pairs) as Pairs, boxes and rule-based Samples; VOC reading."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from irtd_annotator import cli
from irtd_annotator.domain.errors import BadInputError
from irtd_annotator.domain.markup import parse_answer
from irtd_annotator.domain.model import CoordSpace, Point, to_norm1000
from irtd_annotator.domain.tasks import Task
from irtd_annotator.imaging.probe import image_size
from irtd_annotator.importers.voc import parse_voc
from irtd_annotator.services.importing.sources import import_source
from irtd_annotator.services.project import Project
from irtd_annotator.store.schema import Pair, Revision, Sample, Shape, Turn

TABLES = (Pair, Sample, Turn, Shape, Revision)


def _counts(project: Project) -> dict[str, int]:
    with project.engine.connect() as conn:
        return {t.__tablename__: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in TABLES}


@pytest.fixture()
def project(tmp_path: Path):
    with Project.open(tmp_path / "p.db") as opened:
        yield opened


@pytest.fixture()
def llvip_copy(llvip_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the real pairs, to break or change."""
    dest = tmp_path / "copy" / "LLVIP"
    shutil.copytree(llvip_dir, dest)
    for path in dest.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return dest


def _sample(conn, original_id: str):
    return conn.execute(select(Sample).where(Sample.original_id == original_id)).one()


def _turns(conn, sample_id: int) -> list:
    return conn.execute(select(Turn).where(Turn.sample_id == sample_id).order_by(Turn.idx)).all()


def test_llvip_becomes_pairs_with_boxes_and_rule_based_samples(project: Project, llvip_dir: Path) -> None:
    report = import_source(project, "llvip", llvip_dir, annotator="ana")
    assert (report.pairs_found, report.pairs_added, report.visible_missing) == (30, 30, 0)
    assert (report.annotated_pairs, report.boxes_added, report.boxes_outside) == (6, 13, 0)
    with project.engine.connect() as conn:
        pairs = conn.execute(select(Pair)).all()
        assert len(pairs) == 30
        for pair in pairs:
            assert pair.source == "LLVIP" and pair.aligned
            assert pair.ir_exists and Path(pair.ir_path).is_absolute() and Path(pair.ir_path).is_file()
            assert pair.visible_exists and Path(pair.visible_path).is_file()
            assert (pair.width, pair.height) == (1280, 1024)
            assert pair.ir_path.endswith(pair.rel_path.removeprefix("LLVIP/"))
            assert pair.visible_path.replace("/visible/", "/infrared/") == pair.ir_path
        p = conn.execute(select(Pair).where(Pair.rel_path == "LLVIP/infrared/test/190002.jpg")).one()
        source_boxes = conn.execute(select(Shape).where(Shape.sample_id.is_(None))).all()
        assert len(source_boxes) == 13 and len({b.pair_id for b in source_boxes}) == 6
        (box,) = [b for b in source_boxes if b.pair_id == p.id]
        assert (box.kind, box.label, box.space) == ("box", "person", "pixel")
        assert [box.x1, box.y1, box.x2, box.y2] == [259, 569, 376, 866]  # the paper's box

        grounding = _sample(conn, "llvip-190002-grounding-0")
        assert (grounding.task, grounding.source_file, grounding.pair_id) == ("Grounding", "LLVIP", p.id)
        assert grounding.image == "LLVIP/infrared/test/190002.jpg" and grounding.status == "pending"
        human, gpt = _turns(conn, grounding.id)
        assert human.text == human.original == (
            "<image>\nDetect the bounding box of the person located at the left of the image.")
        assert gpt.text == gpt.original == "The target bounding box is <box>[[259, 569, 376, 866]]</box>."

        location = _sample(conn, "llvip-190002-location-0")
        assert location.answer_space == "norm1000"
        human, gpt = _turns(conn, location.id)
        assert human.text == "<image>\n Locate all person from left to right."
        assert gpt.text == "<ref>person</ref> at <pos>[(248, 701)]</pos>"
        (point,) = conn.execute(select(Shape).where(Shape.sample_id == location.id)).all()
        assert (point.kind, point.space, point.x1, point.y1) == ("point", "pixel", 317.5, 717.5)
        assert (int(point.x1 + 0.5), int(point.y1 + 0.5)) == (318, 718)  # the paper's point
        # the stored point and the answer text say the same thing
        parsed = parse_answer(Task.LOCATION, prompt=human.text, answer=gpt.text)
        assert parsed.points == (to_norm1000(Point(point.x1, point.y1, "person"), width=1280, height=1024),)
        assert parsed.points[0].space is CoordSpace.NORM1000

        counting = _sample(conn, "llvip-190003-pedestrian-counting-0")
        assert counting.count == 5 and _turns(conn, counting.id)[1].text == "<num>5</num>"
        tasks = dict(conn.execute(select(Sample.task, func.count()).group_by(Sample.task)).all())
        revision = conn.execute(select(Revision)).one()
    # persons only: Location and counting for each annotated pair, Grounding where a person is
    # alone in its third, no Relationship (IR-TD relates different labels only)
    assert tasks == {"Location": 6, "Pedestrian Counting": 6, "Grounding": 5}
    assert dict(report.samples_by_task) == tasks
    assert (revision.action, revision.who, revision.sample_id) == ("import-source", "ana", None)
    assert '"pairs_added": 30' in revision.new
    summary = report.summary()
    assert "pairs added" in summary and "30" in summary and "Grounding" in summary
    assert "visible image missing" in summary


def test_importing_the_same_folder_twice_adds_nothing(project: Project, llvip_dir: Path) -> None:
    import_source(project, "llvip", llvip_dir)
    before = _counts(project)
    again = import_source(project, "llvip", llvip_dir.parent)  # the parent folder works too
    assert _counts(project) == before
    assert (again.pairs_added, again.boxes_added, again.samples_added) == (0, 0, 0)
    assert "nothing new" in again.summary()


def test_bad_xml_leaves_the_store_unchanged_and_names_the_file(project: Project, llvip_copy: Path) -> None:
    import_source(project, "llvip", llvip_copy)
    before = _counts(project)
    # a new pair that a half-done import would add, and a broken annotation file
    shutil.copy(llvip_copy / "infrared/test/190006.jpg", llvip_copy / "infrared/test/190099.jpg")
    xml = llvip_copy / "Annotations" / "190003.xml"
    xml.write_text(xml.read_text().replace("</ymax>\n\t\t</bndbox>", "</ymax>\n\t\t</bndbx>", 1))
    with pytest.raises(BadInputError) as caught:
        import_source(project, "llvip", llvip_copy)
    assert "190003.xml" in str(caught.value) and caught.value.line is not None
    assert f"line {caught.value.line}" in str(caught.value)
    assert _counts(project) == before


def test_cli_reports_bad_xml_as_a_message_not_a_traceback(tmp_path: Path, llvip_copy: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    (llvip_copy / "Annotations" / "190002.xml").write_text("<annotation><object>")
    db = tmp_path / "cli.db"
    assert cli.main(["import-source", "llvip", str(llvip_copy), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "190002.xml" in err and "line 1" in err and "Traceback" not in err
    with Project.open(db) as project:
        assert _counts(project)["pairs"] == 0


def test_cli_prints_the_summary(tmp_path: Path, llvip_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import-source", "llvip", str(llvip_dir), "--db", str(tmp_path / "c.db")]) == 0
    out = capsys.readouterr().out
    assert "LLVIP import" in out and "Pedestrian Counting" in out


def test_missing_visible_images_and_outside_boxes_are_reported(project: Project, llvip_copy: Path) -> None:
    (llvip_copy / "visible/test/190004.jpg").unlink()
    xml = llvip_copy / "Annotations" / "190005.xml"
    xml.write_text(xml.read_text().replace("<xmin>19</xmin>", "<xmin>-7</xmin>"))
    report = import_source(project, "llvip", llvip_copy)
    assert report.visible_missing == 1 and report.boxes_outside == 1
    assert "outside the image" in report.summary()
    with project.engine.connect() as conn:
        pair = conn.execute(select(Pair).where(Pair.rel_path.endswith("190004.jpg"))).one()
        assert not pair.visible_exists and pair.visible_path.endswith("visible/test/190004.jpg")
        flagged = conn.execute(select(Shape).where(Shape.outside.is_(True))).all()
        grounding = _sample(conn, "llvip-190005-grounding-0")
    # the source box and the Grounding answer's box, both kept as written (x1 = -7)
    assert sorted((s.x1, s.sample_id is None) for s in flagged) == [(-7, False), (-7, True)]
    assert grounding.warnings == "outside-image"


def test_a_folder_that_is_not_llvip_is_refused(project: Project, tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="does not look like LLVIP"):
        import_source(project, "llvip", tmp_path)
    with pytest.raises(BadInputError, match="unknown source dataset kind"):
        import_source(project, "kaist", tmp_path)
    assert _counts(project) == {t.__tablename__: 0 for t in TABLES}


def test_voc_reads_kaist_boxes_and_names_the_line_of_a_bad_one() -> None:
    kaist = parse_voc(
        "<annotation>\n<filename>I00000.jpg</filename>\n<object>\n<name>person</name>\n"
        "<bndbox><x>10</x><y>20</y><w>30</w><h>40</h></bndbox>\n</object>\n</annotation>",
        file="set00/V000/I00000.xml")
    (obj,) = kaist.objects
    assert (obj.name, obj.line) == ("person", 3)
    assert (obj.box.x1, obj.box.y1, obj.box.x2, obj.box.y2) == (10, 20, 40, 60)
    assert (kaist.width, kaist.height) == (None, None)
    with pytest.raises(BadInputError, match=r"a\.xml, line 4: <xmax> must be a number, found 'abc'"):
        parse_voc("<annotation>\n<object><name>car</name>\n<bndbox><xmin>1</xmin><ymin>1</ymin>\n"
                  "<xmax>abc</xmax><ymax>5</ymax></bndbox></object></annotation>", file="a.xml")
    with pytest.raises(BadInputError, match="reversed"):
        parse_voc("<annotation><object><name>car</name><bndbox><xmin>9</xmin><ymin>1</ymin>"
                  "<xmax>5</xmax><ymax>5</ymax></bndbox></object></annotation>", file="b.xml")
    with pytest.raises(BadInputError, match="DOCTYPE"):
        parse_voc('<!DOCTYPE a [<!ENTITY x "y">]><annotation/>', file="c.xml")


def test_image_size_reads_headers_and_gives_up_on_broken_files(llvip_dir: Path, tmp_path: Path) -> None:
    assert image_size(llvip_dir / "visible/train/010001.jpg") == (1280, 1024)
    png = tmp_path / "a.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x80\x00\x00\x02\x00")
    assert image_size(png) == (640, 512)
    for name, data in (("short.jpg", b"\xff\xd8\xff\xe0\x00\x01"), ("text.jpg", b"not an image"),
                       ("cut.jpg", (llvip_dir / "infrared/test/190002.jpg").read_bytes()[:100])):
        (tmp_path / name).write_bytes(data)
        assert image_size(tmp_path / name) is None, name
    assert image_size(tmp_path / "missing.jpg") is None
