"""Errors a user can cause. Each message names what the user needs to find the problem."""

from __future__ import annotations

from datetime import datetime


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


class StaleSettingError(UserError):
    """An undo refused because someone else changed the setting it restores (an alignment)
    since: nothing was written (ADR 0019)."""


class StaleSampleError(UserError):
    """A change refused because someone else changed the Sample after the reviewer saw it.

    Nothing was written; the message names the Sample, who changed it and when (local time),
    and says the Sample is shown again as it is now (ADR 0019).
    """

    def __init__(self, sample_id: int, *, who: str | None, at: str | None,
                 undo: bool = False) -> None:
        self.sample_id = sample_id
        self.who = who
        self.at = at
        by = f" by {who}" if who else ""
        when = f" at {short_local_time(at)}" if at else ""
        what = "the undo was" if undo else "your change was"
        super().__init__(f"Sample {sample_id} was changed{by}{when} since you saw it: {what} "
                         "not saved; the sample is shown again as it is now.")


def short_local_time(at: str) -> str:
    """An ISO-8601 UTC time as the reviewer reads it: local "14:03", with the date when it is
    not today; the text itself when it is not a time."""
    try:
        moment = datetime.fromisoformat(at).astimezone()
    except ValueError:
        return at
    if moment.date() == datetime.now().astimezone().date():
        return moment.strftime("%H:%M")
    return moment.strftime("%Y-%m-%d %H:%M")


class UnapprovableError(UserError):
    """An approval refused: the Sample's answer has the bad-markup warning (issue 13)."""
