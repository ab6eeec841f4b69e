"""A session in its own process (test_image_folders_window): open the project, apply an image
folder from File > Image folders, close the dialog, quit. The process must exit with 0: the
window's close used the job the dialog's deletion had taken with it (a segfault, H4).

Usage: python folders_quit.py PROJECT FOLDER
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from irtd_annotator.importers.paths import ALL_SOURCES
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.settings import AppSettings


def main(project: str, folder: str) -> int:
    app = QApplication([])
    window = MainWindow(AppSettings(), annotator="Ada")
    window.show()
    if not window.open_project(project):
        return 3
    dialog = window.folders.open_dialog()
    job = window.folders.run({ALL_SOURCES: folder}, None, None)
    if dialog is None or job is None:
        return 4

    def applied(report: object) -> None:
        if report is None:
            app.exit(5)
            return
        dialog.reject()  # Close: the dialog is deleted
        QTimer.singleShot(0, window.close)  # then quit, as Ctrl+Q does

    job.done.connect(applied)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
