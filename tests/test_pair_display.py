"""How the window shows the infrared image (issue 13): the chip that names the palette,
stretch and CLAHE on the image, a palette remembered per project, not for all, and boxes
that stay visible whatever the palette makes of the image under them."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction, QColor, QPixmap

from irtd_annotator.domain.model import Box
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.pair.edit_items import SOURCE_COLOUR, EditableBoxItem
from irtd_annotator.ui.pair.image_pane import ImagePane
from irtd_annotator.ui.pair.shape_items import BOX_COLOUR
from pair_support import make_project, open_window


def press(qtbot, window: MainWindow, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    """A key with the image focused, as after a click on it."""
    window.pair_view.ir_view.setFocus()
    qtbot.keyClick(window.pair_view.ir_view, key)


def chip(window: MainWindow) -> str:
    label = window.pair_view.chip
    assert label.isVisibleTo(window)
    pane = window.pair_view.ir_view
    assert pane.rect().contains(label.geometry())  # in a corner of the infrared image
    return label.text()


def test_the_chip_on_the_image_says_the_palette_stretch_and_clahe(
        qtbot, llvip_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    location = make_project(llvip_dir, tmp_path / "a.db")
    errors: list[str] = []
    window = open_window(qtbot, errors)
    assert not window.pair_view.chip.isVisibleTo(window)  # no image, no chip
    assert window.open_project(location), errors
    assert chip(window) == "White hot"
    press(qtbot, window, Qt.Key.Key_3)
    assert chip(window) == "Iron"
    press(qtbot, window, Qt.Key.Key_C)
    assert chip(window) == "Iron · CLAHE"
    window.findChild(QAction, "view.stretch").trigger()  # View > Contrast stretch
    assert chip(window) == "Iron · stretch · CLAHE"
    press(qtbot, window, Qt.Key.Key_4)
    assert chip(window) == "Jet · stretch · CLAHE"
    window.close_project()
    assert not window.pair_view.chip.isVisibleTo(window)
    window.close()
    assert errors == []


def test_the_palette_is_remembered_per_project(
        qtbot, llvip_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = make_project(llvip_dir, tmp_path / "a.db")
    b = make_project(llvip_dir, tmp_path / "b.db")
    errors: list[str] = []
    window = open_window(qtbot, errors)
    assert window.open_project(a), errors
    press(qtbot, window, Qt.Key.Key_3)
    press(qtbot, window, Qt.Key.Key_C)
    assert (window.pair_view.display().palette, window.pair_view.display().clahe) == ("iron", True)

    assert window.open_project(b), errors  # never shown: the defaults, not A's Iron
    assert (window.pair_view.display().palette, window.pair_view.display().clahe) == (
        "white-hot", False)
    assert chip(window) == "White hot"
    assert window.open_project(a), errors
    assert window.pair_view.display().palette == "iron" and chip(window) == "Iron · CLAHE"
    window.close()

    window = open_window(qtbot, errors)  # the next start opens A as it was left
    assert window.pair_view.display().palette == "white-hot"  # no project yet
    assert window.open_project(a), errors
    assert window.pair_view.display().palette == "iron"
    assert window.open_project(b), errors
    assert window.pair_view.display().palette == "white-hot"
    window.close()
    assert errors == []


@pytest.mark.parametrize(("layer", "colour"), [("source", SOURCE_COLOUR), ("sample", BOX_COLOUR)])
def test_a_box_shows_on_an_image_of_its_own_colour(qtbot, layer: str, colour: QColor) -> None:  # type: ignore[no-untyped-def]
    """The worst palette for a box is one as bright as its stroke there (amber boxes on an
    orange person in Iron): a dark outline keeps its edge visible."""
    pane = ImagePane("halo-test")
    qtbot.addWidget(pane)
    pane.resize(300, 300)
    image = QPixmap(200, 200)
    image.fill(colour)
    pane.set_image(image, size=(200, 200))
    box = EditableBoxItem(Box(50, 50, 150, 150, ""), width=200, height=200, layer=layer,
                          index=0, owner=None)
    pane.set_shapes([box])
    pane.set_scale(1.0)
    pane.centerOn(100, 100)
    pane.show()
    qtbot.waitExposed(pane)
    shot = pane.viewport().grab().toImage()
    edge = pane.mapFromScene(QPointF(50, 100))
    across = [shot.pixelColor(edge.x() + dx, edge.y()) for dx in range(-6, 7)]
    assert any(c.lightness() < 60 for c in across), [c.name() for c in across]
    assert shot.pixelColor(edge.x() - 20, edge.y()) == colour  # the image around it as it is
