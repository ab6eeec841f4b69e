"""Reading image files into numpy arrays, 8- or 16-bit, grey or colour, exactly as stored."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from irtd_annotator.domain.errors import UserError


class ImageMissingError(UserError):
    """The image file is not where it was looked for."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        super().__init__(f"{self.path}: image file not found")


class ImageDecodeError(UserError):
    """The image file exists but cannot be decoded (truncated, not an image, unknown format)."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: cannot decode the image ({reason})")


def load_image(path: str | os.PathLike[str], *, grey: bool = False) -> np.ndarray:
    """The pixels of the image at ``path`` as a numpy array.

    With ``grey=False`` the image is returned as stored (``IMREAD_UNCHANGED``): 8- or 16-bit,
    ``(H, W)`` for grey, ``(H, W, 3)`` BGR or ``(H, W, 4)`` BGRA for colour. With ``grey=True``
    it is decoded straight to one channel keeping its depth (``IMREAD_GRAYSCALE |
    IMREAD_ANYDEPTH``): the infrared view always shows one channel, and letting the JPEG
    decoder skip the colour planes makes a 3-channel grey JPEG decode about 2.5x faster.

    Raises ImageMissingError when there is no file at ``path`` and ImageDecodeError (naming
    the file) when its content is not a readable image.
    """
    file = Path(path)
    try:
        # np.fromfile + imdecode instead of imread: imread cannot tell "missing" from
        # "undecodable" and fails on non-ASCII paths on Windows.
        data = np.fromfile(file, dtype=np.uint8)
    except FileNotFoundError:
        raise ImageMissingError(path) from None
    except IsADirectoryError:
        raise ImageDecodeError(path, "it is a folder, not a file") from None
    except OSError as exc:
        raise ImageDecodeError(path, exc.strerror or str(exc)) from None
    if data.size == 0:
        raise ImageDecodeError(path, "the file is empty")
    flags = cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH if grey else cv2.IMREAD_UNCHANGED
    try:
        image = cv2.imdecode(data, flags)
    except cv2.error as exc:
        raise ImageDecodeError(path, str(exc).strip().splitlines()[-1]) from None
    if image is None or image.size == 0:
        raise ImageDecodeError(path, "not an image in a format OpenCV can read, or truncated")
    return image
