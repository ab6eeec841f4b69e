"""Benchmark: typing into a huge caption in the real window (issue 10, ADR 0017).

    .venv/bin/python -m pytest tests/perf/test_perf_huge_text.py -s
    .venv/bin/python tests/perf/test_perf_huge_text.py [--sizes 100000 10000000]

For each caption (a short one as the BASELINE, then 100 KB and 10 MB, one paragraph each as
in the finding) a project is imported from a one-sample Caption.json, opened in the main
window, and 3 keys are typed into the answer editor. Prints, in the same run: seconds to open
the sample, seconds per key (everything a keystroke does on the GUI thread until the events
are processed) and its ratio to the baseline, and seconds for the save of the typing burst
(Escape: the review service writes the text, its revision and the search index).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from huge_text_data import build_huge_project, huge_caption
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.settings import AppSettings

BASELINE = 300  # characters: an ordinary caption
KEYS = "xyz"


def measure(app: QApplication, size: int) -> dict[str, float]:
    """Open, per-key and save seconds for a one-paragraph caption of ``size`` characters."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["IRTD_ANNOTATOR_CONFIG_DIR"] = str(Path(tmp) / "config")
        os.environ["IRTD_ANNOTATOR_DATA_DIR"] = str(Path(tmp) / "data")
        db = build_huge_project(Path(tmp), huge_caption(size))
        window = MainWindow(AppSettings(), annotator="bench")
        window.show()
        start = time.perf_counter()
        assert window.open_project(str(db))
        app.processEvents()
        opened = time.perf_counter() - start
        editor = window.panel.turn_editor(1)
        editor.setFocus()
        app.processEvents()
        start = time.perf_counter()
        for key in KEYS:
            QTest.keyClicks(editor, key)
            app.processEvents()
        per_key = (time.perf_counter() - start) / len(KEYS)
        start = time.perf_counter()
        QTest.keyClick(editor, Qt.Key.Key_Escape)
        app.processEvents()
        saved = time.perf_counter() - start
        assert window.save_label.text() == "All changes saved"
        window.close()
        window.deleteLater()
        app.processEvents()
        return {"open": opened, "key": per_key, "save": saved}


def benchmark(sizes: list[int]) -> dict[int, dict[str, float]]:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    results = {BASELINE: measure(app, BASELINE)}
    base = results[BASELINE]["key"]
    print(f"\n{'caption':>12} {'open s':>8} {'s/key':>8} {'x baseline':>11} {'save s':>8}")
    for size in [BASELINE, *sizes]:
        if size not in results:
            results[size] = measure(app, size)
        r = results[size]
        print(f"{size:>12,} {r['open']:>8.3f} {r['key']:>8.4f} {r['key'] / base:>11.1f} "
              f"{r['save']:>8.3f}")
    return results


def test_typing_into_huge_captions() -> None:
    results = benchmark([100_000, 10_000_000])
    assert all(r["key"] > 0 for r in results.values())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 10_000_000])
    benchmark(parser.parse_args().sizes)
