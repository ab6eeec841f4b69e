"""The dashboard's charts (issue 15), built from a ``Dashboard`` value with Qt Charts (ADR
0022). The dock and the report page draw the same builders, so the two show the same numbers.

Each builder returns a ``Chart``: the QChart, the height it needs to stay readable, and, when
given ``on_click``, its bars call it with the queue filter of their samples. Horizontal bars
list their categories top-down in the Dashboard's order (Qt draws the first at the bottom, so
the lists go in reversed).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from PySide6.QtCharts import (
    QAbstractAxis,
    QAbstractBarSeries,
    QAbstractSeries,
    QBarCategoryAxis,
    QBarSet,
    QCategoryAxis,
    QChart,
    QHorizontalBarSeries,
    QHorizontalStackedBarSeries,
    QLineSeries,
    QScatterSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPalette, QPen

from irtd_annotator.domain.dashboard import AuditBar, Dashboard, GroupBar
from irtd_annotator.domain.queue_filter import QueueFilter
from irtd_annotator.ui.status_colours import STATUS_COLOURS

__all__ = ["CHART_NAMES", "NOTHING", "STATUS_ORDER", "Chart", "Look", "build_charts", "chart_inputs", "period"]

OnClick = Callable[[QueueFilter], None]
# the stacking order: what is left to do first, then what is done, then what needs a look
STATUS_ORDER = ("pending", "approved", "accepted", "rejected", "flagged")
# mid-tone colours that read on a white and on a near-black background alike
REVIEWER_COLOURS = ("#42a5f5", "#ab47bc", "#26a69a", "#ec407a", "#8d6e63", "#c0ca33",
                    "#5c6bc0", "#ffa726")
VERDICT_COLOURS = {"accept": STATUS_COLOURS["approved"], "reject": STATUS_COLOURS["rejected"]}
CONTINUE_COLOUR = "#e08e00"  # neither verdict yet: the Audits panel's colour for it
MAX_ERROR_COLOUR = "#e53935"
ROW_PX = 24       # one horizontal bar with its label, at the application's font
FRAME_PX = 110    # title, value axis and legend around the bars
DAILY_UP_TO = 45  # a longer period shows only the days with decisions (one label each)
NOTHING = "none"  # after the title, which names the period: "..., 11-06 to 12-05: none"
EMPTY_PX = 60     # a chart with nothing to draw: its title says so, no empty axes under it
LABEL_CHARS = 30  # a longer group name loses its middle: Qt would cut its end, the count


@dataclass(frozen=True)
class Look:
    """The colours a chart is drawn in: the palette's, so it reads light and dark alike."""

    background: str
    text: str
    grid: str

    @classmethod
    def of(cls, palette: QPalette) -> Look:
        """The look of ``palette`` (the window's: follows the desktop's light or dark)."""
        return cls(palette.color(QPalette.ColorRole.Base).name(),
                   palette.color(QPalette.ColorRole.Text).name(),
                   palette.color(QPalette.ColorRole.Mid).name())


LIGHT = Look("#ffffff", "#212121", "#bdbdbd")  # the report page: printed and mailed, light


@dataclass
class Chart:
    """One chart: its QChart, the PNG file stem and the height it needs to stay readable."""

    name: str
    title: str
    chart: QChart
    height: int
    # what hovering a bar says, from its set's label and its index, where the generic
    # "category: set value" would not tell what a click on it shows
    tip: Callable[[str, int], str] | None = None


def period(dashboard: Dashboard) -> tuple[str, str]:
    """The first and last day (YYYY-MM-DD) of the decisions the dashboard counts."""
    last = dashboard.until[:10]
    if dashboard.since:
        return dashboard.since, last
    return (date.fromisoformat(last) - timedelta(days=29)).isoformat(), last


# every chart's name (its PNG's stem on the report page), in the order they are shown
CHART_NAMES = ("progress_by_task", "progress_by_source", "decisions_per_day", "throughput",
               "reject_reasons", "warning_kinds", "drafts", "audits")


def chart_inputs(dashboard: Dashboard) -> dict[str, object]:
    """What each chart is drawn from, by chart name, in the order they are shown: a chart
    whose inputs compare equal to the last ones draws the same (the dock keeps its view)."""
    d = dashboard
    return {
        "progress_by_task": d.by_task,
        "progress_by_source": d.by_source,
        "decisions_per_day": (period(d), d.per_day),  # the title names the period
        "throughput": d.throughput,
        "reject_reasons": (tuple(d.reject_reasons.items()), tuple(d.reason_filters.items())),
        "warning_kinds": (tuple(d.warning_kinds.items()), tuple(d.warning_filters.items())),
        "drafts": d.drafts,
        "audits": d.audits,
    }


def build_charts(dashboard: Dashboard, look: Look, on_click: OnClick | None = None,
                 only: Collection[str] | None = None) -> list[Chart]:
    """Every chart of the dashboard (or those named in ``only``), in the order they are
    shown (``chart_inputs``'s)."""
    d = dashboard
    builders: dict[str, Callable[[], Chart]] = {
        "progress_by_task": lambda: _progress("progress_by_task", "Progress per task",
                                              d.by_task, look, on_click),
        "progress_by_source": lambda: _progress("progress_by_source", "Progress per source",
                                                d.by_source, look, on_click),
        "decisions_per_day": lambda: _per_day(d, look, on_click),
        "throughput": lambda: _throughput(d, look),
        "reject_reasons": lambda: _counts(
            "reject_reasons", "Rejection reasons (rejected samples)", d.reject_reasons,
            d.reason_filters, STATUS_COLOURS["rejected"], look, on_click),
        "warning_kinds": lambda: _counts(
            "warning_kinds", "Warning kinds (samples with the warning)", d.warning_kinds,
            d.warning_filters, STATUS_COLOURS["flagged"], look, on_click),
        "drafts": lambda: _drafts(d, look, on_click),
        "audits": lambda: _audits(d.audits, look, on_click),
    }
    return [builders[name]() for name in CHART_NAMES if only is None or name in only]


# ---- the charts ---------------------------------------------------------------------------

def _progress(name: str, title: str, bars: Sequence[GroupBar], look: Look,
              on_click: OnClick | None) -> Chart:
    if not bars:  # an empty project: axes from 0 to 4 over no group only look like a chart
        return _empty(name, title, look)
    rows = list(reversed(bars))
    series = QHorizontalStackedBarSeries()
    for status in STATUS_ORDER:
        bar_set = _bar_set(status, [b.counts.get(status, 0) for b in rows], STATUS_COLOURS[status])
        if on_click is not None:
            bar_set.clicked.connect(lambda i, s=status: on_click(
                replace(rows[i].filter, statuses=(s,))))
        series.append(bar_set)
    total = sum(b.total for b in bars)
    chart = _chart(f"{title} ({total:,} samples)", look, series)
    _bar_axes(chart, series, [f"{_short(b.group)}  {b.total:,}" for b in rows], look,
              top=max((b.total for b in bars), default=0))
    return Chart(name, title, chart, FRAME_PX + ROW_PX * max(len(rows), 2))


def _per_day(d: Dashboard, look: Look, on_click: OnClick | None) -> Chart:
    first, last = period(d)
    title = f"Decisions per reviewer per day, {first} to {last}"
    if not d.per_day:  # axes over 30 empty days would only look like a chart of nothing
        return _empty("decisions_per_day", title, look)
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    days = [(start + timedelta(n)).isoformat() for n in range((end - start).days + 1)]
    if len(days) > DAILY_UP_TO:
        days = sorted({row.day for row in d.per_day})
    people = sorted({row.reviewer for row in d.per_day}, key=lambda w: (w.casefold(), w))
    made = {(row.reviewer, row.day): row.decisions for row in d.per_day}
    rows = {(row.reviewer, row.day): row for row in d.per_day}
    named = {_plain(who): who for who in people}  # a bar set's label is its reviewer, escaped
    series = QStackedBarSeries()
    for n, who in enumerate(people):
        bar_set = _bar_set(who, [made.get((who, day), 0) for day in days],
                           REVIEWER_COLOURS[n % len(REVIEWER_COLOURS)])
        if on_click is not None:  # the Samples they decided that day
            bar_set.clicked.connect(lambda i, w=who: (w, days[i]) in rows and on_click(
                rows[(w, days[i])].filter))
        series.append(bar_set)

    def tip(who: str, i: int) -> str:  # ``who``: the set's label (escaped: the tip is rich text)
        row = rows.get((named.get(who, who), days[i])) if i < len(days) else None
        if row is None:
            return who
        samples = row.decided_samples
        on = f" on {samples:,} samples" if samples != row.decisions else ""
        return f"{row.day}: {who} {row.decisions:,} decision{'s' * (row.decisions != 1)}{on}"
    chart = _chart(title, look, series)
    top = max((sum(made.get((w, day), 0) for w in people) for day in days), default=0)
    axis = _bar_axes(chart, series, _day_labels(days), look, top=top, horizontal=False)
    axis.setLabelsAngle(-90 if len(days) > 12 else 0)
    axis.setTruncateLabels(False)  # a turned label has the height it needs: never "…"
    return Chart("decisions_per_day", title, chart, 330, tip)


def _throughput(d: Dashboard, look: Look) -> Chart:
    title = "Throughput: decisions per hour at work"
    if not d.throughput:
        return _empty("throughput", title, look)
    rows = list(reversed(d.throughput))
    series = QHorizontalBarSeries()
    bar_set = _bar_set("samples per hour at work", [round(t.per_hour, 1) for t in rows],
                       REVIEWER_COLOURS[0])
    series.append(bar_set)
    _value_labels(series, look)
    chart = _chart(title, look, series)
    chart.legend().hide()  # one set: the title names it
    _bar_axes(chart, series, [f"{t.reviewer}  ({t.decisions:,} in {t.hours:g} h)" for t in rows],
              look, top=max((t.per_hour for t in rows), default=0), fmt="%.0f")
    return Chart("throughput", title, chart, FRAME_PX + ROW_PX * max(len(rows), 2))


def _counts(name: str, title: str, counts: Mapping[str, int], filters: Mapping[str, QueueFilter],
            colour: str, look: Look, on_click: OnClick | None) -> Chart:
    keys = list(reversed(list(counts)))
    if not keys:
        return _empty(name, title, look)
    series = QHorizontalBarSeries()
    bar_set = _bar_set("samples", [counts[k] for k in keys], colour)
    if on_click is not None:
        bar_set.clicked.connect(lambda i: keys[i] in filters and on_click(filters[keys[i]]))
    series.append(bar_set)
    _value_labels(series, look)
    chart = _chart(title, look, series)
    chart.legend().hide()  # one set: its name is the title's
    _bar_axes(chart, series, keys, look, top=max(counts.values(), default=0))
    return Chart(name, title, chart, FRAME_PX + ROW_PX * max(len(keys), 2))


def _drafts(d: Dashboard, look: Look, on_click: OnClick | None) -> Chart:
    title = "LLM drafts: share edited per task (median edit distance)"
    if not any(q.share_edited for q in d.drafts):  # empty bars at 0% only look like a chart
        return _empty("drafts", title, look, "LLM drafts: none edited yet")
    rows = list(reversed(d.drafts))
    series = QHorizontalBarSeries()
    bar_set = _bar_set("share of samples edited (%)",
                       [round(100 * q.share_edited, 1) for q in rows], "#5c6bc0")
    if on_click is not None:
        bar_set.clicked.connect(lambda i: on_click(rows[i].filter))
    series.append(bar_set)
    _value_labels(series, look, "%")
    chart = _chart(title, look, series)
    chart.legend().hide()
    labels = [f"{q.task}  (median {q.median_edit_distance:g})"
              if q.median_edit_distance is not None else f"{q.task}  (none edited)" for q in rows]
    _bar_axes(chart, series, labels, look, top=100, fmt="%d%%", room=1.0)
    return Chart("drafts", title, chart, FRAME_PX + ROW_PX * max(len(rows), 2))


def _audits(bars: Sequence[AuditBar], look: Look, on_click: OnClick | None) -> Chart:
    """Per stratum a line from the interval's low to its high, a dot at the estimate and a
    red tick at the max error: a line left of its tick passes, one across it is undecided."""
    rows = list(reversed(bars))
    title = "Audits: error rate, interval and max error (red) per stratum"
    if not rows:
        return _empty("audits", title, look, "Audits: none yet")
    chart = _chart(title, look, None)
    x_axis, y_axis = QValueAxis(), QCategoryAxis()
    top = max([100 * max(b.high, b.max_error) for b in rows] + [1.0])
    x_axis.setRange(0, top * 1.1)
    x_axis.applyNiceNumbers()
    x_axis.setLabelFormat("%.0f%%")
    y_axis.setRange(-0.5, len(rows) - 0.5)
    y_axis.setStartValue(-0.5)
    for i, bar in enumerate(rows):
        y_axis.append(_plain(f"{bar.audit} · {bar.stratum}"), i + 0.5)
    for axis, where in ((x_axis, Qt.AlignmentFlag.AlignBottom), (y_axis, Qt.AlignmentFlag.AlignLeft)):
        _style_axis(axis, look)
        chart.addAxis(axis, where)
    estimates = QScatterSeries()
    estimates.setName("estimate")
    estimates.setMarkerSize(9)
    estimates.setColor(QColor(look.text))
    estimates.setBorderColor(QColor(look.text))
    for i, bar in enumerate(rows):
        interval = _segment(f"{bar.audit} · {bar.stratum}", (100 * bar.low, i), (100 * bar.high, i),
                            VERDICT_COLOURS.get(bar.verdict, CONTINUE_COLOUR), 7)
        limit = _segment("max error", (100 * bar.max_error, i - 0.38),
                         (100 * bar.max_error, i + 0.38), MAX_ERROR_COLOUR, 2)
        if on_click is not None:
            interval.clicked.connect(lambda _p, b=bar: on_click(b.filter))
        estimates.append(100 * bar.estimate, i)
        for series in (interval, limit):
            _attach(chart, series, x_axis, y_axis)
    _attach(chart, estimates, x_axis, y_axis)
    chart.legend().hide()  # the title names the marks; a legend would list every stratum
    return Chart("audits", title, chart, FRAME_PX + 30 * max(len(rows), 2))


# ---- helpers ------------------------------------------------------------------------------

def _short(name: str) -> str:
    """``name`` with its middle left out past LABEL_CHARS: a source keeps its number and
    its end (``57-KAIST_Multispec…l_Subset_2015``), and its label keeps the count after it."""
    if len(name) <= LABEL_CHARS:
        return name
    half = (LABEL_CHARS - 1) // 2
    return f"{name[:half]}…{name[-half:]}"


def _plain(text: str) -> str:
    """``text`` escaped for Qt Charts, which draws labels and legends as rich text: a name
    such as ``<script>x</script>`` would vanish, ``<img src=...>`` show an icon."""
    return html.escape(text, quote=False)


def _day_labels(days: Sequence[str]) -> list[str]:
    """Each day's label: MM-DD when every day is in one year, else the whole date (a category
    axis merges equal labels: 2025-12-05 and 2026-12-05 would be one bar and the last lost)."""
    if len({day[:4] for day in days}) > 1:
        return list(days)
    return [day[5:] for day in days]


def _empty(name: str, title: str, look: Look, shown: str | None = None) -> Chart:
    """A chart with nothing to draw: its title says so (``shown``, else "TITLE: none"), and
    no axes under it (an empty plot's axes only show made-up ticks)."""
    return Chart(name, title, _chart(shown or f"{title}: {NOTHING}", look, None), EMPTY_PX)


def _chart(title: str, look: Look, series: QAbstractSeries | None) -> QChart:
    chart = QChart()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)  # numbers now, not in 1 s
    chart.setTitle(title)
    font = QFont(chart.titleFont())
    font.setBold(True)
    chart.setTitleFont(font)
    chart.setTitleBrush(QBrush(QColor(look.text)))
    chart.setBackgroundBrush(QBrush(QColor(look.background)))
    chart.setBackgroundRoundness(0)
    chart.setMargins(QMargins(4, 4, 8, 4))
    chart.legend().setLabelColor(QColor(look.text))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    if series is not None:
        chart.addSeries(series)
    return chart


def _bar_set(label: str, values: Sequence[float], colour: str) -> QBarSet:
    bar_set = QBarSet(_plain(label))
    bar_set.append([float(v) for v in values])
    bar_set.setColor(QColor(colour))
    bar_set.setBorderColor(QColor(colour))
    return bar_set


def _value_labels(series: QAbstractBarSeries, look: Look, unit: str = "") -> None:
    """Each bar's value written beside it (single-set charts: no segment to crowd)."""
    series.setLabelsVisible(True)
    series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
    series.setLabelsFormat("@value" + unit)
    for bar_set in series.barSets():
        bar_set.setLabelColor(QColor(look.text))


def _bar_axes(chart: QChart, series: QAbstractBarSeries, categories: list[str], look: Look, *,
              top: float, horizontal: bool = True, fmt: str = "%d", room: float = 1.12
              ) -> QBarCategoryAxis:
    """The category axis (left, or bottom when vertical) and the value axis from 0 to
    ``top`` times ``room`` (space for the value labels), rounded to nice numbers."""
    category, value = QBarCategoryAxis(), QValueAxis()
    category.append([_plain(c) for c in categories] or [""])
    value.setRange(0, max(top * room, 4))  # a few units at least: "%d" ticks never repeat
    if room > 1:
        value.applyNiceNumbers()
    value.setLabelFormat(fmt)
    left, bottom = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignBottom
    for axis, where in ((category, left if horizontal else bottom),
                        (value, bottom if horizontal else left)):
        _style_axis(axis, look)
        chart.addAxis(axis, where)
        series.attachAxis(axis)
    category.setGridLineVisible(False)
    return category


def _style_axis(axis: QAbstractAxis, look: Look) -> None:
    axis.setLabelsBrush(QBrush(QColor(look.text)))
    axis.setLinePenColor(QColor(look.grid))
    axis.setGridLineColor(QColor(look.grid))


def _segment(name: str, start: tuple[float, float], end: tuple[float, float], colour: str,
             width: int) -> QLineSeries:
    line = QLineSeries()
    line.setName(name)
    line.append(QPointF(*start))
    line.append(QPointF(*end))
    pen = QPen(QColor(colour), width)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    line.setPen(pen)
    return line


def _attach(chart: QChart, series: QAbstractSeries, x_axis: QAbstractAxis,
            y_axis: QAbstractAxis) -> None:
    chart.addSeries(series)
    series.attachAxis(x_axis)
    series.attachAxis(y_axis)
