"""Run an undo or redo of thousands of Samples off the GUI thread, while the runner waits.

``ChangeRunner`` writes an undo step's side synchronously (Ctrl+Z returns once it is saved),
but a bulk decision's or an audit accept's undo takes seconds at 260,000 Samples. ``elsewhere``
writes it on a thread with a project of its own, behind a busy dialog that keeps the window
painted and its input away (a second Ctrl+Z must not run the same step again meanwhile), and
hands the result (or the error, raised again here) back to the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from irtd_annotator.domain.errors import UserError
from irtd_annotator.services.project import Project

__all__ = ["elsewhere"]

T = TypeVar("T")


def elsewhere(host: QWidget, project: Project | None, what: str,
              work: Callable[[Project], T]) -> T:
    """``work(project opened again)`` on a thread, ``what`` in a busy dialog over ``host``."""
    if project is None:
        raise UserError("no project is open")
    out: list[T | BaseException] = []

    def run() -> None:
        try:
            with Project.open(project.location, create=False) as own:
                out.append(work(own))
        except BaseException as exc:  # noqa: BLE001 - raised again on the GUI thread
            out.append(exc)

    busy = QProgressDialog(what, "", 0, 0, host)
    busy.setObjectName("bulkBusy")
    busy.setCancelButton(None)  # one transaction: it cannot stop halfway
    busy.setWindowModality(Qt.WindowModality.ApplicationModal)
    busy.setMinimumDuration(0)
    busy.show()
    thread = threading.Thread(target=run, name="undo-elsewhere", daemon=True)
    thread.start()
    while thread.is_alive():
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        thread.join(0.02)
    busy.close()
    busy.deleteLater()
    result = out[0]
    if isinstance(result, BaseException):
        raise result
    return result
