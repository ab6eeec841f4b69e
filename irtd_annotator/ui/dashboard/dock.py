"""The Dashboard dock (issue 15): the project's totals in one line and every chart of a
``Dashboard`` value, two to a row, in a scroll area that fits a 1366x768 screen.

It shows what it is given (``show_dashboard``, ``show_message``) and when those numbers were
read ("as of HH:MM": another reviewer's decisions reach it only when it reads again), says
which samples the reviewer clicked by ``filter_requested`` and asks for fresh numbers by
``refresh_requested`` (its Refresh button, F5 in the dock); ui/dashboard_ui.py reads the
numbers and sets the queue's filter. It draws in the window's palette and draws again when the palette changes
(the desktop switched between light and dark).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCharts import QAbstractBarSeries, QBarCategoryAxis, QBarSet, QChartView
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCursor, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from irtd_annotator.domain.dashboard import Dashboard
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.ui.dashboard.charts import (
    STATUS_ORDER,
    Chart,
    Look,
    build_charts,
    chart_inputs,
    period,
)

__all__ = ["COLUMNS", "DashboardDock", "totals_line"]

REFRESH_KEY = "F5"
COLUMNS = 2          # charts side by side at most, where two fit (from ~1600 px windows)
MIN_CHART_WIDTH = 420  # narrower, the legends and the per-day title are cut ("pend...")


def totals_line(dashboard: Dashboard) -> str:
    """Samples, decided and each status, and the period the decisions are counted over."""
    totals, total = dashboard.totals, dashboard.total
    decided = sum(totals.get(s, 0) for s in ("approved", "accepted", "rejected"))
    share = f" ({decided / total:.0%})" if total else ""
    first, last = period(dashboard)
    statuses = " · ".join(f"{s} {totals.get(s, 0):,}" for s in STATUS_ORDER)
    return (f"{total:,} samples · {decided:,} decided{share} · {statuses} · "
            f"decisions {first} to {last}")


class DashboardDock(QDockWidget):
    """View > Dashboard: a line of totals over the charts; a click on a bar asks for its
    samples in the queue (``filter_requested``)."""

    filter_requested = Signal(QueueFilter)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Dashboard", parent)
        self.setObjectName("dashboardDock")
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 2, 4, 2)
        self.totals = QLabel(body)
        self.totals.setObjectName("dashboardTotals")
        self.totals.setWordWrap(True)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refresh_button = QToolButton(body)
        self.refresh_button.setObjectName("dashboardRefresh")
        self.refresh_button.setText("Refresh")
        self.refresh_button.setToolTip(
            f"Read the numbers again ({REFRESH_KEY}); while the dashboard is shown they are "
            "read every minute, other reviewers' decisions included")
        self.refresh_button.clicked.connect(self.refresh_requested.emit)
        # F5 where the focus is in the dock (a chart, the button), not the window's key
        self.refresh_key = QShortcut(QKeySequence(REFRESH_KEY), self)
        self.refresh_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.refresh_key.activated.connect(self.refresh_requested.emit)
        top = QHBoxLayout()
        top.addWidget(self.totals, 1)
        top.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.stack = QStackedWidget(body)
        self.message = QLabel("No data", self.stack)
        self.message.setObjectName("dashboardMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.scroller = QScrollArea(self.stack)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.grid_host = QWidget(self.scroller)
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)
        self.scroller.setWidget(self.grid_host)
        self.scroller.viewport().installEventFilter(self)  # its width sets the columns
        self.columns = COLUMNS
        self.stack.addWidget(self.message)
        self.stack.addWidget(self.scroller)
        layout.addWidget(self.stack, 1)
        self.setWidget(body)
        self.dashboard: Dashboard | None = None
        self.as_of: datetime | None = None  # when the numbers shown were read
        self.charts: list[Chart] = []
        self.views: list[QChartView] = []
        self.inputs: dict[str, object] = {}  # what the charts shown were drawn from

    def show_dashboard(self, dashboard: Dashboard, *, everything: bool = False,
                       as_of: datetime | None = None) -> None:
        """Draw ``dashboard``, read at ``as_of`` (local time; None: when it was last given
        one): its totals and, in the window's palette, the charts whose numbers changed
        since the last one drawn (``everything``: all of them). A chart whose numbers did
        not move keeps its view: a decision redraws one or two charts, not eight, and a
        chart being hovered or read stays as it is."""
        self.dashboard = dashboard
        self.as_of = as_of or self.as_of
        line = totals_line(dashboard)
        # the time says how stale the numbers may be: others' decisions come in at a read
        self.totals.setText(line if self.as_of is None else f"{line} · as of {self.as_of:%H:%M}")
        self.totals.setToolTip("" if self.as_of is None else
                               f"Read at {self.as_of:%Y-%m-%d %H:%M:%S}")
        inputs = chart_inputs(dashboard)
        kept = {} if everything else {
            chart.name: (chart, view) for chart, view in zip(self.charts, self.views)
            if chart.name in self.inputs and self.inputs[chart.name] == inputs.get(chart.name)}
        for chart, view in zip(self.charts, self.views):
            if chart.name not in kept:
                self.grid.removeWidget(view)
                view.deleteLater()  # the view owns its chart: both go
        fresh = {chart.name: chart for chart in build_charts(
            dashboard, Look.of(self.palette()), self.filter_requested.emit,
            only=[name for name in inputs if name not in kept])}
        self.charts, self.views = [], []
        for name in inputs:
            chart, view = kept[name] if name in kept else self._view(fresh[name])
            self.charts.append(chart)
            self.views.append(view)
        self.inputs = inputs
        self.columns = self._fitting_columns()
        self._place()
        self.stack.setCurrentWidget(self.scroller)

    def _view(self, chart: Chart) -> tuple[Chart, QChartView]:
        view = QChartView(chart.chart, self.grid_host)
        view.setObjectName(f"chart_{chart.name}")
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumSize(MIN_CHART_WIDTH, chart.height)
        view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        view.setFrameShape(QFrame.Shape.NoFrame)
        view.setToolTip("Click a bar to show its samples in the queue")
        _tooltips(chart)
        return chart, view

    def _fitting_columns(self) -> int:
        """Two charts to a row where two fit the dock's width, else one (under the pair
        view at 1366 px, or a dock made narrow by hand)."""
        width = self.scroller.viewport().width()
        return max(1, min(COLUMNS, (width + self.grid.spacing()) //
                          (MIN_CHART_WIDTH + self.grid.spacing())))

    def _place(self) -> None:
        """Put the views in the grid, ``self.columns`` to a row, in the charts' order."""
        for view in self.views:
            self.grid.removeWidget(view)
        for row in range(self.grid.rowCount()):
            self.grid.setRowStretch(row, 0)
        for n, view in enumerate(self.views):
            self.grid.addWidget(view, n // self.columns, n % self.columns,
                                Qt.AlignmentFlag.AlignTop)
        self.grid.setRowStretch((len(self.views) - 1) // self.columns + 1, 1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """The scroll area's viewport resized: as many columns as now fit."""
        if watched is self.scroller.viewport() and event.type() == QEvent.Type.Resize:
            columns = self._fitting_columns()
            if columns != self.columns:
                self.columns = columns
                self._place()
        return super().eventFilter(watched, event)

    def show_message(self, text: str) -> None:
        """No charts, one line instead: no project, no data, or what went wrong."""
        self.dashboard, self.as_of = None, None
        self.totals.clear()
        self._clear()
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def view_of(self, name: str) -> QChartView:
        """The view of the chart named ``name`` (its PNG's stem, e.g. "progress_by_task")."""
        for chart, view in zip(self.charts, self.views):
            if chart.name == name:
                return view
        raise KeyError(f"no chart {name!r}; the charts: {[c.name for c in self.charts]}")

    def _clear(self) -> None:
        for view in self.views:
            self.grid.removeWidget(view)
            view.deleteLater()  # the view owns its chart: both go
        self.views, self.charts, self.inputs = [], [], {}

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.dashboard is not None:
            # light <-> dark: every chart's colours follow
            self.show_dashboard(self.dashboard, everything=True)


def _tooltips(chart: Chart) -> None:
    """Hovering a bar says its category, set and value (or what ``chart.tip`` says): a thin
    segment's number is there to read even when it is too narrow for a label."""
    for series in chart.chart.series():
        if not isinstance(series, QAbstractBarSeries):
            continue
        axes = [a for a in series.attachedAxes() if isinstance(a, QBarCategoryAxis)]
        names = axes[0].categories() if axes else []
        for bar_set in series.barSets():
            bar_set.hovered.connect(
                lambda on, i, s=bar_set, names=names: QToolTip.showText(
                    QCursor.pos(), _tip(chart, names, s, i)) if on else QToolTip.hideText())


def _tip(chart: Chart, names: list[str], bar_set: QBarSet, i: int) -> str:
    if chart.tip is not None:
        return chart.tip(bar_set.label(), i)
    return f"{names[i].strip() if i < len(names) else ''}: {bar_set.label()} {bar_set.at(i):,g}"
