"""A reviewer that never stops: opens the real window on a project and edits through it.

Used by test_kill.py, which runs it in a separate process and SIGKILLs it mid-way. After every
change the window reports saved, it prints one line (flushed at once):

    saved <n> {"sample": id, "action": "text"|"status", "target": "turn 1", "value": new}

Usage: python tests/scripted_review.py PROJECT [--edits N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from irtd_annotator.services.changes import Changes
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.settings import AppSettings

STATUSES = ("approved", "flagged", "pending", "approved")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("project")
    parser.add_argument("--edits", type=int, default=100_000)
    args = parser.parse_args()

    app = QApplication(sys.argv[:1])
    window = MainWindow(AppSettings(), annotator="killer")
    window.show_error = lambda title, message: print(f"error {message!r}", flush=True)  # type: ignore[method-assign]
    window.show()
    if not window.open_project(args.project):
        return 2
    controller = window.controller
    queue = window.queue
    window.review_keys.approve_without_images = True  # its images are missing: never ask
    assert controller is not None and queue is not None
    counter = [0]
    last: dict[str, object] = {}

    def on_saved(changes: Changes) -> None:
        counter[0] += 1
        sid = next(iter(changes.sample_ids))
        record = {"sample": sid, "action": last["action"], "target": last["target"],
                  "value": last["value"]}
        print(f"saved {counter[0]} {json.dumps(record)}", flush=True)

    window.runner.changed.connect(on_saved)  # every saved change passes here

    def steps() -> Iterator[None]:
        ids = queue.current_ids()
        n = 0
        while n < args.edits:
            sid = ids[n % len(ids)]
            controller.go_to(sid)
            view = controller.view
            assert view is not None and view.id == sid
            # The prompt: typing after an answer's markup is refused (issue 13), a prompt's
            # words are free text on every task.
            idx = view.turns[0].idx
            editor = window.panel.turn_editor(idx)
            editor.setFocus()
            editor.moveCursor(QTextCursor.MoveOperation.End)
            QTest.keyClicks(editor, f" e{n}")
            last.update(action="text", target=f"turn {idx}", value=editor.toPlainText())
            window.panel.flush()  # what leaving the editor does: the burst is saved
            yield
            status = STATUSES[n % len(STATUSES)]
            if view.status.value != status:
                last.update(action="status", target="status", value=status)
                if status == "flagged":  # F asks for a note in a dialog (issue 13)
                    controller.set_status(status)
                else:
                    window.actions_by_name[{"approved": "approve",
                                            "pending": "pending"}[status]].trigger()
            n += 1
            yield
        window.close()
        app.quit()

    runner = steps()
    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(lambda: next(runner, None))
    timer.start()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
