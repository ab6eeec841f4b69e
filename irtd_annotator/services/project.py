"""A project: one store, opened and migrated, with its settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from irtd_annotator.store.engine import open_store, sqlite_path, store_url
from irtd_annotator.store.settings import get_setting, set_setting


@dataclass
class Project:
    """An open project store. Close it when done."""

    engine: Engine
    location: str

    @classmethod
    def open(cls, target: str | Path, *, create: bool = True, new: bool = False) -> Project:
        """Open the project at a path or SQLAlchemy URL, applying pending migrations.

        ``create`` lets a missing or empty file become a project; only commands that make
        projects (init, import, import-source, demo) pass it. Raises StoreError for a file
        that is not a project (another program's database, not SQLite, empty without
        ``create``), ProjectNotFoundError when it is missing and ``create`` is false. ``new``
        (init) refuses a project that exists already, made a moment before by another program too.
        """
        engine = open_store(target, create=create, new=new)
        return cls(engine=engine, location=store_url(target))

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for a server database."""
        return sqlite_path(self.location)

    @property
    def shown(self) -> str:
        """The project as people name it: its file, or its URL without the password."""
        path = self.path
        return str(path) if path is not None else make_url(self.location).render_as_string(
            hide_password=True)

    @property
    def folder(self) -> Path:
        """The folder relative paths of the project are resolved against."""
        path = self.path
        return path.parent if path is not None else Path.cwd()

    def setting(self, key: str, default: Any = None) -> Any:
        with self.engine.connect() as conn:
            return get_setting(conn, key, default)

    def set_setting(self, key: str, value: Any) -> None:
        with self.engine.begin() as conn:
            set_setting(conn, key, value)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
