"""Image size from the file header, without decoding the pixels.

Import reads the size of every distinct image (17,227 for IR-TD, 100,000 in a 260,000-sample
project), so JPEG, PNG and TIFF headers are parsed directly (a few hundred bytes each); other
formats fall back to OpenCV. ``probe_file`` answers "is it a file, and how big is the image"
with one open and one read (the import asked ``os.path.isfile`` and then opened the file
again: half the system calls, 2.0 instead of 3.6 s of CPU for 92,558 images).
"""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path
from typing import BinaryIO

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset(range(0xD0, 0xDA)) | {0x01}  # RSTn, SOI, EOI, TEM: no length field
_TIFF_WIDTH, _TIFF_HEIGHT = 256, 257
_MAX_JPEG_SEGMENTS = 1000


def image_size(path: str | Path) -> tuple[int, int] | None:
    """``(width, height)`` of the image at ``path``, or None when missing or unreadable."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(32)
            if head.startswith(b"\xff\xd8"):
                size = _jpeg_size(handle)
            elif head.startswith(_PNG_SIGNATURE):
                size = _png_size(head)
            elif head[:4] in (b"II*\x00", b"MM\x00*"):
                size = _tiff_size(handle, head)
            else:
                size = None
    except (OSError, struct.error, ValueError):
        return None
    if size is not None and size[0] > 0 and size[1] > 0:
        return size
    return _cv2_size(path)


Probe = tuple[bool, "tuple[int, int] | None"]  # (is a regular file, image width and height)
_HEAD = 4096  # bytes read at once: the frame header of a camera's JPEG is in the first few hundred
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def probe_file(path: str) -> Probe:
    """``(os.path.isfile(path), image_size(path) or None)`` with one open and one read."""
    try:
        # O_NONBLOCK: a FIFO named like an image must not block the import (it is no file).
        fd = os.open(path, _OPEN_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        return False, None
    except OSError:  # e.g. not readable: whether it is a file is still known
        return os.path.isfile(path), None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False, None
        head = os.read(fd, _HEAD)
    except OSError:
        return True, image_size(path)
    finally:
        os.close(fd)
    size = _size_from_head(head)
    # Anything the first bytes do not settle (a frame header further in, another format,
    # a broken file) takes the careful path, so the answer is always image_size's.
    return True, size if size is not None else image_size(path)


def _size_from_head(head: bytes) -> tuple[int, int] | None:
    """The size in the first bytes of a JPEG or PNG file, or None when they do not tell."""
    if head.startswith(b"\xff\xd8"):
        size = _jpeg_size_in(head)
    elif head.startswith(_PNG_SIGNATURE) and len(head) >= 24:
        size = _png_size(head)
    else:
        return None
    return size if size is not None and size[0] > 0 and size[1] > 0 else None


def _jpeg_size_in(head: bytes) -> tuple[int, int] | None:
    """``_jpeg_size`` over bytes in memory, for well-formed segments only: anything else
    (garbage between segments, a short length, the end of ``head``) gives None, and the
    caller asks ``_jpeg_size`` on the file, so a size given is always the one it gives."""
    pos, end = 2, len(head)
    for _ in range(_MAX_JPEG_SEGMENTS):
        if pos >= end or head[pos] != 0xFF:
            return None
        while pos < end and head[pos] == 0xFF:  # the marker's prefix and fill bytes
            pos += 1
        if pos >= end:
            return None
        marker = head[pos]
        pos += 1
        if marker in _STANDALONE:
            continue
        if marker == 0xDA or pos + 2 > end:
            return None
        length = head[pos] << 8 | head[pos + 1]
        if marker in _SOF_MARKERS:
            if pos + 7 > end:
                return None
            return head[pos + 5] << 8 | head[pos + 6], head[pos + 3] << 8 | head[pos + 4]
        if length < 2:
            return None
        pos += length
    return None


def _png_size(head: bytes) -> tuple[int, int] | None:
    if head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def _jpeg_size(handle: BinaryIO) -> tuple[int, int] | None:
    handle.seek(2)
    for _ in range(_MAX_JPEG_SEGMENTS):
        byte = handle.read(1)
        while byte and byte != b"\xff":  # garbage between segments: skip to a marker
            byte = handle.read(1)
        while byte == b"\xff":  # fill bytes
            byte = handle.read(1)
        if not byte:
            return None
        marker = byte[0]
        if marker in _STANDALONE:
            continue
        if marker == 0xDA:  # start of scan before any frame header: not a usable file
            return None
        (length,) = struct.unpack(">H", handle.read(2))
        if marker in _SOF_MARKERS:
            data = handle.read(5)
            height, width = struct.unpack(">HH", data[1:5])
            return int(width), int(height)
        handle.seek(length - 2, 1)
    return None


_TIFF_TYPES = {3: ("H", 2), 4: ("I", 4)}  # SHORT, LONG


def _tiff_size(handle: BinaryIO, head: bytes) -> tuple[int, int] | None:
    order = "<" if head[:2] == b"II" else ">"
    (offset,) = struct.unpack(order + "I", head[4:8])
    handle.seek(offset)
    (count,) = struct.unpack(order + "H", handle.read(2))
    entries = handle.read(12 * count)
    values: dict[int, int] = {}
    for i in range(count):
        tag, kind, n = struct.unpack(order + "HHI", entries[12 * i:12 * i + 8])
        if tag in (_TIFF_WIDTH, _TIFF_HEIGHT) and kind in _TIFF_TYPES and n == 1:
            fmt, _size = _TIFF_TYPES[kind]
            (values[tag],) = struct.unpack(order + fmt, entries[12 * i + 8:12 * i + 8 + _size])
    if _TIFF_WIDTH in values and _TIFF_HEIGHT in values:
        return values[_TIFF_WIDTH], values[_TIFF_HEIGHT]
    return None


def _cv2_size(path: str | Path) -> tuple[int, int] | None:
    # Imported here: OpenCV is only needed for the rare formats the headers above miss.
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        return None
    height, width = image.shape[:2]
    return int(width), int(height)
