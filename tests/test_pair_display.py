"""How the window shows the infrared image (issue 13): the chip that names the palette,
stretch and CLAHE on the image, and a palette remembered per project, not for all."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from irtd_annotator.ui.main_window import MainWindow
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
