"""Write an IR-TD-shaped dataset of N samples whose images resolve to the real LLVIP pairs.

    python tests/perf/generate.py OUT_DIR [--samples 260000] [--seed 0]

Writes one release file per task (Detection.json in the real concatenated-objects quirk, the
others as JSON arrays, Caption and Instruction too) under OUT_DIR/json, and an image root
OUT_DIR/images/Data4MLLM/97-LLVIP/{infrared,visible}/train/<n>.jpg of symbolic links to the 30
real LLVIP pairs in ../shared/data/llvip, so every sample has real 1280x1024 pixels and the LLVIP
pairing preset finds its visible image. About 2.6 samples share an image, as in IR-TD
(40,200 samples on 17,227 images); the real markup, prompt patterns and text lengths are used.
"""

from __future__ import annotations

import argparse
import json
import os
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LLVIP = ROOT.parent / "shared" / "data" / "llvip" / "LLVIP"
SOURCE = "97-LLVIP"
PREFIX = "/mnt/generated/Datasets/Data4MLLM/"
W, H = 1280, 1024

# Share of each task, roughly IR-TD's released mix plus the caption/instruction subsets.
MIX = {
    "Grounding": 0.08, "Location": 0.22, "Relationship": 0.08, "Recognition": 0.06,
    "Security": 0.12, "Re-ID": 0.05, "Aerial Counting": 0.02, "Pedestrian Counting": 0.02,
    "Scene": 0.05, "Caption": 0.18, "Instruction": 0.12,
}
FILES = {
    "Grounding": "Detection.json", "Location": "Location.json", "Relationship": "Relationship.json",
    "Recognition": "Recognition.json", "Security": "Security.json", "Re-ID": "ReID.json",
    "Aerial Counting": "AerialCounting.json", "Pedestrian Counting": "PedestrianCounting.json",
    "Scene": "Scene.json", "Caption": "Caption.json", "Instruction": "Instruction.json",
}
CATS = ["person", "car", "bike"]
OBJECTS = ["person", "car", "bike", "bus", "truck", "scooter", "motor", "hydrant", "sign",
           "dog", "skateboard", "other vehicle", "light", "stroller"]
RELATIONS = ["in front of", "behind", "on the left side of", "on the right side of", "far from",
             "near to"]
SCENES = ["street", "field", "parking lot", "crossroad", "campus", "forest", "country", "bridge"]
SENTENCES = [
    "A pedestrian walks along the sidewalk close to the parked cars.",
    "Several people stand near the entrance of a building on the right.",
    "The warm engines of the cars appear bright against the cooler road surface.",
    "A cyclist rides across the crossing while two people wait at the kerb.",
    "Tall trees line the left side of the street and their canopies look dark.",
    "The road surface still holds the heat of the day and appears slightly brighter.",
    "A person in a long coat is walking towards the camera with a bag in one hand.",
    "Street lamps stand at regular intervals along the pavement.",
    "A group of three people is talking near a bench in the middle of the scene.",
    "The windows of the building reflect little heat and look uniformly dark.",
]
QUESTIONS = [
    ("How many people are visible in the image?", "There are {n} people visible in the image."),
    ("What is the person on the left doing?", "The person on the left is walking along the sidewalk."),
    ("Is there any vehicle in the scene?", "Yes, there is a car parked on the right side of the road."),
    ("Where is the bicycle?", "The bicycle is near the centre of the image, next to a pedestrian."),
    ("What type of scene is shown?", "It is an urban street scene at night."),
    ("Which object is the warmest?", "The engine area of the parked car appears the warmest."),
]


def _pairs() -> list[tuple[str, str]]:
    pairs = []
    for split in ("train", "test"):
        for ir in sorted((LLVIP / "infrared" / split).glob("*.jpg")):
            pairs.append((str(ir), str(LLVIP / "visible" / split / ir.name)))
    if not pairs:
        raise SystemExit(f"no LLVIP pairs found under {LLVIP}")
    return pairs


def _link_images(images_root: Path, n_images: int) -> None:
    real = _pairs()
    base = images_root / "Data4MLLM" / SOURCE
    for modality in ("infrared", "visible"):
        (base / modality / "train").mkdir(parents=True, exist_ok=True)
    for i in range(n_images):
        ir, vis = real[i % len(real)]
        for modality, target in (("infrared", ir), ("visible", vis)):
            link = base / modality / "train" / f"{i:06d}.jpg"
            if not link.is_symlink():
                os.symlink(target, link)


def _box(rng: random.Random) -> list[int]:
    x1, y1 = rng.randint(0, W - 120), rng.randint(0, H - 240)
    return [x1, y1, x1 + rng.randint(20, 119), y1 + rng.randint(40, 239)]


def _options(rng: random.Random, k: int = 4) -> tuple[list[str], str]:
    picks = rng.sample(OBJECTS, k)
    letters = "ABCD"[:k]
    return picks, " ".join(f"({letter}) {o}" for letter, o in zip(letters, picks))


def _sample(task: str, rng: random.Random) -> list[tuple[str, str]]:
    """The (human, gpt) turns of one sample of ``task``."""
    if task == "Grounding":
        cat, where = rng.choice(CATS), rng.choice(["left", "center", "right"])
        b = _box(rng)
        return [(f"<image>\nDetect the bounding box of the {cat} located at the {where} of the image.",
                 f"The target bounding box is <box>[[{b[0]}, {b[1]}, {b[2]}, {b[3]}]]</box>.")]
    if task == "Location":
        cat = rng.choice(CATS)
        pts = sorted((rng.randint(0, 1000), rng.randint(0, 1000)) for _ in range(rng.randint(1, 12)))
        inner = ", ".join(f"({x}, {y})" for x, y in pts)
        return [(f"<image>\n Locate all {cat} from left to right.", f"<ref>{cat}</ref> at <pos>[{inner}]</pos>")]
    if task == "Relationship":
        return [(f"<image>\nIs there a {rng.choice(CATS)} {rng.choice(RELATIONS)} the the first person "
                 "from left to right?", rng.choice(["yes", "no"]))]
    if task == "Recognition":
        picks, opts = _options(rng)
        k = rng.randrange(4)
        return [(f"<image>\nWhat is the object in the picture?\n{opts}", f"({'ABCD'[k]}) {picks[k]}")]
    if task == "Security":
        picks, opts = _options(rng)
        chosen = sorted(rng.sample(range(4), rng.randint(1, 3)))
        return [(f"<image>\nWhat object does not appear in the picture?\n{opts}",
                 " ".join(f"({'ABCD'[k]}) {picks[k]}" for k in chosen))]
    if task == "Re-ID":
        return [("<image>\nWhich person has the same identity with the person in the upper left corner? "
                 "Answer the ordinal numbers and the order will be\n1234\n5678", str(rng.randint(2, 8)))]
    if task in ("Aerial Counting", "Pedestrian Counting"):
        what = "cars" if task == "Aerial Counting" else "pedestrians"
        return [(f"<image>\nCalculate the number of {what} in the picture.", f"<num>{rng.randint(0, 90)}</num>")]
    if task == "Scene":
        picks = rng.sample(SCENES, 4)
        opts = " ".join(f"({letter}) {o}" for letter, o in zip("ABCD", picks))
        k = rng.randrange(4)
        return [(f"<image>\nIdentify the type of scene in the image.\n{opts}", f"({'ABCD'[k]}) {picks[k]}")]
    if task == "Caption":
        return [("<image>\nDescribe this picture in detail.", " ".join(rng.sample(SENTENCES, rng.randint(4, 7))))]
    turns = []
    for j, (q, a) in enumerate(rng.sample(QUESTIONS, rng.randint(2, 4))):
        turns.append((("<image>\n" if j == 0 else "") + q, a.format(n=rng.randint(1, 9))))
    return turns


def generate(out_dir: Path, *, samples: int = 260_000, seed: int = 0) -> list[Path]:
    """Write the dataset; return the JSON files. Image root: ``out_dir / "images"``."""
    rng = random.Random(seed)
    n_images = max(1, int(samples / 2.6))
    _link_images(out_dir / "images", n_images)
    json_dir = out_dir / "json"
    json_dir.mkdir(parents=True, exist_ok=True)
    counts = {task: int(samples * share) for task, share in MIX.items()}
    counts["Caption"] += samples - sum(counts.values())
    files = []
    for task, n in counts.items():
        objs = []
        for i in range(n):
            image = f"{PREFIX}{SOURCE}/infrared/train/{rng.randrange(n_images):06d}.jpg"
            conv = []
            for human, gpt in _sample(task, rng):
                conv += [{"from": "human", "value": human}, {"from": "gpt", "value": gpt}]
            objs.append({"id": str(i), "image": [image], "conversations": conv})
        path = json_dir / FILES[task]
        if task == "Grounding":  # the real file's quirk: concatenated objects, trailing comma
            text = "".join(json.dumps(o, indent=4) + ",\n" for o in objs)
        else:
            text = json.dumps(objs, indent=4)
        path.write_text(text, encoding="utf-8")
        files.append(path)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--samples", type=int, default=260_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    files = generate(args.out_dir, samples=args.samples, seed=args.seed)
    print(f"wrote {len(files)} files under {args.out_dir / 'json'}; image root {args.out_dir / 'images'}")


if __name__ == "__main__":
    main()
