"""Image paths, pairing rules, image roots, image sizes and coordinate spaces at import."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from import_support import (
    GROUNDING_PROMPT,
    LOCATION_PROMPT,
    PREFIX,
    box_answer,
    points_answer,
    query,
    sample,
    write_samples,
)
from irtd_annotator.domain.errors import BadInputError, UserError
from irtd_annotator.imaging.probe import image_size
from irtd_annotator.importers.irtd_json import iter_objects, read_samples
from irtd_annotator.importers.paths import ImagePathError, PathMapping, preset_for
from irtd_annotator.services.importing.files import ImportOptions, ImportReport, import_files
from irtd_annotator.services.project import Project


def run_import(db: Path, files: list[Path], **options: object) -> ImportReport:
    with Project.open(db) as project:
        return import_files(project, files, options=ImportOptions(**options))  # type: ignore[arg-type]


def mapping(**kwargs: object) -> PathMapping:
    args: dict[str, object] = {"strip_prefix": None, "image_roots": {}, "pair_rules": []}
    args.update(kwargs)
    return PathMapping.build(**args)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the pure path mapping


def test_prefix_is_stripped_and_roots_apply_per_source_or_for_all() -> None:
    image = f"{PREFIX}63-FLIR_ADAS/training/PreviewData/FLIR_02410.jpeg"
    loc = mapping(image_roots={"63-FLIR_ADAS": "/data/flir"}).locate(image)
    assert (loc.rel_path, loc.source) == ("63-FLIR_ADAS/training/PreviewData/FLIR_02410.jpeg", "63-FLIR_ADAS")
    assert loc.ir_path == "/data/flir/training/PreviewData/FLIR_02410.jpeg"
    assert loc.visible_path == "/data/flir/training/RGB/FLIR_02410.jpg" and loc.aligned is False
    every = mapping(image_roots={"*": "/data"}).locate(image)
    assert every.ir_path == "/data/63-FLIR_ADAS/training/PreviewData/FLIR_02410.jpeg"
    # A source's root may be named without its index; a given prefix is stripped instead.
    assert mapping(image_roots={"flir_adas": "/f"}).locate(image).ir_path.startswith("/f/training/")
    own = mapping(strip_prefix="/srv/irtd").locate("/srv/irtd/63-FLIR_ADAS/training/Data/FLIR_00001.tiff")
    assert (own.rel_path, own.visible_path) == (
        "63-FLIR_ADAS/training/Data/FLIR_00001.tiff", "/srv/irtd/63-FLIR_ADAS/training/RGB/FLIR_00001.jpg")


@pytest.mark.parametrize("image, reason", [
    (f"{PREFIX}63-FLIR_ADAS/../../etc/passwd", "escapes its image root"),
    ("../63-FLIR_ADAS/a.jpeg", "escapes its image root"),
    ("/etc/passwd", "is absolute"),
    (f"{PREFIX}./", "names no file"),
])
def test_unsafe_image_paths_are_refused(image: str, reason: str) -> None:
    with pytest.raises(ImagePathError, match=reason):
        mapping(image_roots={"*": "/data"}).locate(image)


@pytest.mark.parametrize("rel, visible, aligned", [
    ("LLVIP/infrared/test/190002.jpg", "LLVIP/visible/test/190002.jpg", True),
    ("12-KAIST/images/set00/V000/lwir/I00000.jpg", "12-KAIST/images/set00/V000/visible/I00000.jpg", True),
    ("63-FLIR_ADAS/training/PreviewData/FLIR_00001.jpeg", "63-FLIR_ADAS/training/RGB/FLIR_00001.jpg", False),
    ("30-M3FD/fusion/ir/00001.png", "30-M3FD/fusion/vi/00001.png", True),
    ("40-RGBT234/afterrain/infrared/00001.jpg", "40-RGBT234/afterrain/visible/00001.jpg", True),
    ("41-LasHeR/seq/infrared/00001.jpg", "41-LasHeR/seq/visible/00001.jpg", True),
    ("42-VTUAV/train/seq/ir/00001.jpg", "42-VTUAV/train/seq/rgb/00001.jpg", True),
    ("23-RGBTCrowdCounting/train/3358_Grey.jpg", "23-RGBTCrowdCounting/train/3358_RGB.jpg", True),
    ("6-LSOTB-TIR/TrainingData/person_039/00000063.jpg", None, True),
    ("53-LLCM/train/0001.jpg", None, True),
    ("54-RegDB/a.jpg", None, True),
    ("55-SYSU-MM01/a.jpg", None, True),
    ("56-ThermalWorld/a.jpg", None, True),
    ("4-VEDAI/train/trainimgr/10682.jpg", None, True),
    ("99-Unknown/a/infrared/b.jpg", None, True),
])
def test_pairing_presets_by_source_name(rel: str, visible: str | None, aligned: bool) -> None:
    source = rel.split("/")[0]
    assert mapping().visible_rel(rel, source) == (visible, aligned)


def test_preset_names_match_case_insensitively_and_user_rules_come_first() -> None:
    assert preset_for("63-flir_adas").name == "FLIR ADAS"  # type: ignore[union-attr]
    assert preset_for("23-RGBTCrowdCounting").name == "RGBTCrowdCounting"  # type: ignore[union-attr]
    rules = [r"PreviewData/(FLIR_\d+)\.jpeg$=>thermal_8_bit/\1.jpg"]
    assert mapping(pair_rules=rules).visible_rel(
        "63-FLIR_ADAS/training/PreviewData/FLIR_00001.jpeg", "63-FLIR_ADAS") == (
        "63-FLIR_ADAS/training/thermal_8_bit/FLIR_00001.jpg", True)
    with pytest.raises(UserError, match="PATTERN=>REPLACEMENT"):
        mapping(pair_rules=["no arrow"])
    with pytest.raises(UserError, match="not a valid regular expression"):
        mapping(pair_rules=["(unclosed=>x"])


# ---------------------------------------------------------------- the reader


def test_reader_yields_the_line_each_sample_starts_on() -> None:
    text = '\n{"id": "0"},\n\n  {"id": "1",\n "x": 2},\n{"id": "2"},\n'
    assert list(iter_objects(text, file="Detection.json")) == [
        (2, {"id": "0"}), (4, {"id": "1", "x": 2}), (6, {"id": "2"})]
    assert [line for line, _ in iter_objects('[\n{"id": 1},\n{"id": 2}\n]', file="a.json")] == [2, 3]
    assert [line for line, _ in iter_objects('{"id": 1}\n{"id": 2}\n', file="a.jsonl")] == [1, 2]
    with pytest.raises(BadInputError, match=r"^a.json, line 3: invalid JSON: the array is not closed"):
        list(iter_objects('[\n{"id": 1},\n', file="a.json"))
    with pytest.raises(BadInputError, match=r"^a.json, sample 7, line 2: invalid JSON"):
        list(iter_objects('[{"id": 1},\n{"id": 7 "image": 1}]', file="a.json"))


def test_reader_refuses_bytes_that_are_not_utf8_and_empty_files(tmp_path: Path) -> None:
    bad = tmp_path / "a.json"
    bad.write_bytes(b'[\n{"id": "\xff"}]')
    with pytest.raises(BadInputError, match=r"a.json, line 2: not UTF-8"):
        read_samples(bad, name="a.json")
    bad.write_text("  \n")
    with pytest.raises(BadInputError, match="the file is empty"):
        read_samples(bad, name="a.json")


# ---------------------------------------------------------------- image sizes


def test_image_size_reads_headers_and_falls_back_to_opencv(tmp_path: Path, llvip_dir: Path) -> None:
    assert image_size(llvip_dir / "infrared" / "test" / "190002.jpg") == (1280, 1024)
    for name, pixels in (("a.png", np.zeros((30, 40, 3), np.uint8)),
                         ("b.tiff", np.zeros((512, 640), np.uint16)),
                         ("c.jpg", np.zeros((512, 640), np.uint8)),
                         ("d.bmp", np.zeros((7, 9), np.uint8))):
        assert cv2.imwrite(str(tmp_path / name), pixels)
        assert image_size(tmp_path / name) == (pixels.shape[1], pixels.shape[0]), name
    (tmp_path / "e.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    assert image_size(tmp_path / "e.jpg") is None
    assert image_size(tmp_path / "missing.jpg") is None


# ---------------------------------------------------------------- at import: pairs and spaces


def test_llvip_pair_found_with_a_root_per_source_or_for_all(tmp_path: Path, llvip_dir: Path) -> None:
    image = f"{PREFIX}LLVIP/infrared/test/190002.jpg"
    path = write_samples(tmp_path / "Detection.json",
                         [sample("0", [image], GROUNDING_PROMPT, box_answer(259, 569, 376, 866))])
    for n, roots in enumerate(({"LLVIP": str(llvip_dir)}, {"*": str(llvip_dir.parent)})):
        db = tmp_path / f"p{n}.db"
        report = run_import(db, [path], image_roots=roots)
        assert report.files[0].missing_ir == report.files[0].missing_visible == 0
        assert query(db, "SELECT ir_path, visible_path, ir_exists, visible_exists, width, height, "
                         "aligned FROM pairs") == [(
            str(llvip_dir / "infrared/test/190002.jpg"), str(llvip_dir / "visible/test/190002.jpg"),
            1, 1, 1280, 1024, 1)]
        assert query(db, "SELECT outside FROM shapes") == [(0,)]


def test_image_roots_and_rules_are_stored_and_used_when_none_are_given(
        tmp_path: Path, llvip_dir: Path) -> None:
    db = tmp_path / "p.db"
    first = write_samples(tmp_path / "Detection.json", [
        sample("0", [f"{PREFIX}LLVIP/infrared/test/190002.jpg"], GROUNDING_PROMPT, box_answer(1, 2, 3, 4))])
    run_import(db, [first], image_roots={"LLVIP": str(llvip_dir)}, pair_rules=["^x=>y"])
    second = write_samples(tmp_path / "Location.json", [
        sample("0", [f"{PREFIX}LLVIP/infrared/test/190003.jpg"], LOCATION_PROMPT, points_answer((500, 500)))])
    run_import(db, [second], pair_rules=["^a=>b"])
    with Project.open(db) as project:
        assert project.setting("image_roots") == {"LLVIP": str(llvip_dir)}
        assert project.setting("pair_rules") == ["^a=>b", "^x=>y"]
    assert query(db, "SELECT ir_exists, visible_exists FROM pairs ORDER BY id") == [(1, 1), (1, 1)]


def test_user_rule_and_crowd_counting_preset_find_the_visible_image(tmp_path: Path) -> None:
    root = tmp_path / "images"
    for rel in ("23-RGBTCrowdCounting/train/1_Grey.jpg", "23-RGBTCrowdCounting/train/1_RGB.jpg",
                "77-Own/thermal/a.png", "77-Own/colour/a.png"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / rel), np.zeros((8, 12), np.uint8))
    path = write_samples(tmp_path / "PedestrianCounting.json", [
        sample("0", [f"{PREFIX}23-RGBTCrowdCounting/train/1_Grey.jpg"],
               "<image>\nCalculate the number of pedestrians in the picture.", "<num>3</num>"),
        sample("1", [f"{PREFIX}77-Own/thermal/a.png"],
               "<image>\nCalculate the number of pedestrians in the picture.", "<num>4</num>")])
    report = run_import(tmp_path / "p.db", [path], image_roots={"*": str(root)},
                        pair_rules=[r"/thermal/=>/colour/"])
    assert report.files[0].missing_visible == 0
    assert query(tmp_path / "p.db", "SELECT visible_path, visible_exists, width, height FROM pairs "
                                     "ORDER BY id") == [
        (str(root / "23-RGBTCrowdCounting/train/1_RGB.jpg"), 1, 12, 8),
        (str(root / "77-Own/colour/a.png"), 1, 12, 8)]


def test_location_points_in_pixels_when_the_size_is_known_else_in_0_1000(tmp_path: Path) -> None:
    root = tmp_path / "flir"
    known = root / "training" / "PreviewData" / "FLIR_00001.jpeg"
    known.parent.mkdir(parents=True)
    assert cv2.imwrite(str(known), np.zeros((512, 640), np.uint8))
    image = f"{PREFIX}63-FLIR_ADAS/training/PreviewData/FLIR_{{:05d}}.jpeg"
    path = write_samples(tmp_path / "Location.json", [
        sample("0", [image.format(1)], LOCATION_PROMPT, points_answer((500, 500), (1000, 250))),
        sample("1", [image.format(2)], LOCATION_PROMPT, points_answer((500, 500)))])
    db = tmp_path / "p.db"
    run_import(db, [path], image_roots={"63-FLIR_ADAS": str(root)})
    assert query(db, "SELECT s.original_id, s.answer_space, h.space, h.x1, h.y1 FROM shapes h "
                     "JOIN samples s ON s.id = h.sample_id ORDER BY s.id, h.idx") == [
        ("0", "norm1000", "pixel", 320.0, 256.0), ("0", "norm1000", "pixel", 640.0, 128.0),
        ("1", "norm1000", "norm1000", 500.0, 500.0)]
    assert query(db, "SELECT width, height, ir_exists FROM pairs ORDER BY id") == [(640, 512, 1), (None, None, 0)]
    # Answers given in pixels stay pixels.
    pixel = write_samples(tmp_path / "pix.jsonl", [
        sample("9", [image.format(1)], LOCATION_PROMPT, points_answer((320, 256)))], form="jsonl")
    run_import(db, [pixel], task="Location", location_space="pixel")
    assert query(db, "SELECT s.answer_space, h.space, h.x1 FROM shapes h JOIN samples s "
                     "ON s.id = h.sample_id WHERE s.original_id = '9'") == [("pixel", "pixel", 320.0)]


def test_geometry_outside_the_image_is_kept_and_flagged_only_when_known(tmp_path: Path) -> None:
    root = tmp_path / "images"
    found = root / "63-FLIR_ADAS" / "training" / "PreviewData" / "FLIR_00001.jpeg"
    found.parent.mkdir(parents=True)
    assert cv2.imwrite(str(found), np.zeros((512, 640), np.uint8))
    shutil.copy(found, root / "99-Custom.jpeg")
    path = write_samples(tmp_path / "Detection.json", [
        sample("0", [f"{PREFIX}63-FLIR_ADAS/training/PreviewData/FLIR_00001.jpeg"],
               GROUNDING_PROMPT, box_answer(600, 100, 641, 200)),  # x2 = 641 as in the real file
        sample("1", [f"{PREFIX}99-Custom/missing.jpeg"], GROUNDING_PROMPT,
               box_answer(600, 100, 641, 200)),  # size unknown: nothing to flag
        sample("2", [f"{PREFIX}63-FLIR_ADAS/training/PreviewData/FLIR_00001.jpeg"],
               GROUNDING_PROMPT, box_answer(10, 10, 20, 20))])
    db = tmp_path / "p.db"
    report = run_import(db, [path], image_roots={"*": str(root)})
    assert report.files[0].outside == 1
    assert report.warnings == {"outside-image": 1}
    assert "samples with warnings (queue filter 'Warnings'): outside-image 1" in report.summary()
    rows = query(db, "SELECT s.original_id, s.warnings, h.x2, h.outside FROM samples s "
                     "JOIN shapes h ON h.sample_id = s.id ORDER BY s.id")
    assert [(i, x2, outside) for i, _w, x2, outside in rows] == [
        ("0", 641.0, 1), ("1", 641.0, 0), ("2", 20.0, 0)]  # stored as is, never clamped
    assert "outside-image" in rows[0][1] and "outside-image" not in (rows[1][1] or "")
