"""The LLVIP dataset on disk: infrared/visible pairs and their shared Pascal VOC boxes.

Layout (as the dataset ships)::

    LLVIP/infrared/{train,test}/<id>.jpg
    LLVIP/visible/{train,test}/<id>.jpg     pixel-aligned with the infrared image
    LLVIP/Annotations/<id>.xml              one file for both modalities

Reading is all-or-nothing: every annotation is parsed before anything is returned, so a
broken file stops an import before the store is touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from irtd_annotator.domain.errors import BadInputError
from irtd_annotator.importers.voc import VocAnnotation, read_voc

LLVIP_SOURCE = "LLVIP"
LLVIP_SPLITS = ("train", "test")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class LlvipPair:
    """One LLVIP pair as found on disk."""

    key: str                 # the image id, e.g. "190002" (prefixed by the split if repeated)
    rel_path: str            # "LLVIP/infrared/test/190002.jpg"
    ir_path: Path
    visible_path: Path
    visible_exists: bool
    width: int | None
    height: int | None
    annotation: VocAnnotation | None

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("a pair needs a key")
        if not self.rel_path.startswith(f"{LLVIP_SOURCE}/"):
            raise ValueError(f"an LLVIP rel_path starts with 'LLVIP/', got {self.rel_path!r}")


@dataclass(frozen=True)
class LlvipScan:
    """What a directory holds: its pairs, in split and file-name order, and stray annotations."""

    root: Path
    pairs: tuple[LlvipPair, ...]
    orphan_annotations: tuple[str, ...]  # XML files with no infrared image


def llvip_root(directory: Path) -> Path:
    """The folder holding ``infrared/``: ``directory`` itself or its ``LLVIP`` child.

    Raises BadInputError when neither looks like LLVIP.
    """
    for candidate in (directory, directory / LLVIP_SOURCE):
        if any((candidate / "infrared" / split).is_dir() for split in LLVIP_SPLITS):
            return candidate
    if not directory.is_dir():
        raise BadInputError("is not a folder", file=str(directory))
    raise BadInputError(
        "does not look like LLVIP: expected infrared/train or infrared/test inside it "
        "(with visible/ and Annotations/ beside)", file=str(directory))


def scan_llvip(directory: Path, *,
               image_size: Callable[[Path], tuple[int, int] | None]) -> LlvipScan:
    """Find every infrared image of an LLVIP folder, its visible twin and its boxes.

    ``image_size`` reads an image's width and height (the imaging layer's header probe).

    Raises BadInputError naming the file (and line) of the first broken annotation.
    """
    root = llvip_root(directory).resolve()
    annotations_dir = root / "Annotations"
    pairs: list[LlvipPair] = []
    seen_keys: set[str] = set()
    used_xml: set[str] = set()
    for split in LLVIP_SPLITS:
        folder = root / "infrared" / split
        if not folder.is_dir():
            continue
        images = sorted(p for p in folder.iterdir()
                        if p.is_file() and p.suffix.lower() in _IMAGE_SUFFIXES)
        for ir_path in images:
            stem = ir_path.stem
            # Ids are unique across splits in the real dataset; a copy that repeats one
            # still gets distinct sample ids.
            key = stem if stem not in seen_keys else f"{split}-{stem}"
            seen_keys.add(key)
            xml = annotations_dir / f"{stem}.xml"
            annotation = read_voc(xml) if xml.is_file() else None
            if annotation is not None:
                used_xml.add(xml.name)
            visible = root / "visible" / split / ir_path.name
            size = image_size(ir_path)
            if size is None and annotation is not None and annotation.width and annotation.height:
                size = (annotation.width, annotation.height)
            pairs.append(LlvipPair(
                key=key, rel_path=f"{LLVIP_SOURCE}/infrared/{split}/{ir_path.name}",
                ir_path=ir_path, visible_path=visible, visible_exists=visible.is_file(),
                width=size[0] if size else None, height=size[1] if size else None,
                annotation=annotation))
    orphans: tuple[str, ...] = ()
    if annotations_dir.is_dir():
        orphans = tuple(sorted(p.name for p in annotations_dir.glob("*.xml")
                               if p.name not in used_xml))
    return LlvipScan(root=root, pairs=tuple(pairs), orphan_annotations=orphans)
