"""Open (and so upgrade) a project, killing this process with SIGKILL at a chosen moment.

``python migrate_and_die.py PROJECT MOMENT``, MOMENT one of ``statement:N`` (before the Nth
SQL statement sent to the database), ``backup-rename`` (the checked backup written, not yet
renamed), ``commit`` (every migration run, before the commit) or ``count`` (no kill: print how
many statements the open sends). Used by tests/test_migration_kill.py.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from sqlalchemy import Engine, event

from irtd_annotator.store import backup
from irtd_annotator.store.engine import open_store


def die(*_args: Any, **_kwargs: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(path: str, moment: str) -> None:
    sent = [0]
    limit = int(moment.split(":")[1]) if moment.startswith("statement:") else -1

    def count(*_args: Any) -> None:
        sent[0] += 1
        if sent[0] == limit:
            die()

    event.listen(Engine, "before_cursor_execute", count)
    if moment == "backup-rename":
        backup.os.replace = die  # type: ignore[assignment]
    if moment == "commit":
        event.listen(Engine, "commit", die)
    open_store(path).dispose()
    print(sent[0])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
