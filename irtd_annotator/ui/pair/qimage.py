"""The one place where a numpy array becomes a QImage."""

from __future__ import annotations

import sys

import numpy as np
from PySide6.QtGui import QImage


def array_to_qimage(array: np.ndarray, *, order: str = "rgb") -> QImage:
    """A QImage showing a uint8 array: ``(H, W)`` grey, or ``(H, W, 3|4)`` colour.

    ``order`` is the byte order of the colour channels: "rgb" (RGB or RGBA) or "bgra"
    (B, G, R, A with opaque alpha, which on little-endian machines is QImage's native
    Format_RGB32: QPixmap then takes it without a conversion pass).

    Zero-copy where the layout allows: the QImage reads the array's memory, and PySide6
    keeps a reference to the array for the QImage's lifetime, so the array must not be
    changed afterwards (the image cache marks its arrays read-only). A non-contiguous array
    is copied first.
    """
    if array.dtype != np.uint8:
        raise ValueError(f"expected a uint8 array, got {array.dtype}")
    if order not in ("rgb", "bgra"):
        raise ValueError(f"order must be 'rgb' or 'bgra', got {order!r}")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    channels = 1 if array.ndim == 2 else array.shape[2] if array.ndim == 3 else 0
    if channels not in (1, 3, 4) or (order == "bgra" and channels != 4):
        raise ValueError(f"expected (H, W), (H, W, 3) or (H, W, 4) in {order!r} order, "
                         f"got shape {array.shape}")
    if order == "bgra" and sys.byteorder != "little":
        array = array[:, :, [2, 1, 0, 3]]   # Format_RGB32 is A, R, G, B in memory there
        order = "rgb"
    if channels == 1:
        fmt = QImage.Format.Format_Grayscale8
    elif channels == 3:
        fmt = QImage.Format.Format_RGB888
    else:
        fmt = QImage.Format.Format_RGB32 if order == "bgra" else QImage.Format.Format_RGBA8888
    if not array.flags.c_contiguous:
        array = np.ascontiguousarray(array)
    height, width = array.shape[:2]
    return QImage(array.data, width, height, array.strides[0], fmt)
