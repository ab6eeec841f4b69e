"""PostgreSQL as fast as SQLite where the queue waits: the tally and a trigram text index.

Migrations 0004 and 0005 gave SQLite a kept count of the Samples per (source, task, status)
and an FTS5 index for the queue's search; PostgreSQL had neither, so its queue counted the
Samples and searched every turn with ``ILIKE``. This adds, on PostgreSQL only:

- ``sample_tally`` with the same rows as 0004's, kept by triggers on ``samples``. They are
  statement triggers with transition tables, so a statement that inserts, deletes or changes
  many Samples updates each count once; an update counts only the rows whose status, task or
  Pair changed (writing a note touches no count, and takes no lock on one). All changes of
  one statement are applied in one ``INSERT ... ON CONFLICT`` in key order, so two reviewers
  moving Samples between the same counts lock them in the same order and cannot deadlock. An
  import counts its Samples in one grouped insert at its end instead (``store/tally.py``
  switches the insert trigger off for its own transaction only: no DDL, no table lock).
- ``sample_search``: one row per Sample with turns, its turns' text in order joined by line
  breaks (as SQLite's ``samples_fts``, migration 0005) and lowered, kept by triggers on
  ``turns``; an import indexes its Samples in one grouped insert at its end instead
  (``store/search.py``). A search is ``text LIKE lower('%needle%')``. Measured on 260,000
  Samples: ``ILIKE`` over ``turns`` rechecked each candidate turn at 3-10 µs (PostgreSQL
  lowers the whole text per row for ``ILIKE``), 98-308 ms for one common word; ``LIKE`` over
  the lowered text of each Sample takes 12-46 ms for the same words. The row also keeps the
  Sample's task and status (the tally's update trigger follows them), so a search by text,
  statuses and tasks (and its progress count) needs no join with ``samples``: that join was
  most of such a search (25,000 Samples found: the match alone 26-36 ms, with the join
  83-94 ms).
- ``ix_sample_search_trgm``: a GIN trigram index (extension ``pg_trgm``) on that text, which
  ``LIKE '%...%'`` uses for needles of three characters or more. ``pg_trgm`` is a trusted
  extension (PostgreSQL 13+): the database's owner may create it. Where it cannot be created
  the migration says so once and goes on; the search stays correct, only slower.

On SQLite this migration changes nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import logging

from alembic import op
from sqlalchemy.exc import DBAPIError

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TALLY = "sample_tally"
SEARCH = "sample_search"
TEXT_INDEX = "ix_sample_search_trgm"
# Set (for one transaction) by store/tally.py and store/search.py while an import counts and
# indexes its Samples itself.
BULK_SETTING = "irtd.bulk_tally"
BULK_SEARCH_SETTING = "irtd.bulk_search"
# (source, task, status, +1/-1) of a transition table's Samples, {rows} naming it.
_KEYS = "SELECT p.source, r.task, r.status, {sign} AS d FROM {rows} r JOIN pairs p ON p.id = r.pair_id"
# Add the deltas of ``{deltas}`` (rows of source, task, status, d) in key order.
_APPLY = (f"INSERT INTO {TALLY} AS t (source, task, status, n)"
          " SELECT source, task, status, sum(d) FROM ({deltas}) k GROUP BY source, task, status"
          " HAVING sum(d) <> 0 ORDER BY source, task, status"
          " ON CONFLICT (source, task, status) DO UPDATE SET n = t.n + excluded.n;")
_CHANGED = ("SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id"
            " WHERE (o.status, o.task, o.pair_id) IS DISTINCT FROM (n.status, n.task, n.pair_id)")
_CHANGED_NEW = ("SELECT n.* FROM old_rows o JOIN new_rows n ON n.id = o.id"
                " WHERE (o.status, o.task, o.pair_id) IS DISTINCT FROM"
                " (n.status, n.task, n.pair_id)")
FUNCTIONS = {
    "sample_tally_on_insert": (
        f"IF current_setting('{BULK_SETTING}', true) = 'on' THEN RETURN NULL; END IF; "
        + _APPLY.format(deltas=_KEYS.format(sign=1, rows="new_rows"))),
    "sample_tally_on_delete": _APPLY.format(deltas=_KEYS.format(sign=-1, rows="old_rows")),
    "sample_tally_on_update": _APPLY.format(
        deltas=_KEYS.format(sign=-1, rows=f"({_CHANGED})") + " UNION ALL "
        + _KEYS.format(sign=1, rows=f"({_CHANGED_NEW})"))
        # the search rows' copy of task and status follows (their text is kept from turns)
        + " UPDATE sample_search x SET task = n.task, status = n.status"
          " FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE x.sample_id = n.id"
          " AND (o.task, o.status) IS DISTINCT FROM (n.task, n.status);",
}
# One Sample's text as the search reads it: its turns in order, one per line, lowered.
_SEARCH_TEXT = "lower(string_agg(text, E'\\n' ORDER BY idx))"
# Index the Samples ``ids`` again (an int[]): their text from their turns, or no row.
_REINDEX = (
    f"DELETE FROM {SEARCH} s WHERE s.sample_id = ANY(ids)"
    " AND NOT EXISTS (SELECT 1 FROM turns t WHERE t.sample_id = s.sample_id); "
    f"INSERT INTO {SEARCH} AS s (sample_id, task, status, text) SELECT m.id, m.task, m.status,"
    f" (SELECT {_SEARCH_TEXT} FROM turns WHERE sample_id = m.id) FROM samples m"
    " WHERE m.id = ANY(ids) AND EXISTS (SELECT 1 FROM turns WHERE sample_id = m.id)"
    " ORDER BY m.id ON CONFLICT (sample_id) DO UPDATE SET text = excluded.text,"
    " task = excluded.task, status = excluded.status"
    " WHERE (s.text, s.task, s.status) IS DISTINCT FROM"
    " (excluded.text, excluded.task, excluded.status);")
# Turns whose text, place or Sample changed, with their old and new Sample.
_MOVED = ("SELECT o.sample_id AS a, n.sample_id AS b FROM old_rows o JOIN new_rows n"
          " ON n.id = o.id WHERE (o.text, o.idx, o.sample_id) IS DISTINCT FROM"
          " (n.text, n.idx, n.sample_id)")
SEARCH_FUNCTIONS = {
    "sample_search_on_insert": (
        f"IF current_setting('{BULK_SEARCH_SETTING}', true) = 'on' THEN RETURN NULL; END IF; "
        "PERFORM sample_search_reindex(ARRAY(SELECT DISTINCT sample_id FROM new_rows));"),
    "sample_search_on_delete":
        "PERFORM sample_search_reindex(ARRAY(SELECT DISTINCT sample_id FROM old_rows));",
    "sample_search_on_update":
        f"PERFORM sample_search_reindex(ARRAY(SELECT a FROM ({_MOVED}) m"
        f" UNION SELECT b FROM ({_MOVED}) m));",
}
SEARCH_TRIGGERS = {
    "sample_search_insert": ("INSERT", "REFERENCING NEW TABLE AS new_rows",
                             "sample_search_on_insert"),
    "sample_search_delete": ("DELETE", "REFERENCING OLD TABLE AS old_rows",
                             "sample_search_on_delete"),
    "sample_search_update": ("UPDATE",
                             "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
                             "sample_search_on_update"),
}
TRIGGERS = {
    "sample_tally_insert": ("INSERT", "REFERENCING NEW TABLE AS new_rows",
                            "sample_tally_on_insert"),
    "sample_tally_delete": ("DELETE", "REFERENCING OLD TABLE AS old_rows",
                            "sample_tally_on_delete"),
    "sample_tally_update": ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
                            "sample_tally_on_update"),
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(f"CREATE TABLE {TALLY} (source VARCHAR(200) NOT NULL, task VARCHAR(40) NOT NULL,"
               " status VARCHAR(20) NOT NULL, n INTEGER NOT NULL,"
               " PRIMARY KEY (source, task, status))")
    op.execute(f"INSERT INTO {TALLY} (source, task, status, n) SELECT p.source, s.task,"
               " s.status, count(*) FROM samples s JOIN pairs p ON p.id = s.pair_id"
               " GROUP BY p.source, s.task, s.status")
    _triggers("samples", FUNCTIONS, TRIGGERS)
    op.execute(f"CREATE TABLE {SEARCH} (sample_id INTEGER PRIMARY KEY"
               " REFERENCES samples (id) ON DELETE CASCADE, task VARCHAR(40) NOT NULL,"
               " status VARCHAR(20) NOT NULL, text TEXT NOT NULL)")
    op.execute(f"INSERT INTO {SEARCH} (sample_id, task, status, text) SELECT s.id, s.task,"
               f" s.status, t.text FROM samples s JOIN (SELECT sample_id, {_SEARCH_TEXT} AS text"
               " FROM turns GROUP BY sample_id) t ON t.sample_id = s.id")
    op.execute("CREATE FUNCTION sample_search_reindex(ids INTEGER[]) RETURNS void"
               f" LANGUAGE plpgsql AS $$ BEGIN {_REINDEX} END $$")
    _triggers("turns", SEARCH_FUNCTIONS, SEARCH_TRIGGERS)
    # In a savepoint: a refused extension must not undo the rest of the migration.
    savepoint = bind.begin_nested()
    try:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(f"CREATE INDEX {TEXT_INDEX} ON {SEARCH} USING gin (text gin_trgm_ops)")
    except DBAPIError as exc:
        savepoint.rollback()
        reason = " ".join(str(exc.orig if exc.orig is not None else exc).split())
        logging.getLogger("irtd_annotator.migrations").warning(
            "the text search index was not created (%s); searching the queue still works, "
            "only slower. A database owner can add it: CREATE EXTENSION pg_trgm; then run "
            "CREATE INDEX %s ON %s USING gin (text gin_trgm_ops)", reason, TEXT_INDEX, SEARCH)
    else:
        savepoint.commit()


def _triggers(table: str, functions: dict[str, str],
              triggers: dict[str, tuple[str, str, str]]) -> None:
    """Create the statement triggers on ``table`` and the functions they run."""
    for name, body in functions.items():
        op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   f"{body} RETURN NULL; END $$")
    for name, (event, referencing, function) in triggers.items():
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} {referencing}"
                   f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, triggers, functions in (("turns", SEARCH_TRIGGERS, SEARCH_FUNCTIONS),
                                       ("samples", TRIGGERS, FUNCTIONS)):
        for name in triggers:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in functions:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.execute("DROP FUNCTION IF EXISTS sample_search_reindex(INTEGER[])")
    op.execute(f"DROP TABLE IF EXISTS {SEARCH}")
    op.execute(f"DROP TABLE IF EXISTS {TALLY}")
