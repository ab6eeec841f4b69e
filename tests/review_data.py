"""A small review project built from the real data: LLVIP pairs with their VOC boxes, and
real IR-TD samples whose images are missing. Shared by the review service and window tests.

Built with Core inserts so the review tests do not depend on the importers.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert

from irtd_annotator.services.project import Project
from irtd_annotator.store.schema import Pair, Sample, Shape, Turn

LLVIP_ANNOTATED = ("190001", "190002", "190003", "190004", "190005")
CAPTION_PROMPT = "<image>\nDescribe this picture in detail."


@dataclass
class ReviewData:
    """Ids of what was inserted, for the tests to find their way."""

    path: Path
    pairs: dict[str, int] = field(default_factory=dict)      # LLVIP id or FLIR name -> pair id
    grounding: dict[str, int] = field(default_factory=dict)  # LLVIP id -> sample id
    location: dict[str, int] = field(default_factory=dict)
    caption: dict[str, int] = field(default_factory=dict)
    flir: list[int] = field(default_factory=list)            # real Detection.json samples


def _voc_boxes(xml_path: Path) -> list[tuple[str, int, int, int, int]]:
    root = ET.parse(xml_path).getroot()
    out = []
    for obj in root.iter("object"):
        bb = obj.find("bndbox")
        assert bb is not None
        out.append((obj.findtext("name") or "", *(int(float(bb.findtext(k) or 0))
                                                  for k in ("xmin", "ymin", "xmax", "ymax"))))
    return out


def build_review_project(path: Path, *, llvip_dir: Path, irtd_files: Path,
                         flir_samples: int = 3) -> ReviewData:
    """Create the project at ``path``: per annotated LLVIP pair a Grounding, a Location and a
    Caption sample; then the first ``flir_samples`` real Detection.json samples (images missing)."""
    data = ReviewData(path=path)
    with Project.open(path) as project, project.engine.begin() as conn:
        for name in LLVIP_ANNOTATED:
            ir = llvip_dir / "infrared" / "test" / f"{name}.jpg"
            vis = llvip_dir / "visible" / "test" / f"{name}.jpg"
            pair_id = conn.execute(insert(Pair).values(
                rel_path=f"LLVIP/infrared/test/{name}.jpg", source="LLVIP", ir_path=str(ir),
                visible_path=str(vis), ir_exists=ir.exists(), visible_exists=vis.exists(),
                width=1280, height=1024, aligned=True)).inserted_primary_key[0]
            data.pairs[name] = pair_id
            boxes = _voc_boxes(llvip_dir / "Annotations" / f"{name}.xml")
            label, x1, y1, x2, y2 = boxes[0]
            grounding = (f"<image>\nDetect the bounding box of the {label} located at the "
                         "center of the image.",
                         f"The target bounding box is <box>[[{x1}, {y1}, {x2}, {y2}]]</box>.")
            centres = sorted(((b[1] + b[3]) / 2, (b[2] + b[4]) / 2) for b in boxes)
            pos = ", ".join(f"({round(x / 1280 * 1000)}, {round(y / 1024 * 1000)})" for x, y in centres)
            location = (f"<image>\n Locate all {label} from left to right.",
                        f"<ref>{label}</ref> at <pos>[{pos}]</pos>")
            caption = (CAPTION_PROMPT, f"A night street scene with {len(boxes)} {label}(s) "
                                       "walking; the headlights of a car glow red.")
            for task, space, turns, store in (("Grounding", "pixel", grounding, data.grounding),
                                              ("Location", "norm1000", location, data.location),
                                              ("Caption", "pixel", caption, data.caption)):
                sid = conn.execute(insert(Sample).values(
                    task=task, original_id=name, source_file=f"{task}.json", pair_id=pair_id,
                    image=f"LLVIP/infrared/test/{name}.jpg", image_as_list=True,
                    answer_space=space, status="pending", edited=False,
                )).inserted_primary_key[0]
                store[name] = sid
                for idx, (role, text) in enumerate(zip(("human", "gpt"), turns)):
                    conn.execute(insert(Turn).values(sample_id=sid, idx=idx, role=role,
                                                     original=text, text=text))
                if task == "Grounding":
                    conn.execute(insert(Shape).values(
                        pair_id=pair_id, sample_id=sid, kind="box", idx=0, label=label,
                        space="pixel", x1=x1, y1=y1, x2=x2, y2=y2, outside=False))
                elif task == "Location":
                    for n, (x, y) in enumerate(centres):
                        conn.execute(insert(Shape).values(
                            pair_id=pair_id, sample_id=sid, kind="point", idx=n, label=label,
                            space="pixel", x1=round(x / 1280 * 1000) * 1.28,
                            y1=round(y / 1024 * 1000) * 1.024, outside=False))
        records = json.loads("[" + (irtd_files / "Detection.json").read_text().strip()
                             .rstrip(",") + "]")[:flir_samples]
        for rec in records:
            image = rec["image"][0]
            rel = image.split("Data4MLLM/", 1)[1]
            pair_id = data.pairs.get(rel)
            if pair_id is None:
                pair_id = conn.execute(insert(Pair).values(
                    rel_path=rel, source=rel.split("/", 1)[0],
                    ir_path=f"/nonexistent/{rel}", visible_path=f"/nonexistent/{rel}.rgb.jpg",
                    ir_exists=False, visible_exists=False, width=640, height=512,
                    aligned=False)).inserted_primary_key[0]
                data.pairs[rel] = pair_id
            prompt, answer = (t["value"] for t in rec["conversations"])
            warn = "outside-image" if "641" in answer else None
            sid = conn.execute(insert(Sample).values(
                task="Grounding", original_id=rec["id"], source_file="Detection.json",
                pair_id=pair_id, image=image, image_as_list=True, answer_space="pixel",
                status="pending", edited=False, warnings=warn)).inserted_primary_key[0]
            data.flir.append(sid)
            for idx, (role, text) in enumerate(zip(("human", "gpt"), (prompt, answer))):
                conn.execute(insert(Turn).values(sample_id=sid, idx=idx, role=role,
                                                 original=text, text=text))
    return data
