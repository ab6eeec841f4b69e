"""Errors a user can cause. Each message names what the user needs to find the problem."""

from __future__ import annotations


class UserError(Exception):
    """An error caused by input or environment, shown to people as a message, never a traceback."""


class BadInputError(UserError):
    """Bad input data, naming the file, the sample and the line."""

    def __init__(self, message: str, *, file: str, sample_id: str | None = None,
                 line: int | None = None) -> None:
        self.file = file
        self.sample_id = sample_id
        self.line = line
        self.reason = message
        where = [file]
        if sample_id is not None:
            where.append(f"sample {sample_id}")
        if line is not None:
            where.append(f"line {line}")
        super().__init__(f"{', '.join(where)}: {message}")


class StoreError(UserError):
    """The project store cannot be opened or written: locked, read-only, missing, too new."""


class ProjectNotFoundError(StoreError):
    """The project path does not exist."""
