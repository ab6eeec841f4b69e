"""The progress of looking for a project's images again (issue 16): one total from the first
call to the last, also when an import adds Pairs meanwhile (the look holds no lock). Both
stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from folders_support import NAMES, copy_llvip, irtd_file
from irtd_annotator.services.image_folders import apply_image_folders
from irtd_annotator.services.importing.files import ImportOptions, import_files
from irtd_annotator.services.project import Project


@pytest.fixture()
def images(tmp_path: Path, llvip_dir: Path) -> Path:
    return copy_llvip(llvip_dir, tmp_path / "disk" / "LLVIP")


def test_pairs_imported_while_looking_leave_the_total_as_it_began(
        store_target: str, tmp_path: Path, images: Path) -> None:
    with Project.open(store_target) as project:
        import_files(project, [irtd_file(tmp_path / "in", NAMES[:2])], options=ImportOptions())
        seen: list[tuple[int, int, str]] = []

        def progress(done: int, total: int, what: str) -> None:
            if not seen:  # another import adds a Pair while the images are looked for
                with Project.open(store_target) as other:
                    import_files(other, [irtd_file(tmp_path / "more", NAMES[2:], first_id=9)],
                                 options=ImportOptions())
            seen.append((done, total, what))

        report = apply_image_folders(project, roots={"LLVIP": str(images)}, progress=progress)
    assert report.looked == 3  # the new Pair was looked for too
    assert {total for _, total, _ in seen} == {2}, seen
    assert [done for done, _, _ in seen] == sorted(done for done, _, _ in seen)
    assert seen[-1][:2] == (2, 2), seen
