"""Image folders tests' data: a folder of real LLVIP pairs, and an IR-TD file naming them by
the authors' absolute paths (so that they are missing until a folder is given)."""

from __future__ import annotations

import shutil
from pathlib import Path

from import_support import GROUNDING_PROMPT, PREFIX, box_answer, sample, write_samples

NAMES = ("190001", "190002", "190003")


def copy_llvip(llvip_dir: Path, root: Path, names: tuple[str, ...] = NAMES) -> Path:
    """``root`` laid out as LLVIP is, with the real pairs ``names``."""
    for name in names:
        for kind in ("infrared", "visible"):
            target = root / kind / "test"
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(llvip_dir / kind / "test" / f"{name}.jpg", target)
    return root


def irtd_file(folder: Path, names: tuple[str, ...], first_id: int = 0) -> Path:
    """An IR-TD Grounding file naming the LLVIP images by the authors' absolute paths."""
    samples = [sample(str(first_id + n), [f"{PREFIX}LLVIP/infrared/test/{name}.jpg"],
                      GROUNDING_PROMPT, box_answer(10, 20, 30, 40))
               for n, name in enumerate(names)]
    folder.mkdir(parents=True, exist_ok=True)
    return write_samples(folder / f"Detection-{first_id}.json", samples)
