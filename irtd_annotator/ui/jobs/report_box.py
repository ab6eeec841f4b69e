"""The report of a finished (or refused) import or export: its first sentence in words, its
tables in a fixed-width box that never wraps (issue 13).

A QMessageBox wraps its text at half the screen's width, anywhere in a line once the text is
wider still: the export report's table of files broke each checksum onto a line of its own.
Here the tables keep their lines and scroll when they are wider or longer than the screen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QStyle,
    QVBoxLayout,
    QWidget,
)

__all__ = ["ReportBox"]

_ICONS = {QMessageBox.Icon.Information: QStyle.StandardPixmap.SP_MessageBoxInformation,
          QMessageBox.Icon.Warning: QStyle.StandardPixmap.SP_MessageBoxWarning,
          QMessageBox.Icon.Critical: QStyle.StandardPixmap.SP_MessageBoxCritical}
_SCREEN_SHARE = 0.8  # the box grows with its table up to this much of the screen


class ReportBox(QDialog):
    """A report: ``text``'s first paragraph as a sentence, the rest (tables, lists) unwrapped
    in a fixed-width font. Answers ``text()`` and ``icon()`` as a QMessageBox does."""

    def __init__(self, icon: QMessageBox.Icon, title: str, text: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._icon = icon
        self._text = text
        head, _blank, rest = text.partition("\n\n")
        if "\n" in head and not rest:  # no sentence first: all of it is a table
            head, rest = "", text
        self.summary = QLabel(head, self)
        self.summary.setObjectName("reportSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setVisible(bool(head))
        self.details = QPlainTextEdit(rest, self)
        self.details.setObjectName("reportDetails")
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setVisible(bool(rest))

        picture = QLabel(self)
        style = self.style()
        if icon in _ICONS:
            picture.setPixmap(style.standardIcon(_ICONS[icon]).pixmap(32, 32))
        picture.setAlignment(Qt.AlignmentFlag.AlignTop)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        buttons.accepted.connect(self.accept)
        body = QVBoxLayout()
        body.addWidget(self.summary)
        body.addWidget(self.details, 1)
        top = QHBoxLayout()
        top.addWidget(picture)
        top.addLayout(body, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(buttons)
        self._fit(rest)

    def text(self) -> str:
        """The whole report."""
        return self._text

    def icon(self) -> QMessageBox.Icon:
        """Information for a report, Warning for a refusal."""
        return self._icon

    def _fit(self, table: str) -> None:
        """As wide as the widest line of the table and as tall as its lines, within the
        screen (the table scrolls beyond)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        area = screen.availableGeometry().size() if screen is not None else None
        metrics = self.details.fontMetrics()
        lines = table.splitlines() or [""]
        width = max(metrics.horizontalAdvance(line) for line in lines) + 120
        height = metrics.lineSpacing() * len(lines) + 160
        width, height = max(width, 420), max(height, 160 if not table else 240)
        if area is not None:
            width = min(width, int(area.width() * _SCREEN_SHARE))
            height = min(height, int(area.height() * _SCREEN_SHARE))
        self.resize(width, height)
