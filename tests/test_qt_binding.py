"""The Qt binding itself: a PySide6 regression that would abort a long review session.

PySide6 6.12.0 returns ``True`` from ``Signal.emit()`` without taking a reference. On CPython
3.11 (where ``True`` is an ordinary reference-counted object) every emit from Python loses
one, and after a few hundred emits the interpreter aborts with "bool_dealloc: deallocating
True or False". The pair view emits on every mouse move, so that is a minute of use.
pyproject.toml keeps PySide6 below 6.12; this test says so if an install slips through.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    changed = Signal(object)


def test_emitting_a_signal_keeps_the_reference_counts_of_true_and_none(qapp) -> None:  # type: ignore[no-untyped-def]
    emitter = _Emitter()
    calls = [0]

    def receive(_value: object) -> None:
        calls[0] += 1    # holds no reference to what it receives

    emitter.changed.connect(receive)
    emitter.changed.emit(None)   # warm up any one-off caches
    before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(40):   # few enough not to abort the test run on a broken binding
        emitter.changed.emit(None)
    after = sys.getrefcount(True), sys.getrefcount(None)
    assert calls[0] == 41
    assert after[0] - before[0] >= 0, (
        f"Signal.emit() leaks references to True ({after[0] - before[0]} in 40 emits): "
        "this PySide6 build aborts long sessions; install PySide6-Essentials<6.12")
    assert abs(after[1] - before[1]) <= 2
