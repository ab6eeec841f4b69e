"""The pixel size of a JPEG or PNG from its header, without decoding the image.

An import of a source dataset needs the size of thousands of images; reading a few hundred
bytes of each is far cheaper than decoding them.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(handle: BinaryIO) -> tuple[int, int] | None:
    handle.seek(2)
    while True:
        byte = handle.read(1)
        while byte and byte != b"\xff":
            byte = handle.read(1)
        while byte == b"\xff":  # fill bytes before a marker
            byte = handle.read(1)
        if not byte:
            return None
        marker = byte[0]
        if marker in (0x01, *range(0xD0, 0xDA)):  # markers without a length
            continue
        length_bytes = handle.read(2)
        if len(length_bytes) != 2:
            return None
        (length,) = struct.unpack(">H", length_bytes)
        if length < 2:  # a corrupt segment: seeking back would loop forever
            return None
        if marker in _SOF_MARKERS:
            data = handle.read(5)
            if len(data) != 5:
                return None
            height, width = struct.unpack(">HH", data[1:5])
            return (width, height) if width and height else None
        handle.seek(length - 2, 1)


def image_size(path: Path) -> tuple[int, int] | None:
    """``(width, height)`` of a JPEG or PNG file, or None when missing, unreadable or other."""
    try:
        with path.open("rb") as handle:
            head = handle.read(24)
            if head.startswith(_PNG_SIGNATURE) and head[12:16] == b"IHDR":
                width, height = struct.unpack(">II", head[16:24])
                return (width, height) if width and height else None
            if head.startswith(b"\xff\xd8"):
                return _jpeg_size(handle)
    except OSError:
        return None
    return None
