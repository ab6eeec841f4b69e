"""File > Releases is a table (date, folder, samples, who) with an Open folder button, and an
export's report keeps its table's lines whole (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from irtd_annotator.services.release.listing import ReleaseSummary
from irtd_annotator.ui.jobs import export_dialog
from irtd_annotator.ui.jobs.export_dialog import ReleasesDialog
from irtd_annotator.ui.jobs.report_box import ReportBox
from test_export_window import assert_one_line_each

FILES = "\n".join(f"{name:<32}{size:>12,}  {'0123456789abcdef'}..." for name, size in (
    ("Detection.json", 1_234_567), ("Location.json", 98_765_432), ("manifest.json", 4_321)))
REPORT = (f"release 7: 1,234 samples exported to /data/releases/"
          f"a-folder-with-a-rather-long-name-20261205 (json, 1.1 s)\n\n"
          f"{'file':<32}{'bytes':>12}  sha256\n{'-' * 60}\n{FILES}")


def summary(n: int, folder: Path, at: str = "2026-12-05T10:00:00+00:00") -> ReleaseSummary:
    return ReleaseSummary(id=n, at=at, who=f"reviewer{n}", samples=1000 * n,
                          folder=str(folder), format="json", statuses=("approved",))


@pytest.fixture()
def opened(monkeypatch: pytest.MonkeyPatch) -> list[QUrl]:
    """The URLs the dialog asked the desktop to open (no file manager starts)."""
    urls: list[QUrl] = []
    monkeypatch.setattr(export_dialog.QDesktopServices, "openUrl",
                        lambda url: urls.append(url) or True)
    return urls


def test_releases_are_a_table_and_open_folder_opens_the_selected_one(
        qtbot: QtBot, tmp_path: Path, opened: list[QUrl]) -> None:
    first, second = tmp_path / "release-1", tmp_path / "release-2"
    first.mkdir()
    second.mkdir()
    dialog = ReleasesDialog([summary(1, first), summary(2, second)])
    qtbot.addWidget(dialog)
    dialog.show()
    table = dialog.table
    assert [table.horizontalHeaderItem(c).text() for c in range(4)] == [
        "Date", "Folder", "Samples", "Who"]
    rows = [[table.item(r, c).text() for c in range(1, 4)] for r in range(2)]
    assert rows == [[str(second), "2,000", "reviewer2"], [str(first), "1,000", "reviewer1"]]
    assert table.item(0, 0).text().startswith("2026-12-")  # local time, to the minute
    assert dialog.selected() == dialog.releases[0]  # the newest, selected

    table.selectRow(1)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert [url.toLocalFile() for url in opened] == [str(first)]
    assert not dialog.problem.isVisible()


def test_a_folder_that_is_gone_is_said_in_one_line(qtbot: QtBot, tmp_path: Path,
                                                  opened: list[QUrl]) -> None:
    dialog = ReleasesDialog([summary(1, tmp_path / "moved-away")])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert opened == [] and dialog.problem.isVisible()
    assert dialog.problem.text() == f"The folder {tmp_path / 'moved-away'} is not there any more."


def test_no_releases_yet(qtbot: QtBot) -> None:
    dialog = ReleasesDialog([])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.empty.isVisible() and not dialog.open_button.isEnabled()


def test_the_report_keeps_each_checksum_on_its_file_s_line(qtbot: QtBot) -> None:
    box = ReportBox(QMessageBox.Icon.Information, "Export finished", REPORT)
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    assert box.text() == REPORT and box.icon() == QMessageBox.Icon.Information
    assert box.summary.text().startswith("release 7: 1,234 samples exported")
    assert_one_line_each(qtbot, box, "sha256")
    # each file, its size and checksum: one line
    assert box.details.toPlainText().splitlines()[-3:] == FILES.splitlines()
    # a refusal is a sentence, no table
    refused = ReportBox(QMessageBox.Icon.Warning, "Export not done", "The folder is not empty.")
    qtbot.addWidget(refused)
    refused.show()
    assert refused.summary.isVisible() and not refused.details.isVisible()
