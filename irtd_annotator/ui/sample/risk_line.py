"""The sample panel's line saying why a Sample is risky: its score and the parts, in words.

"Risk 8: the count differs from the markers; count 3 vs 4 boxes on the image", coloured by
how risky (grey for nothing found, amber, red from RED_FROM points). Each part with its
points is in the tooltip; docs/risk.md explains the signals and their weights.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from irtd_annotator.domain.risk import Risk

RED_FROM = 6  # points: a broken answer alone (docs/risk.md)
_COLOURS = {"none": "#616161", "some": "#b26a00", "high": "#c62828"}


class RiskLine(QLabel):
    """One line of words: the risk score of the Sample shown and why."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("risk")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def show_risk(self, risk: Risk) -> None:
        """Show ``risk``: its line, its colour, each part's points in the tooltip."""
        self.setText(risk.describe())
        level = "none" if risk.score == 0 else "high" if risk.score >= RED_FROM else "some"
        self.setStyleSheet(f"color: {_COLOURS[level]};"
                           + (" font-weight: bold;" if level == "high" else ""))
        lines = [f"+{p.points}  {p.words}  ({p.code})" for p in risk.parts]
        self.setToolTip("\n".join([*lines, "The higher, the likelier wrong: the queue's "
                                   "Risk column sorts by it (docs/risk.md)."]))
