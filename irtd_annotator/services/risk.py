"""Keeping every Sample's risk score (``samples.risk``, ``risk_parts``) in step with it.

The rules are ``domain/risk.py`` (docs/risk.md); this module gathers what they look at from
the store, for the Samples of some Pairs (an edit: the Pairs its transaction claimed, so a
sibling's contradiction follows) or of the whole project (an import of most of it, the
migration), and writes the scores that changed. The task medians the length rule compares
with are measured at import and kept in the settings (``MEDIANS_KEY``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection

from irtd_annotator.domain.risk import (
    ANSWER_SCORED,
    CLOSED_TASKS,
    COUNTED_LABELS,
    FREE_TEXT_TASKS,
    Risk,
    RiskFacts,
    answer_key,
    median,
    score,
)
from irtd_annotator.domain.tasks import Task
from irtd_annotator.store import risk as store
from irtd_annotator.store.settings import get_setting, set_setting

__all__ = ["MEDIANS_KEY", "measure_medians", "refresh_risk", "refresh_risk_of", "sample_risk"]

MEDIANS_KEY = "risk_medians"  # {task: median answer length} of the free-text tasks
LOCATION = Task.LOCATION.value
SPAN = 20_000  # Pairs scored at a time (about 50,000 Samples in IR-TD's proportions)


def measure_medians(conn: Connection) -> dict[str, int]:
    """Measure the free-text tasks' median answer lengths again, and keep them."""
    lengths: dict[str, list[int]] = defaultdict(list)
    for task, length in store.answer_lengths(conn, sorted(FREE_TEXT_TASKS)):
        lengths[task].append(int(length))
    medians = {task: m for task, values in lengths.items() if (m := median(values)) is not None}
    if medians != get_setting(conn, MEDIANS_KEY):
        set_setting(conn, MEDIANS_KEY, medians)
    return medians


def refresh_risk(conn: Connection, *, pair_ids: Sequence[int] | None = None,
                 medians: bool = True) -> int:
    """Score the Samples of ``pair_ids`` (all when None) in the caller's transaction and
    write the scores that changed; how many changed. ``medians``: measure the task medians
    first (an import, the migration), else use the kept ones.

    The Pairs are scored ``SPAN`` at a time (a score looks at its Pair's Samples and the
    task medians only): memory holds the texts of a span, not of the whole project.
    """
    usual = measure_medians(conn) if medians else _kept_medians(conn)
    changed = 0
    if pair_ids is None:
        for span in store.pair_spans(conn, SPAN):
            changed += _refresh(conn, *store.span_rows(conn, span), usual)
        return changed
    ids = sorted(set(pair_ids))
    for start in range(0, len(ids), SPAN):
        some = ids[start:start + SPAN]
        rows = store.sample_rows(conn, some)
        if rows:
            turns = store.turn_rows(conn, [r[0] for r in rows])
            changed += _refresh(conn, rows, turns, store.counted_shapes(conn, some), usual)
    return changed


def _refresh(conn: Connection, rows: list[tuple[Any, ...]], turns: list[tuple[Any, ...]],
             shapes: list[tuple[Any, ...]], usual: dict[str, int]) -> int:
    """Score ``rows`` (the Samples of some Pairs) and write the changed scores."""
    risks = _score_rows(rows, turns, shapes, usual)
    changed = [{"p_id": sid, "p_risk": risk.score, "p_parts": risk.codes}
               for sid, _t, _p, _c, _w, old, old_parts in rows
               if (risk := risks[sid]).score != (old or 0) or risk.codes != old_parts]
    store.write_risk(conn, changed)
    return len(changed)


def refresh_risk_of(conn: Connection, sample_ids: Iterable[int]) -> int:
    """Score again the Samples of the Pairs of ``sample_ids`` (an edit's claimed Samples)."""
    pairs = {p for sid in sample_ids if (p := store.pair_of(conn, sid)) is not None}
    return refresh_risk(conn, pair_ids=sorted(pairs), medians=False) if pairs else 0


def sample_risk(conn: Connection, sample_id: int, *, pair_id: int | None = None) -> Risk:
    """The risk of one Sample with its parts in words, as it would be stored now.
    ``pair_id``: its Pair, when the caller has read it."""
    if pair_id is None:
        pair_id = store.pair_of(conn, sample_id)
    rows = store.sample_rows(conn, [pair_id]) if pair_id is not None else []
    if pair_id is None or not any(row[0] == sample_id for row in rows):
        raise LookupError(f"sample {sample_id} is not in the project")
    risks = _score_rows(rows, store.turn_rows(conn, [r[0] for r in rows]),
                        store.counted_shapes(conn, [pair_id]), _kept_medians(conn))
    return risks[sample_id]


def _kept_medians(conn: Connection) -> dict[str, int]:
    kept = get_setting(conn, MEDIANS_KEY)
    return measure_medians(conn) if kept is None else {str(k): int(v) for k, v in kept.items()}


def _score_rows(rows: list[tuple[Any, ...]], turns: list[tuple[Any, ...]],
                shapes: list[tuple[Any, ...]], usual: dict[str, int]) -> dict[int, Risk]:
    """The Risk of each Sample of ``rows`` (store.risk.SAMPLE_ROW), from its turns, the
    counted shapes of its Pair and the task medians."""
    prompts: dict[int, str] = {}
    answers: dict[int, list[str]] = defaultdict(list)
    for sid, _idx, role, text in turns:
        if role == "gpt":
            answers[sid].append(text)
        elif sid not in prompts:
            prompts[sid] = text
    said = {sid: "\n".join(texts) for sid, texts in answers.items()}
    tasks = {row[0]: row[1] for row in rows}
    source: dict[int, dict[str, int]] = defaultdict(dict)  # pair -> label -> source boxes
    points: dict[int, dict[int, dict[str, int]]] = defaultdict(dict)  # pair -> Location -> ...
    for pair_id, sample_id, label, n in shapes:
        if sample_id is None:
            source[pair_id][(label or "").lower()] = int(n)
        elif tasks.get(sample_id) == LOCATION:
            points[pair_id].setdefault(sample_id, {})[(label or "").lower()] = int(n)
    # closed questions per (Pair, task, question): the answer keys of the Samples asking it
    keys: dict[int, str] = {}  # of the closed-task Samples (the others have none)
    asked: dict[tuple[int, str, str], list[int]] = defaultdict(list)
    questions: dict[str, str] = {}  # prompt -> as compared (templates repeat a few forms)
    for sid, task, pair_id, count, *_rest in rows:
        if task in CLOSED_TASKS and (key := answer_key(task, said.get(sid, ""), count)) is not None:
            keys[sid] = key
            prompt = prompts.get(sid, "")
            question = questions.get(prompt)
            if question is None:
                question = questions[prompt] = " ".join(prompt.split()).lower()
            asked[(pair_id, task, question)].append(sid)
    siblings: dict[int, tuple[str, ...]] = {}
    for group in asked.values():
        if len(group) > 1:
            for sid in group:
                siblings[sid] = tuple(keys[o] for o in group if o != sid)
    risks: dict[int, Risk] = {}
    # Samples with the same facts have the same score: most closed-task Samples repeat a
    # few questions and answers, so each distinct one is scored once.
    scored: dict[tuple[Any, ...], Risk] = {}
    for sid, task, pair_id, count, warnings, *_rest in rows:
        counted = (_counted(task, source.get(pair_id), points.get(pair_id))
                   if task in COUNTED_LABELS else None)
        answer = said.get(sid, "")
        facts = (task, prompts.get(sid, ""), answer if task in ANSWER_SCORED else None,
                 warnings, count, counted, siblings.get(sid, ()))
        risk = scored.get(facts)
        if risk is None:
            risk = scored[facts] = score(RiskFacts(
                task=task, prompt=facts[1], answer=answer,
                warnings=tuple(w for w in (warnings or "").split("; ") if w), count=count,
                counted_boxes=counted, sibling_answers=facts[6],
                usual_length=usual.get(task)))
        risks[sid] = risk
    return risks


def _counted(task: str, source: dict[str, int] | None,
             located: dict[int, dict[str, int]] | None) -> int | None:
    """How many objects of the labels ``task`` counts the image shows: its source boxes of
    those labels, else the most a Location sample of the image points at; None when nothing
    on the image names those labels (a source dataset of other labels says nothing)."""
    labels = COUNTED_LABELS.get(task)
    if labels is None:
        return None
    if source and labels & source.keys():
        return sum(n for label, n in source.items() if label in labels)
    found = [sum(n for label, n in by_label.items() if label in labels)
             for by_label in (located or {}).values() if labels & by_label.keys()]
    return max(found) if found else None
