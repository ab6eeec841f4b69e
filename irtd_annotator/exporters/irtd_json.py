"""Writers of IR-TD's release format: one file per Task, written sample by sample.

A release file is a JSON array of ``{"id", "image": [path], "conversations": [{"from",
"value"}, ...]}`` objects laid out as the file imported under that name was (its FileLayout:
brackets, separators, indentation), else as the released ``Location.json`` is (``[``, objects
indented by 4 spaces joined by ``,\\n``, ``]``), so an unchanged file is reproduced byte for
byte. The JSON Lines variant writes one object per line. Nothing is kept in memory
but the batch of samples being written.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from irtd_annotator.domain.file_layout import FileLayout
from irtd_annotator.domain.tasks import Task

FORMATS: tuple[str, ...] = ("json", "jsonl")

# One string as JSON with ensure_ascii=False: what json.dumps calls for every string (C).
_quote = encode_basestring


class ReleaseSample(NamedTuple):
    """One Sample as a release holds it: its id, its image string and its turns' text.

    A NamedTuple, not a validated dataclass: an export makes 260,000 of them, and the JSON
    encoder refuses anything that is not a string anyway.
    """

    original_id: str
    image: str
    image_as_list: bool
    turns: Sequence[Sequence[str]]  # (role, text, ...) in order: the first two items are read

    def as_object(self) -> dict[str, Any]:
        """The sample as the JSON object of a release file (key order as IR-TD has it)."""
        return {
            "id": self.original_id,
            "image": [self.image] if self.image_as_list else self.image,
            "conversations": [{"from": turn[0], "value": turn[1]} for turn in self.turns],
        }

    def digest(self) -> str:
        """sha256 of the sample's JSON as a release file holds it (whatever the format)."""
        return hashlib.sha256(format_indented(self).encode("utf-8")).hexdigest()


def _turn_head(role: str) -> str:
    return f'        {{\n            "from": {_quote(role)},\n            "value": '


_TURN_HEADS = {role: _turn_head(role) for role in ("human", "gpt")}
_TURN_END = "\n        }"


def format_object(original_id: str, image: str, image_as_list: bool,
                  turns: Sequence[Sequence[str]]) -> str:
    """One release object as ``json.dumps(obj, indent=4, ensure_ascii=False)`` writes it.

    ``turns`` are sequences whose first two items are the role and the text. The layout of a
    release object is fixed, so only the strings go through the (C) encoder; a test checks
    the result equals json.dumps on every real sample.
    """
    image_json = f"[\n        {_quote(image)}\n    ]" if image_as_list else _quote(image)
    if turns:
        heads = _TURN_HEADS
        conversations = "[\n" + ",\n".join([
            (heads.get(turn[0]) or _turn_head(turn[0])) + _quote(turn[1]) + _TURN_END
            for turn in turns]) + "\n    ]"
    else:
        conversations = "[]"
    return (f'{{\n    "id": {_quote(original_id)},\n    "image": {image_json},\n'
            f'    "conversations": {conversations}\n}}')


def format_indented(sample: ReleaseSample) -> str:
    """The sample as ``json.dumps(obj, indent=4, ensure_ascii=False)`` writes it, only faster."""
    return format_object(sample.original_id, sample.image, sample.image_as_list, sample.turns)


def format_line(sample: ReleaseSample) -> str:
    """The sample as one JSON Lines line (without the newline)."""
    return json.dumps(sample.as_object(), ensure_ascii=False)


def release_file_name(task: Task, fmt: str) -> str:
    """The file name of ``task`` in a release: IR-TD's name, ``.jsonl`` for JSON Lines."""
    check_format(fmt)
    name = task.release_file
    return name if fmt == "json" else name.removesuffix(".json") + ".jsonl"


def check_format(fmt: str) -> None:
    """Raise ValueError unless ``fmt`` is a release format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown release format {fmt!r}; use one of {', '.join(FORMATS)}")


class ReleaseFileWriter:
    """Writes one task's release file incrementally; ``close`` finishes it and fsyncs it.

    The file's sha256 and size are computed on the way (``sha256``, ``bytes``), so a release
    of 260,000 samples is not read back to be checksummed. Use as a context manager. Leaving
    the block with an exception closes the file without finishing it (the caller deletes the
    unfinished release folder).
    """

    def __init__(self, path: Path, *, fmt: str = "json", layout: FileLayout | None = None
                 ) -> None:
        check_format(fmt)
        self.path = path
        self.fmt = fmt
        self.count = 0
        self.bytes = 0
        self._hash = hashlib.sha256()
        self.layout = (layout or FileLayout()).valid()
        self._separator = self.layout.separator.encode("utf-8")
        self._file: BinaryIO | None = open(path, "xb")  # noqa: SIM115 - closed in close()
        if fmt == "json":
            self._put(self.layout.head.encode("utf-8"))

    @property
    def sha256(self) -> str:
        """sha256 of what was written so far (of the whole file once it is closed)."""
        return self._hash.hexdigest()

    def _put(self, data: bytes) -> None:
        if self._file is None:
            raise ValueError(f"{self.path} is already closed")
        self._file.write(data)
        self._hash.update(data)
        self.bytes += len(data)

    def write(self, sample: ReleaseSample) -> str:
        """Append one sample; its digest (ReleaseSample.digest)."""
        return self.write_batch([sample])[0]

    def write_batch(self, samples: Sequence[tuple[str, str, bool, Sequence[Sequence[str]]]]
                    ) -> list[str]:
        """Append samples given as (original id, image, image as list, turns); their digests.

        A sample's digest is the sha256 of its indented JSON (ReleaseSample.digest), computed
        on the way; turns are sequences whose first two items are the role and the text.
        """
        if self._file is None:
            raise ValueError(f"{self.path} is already closed")
        sha256 = hashlib.sha256
        indented: list[bytes] = []
        digests: list[str] = []
        for original_id, image, image_as_list, turns in samples:
            data = format_object(original_id, image, image_as_list, turns).encode("utf-8")
            indented.append(data)
            digests.append(sha256(data).hexdigest())
        if not indented:
            return digests
        if self.fmt == "json":
            layout = self.layout  # the digests stay those of the 4-space layout
            if layout.indent == 4 and not layout.ensure_ascii and layout.margin:
                newline = b"\n" + layout.margin.encode("utf-8")
                indented = [data.replace(b"\n", newline) for data in indented]
            elif not layout.plain:
                indented = [self._laid_out(sample).encode("utf-8") for sample in samples]
            body = self._separator.join(indented)
            self._put(self._separator + body if self.count else body)
        else:
            self._put(b"".join([format_line(ReleaseSample(*sample)).encode("utf-8") + b"\n"
                                for sample in samples]))
        self.count += len(indented)
        return digests

    def _laid_out(self, sample: tuple[str, str, bool, Sequence[Sequence[str]]]) -> str:
        layout = self.layout  # another indentation or escaping: json.dumps writes it
        text = json.dumps(ReleaseSample(*sample).as_object(), indent=layout.indent,
                          ensure_ascii=layout.ensure_ascii)
        return text.replace("\n", "\n" + layout.margin) if layout.margin else text

    def close(self) -> None:
        """Finish the file (closing bracket), flush and fsync it."""
        if self._file is None:
            return
        try:
            if self.fmt == "json":
                self._put(self.layout.tail.encode("utf-8") if self.count else b"]")
            self._file.flush()
            os.fsync(self._file.fileno())
        finally:
            self._file.close()
            self._file = None

    def abandon(self) -> None:
        """Close the file as it is (on failure): it is not a valid release file."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> ReleaseFileWriter:
        return self

    def __exit__(self, exc_type: object, *_rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abandon()


def write_release_file(path: Path, samples: Sequence[ReleaseSample], *, fmt: str = "json") -> int:
    """Write ``samples`` to ``path`` in one go (for small releases and tests); the count."""
    with ReleaseFileWriter(path, fmt=fmt) as writer:
        for sample in samples:
            writer.write(sample)
    return writer.count


def file_sha256(path: Path, *, chunk: int = 1 << 16) -> str:
    """sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
