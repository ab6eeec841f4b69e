"""What the adversarial tester found in the report page and its charts (issue 15): labels that
merged two days, a folder of the user's overwritten, a page drawn only with a screen."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QStackedBarSeries
from PySide6.QtCore import Qt

from dashboard_data import sample_dashboard
from irtd_annotator.domain.dashboard import ReviewerDay
from irtd_annotator.ui.dashboard.charts import LIGHT, build_charts


def test_days_a_year_apart_are_two_bars_with_the_whole_date(qtbot: object) -> None:
    dashboard = replace(sample_dashboard(), since="2025-01-01", per_day=(
        ReviewerDay("bob", "2025-12-05", 900), ReviewerDay("alice", "2026-12-05", 412)))
    chart, = (c.chart for c in build_charts(dashboard, LIGHT, only={"decisions_per_day"}))
    axis = chart.axes(Qt.Orientation.Horizontal)[0]
    assert isinstance(axis, QBarCategoryAxis)
    assert axis.categories() == ["2025-12-05", "2026-12-05"]  # not one "12-05"
    series = chart.series()[0]
    assert isinstance(series, QStackedBarSeries | QBarSeries)
    values = {s.label(): [s.at(i) for i in range(s.count())] for s in series.barSets()}
    assert values == {"alice": [0.0, 412.0], "bob": [900.0, 0.0]}


def test_days_within_one_year_keep_the_short_label(qtbot: object) -> None:
    chart, = (c.chart for c in build_charts(sample_dashboard(), LIGHT,
                                            only={"decisions_per_day"}))
    axis = chart.axes(Qt.Orientation.Horizontal)[0]
    assert isinstance(axis, QBarCategoryAxis)
    labels = axis.categories()
    assert len(labels) == 30 and labels[-1] == "12-05" and len(set(labels)) == 30
