"""Moving to the next Sample in the window, made cheap (issue 6): the reads of a Sample shown
(statements compiled once, run through the driver's cursor) give what the SQLAlchemy reads
give; the display frames come out in one pass with the same pixels; the shape items are made
once per Sample shown; a fitted view draws a copy of each image scaled beforehand by the
read-ahead; the Sample shown is remembered without writing the settings file at every move. On
the real LLVIP pairs and IR-TD samples."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QTransform
from pytestqt.qtbot import QtBot

from editing_data import sample_id
from irtd_annotator.domain.errors import StoreError
from irtd_annotator.domain.geometry_edit import Alignment
from irtd_annotator.domain.model import Point, ReviewStatus
from irtd_annotator.domain.views import PairInfo
from irtd_annotator.imaging.display import PALETTES, DisplaySettings, to_display, to_display_bgra
from irtd_annotator.imaging.load import load_image
from irtd_annotator.services.importing.sources import import_source
from irtd_annotator.services.project import Project
from irtd_annotator.services.review.editing import AnswerEditing
from irtd_annotator.services.review.session import ReviewSession
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.pair.image_cache import ImageRequest
from irtd_annotator.ui.pair.view import PairView
from irtd_annotator.ui.settings import AppSettings
from review_data import ReviewData


def test_a_sample_reads_back_as_it_was_changed(session: ReviewSession, data: ReviewData) -> None:
    sid = data.caption["190002"]
    session.edit_turn(sid, 1, "Two people walk at night past a parked car.")
    session.set_status(sid, "rejected", reason="hallucination", note="no car there")
    view = session.sample(sid)
    assert view.status is ReviewStatus.REJECTED
    assert (view.reject_reason, view.note) == ("hallucination", "no car there")
    assert view.edited is True and view.turns[1].edited and not view.turns[0].edited
    assert view.turns[1].text == "Two people walk at night past a parked car."
    pair = view.pair
    assert (pair.width, pair.height, pair.source) == (1280, 1024, "LLVIP")
    for flag in (pair.ir_exists, pair.visible_exists, pair.aligned):
        assert flag is True  # real booleans, whatever the driver hands back
    location = session.sample(data.location["190002"])
    assert location.pair == pair and location.points and not location.boxes
    # read-ahead's pairs: one query, unknown ids left out, the same PairInfo as the sample's
    flir = session.sample(data.flir[0])
    assert session.pairs_of([sid, 10**9, data.flir[0], sid]) == {sid: pair, data.flir[0]: flir.pair}
    assert flir.pair.ir_exists is False and flir.pair.aligned is False
    siblings = session.pair_samples(pair.id)
    assert [row.id for row in siblings] == sorted(
        [data.grounding["190002"], data.location["190002"], sid])
    mine = next(row for row in siblings if row.id == sid)
    assert (mine.status, mine.task, mine.image) == ("rejected", "Caption",
                                                    "LLVIP/infrared/test/190002.jpg")
    assert mine.edited is True and mine.missing is False and mine.warnings == ""
    with pytest.raises(LookupError, match="not in the project"):
        session.sample(10**9)


def test_a_broken_store_is_a_message_not_a_traceback(session: ReviewSession,
                                                     data: ReviewData) -> None:
    sid = data.grounding["190001"]
    editing = AnswerEditing(session.project, annotator="Ada")
    view = session.sample(sid)
    with sqlite3.connect(data.path) as conn:
        conn.execute("DROP TABLE shapes")
    with pytest.raises(StoreError, match="no such table: shapes"):
        session.sample(sid)
    with pytest.raises(StoreError, match="no such table: shapes"):
        editing.tool_context(sid, pair_id=view.pair.id, source=view.pair.source)


def test_the_edit_tools_context_is_what_the_separate_reads_give(llvip_dir: Path,
                                                                 tmp_path: Path) -> None:
    with Project.open(tmp_path / "p.db") as project:
        import_source(project, "llvip", llvip_dir, annotator="ana")
        editing = AnswerEditing(project, annotator="ana")
        session = ReviewSession(project, annotator="ana")
        sid = sample_id(project, "Location", "llvip-190003-location-0")
        pair = session.sample(sid).pair
        other = session.sample(sample_id(project, "Location", "llvip-190001-location-0")).pair

        def both_ways(sample: int, pair_id: int, source: str) -> Alignment | None:
            tools = editing.tool_context(sample, pair_id=pair_id, source=source)
            assert tools.source_boxes == editing.pair_boxes(pair_id)
            assert tools.markers == editing.markers(sample)
            assert tools.alignment == editing.alignment(pair_id)[0]
            assert list(tools.labels) == editing.labels(source)
            return tools.alignment

        assert both_ways(sid, pair.id, pair.source) is None
        tools = editing.tool_context(sid, pair_id=pair.id, source=pair.source)
        assert len(tools.source_boxes) == 5 and tools.labels == ("person",)
        markers = [Point(10.0, 20.0), Point(30.5, 40.25), Point(5.0, 5.0)]
        editing.set_markers(sid, markers)
        assert editing.tool_context(sid, pair_id=pair.id, source=pair.source).markers == \
            tuple(markers)  # in the order placed
        shift = Alignment(dx=-40.5, dy=12.0, scale=2.8)
        editing.set_alignment(pair.id, shift)  # for the whole source
        assert both_ways(sid, pair.id, pair.source) == shift
        own = Alignment(dx=3.0, dy=4.0, scale=2.75)
        editing.set_alignment(pair.id, own, per_pair=True)
        assert both_ways(sid, pair.id, pair.source) == own
        assert both_ways(sid, other.id, other.source) == shift


def test_display_frames_have_the_pixels_of_the_rgb_display(llvip_dir: Path) -> None:
    ir_path = llvip_dir / "infrared" / "test" / "190001.jpg"
    arrays = [load_image(ir_path, grey=True), load_image(ir_path),
              load_image(llvip_dir / "visible" / "test" / "190001.jpg")]
    rng = np.random.default_rng(6)
    arrays += [rng.integers(0, 65535, (48, 64), dtype=np.uint16),
               rng.random((30, 40)).astype(np.float32),
               rng.integers(0, 255, (30, 40, 4), dtype=np.uint8)]
    for array in arrays:
        for palette, stretch, clahe in itertools.product(PALETTES, (False, True), (False, True)):
            settings = DisplaySettings(palette, stretch=stretch, clahe=clahe)
            expected = cv2.cvtColor(to_display(array, settings), cv2.COLOR_RGB2BGRA)
            assert np.array_equal(to_display_bgra(array, settings), expected), settings
        visible = cv2.cvtColor(to_display(array, DisplaySettings(), infrared=False),
                               cv2.COLOR_RGB2BGRA)
        assert np.array_equal(to_display_bgra(array, DisplaySettings(), infrared=False), visible)


def test_shape_items_are_made_once_for_a_pair_its_shapes_and_context(
        qtbot: QtBot, session: ReviewSession, data: ReviewData) -> None:
    view = PairView()
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    made: list[int] = []
    rebuild = view.editor.rebuild

    def counted() -> None:
        made.append(len(made))
        rebuild()

    view.editor.rebuild = counted  # type: ignore[method-assign]
    sample = session.sample(data.grounding["190001"])
    with view.shapes_held():
        view.show_pair(sample.pair)
        view.show_shapes(sample.boxes, sample.points)
        view.editor.set_context(task=sample.task)
        assert view.editor.items(view.ir_view) == {}  # nothing made yet
    items = view.editor.items(view.ir_view)
    assert list(items) == [("sample", 0)] and len(view.editor.items(view.visible_view)) == 1
    assert made == [0, 1, 2, 3]  # asked four times, made once (the held calls wait)
    box = items[("sample", 0)]
    assert box.box() == sample.boxes[0]
    view.editor.select(("sample", 0))  # the handles are made when they are first needed
    assert len(box.handles) == 8 and all(handle.isVisible() for handle in box.handles)


def test_a_fitted_view_draws_the_copy_read_ahead_for_its_size(qtbot: QtBot,
                                                               llvip_dir: Path) -> None:
    view = PairView()
    qtbot.addWidget(view)
    view.resize(1000, 500)
    view.show()
    qtbot.waitExposed(view)
    first, second = (PairInfo(
        id=n, rel_path=f"LLVIP/infrared/test/{name}.jpg", source="LLVIP",
        ir_path=str(llvip_dir / "infrared" / "test" / f"{name}.jpg"),
        visible_path=str(llvip_dir / "visible" / "test" / f"{name}.jpg"),
        ir_exists=True, visible_exists=True, width=1280, height=1024)
        for n, name in ((1, "190001"), (2, "190002")))
    view.show_pair(first)  # not read ahead: its two copies are made as it is shown
    assert len(view.loader.fitted_cache) == 2
    with qtbot.waitSignal(view.loader.idle, timeout=10_000):
        view.prefetch([second])
    made_ahead = len(view.loader.fitted_cache)
    assert made_ahead == 4  # the infrared and the visible copy, scaled off the GUI thread
    view.show_pair(second)
    assert len(view.loader.fitted_cache) == made_ahead  # used, not made again
    for pane in (view.ir_view, view.visible_view):
        item = pane.pixmap_item
        assert item.pixmap().width() == 1280  # the full image stays for zooming
        assert item.fitted is not None and item.fitted.width() < 1280
        # painted at the fitted scale it is the copy; zoomed in, the full image is scaled
        device = QTransform.fromScale(pane.scale_factor(), pane.scale_factor())
        assert item.draws_fitted(device)
        assert not item.draws_fitted(QTransform.fromScale(2 * pane.scale_factor(), 1.0))
    painted = view.ir_view.paint_count
    qtbot.waitUntil(lambda: view.ir_view.paint_count > painted)
    shown = view.ir_view.viewport().grab().toImage()
    centre = view.ir_view.mapFromScene(QPointF(640, 512))
    expected = view.ir_view.pixmap_item.pixmap().toImage().pixelColor(640, 512)
    got = shown.pixelColor(centre)
    assert abs(got.red() - expected.red()) < 40  # the image, where the full one would be
    view.zoom_in()
    assert view.ir_view.pixmap_item.fitted is None
    view.fit()
    assert view.ir_view.pixmap_item.fitted is not None
    other = ImageRequest(first.ir_path or "", True, DisplaySettings(), fit=(10, 10))
    assert other.key == ImageRequest(first.ir_path or "", True, DisplaySettings()).key
    with pytest.raises(ValueError, match="fit"):
        ImageRequest(first.ir_path or "", True, DisplaySettings(), fit=(0, 10))


def test_the_sample_shown_is_remembered_when_the_reviewer_stays(
        qtbot: QtBot, data: ReviewData) -> None:
    settings = AppSettings()
    window = MainWindow(settings, annotator="Ada")
    window.show_error = lambda title, message: None  # type: ignore[method-assign]
    qtbot.addWidget(window)
    window.show()
    assert window.open_project(str(data.path)) and window.controller is not None
    location = window.location
    assert location is not None
    first = window.controller.current_id
    qtbot.waitUntil(lambda: settings.project_sample(location) == first, timeout=5000)
    window.controller.step_sample(1)
    second = window.controller.current_id
    assert second != first
    assert settings.project_sample(location) == first  # not at every move: the file is fsynced
    qtbot.waitUntil(lambda: settings.project_sample(location) == second, timeout=5000)
    window.close()
