"""Read IR-TD / LLaVA-style sample files: JSON arrays, JSON Lines and concatenated objects.

The released ``Detection.json`` is not valid JSON: its objects are separated by commas with
no enclosing ``[ ]`` and a trailing comma. All three forms are read by one loop of
``json.JSONDecoder.raw_decode`` over the text, which also gives the line each sample starts
on, so every error can name the file, the sample id and the line.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from irtd_annotator.domain.errors import BadInputError
from irtd_annotator.domain.file_layout import FileLayout, detect_layout
from irtd_annotator.domain.shown import brief, shown
from irtd_annotator.importers.input_files import file_size, read_regular_file

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_ID = re.compile(r'"id"\s*:\s*(?:"([^"\\]*)"|(-?\d+))')
ROLES = ("human", "gpt")
PAUSE_EVERY = 255  # ``pause`` is called when the sample's number & this is 0
MAX_ID_LENGTH = 200  # longer ids are refused: no dataset numbers its samples so
# A lone surrogate (half of a UTF-16 pair) can only come from a JSON escape such as \ud800
# (the bytes are strict UTF-8): it cannot be stored (SQLite) nor printed (a terminal).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_INT_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 0)() or 4300  # Python's limit
_LONG_NUMBER = re.compile(rf"\d{{{_INT_DIGITS + 1},}}")


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


def _after_ws(text: str, pos: int) -> int:
    """The first position at or after ``pos`` that is not JSON whitespace."""
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _line_of_error(text: str, exc: json.JSONDecodeError) -> int:
    return text.count("\n", 0, exc.pos) + 1


def iter_objects(text: str, *, file: str) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, value)`` for every top-level sample of an array, JSON Lines or
    comma-separated concatenated objects (a trailing comma is accepted in both comma forms).

    Raises BadInputError naming the file and the line at the first syntax error.
    """
    size = len(text)
    pos = _after_ws(text, 0)
    # Newlines are counted incrementally (``counted`` is how far): one pass over the text.
    line, counted = 1, 0
    in_array = pos < size and text[pos] == "["
    if in_array:
        pos = _after_ws(text, pos + 1)
    while True:
        if in_array and pos < size and text[pos] == "]":
            rest = _after_ws(text, pos + 1)
            if rest != size:
                line += text.count("\n", counted, rest)
                raise BadInputError("unexpected text after the closing ]", file=file, line=line)
            return
        if pos >= size:
            if in_array:
                line += text.count("\n", counted, pos)
                raise BadInputError("invalid JSON: the array is not closed with ]", file=file,
                                    line=line)
            return
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            value, end = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            # Name the sample when its id was read before the error.
            found = _ID.search(text, pos, exc.pos)
            found_id = (found.group(1) or found.group(2)) if found else None
            raise BadInputError(f"invalid JSON: {exc.msg}", file=file,
                                sample_id=shown(found_id) if found_id else None,
                                line=_line_of_error(text, exc)) from None
        except (ValueError, RecursionError) as exc:
            raise _undecodable(exc, text, pos, file=file, line=line) from None
        yield line, value
        pos = _after_ws(text, end)
        if pos < size and text[pos] == ",":
            pos = _after_ws(text, pos + 1)
        elif in_array and not (pos < size and text[pos] == "]"):
            line += text.count("\n", counted, pos)
            raise BadInputError("invalid JSON: expected , or ] after a sample", file=file,
                                line=line)


def _undecodable(exc: ValueError | RecursionError, text: str, pos: int, *, file: str,
                 line: int) -> BadInputError:
    """What the decoder cannot build, which is not a syntax error: a value nested deeper
    than Python's recursion limit, an integer longer than Python converts."""
    if isinstance(exc, RecursionError):
        return BadInputError("invalid JSON: nested too deeply (more than about "
                             f"{sys.getrecursionlimit():,} levels of [ and {{)", file=file,
                             line=line)
    long = _LONG_NUMBER.search(text, pos)
    if long is not None:
        line += text.count("\n", pos, long.start())
        return BadInputError(f"invalid JSON: a number of {long.end() - long.start():,} digits",
                             file=file, line=line)
    return BadInputError(f"invalid JSON: {exc}", file=file, line=line)


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


def decode_text(data: bytes, *, file: str) -> str:
    """The file's text (UTF-8, a BOM removed); BadInputError names the line of bad bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4]:
        raise BadInputError("UTF-16 or UTF-32 text, not UTF-8: save the file as UTF-8",
                            file=file, line=1)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BadInputError(f"not UTF-8 text ({exc.reason})", file=file, line=line) from None


def read_samples(path: Path, *, skip_bad: bool = False, name: str | None = None,
                 pause: Callable[[], None] | None = None) -> FileSamples:
    """Read and validate every sample of ``path``.

    Without ``skip_bad`` the first problem raises BadInputError. With it, bad samples are
    collected in ``rejected`` and the good ones kept; a syntax error stops the reading there
    (what follows cannot be trusted), except in JSON Lines where the next line is read.
    ``name`` is the file name used in messages (default: the path as given). ``pause`` is
    called every few hundred samples (a reading thread may have to wait there).
    """
    file = name or str(path)
    try:
        return _read_samples(path, file=file, skip_bad=skip_bad, pause=pause)
    except MemoryError:
        # The bytes, their text and the decoded objects take several times the file's size.
        raise BadInputError(f"not enough memory to read the file ({file_size(path)})",
                            file=file) from None


def _read_samples(path: Path, *, file: str, skip_bad: bool,
                  pause: Callable[[], None] | None) -> FileSamples:
    text = decode_text(read_regular_file(path, file=file), file=file)
    if not text.strip():
        raise BadInputError("the file is empty", file=file, line=1)
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
    result = FileSamples(file=file, layout=detect_layout(text))
    seen: dict[str, int] = {}
    for number, (line, obj) in enumerate(
            _objects(text, file=file, skip_bad=skip_bad, rejected=result.rejected)):
        if pause is not None and not number & PAUSE_EVERY:
            pause()
        try:
            sample = validate_sample(obj, file=file, line=line)
            if surrogates:
                _refuse_surrogates(sample, file=file)
            first = seen.get(sample.original_id)
            if first is not None:
                shown_id = shown(sample.original_id)
                raise BadInputError(f"duplicate id {shown_id!r} (first at line {first})",
                                    file=file, sample_id=shown_id, line=line)
        except BadInputError as exc:
            if not skip_bad:
                raise
            result.rejected.append(exc)
            continue
        seen[sample.original_id] = line
        result.samples.append(sample)
    return result


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


def _objects(text: str, *, file: str, skip_bad: bool,
             rejected: list[BadInputError]) -> Iterator[tuple[int, Any]]:
    if not skip_bad or not _looks_like_json_lines(text):
        try:
            yield from iter_objects(text, file=file)
        except BadInputError as exc:
            if not skip_bad:
                raise
            rejected.append(BadInputError(f"{exc.reason}; the rest of the file was not read",
                                          file=file, sample_id=exc.sample_id, line=exc.line))
        return
    # JSON Lines: one bad line does not hide the others.
    # split("\n"), not splitlines(): a JSON string may hold U+2028 and friends.
    for number, text_line in enumerate(text.split("\n"), start=1):
        if not text_line.strip():
            continue
        try:
            yield number, json.loads(text_line)
        except json.JSONDecodeError as exc:
            rejected.append(BadInputError(f"invalid JSON: {exc.msg}", file=file, line=number))
        except (ValueError, RecursionError) as exc:
            rejected.append(_undecodable(exc, text_line, 0, file=file, line=number))


def _looks_like_json_lines(text: str) -> bool:
    """True when every non-blank line starts with ``{`` and ends with ``}``: one sample a line."""
    lines = list(islice((line.strip() for line in text.split("\n") if line.strip()), 50))
    return bool(lines) and all(line.startswith("{") and line.endswith("}") for line in lines)
