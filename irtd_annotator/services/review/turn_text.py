"""Writing one Turn's typed text, with what follows from it: a single-turn Sample's answer is
parsed again (its geometry and values follow), text that does not parse is kept all the same
with the bad-markup warning. Runs in the caller's transaction (ReviewSession.edit_turn)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from irtd_annotator.domain.markup import MarkupError, form_problem
from irtd_annotator.domain.model import ReviewStatus, status_label
from irtd_annotator.domain.warnings import BAD_MARKUP, add_code
from irtd_annotator.services.review.answers import (
    AnswerContext,
    load_context,
    parse_for,
    write_answer,
)
from irtd_annotator.store.revisions import add_revision, now_iso
from irtd_annotator.store.sample_writes import (
    get_sample,
    set_turn_text,
    shape_keys,
    turns_of,
    update_sample,
)

__all__ = ["Decision", "OldText", "answer_problem", "try_write_answer", "write_turn_text"]


@dataclass(frozen=True)
class Decision:
    """A review decision as stored: status, reason, note, who decided and when."""

    status: str
    reason: str | None
    note: str | None
    decided_by: str | None
    decided_at: str | None


@dataclass(frozen=True)
class OldText:
    """What a text write replaced: the Turn's old text, whether the geometry changed, and the
    approval the write took back (None when it left the status alone)."""

    text: str
    geometry: bool
    demoted: Decision | None = None


def write_turn_text(conn: Connection, sample_id: int, idx: int, text: str, *,
                    who: str) -> OldText | None:
    """Set the text of Turn ``idx``; None when it already reads so (nothing written)."""
    at = now_iso()
    sample = get_sample(conn, sample_id)
    turns = turns_of(conn, sample_id)
    if idx not in turns:
        raise LookupError(f"sample {sample_id} has no turn {idx}")
    old_text = turns[idx].text
    if old_text == text:
        return None
    before = shape_keys(conn, sample_id)

    def write_plain() -> None:
        set_turn_text(conn, sample_id, idx, text)
        add_revision(conn, who=who, action="text", sample_id=sample_id, pair_id=sample.pair_id,
                     target=f"turn {idx}", old=old_text, new=text, at=at)

    # Single-turn samples carry markup in their answer: it is parsed again, and a new
    # prompt (Grounding label, offered options) re-derives the answer's values too.
    single = sorted(turns) == [0, 1] and turns[1].role == "gpt"
    parsed_ok = False
    if single:
        ctx = load_context(conn, sample_id)
        if idx == ctx.answer_idx:
            parsed_ok = try_write_answer(conn, ctx, text, who=who)
        else:
            write_plain()
            ctx = load_context(conn, sample_id)
            parsed_ok = try_write_answer(conn, ctx, ctx.answer, who=who)
    if not parsed_ok:
        if not single or idx == 1:
            write_plain()
        texts = {i: (text if i == idx else t.text) for i, t in turns.items()}
        values: dict[str, object] = {
            "edited": any(texts[i] != t.original for i, t in turns.items()),
            "updated_at": at, "updated_by": who}
        if single:
            values["warnings"] = add_code(sample.warnings, BAD_MARKUP)
        update_sample(conn, sample_id, **values)
    demoted = _unapprove_if_invalid(conn, sample_id, who=who, at=at)
    return OldText(old_text, shape_keys(conn, sample_id) != before, demoted)


def _unapprove_if_invalid(conn: Connection, sample_id: int, *, who: str,
                          at: str) -> Decision | None:
    """An approved (or accepted) Sample whose answer now has the bad-markup warning goes back
    to pending, with a note saying why: else it would stay approved and the export would leave
    it out without a word. Returns the decision taken back (for the undo)."""
    sample = get_sample(conn, sample_id)
    if (sample.status not in (ReviewStatus.APPROVED.value, ReviewStatus.ACCEPTED.value)
            or BAD_MARKUP not in (sample.warnings or "").split("; ")):
        return None
    was = Decision(sample.status, sample.reject_reason, sample.note, sample.decided_by,
                   sample.decided_at)
    why = (f"back to pending: the answer was edited to text not in the released form after "
           f"{sample.decided_by or 'someone'} {sample.status} it")
    note = f"{sample.note}; {why}" if sample.note else why
    update_sample(conn, sample_id, status=ReviewStatus.PENDING.value, reject_reason=None,
                  note=note, decided_by=None, decided_at=None, updated_at=at, updated_by=who)
    add_revision(conn, who=who, action="status", sample_id=sample_id, pair_id=sample.pair_id,
                 target="status", old=status_label(was.status, was.reason, was.note),
                 new=status_label(ReviewStatus.PENDING.value, None, note), at=at)
    return was


def try_write_answer(conn: Connection, ctx: AnswerContext, text: str, *, who: str,
                     action: str = "text") -> bool:
    """Write the answer with its re-derived values; False (nothing written) if it does not parse."""
    try:
        parse_for(ctx, text)  # write_answer parses before it writes anything; ask first
    except (MarkupError, ValueError):
        return False
    write_answer(conn, ctx, text, who=who, action=action)
    return True


def answer_problem(conn: Connection, sample_id: int) -> str | None:
    """What is wrong with the Sample's stored answer (it does not parse, or is not the whole
    released form, saying how that looks); None when it is fine."""
    ctx = load_context(conn, sample_id)
    try:
        parse_for(ctx, ctx.answer)
    except (MarkupError, ValueError) as exc:
        return str(exc)
    return form_problem(ctx.task, ctx.answer)
