"""Make the README's screenshot with the application itself: open the demo project in the real
main window, show a Grounding sample (LLVIP 190002, the IRGPT paper's example box), wait until
the images are painted and save the window with QWidget.grab().

    .venv/bin/python tools/screenshot_demo.py [--out docs/screenshot.png] [--image 190002]
        [--task Grounding]

Runs offscreen unless a display is asked for (QT_QPA_PLATFORM); uses throw-away data and
settings folders so the user's own demo and window layout are left alone.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--image", default="190002", help="LLVIP image id of the sample shown")
    parser.add_argument("--task", default="Grounding")
    parser.add_argument("--size", default="1600x950", help="window size WIDTHxHEIGHT")
    args = parser.parse_args()

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = tempfile.TemporaryDirectory(prefix="irtd-screenshot-")
    os.environ["IRTD_ANNOTATOR_DATA_DIR"] = str(Path(scratch.name) / "data")
    os.environ["IRTD_ANNOTATOR_CONFIG_DIR"] = str(Path(scratch.name) / "config")

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from irtd_annotator.services.importing.sources import ensure_demo_project
    from irtd_annotator.services.review.session import QueueFilter
    from irtd_annotator.ui.main_window import MainWindow
    from irtd_annotator.ui.settings import AppSettings

    app = QApplication(sys.argv[:1])
    demo = ensure_demo_project()
    window = MainWindow(AppSettings(), annotator="demo")
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    if not window.open_project(str(demo)):
        return 2
    assert window.session is not None and window.controller is not None
    ids = window.session.query_ids(QueueFilter(tasks=(args.task,)))
    rows = window.session.rows(ids)
    target = next((i for i in ids if rows[i].image.endswith(f"/{args.image}.jpg")), None)
    if target is None:
        print(f"no {args.task} sample on image {args.image} in the demo", file=sys.stderr)
        return 2
    window.controller.go_to(target)

    def painted() -> bool:
        view = window.pair_view
        return window.isVisible() and view.ir_view.has_image() and view.visible_view.has_image()

    loop = QEventLoop()
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    deadline.start(20_000)
    poll = QTimer()
    poll.timeout.connect(lambda: painted() and loop.quit())
    poll.start(50)
    loop.exec()
    poll.stop()
    if not painted():
        print("the images were not painted in time", file=sys.stderr)
        return 1
    window.pair_view.fit()
    window.statusBar().clearMessage()  # "Opened <temporary path>" says nothing to a reader
    settle = QEventLoop()
    QTimer.singleShot(300, settle.quit)  # one more round of layout and paint after fitting
    settle.exec()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(args.out)):
        print(f"could not write {args.out}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({width}x{height}, sample {target})")
    window.close()
    app.quit()
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
