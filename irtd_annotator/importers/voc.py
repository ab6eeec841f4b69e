"""Pascal VOC XML annotations (LLVIP, KAIST): file name, image size and labelled boxes.

Boxes come as ``xmin, ymin, xmax, ymax`` (Pascal VOC, LLVIP) or as ``x, y, w, h`` (KAIST's
XML); both are returned as pixel Boxes of the image, kept exactly as written: a box that
touches or crosses the border is not clamped (the caller flags it).

The parser is expat driven directly rather than ElementTree because expat knows the line of
every element, and a user fixing a broken file needs that line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from irtd_annotator.domain.errors import BadInputError
from irtd_annotator.domain.model import Box, CoordSpace


@dataclass(frozen=True)
class VocObject:
    """One annotated object: its label, its box in pixels and VOC's flags."""

    name: str
    box: Box
    line: int
    truncated: bool = False
    difficult: bool = False

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("an object needs a non-empty name")
        if self.line < 1:
            raise ValueError(f"line must be 1 or more, got {self.line}")


@dataclass(frozen=True)
class VocAnnotation:
    """One VOC file: the image it describes, its size when given, and its objects."""

    file: str
    filename: str | None
    width: int | None
    height: int | None
    objects: tuple[VocObject, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")


@dataclass
class _Node:
    """A parsed element: mutable only while the file is being read."""

    tag: str
    line: int
    text: str = ""
    children: list[_Node] = field(default_factory=list)

    def child(self, tag: str) -> _Node | None:
        for node in self.children:
            if node.tag == tag:
                return node
        return None

    def all(self, tag: str) -> list[_Node]:
        return [node for node in self.children if node.tag == tag]

    def value(self, tag: str) -> str | None:
        node = self.child(tag)
        return node.text.strip() if node is not None else None


def _parse_tree(data: bytes, file: str) -> _Node:
    parser = expat.ParserCreate()
    stack: list[_Node] = []
    root: list[_Node] = []

    def start(tag: str, _attrs: dict[str, str]) -> None:
        node = _Node(tag=tag, line=parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(_tag: str) -> None:
        stack.pop()

    def chars(text: str) -> None:
        if stack:
            stack[-1].text += text

    def no_entities(*_args: object) -> None:
        # A DOCTYPE in an annotation file has no business here and would allow entity tricks.
        raise BadInputError("DOCTYPE declarations are not allowed in an annotation file",
                            file=file, line=parser.CurrentLineNumber)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = no_entities
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise BadInputError(f"not well-formed XML ({expat.errors.messages[exc.code]})",
                            file=file, line=exc.lineno) from None
    return root[0]


_NUMBER_RE = re.compile(r"[-+]?\d+(?:\.\d+)?")


def _number(node: _Node, tag: str, file: str) -> float:
    text = node.value(tag)
    if text is None:
        raise BadInputError(f"<{node.tag}> has no <{tag}>", file=file, line=node.line)
    if not _NUMBER_RE.fullmatch(text):
        where = node.child(tag)
        raise BadInputError(f"<{tag}> must be a number, found {text!r}", file=file,
                            line=where.line if where is not None else node.line)
    return float(text)


def _whole(value: float) -> float | int:
    # VOC writes integers; keep them integers so answers and shapes print as the file does.
    return int(value) if value.is_integer() else value


def _size(root: _Node, tag: str, file: str) -> int | None:
    size = root.child("size")
    if size is None or size.value(tag) in (None, ""):
        return None
    value = _number(size, tag, file)
    if value <= 0 or not value.is_integer():
        # Some tools write 0x0 when they did not know the size: treat it as unknown.
        return None
    return int(value)


def _flag(node: _Node, tag: str) -> bool:
    return (node.value(tag) or "0") not in ("0", "", "false", "False")


def _object(node: _Node, file: str) -> VocObject:
    name = node.value("name")
    if not name:
        raise BadInputError("<object> has no <name>", file=file, line=node.line)
    bnd = node.child("bndbox")
    if bnd is None:
        raise BadInputError(f"<object> {name!r} has no <bndbox>", file=file, line=node.line)
    if bnd.child("xmin") is not None or bnd.child("x") is None:
        x1, y1 = _number(bnd, "xmin", file), _number(bnd, "ymin", file)
        x2, y2 = _number(bnd, "xmax", file), _number(bnd, "ymax", file)
    else:  # KAIST: top-left corner and size
        x1, y1 = _number(bnd, "x", file), _number(bnd, "y", file)
        w, h = _number(bnd, "w", file), _number(bnd, "h", file)
        if w < 0 or h < 0:
            raise BadInputError(f"<bndbox> of {name!r} has a negative size w={w:g}, h={h:g}",
                                file=file, line=bnd.line)
        x2, y2 = x1 + w, y1 + h
    try:
        box = Box(_whole(x1), _whole(y1), _whole(x2), _whole(y2), name, CoordSpace.PIXEL)
    except ValueError as exc:
        raise BadInputError(f"<bndbox> of {name!r}: {exc}", file=file, line=bnd.line) from None
    return VocObject(name=name, box=box, line=node.line, truncated=_flag(node, "truncated"),
                     difficult=_flag(node, "difficult"))


def parse_voc(data: bytes | str, *, file: str) -> VocAnnotation:
    """Parse the text of one VOC file; ``file`` names it in errors.

    Raises BadInputError naming the file and the line for XML that is not well formed or
    objects without a name or with a bad box.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    root = _parse_tree(raw, file)
    if root.tag != "annotation":
        raise BadInputError(f"the root element is <{root.tag}>, expected <annotation>",
                            file=file, line=root.line)
    objects = tuple(_object(node, file) for node in root.all("object"))
    return VocAnnotation(file=file, filename=root.value("filename") or None,
                         width=_size(root, "width", file), height=_size(root, "height", file),
                         objects=objects)


def read_voc(path: Path) -> VocAnnotation:
    """Read and parse one VOC file; errors name its path."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"cannot be read ({exc.strerror})", file=str(path)) from None
    return parse_voc(data, file=str(path))
