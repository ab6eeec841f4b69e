"""What one pane of the pair view shows for a loaded image: the picture, or a placeholder that
says why there is none, and the note over an unaligned visible image.

Shared by the pair view (which places the images) and the geometry editor (which writes the
note of a hand alignment), so that neither has to import the other.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from PySide6.QtGui import QPixmap

from irtd_annotator.domain.errors import UserError
from irtd_annotator.domain.geometry_edit import Alignment
from irtd_annotator.domain.views import PairInfo
from irtd_annotator.imaging.load import ImageMissingError
from irtd_annotator.ui.pair.image_cache import DecodedImage
from irtd_annotator.ui.pair.image_pane import ImagePane
from irtd_annotator.ui.pair.qimage import array_to_qimage

Loaded = DecodedImage | UserError | None   # None: not loaded (no path, or not needed yet)
NOT_ALIGNED_NOTE = "not aligned: geometry shown on the infrared image only"


def alignment_note(alignment: Alignment | None) -> str:
    """The note over the visible image of an unaligned pair: how it was aligned by hand, if so."""
    if alignment is None:
        return NOT_ALIGNED_NOTE
    a = alignment
    return f"aligned by hand: shift {a.dx:.0f}, {a.dy:.0f} px, scale {a.scale:.3f}"


def device_box(width: float, height: float, scale: float) -> tuple[int, int] | None:
    """The device pixels ``width`` x ``height`` take at ``scale`` (None: nothing to show)."""
    box = (round(width * scale), round(height * scale))
    return box if min(box) >= 1 else None


def to_pixmap(image: DecodedImage) -> QPixmap:
    """The display frame of a decoded image (BGRA) as a pixmap."""
    return QPixmap.fromImage(array_to_qimage(image.frame, order="bgra"))


def show_loaded(pane: ImagePane, loaded: Loaded, *, size: tuple[int, int],
                text: Callable[[], str], pixmap: QPixmap | None = None) -> None:
    """Show a decoded image in ``pane`` (``pixmap`` if already made), else the placeholder
    ``text()`` says (asked only then: it names the missing file)."""
    if isinstance(loaded, DecodedImage):
        pane.set_placeholder(None)
        pane.set_image(pixmap or to_pixmap(loaded), size=size)
    else:
        pane.set_image(None, size=size)
        pane.set_placeholder(text())


def ir_message(pair: PairInfo, loaded: Loaded) -> str:
    """Why the infrared pane shows no image."""
    if not pair.ir_path:
        return f"No infrared image is known for {pair.rel_path}."
    return _problem("Infrared image", PurePath(pair.rel_path).name, pair.ir_path, loaded)


def visible_message(pair: PairInfo, loaded: Loaded) -> str:
    """Why the visible pane (or the overlay) shows no image."""
    if not pair.visible_path:
        return f"This pair has no visible counterpart (source {pair.source})."
    return _problem("Visible image", PurePath(pair.visible_path).name, pair.visible_path, loaded)


def _problem(what: str, name: str, path: str, loaded: Loaded) -> str:
    if isinstance(loaded, ImageMissingError) or loaded is None:
        return f"{what} not found: {name}\nlooked for at {path}"
    if isinstance(loaded, UserError):
        return f"{what} cannot be shown: {name}\n{loaded}"
    return ""
