"""Image folders set after an import: roots and pairing rules per source, every Pair looked for
again, found/missing counts, the roots kept for the next import (issue 13). Both stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, update

from folders_support import NAMES, copy_llvip, irtd_file
from irtd_annotator.cli import main
from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.image_folders import (
    FoldersCancelled,
    apply_image_folders,
    guess_root,
    image_folders,
)
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project
from irtd_annotator.store.schema import Pair


@pytest.fixture()
def images(tmp_path: Path, llvip_dir: Path) -> Path:
    """A folder laid out as LLVIP is, with three of its real pairs (the source's root)."""
    return copy_llvip(llvip_dir, tmp_path / "disk" / "LLVIP")


def pairs(project: Project) -> dict[str, tuple[str | None, bool, str | None, bool, int | None]]:
    with project.engine.connect() as conn:
        rows = conn.execute(select(Pair.rel_path, Pair.ir_path, Pair.ir_exists,
                                   Pair.visible_path, Pair.visible_exists, Pair.width))
        return {rel.rsplit("/", 1)[1]: (ir, bool(ire), vis, bool(vie), w)
                for rel, ir, ire, vis, vie, w in rows}


def test_roots_set_after_import_find_the_images_and_later_imports_use_them(
        store_target: str, tmp_path: Path, images: Path) -> None:
    with Project.open(store_target) as project:
        import_files(project, [irtd_file(tmp_path / "in", NAMES[:2])], options=ImportOptions())
        before = image_folders(project)
        assert [(s.source, s.found, s.missing, s.root) for s in before.sources] == [
            ("LLVIP", 0, 4, None)]  # 2 infrared + 2 visible, all looked for under /mnt/...

        seen: list[tuple[int, int, str]] = []
        report = apply_image_folders(project, roots={"LLVIP": str(images)},
                                     progress=lambda d, t, w: seen.append((d, t, w)))

        assert [(s.source, s.ir_found, s.visible_found, s.missing) for s in report.sources] == [
            ("LLVIP", 2, 2, 0)]
        assert (report.looked, report.changed) == (2, 2)
        assert seen[0][:2] == (0, 2) and seen[-1][0] == 2
        stored = pairs(project)["190001.jpg"]
        assert stored == (str(images / "infrared/test/190001.jpg"), True,
                          str(images / "visible/test/190001.jpg"), True, 1280)
        after = image_folders(project)
        assert after.sources[0].root == str(images)
        assert (after.sources[0].found, after.sources[0].missing) == (4, 0)
        # a later import of another file finds its image under the root set here
        import_files(project, [irtd_file(tmp_path / "in", NAMES[2:], first_id=10)],
                     options=ImportOptions())
        assert pairs(project)["190003.jpg"][:2] == (str(images / "infrared/test/190003.jpg"), True)
        assert project.setting("image_roots") == {"LLVIP": str(images)}


def test_pair_rules_replace_the_stored_ones_and_place_the_visible_image(
        store_target: str, tmp_path: Path, images: Path) -> None:
    shutil.move(images / "visible", images / "rgb")
    with Project.open(store_target) as project:
        import_files(project, [irtd_file(tmp_path / "in", NAMES)], options=ImportOptions())
        apply_image_folders(project, roots={"LLVIP": str(images)})
        assert image_folders(project).sources[0].missing == 3  # the preset looks in visible/

        report = apply_image_folders(project, pair_rules=[r"infrared/=>rgb/"])

        assert report.sources[0].missing == 0 and report.sources[0].visible_found == 3
        assert pairs(project)["190002.jpg"][2] == str(images / "rgb/test/190002.jpg")
        assert image_folders(project).pair_rules == ("infrared/=>rgb/",)


def test_cancel_and_bad_input_change_nothing(store_target: str, tmp_path: Path,
                                            images: Path) -> None:
    with Project.open(store_target) as project:
        import_files(project, [irtd_file(tmp_path / "in", NAMES)], options=ImportOptions())
        before = pairs(project)
        with pytest.raises(FoldersCancelled, match="nothing was changed"):
            apply_image_folders(project, roots={"LLVIP": str(images)}, cancel=lambda: True)
        with pytest.raises(UserError, match="does not exist"):
            apply_image_folders(project, roots={"LLVIP": str(tmp_path / "nowhere")})
        with pytest.raises(UserError, match="PATTERN=>REPLACEMENT"):
            apply_image_folders(project, roots={"LLVIP": str(images)}, pair_rules=["no arrow"])
        assert pairs(project) == before
        assert project.setting("image_roots") is None


def test_only_the_sources_asked_for_are_looked_for(store_target: str, tmp_path: Path,
                                                   images: Path) -> None:
    with Project.open(store_target) as project:
        import_files(project, [irtd_file(tmp_path / "in", NAMES)], options=ImportOptions())
        report = apply_image_folders(project, roots={"LLVIP": str(images)}, sources=["Other"])
        assert report.looked == 0 and report.sources == ()
        assert image_folders(project).sources[0].missing == 6  # the root is kept all the same


def test_locate_takes_the_folder_picked_above_or_inside_the_source(
        store_target: str, tmp_path: Path, images: Path) -> None:
    with Project.open(store_target) as project:
        import_files(project, [irtd_file(tmp_path / "in", NAMES)], options=ImportOptions())
        for picked in (images, images.parent, images / "infrared", images / "infrared" / "test"):
            assert guess_root(project, "LLVIP", picked) == str(images), picked
        with pytest.raises(UserError, match="no LLVIP image is in"):
            guess_root(project, "LLVIP", tmp_path / "in")


def test_folders_command_sets_roots_and_prints_found_and_missing(
        tmp_path: Path, images: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "p.db"
    with Project.open(db) as project:
        import_files(project, [irtd_file(tmp_path / "in", NAMES)], options=ImportOptions())

    assert main(["folders", "--db", str(db)]) == 0
    assert "LLVIP: 0 of 6 images found, 6 missing" in capsys.readouterr().out
    assert main(["folders", "--db", str(db), "--image-root", f"LLVIP={images}"]) == 0
    out = capsys.readouterr().out
    assert f"LLVIP: 6 of 6 images found, 0 missing ({images})" in out
    (images / "visible" / "test" / "190003.jpg").unlink()
    assert main(["folders", "--db", str(db), "--look-again"]) == 0
    assert f"LLVIP: 5 of 6 images found, 1 missing ({images})" in capsys.readouterr().out
    assert main(["folders", "--db", str(db), "--image-root", f"LLVIP={tmp_path}/none"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_pair_an_import_moved_meanwhile_keeps_what_the_import_wrote(
        store_target: str, tmp_path: Path, images: Path) -> None:
    with Project.open(store_target) as project:
        import_files(project, [irtd_file(tmp_path / "in", NAMES)], options=ImportOptions())

        def meanwhile(_done: int, _total: int, what: str) -> None:
            if what == "saving the paths found":  # looked for already, not written yet
                with project.engine.begin() as conn:
                    conn.execute(update(Pair).where(Pair.rel_path.endswith("190002.jpg"))
                                 .values(ir_path="/elsewhere/190002.jpg"))

        report = apply_image_folders(project, roots={"LLVIP": str(images)}, progress=meanwhile)

        assert (report.changed, report.skipped) == (2, 1)
        assert "1 left as an import running meanwhile set them" in report.summary()
        assert pairs(project)["190002.jpg"][:2] == ("/elsewhere/190002.jpg", False)
        assert pairs(project)["190001.jpg"][1] is True
