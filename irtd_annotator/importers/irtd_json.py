"""Read IR-TD / LLaVA-style sample files: JSON arrays, JSON Lines and concatenated objects.

The released ``Detection.json`` is not valid JSON: its objects are separated by commas with
no enclosing ``[ ]`` and a trailing comma. All three forms are read by one loop of
``json.JSONDecoder.raw_decode`` over the text, which also gives the line each sample starts
on, so every error can name the file, the sample id and the line. A file is read in pieces
(``json_stream``) and its samples handed on in parts (``stream_samples``), so an import holds
one part of one file at a time, whatever the files' sizes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from irtd_annotator.domain.errors import BadInputError
from irtd_annotator.domain.file_layout import FileLayout, layout_of
from irtd_annotator.domain.shown import brief, shown
from irtd_annotator.importers.input_files import file_size, open_regular_file, read_error
from irtd_annotator.importers.json_stream import (
    CHUNK_BYTES,
    Buffer,
    TextSource,
    peek_head,
    stream_values,
    undecodable,
)

ROLES = ("human", "gpt")
MAX_ID_LENGTH = 200  # longer ids are refused: no dataset numbers its samples so
PART = 20_000  # samples handed on at a time: a few MB of objects, and few parts per file
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PEEK_LIMIT = 64 << 20  # at most this much text is read to tell JSON Lines from the rest


class RawSample(NamedTuple):
    """One validated sample as the file holds it, with the line its object starts on.

    Built only by ``validate_sample``, which checks it; a NamedTuple because a file holds
    tens of thousands of them and a frozen dataclass costs several times more to build.
    """

    original_id: str
    image: str
    image_as_list: bool
    turns: tuple[tuple[str, str], ...]  # (role, text), alternating human / gpt
    line: int

    @property
    def prompt(self) -> str:
        """The first human turn."""
        return self.turns[0][1]

    @property
    def answer(self) -> str:
        """The first gpt turn."""
        return self.turns[1][1]


@dataclass
class FileSamples:
    """What one file holds: the valid samples and, when bad ones are skipped, the errors."""

    file: str
    samples: list[RawSample] = field(default_factory=list)
    rejected: list[BadInputError] = field(default_factory=list)
    layout: FileLayout | None = None  # how the file is laid out, to write it back so
    bytes_read: int = 0  # of the file, when this part was handed on
    last: bool = True  # the file's last part (only it knows the layout)


def iter_objects(text: str, *, file: str) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, value)`` for every top-level sample of ``text`` (an array, JSON Lines
    or comma-separated concatenated objects; see ``json_stream.stream_values``).

    Raises BadInputError naming the file and the line at the first syntax error.
    """
    return stream_values(Buffer(None, text), file=file)


def _sample_id(obj: dict[str, Any]) -> str | None:
    value = obj.get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, (str, int)):
        return str(value)
    return None


def validate_sample(obj: Any, *, file: str, line: int) -> RawSample:
    """Check one decoded sample and return it; BadInputError names what is wrong."""
    # The common shape (string id, one-element image list, one human/gpt exchange) is
    # accepted by a few exact type checks; everything else takes the careful path below.
    if type(obj) is dict:
        sample_id, image, conversations = obj.get("id"), obj.get("image"), obj.get("conversations")
        if (type(sample_id) is str and sample_id and len(sample_id) <= MAX_ID_LENGTH
                and type(image) is list and len(image) == 1
                and type(conversations) is list and len(conversations) == 2):
            path, (human, gpt) = image[0], conversations
            if (type(path) is str and path.strip() and not _CONTROL.search(path)
                    and type(human) is dict
                    and type(gpt) is dict and human.get("from") == "human"
                    and gpt.get("from") == "gpt"):
                prompt, answer = human.get("value"), gpt.get("value")
                if type(prompt) is str and type(answer) is str:
                    return RawSample(sample_id, path, True, (("human", prompt), ("gpt", answer)),
                                     line)
    return _validate_slowly(obj, file=file, line=line)


def _validate_slowly(obj: Any, *, file: str, line: int) -> RawSample:
    if not isinstance(obj, dict):
        raise BadInputError(f"a sample must be a JSON object, found {type(obj).__name__}",
                            file=file, line=line)
    sample_id = _sample_id(obj)

    def bad(message: str) -> BadInputError:
        return BadInputError(message, file=file, line=line,
                             sample_id=None if sample_id is None else shown(sample_id))

    if "id" not in obj:
        raise bad("the sample has no id")
    if sample_id is None or sample_id == "":
        raise bad(f"id must be a non-empty string or an integer, found {brief(obj['id'])}")
    if len(sample_id) > MAX_ID_LENGTH:
        raise bad(f"id is {len(sample_id):,} characters long; at most {MAX_ID_LENGTH} are "
                  "accepted")
    image = obj.get("image")
    as_list = False
    if isinstance(image, list):
        as_list = True
        if len(image) != 1:
            raise bad("image must be one path (a string or a one-element list), "
                      f"found {len(image)} entries")
        image = image[0]
    if "image" not in obj:
        raise bad("the sample has no image")
    if not isinstance(image, str) or not image.strip():
        raise bad(f"image must be a non-empty path string, found {brief(image)}")
    control = _CONTROL.search(image)
    if control is not None:
        raise bad(f"image path '{shown(image)}' holds a control character "
                  f"(U+{ord(control.group()):04X}), which no file name should")
    conversations = obj.get("conversations")
    if conversations is None:
        raise bad("the sample has no conversations")
    if not isinstance(conversations, list):
        raise bad(f"conversations must be a list, found {type(conversations).__name__}")
    if not conversations or len(conversations) % 2:
        raise bad("conversations must hold an even number of turns (human, gpt, ...), "
                  f"found {len(conversations)}")
    turns: list[tuple[str, str]] = []
    for idx, turn in enumerate(conversations):
        expected = ROLES[idx % 2]
        if not isinstance(turn, dict):
            raise bad(f"turn {idx} must be an object with from and value, "
                      f"found {type(turn).__name__}")
        role, value = turn.get("from"), turn.get("value")
        if role != expected:
            raise bad(f"turn {idx} must be from {expected!r} (turns alternate human, gpt), "
                      f"found {brief(role)}")
        if not isinstance(value, str):
            raise bad(f"turn {idx} value must be a string, found {type(value).__name__}")
        turns.append((role, value))
    return RawSample(original_id=sample_id, image=image, image_as_list=as_list,
                     turns=tuple(turns), line=line)


def read_samples(path: Path, *, skip_bad: bool = False,
                 name: str | None = None) -> FileSamples:
    """Read and validate every sample of ``path`` (all the parts of ``stream_samples``)."""
    whole = FileSamples(file=name or str(path))
    for part in stream_samples(path, skip_bad=skip_bad, name=name):
        whole.samples.extend(part.samples)
        whole.rejected.extend(part.rejected)
        whole.layout, whole.bytes_read = part.layout, part.bytes_read
    return whole


def stream_samples(path: Path, *, skip_bad: bool = False, name: str | None = None,
                   part: int | None = None) -> Iterator[FileSamples]:
    """Read and validate the samples of ``path``, handing them on ``part`` (default ``PART``)
    at a time; the
    last part (maybe without samples) has ``last`` set and the file's layout.

    Without ``skip_bad`` the first problem raises BadInputError. With it, bad samples are
    collected in ``rejected`` and the good ones kept; a syntax error stops the reading there
    (what follows cannot be trusted), except in JSON Lines where the next line is read.
    ``name`` is the file name used in messages (default: the path as given).
    """
    file = name or str(path)
    try:
        yield from _stream_samples(path, file=file, skip_bad=skip_bad, size=part or PART)
    except MemoryError:
        # A single sample bigger than the memory left (its text and its decoded objects).
        raise BadInputError(f"not enough memory to read the file ({file_size(path)})",
                            file=file) from None
    except OSError as exc:
        raise read_error(exc, file=file) from None


def _stream_samples(path: Path, *, file: str, skip_bad: bool,
                    size: int) -> Iterator[FileSamples]:
    with open_regular_file(path, file=file) as handle:
        source = TextSource(handle, file=file)
        buffer = Buffer(source)
        if buffer.skip_ws(0) >= len(buffer.text) or (buffer.ended and not buffer.text.strip()):
            raise BadInputError("the file is empty", file=file, line=1)
        head = peek_head(buffer, file=file)
        part = FileSamples(file=file, last=False)
        errors: list[BadInputError] = []  # rejected by the reading of the objects
        seen: dict[str, int] = {}
        for line, obj in _objects(buffer, file=file, skip_bad=skip_bad, rejected=errors):
            try:
                sample = validate_sample(obj, file=file, line=line)
                if source.surrogates:
                    _refuse_surrogates(sample, file=file)
                first = seen.get(sample.original_id)
                if first is not None:
                    shown_id = shown(sample.original_id)
                    raise BadInputError(f"duplicate id {shown_id!r} (first at line {first})",
                                        file=file, sample_id=shown_id, line=line)
            except BadInputError as exc:
                if not skip_bad:
                    raise
                errors.append(exc)
                continue
            seen[sample.original_id] = line
            part.samples.append(sample)
            if len(part.samples) >= size:
                part.rejected.extend(errors)
                errors.clear()
                part.bytes_read = source.bytes_read
                yield part
                part = FileSamples(file=file, last=False)
        part.rejected.extend(errors)
        part.bytes_read, part.last = source.bytes_read, True
        text = buffer.text
        part.layout = None if head is None else layout_of(
            head, tail=text[text.rfind("}") + 1:], ensure_ascii=source.ascii and source.escapes)
        yield part


def _refuse_surrogates(sample: RawSample, *, file: str) -> None:
    """BadInputError when a text of ``sample`` holds a lone surrogate."""
    fields = [("id", sample.original_id), ("image path", sample.image)] + [
        (f"turn {idx}", text) for idx, (_role, text) in enumerate(sample.turns)]
    for what, text in fields:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise BadInputError(
                f"the {what} holds a lone surrogate {shown(exc.object[exc.start:exc.end])} "
                "(half of a UTF-16 pair, written as a \\u escape), which is not text",
                file=file, sample_id=shown(sample.original_id), line=sample.line) from None


def _objects(buffer: Buffer, *, file: str, skip_bad: bool,
             rejected: list[BadInputError]) -> Iterator[tuple[int, Any]]:
    if not skip_bad or not _looks_like_json_lines(buffer):
        try:
            yield from stream_values(buffer, file=file)
        except BadInputError as exc:
            if not skip_bad:
                raise
            rejected.append(BadInputError(f"{exc.reason}; the rest of the file was not read",
                                          file=file, sample_id=exc.sample_id, line=exc.line))
        return
    # JSON Lines: one bad line does not hide the others.
    for number, text_line in buffer.lines():
        if not text_line.strip():
            continue
        try:
            yield number, json.loads(text_line)
        except json.JSONDecodeError as exc:
            rejected.append(BadInputError(f"invalid JSON: {exc.msg}", file=file, line=number))
        except (ValueError, RecursionError) as exc:
            rejected.append(undecodable(exc, text_line, 0, file=file, line=number))


def _looks_like_json_lines(buffer: Buffer) -> bool:
    """True when every non-blank line starts with ``{`` and ends with ``}``: one sample a line
    (judged on the first 50 lines, read ahead without consuming them)."""
    while (buffer.text.count("\n") <= 50 and len(buffer.text) < _PEEK_LIMIT
           and buffer.more(CHUNK_BYTES)):
        pass
    text = buffer.text if buffer.ended else buffer.text[:buffer.text.rfind("\n") + 1]
    # split("\n"), not splitlines(): a JSON string may hold U+2028 and friends.
    lines = list(islice((line.strip() for line in text.split("\n") if line.strip()), 50))
    return bool(lines) and all(line.startswith("{") and line.endswith("}") for line in lines)
