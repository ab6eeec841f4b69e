"""Reading the files of an import on a second thread, while the writer lets it.

SQLite runs a long statement (indexing a file's text for search, merging the index) without
Python's lock, so another thread can read and check the next files meanwhile, on the second
core. It must not run at other times: the writer's inserts are hundreds of thousands of short
statements, and each one would wait for the lock behind a busy thread (up to 5 ms each time:
measured four to five times slower). So the reader runs only inside the writer's ``running()``
windows (and while the writer waits for it), and pauses between samples otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from irtd_annotator.services.importing.prepare import FilePlan

Pause = Callable[[], None]  # called by the reading between samples; may block or raise


class _Stopped(Exception):
    """The import ended: the reader stops where it is."""


class GatedReader:
    """Prepares ``files`` in order, each with ``prepare(path, pause)``, on one thread."""

    def __init__(self, prepare: Callable[[Path, Pause], FilePlan],
                 files: Sequence[Path]) -> None:
        self._futures: list[Future[FilePlan] | None] = [Future() for _ in files]
        self._gate = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, args=(prepare, list(files)),
                                        name="import-read", daemon=True)
        self._thread.start()

    def __enter__(self) -> GatedReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def _pause(self) -> None:
        self._gate.wait()
        if self._stopped:
            raise _Stopped

    def _run(self, prepare: Callable[[Path, Pause], FilePlan], files: list[Path]) -> None:
        for future, path in zip(self._futures, files):
            assert future is not None
            try:
                self._pause()
                plan = prepare(path, self._pause)
            except _Stopped:
                return
            except BaseException as exc:  # noqa: BLE001 - handed to the writer, which raises it
                # when it asks for this file
                future.set_exception(exc)
                return
            future.set_result(plan)

    @contextmanager
    def running(self) -> Iterator[None]:
        """Let the reader run inside the block (the writer waits in one long statement)."""
        self._gate.set()
        try:
            yield
        finally:
            self._gate.clear()

    def plan(self, number: int) -> FilePlan:
        """The plan of file ``number`` (once: it is not kept), letting the reader run while
        it is not ready; re-raises what preparing it raised."""
        future = self._futures[number]
        assert future is not None, f"the plan of file {number} was taken already"
        self._futures[number] = None
        if not future.done():
            with self.running():
                return future.result()
        return future.result()

    def close(self) -> None:
        """Stop the reader (wherever it is) and wait for its thread."""
        self._stopped = True
        self._gate.set()
        self._thread.join()
