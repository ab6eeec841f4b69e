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
- ``ix_turns_text_trgm``: a GIN trigram index (extension ``pg_trgm``) on ``turns.text``,
  which ``ILIKE '%...%'`` uses for needles of three characters or more. ``pg_trgm`` is a
  trusted extension (PostgreSQL 13+): the database's owner may create it. Where it cannot be
  created the migration says so once and goes on; the search stays correct, only slower.

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
TEXT_INDEX = "ix_turns_text_trgm"
# Set (for one transaction) by store/tally.py while an import counts its Samples itself.
BULK_SETTING = "irtd.bulk_tally"
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
        + _KEYS.format(sign=1, rows=f"({_CHANGED_NEW})")),
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
    for name, body in FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   f"{body} RETURN NULL; END $$")
    for name, (event, referencing, function) in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON samples {referencing}"
                   f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
    # In a savepoint: a refused extension must not undo the rest of the migration.
    savepoint = bind.begin_nested()
    try:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(f"CREATE INDEX {TEXT_INDEX} ON turns USING gin (text gin_trgm_ops)")
    except DBAPIError as exc:
        savepoint.rollback()
        reason = " ".join(str(exc.orig if exc.orig is not None else exc).split())
        logging.getLogger("irtd_annotator.migrations").warning(
            "the text search index was not created (%s); searching the queue still works, "
            "only slower. A database owner can add it: CREATE EXTENSION pg_trgm; then run "
            "CREATE INDEX %s ON turns USING gin (text gin_trgm_ops)", reason, TEXT_INDEX)
    else:
        savepoint.commit()


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {TEXT_INDEX}")
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON samples")
    for name in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.execute(f"DROP TABLE IF EXISTS {TALLY}")
