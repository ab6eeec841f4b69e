"""Property: whatever the file holds, ``irtd-annotator import`` succeeds or refuses with one
``irtd-annotator: error:`` line, never raises or prints a traceback, and a refusal leaves
the store exactly as it was (issue 10).

Documents are JSON-like values mixing the real keys (id, image, conversations, from, value)
with markup fragments (<box>, <pos>, <num>, <ref>, options) and hostile scalars (huge
numbers, NaN, lone surrogates, NUL), written as an array, JSON Lines or concatenated
objects, sometimes cut short. Deterministic (derandomize) so CI sees the same examples.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from import_support import dump_store, flir_image, grounding, write_samples
from irtd_annotator import cli

FRAGMENTS = st.sampled_from([
    "<box>", "</box>", "[[", "]]", "[", "]", "<pos>", "</pos>", "<ref>", "</ref>", "<num>",
    "</num>", "(", ")", ", ", "(A)", "(B) car", "(Z)", "1", "-5", "0.5", "9" * 40,
    "9" * 5000, " ", "\n", "yes", "car", "\ud800", "\udfff", "\x00", "<image>\n",
    "Detect the bounding box of the person", "How many", "Locate all car",
])
MARKUP = st.lists(FRAGMENTS, max_size=10).map("".join)
TEXTS = st.one_of(MARKUP, st.text(max_size=12))
KEYS = st.one_of(st.sampled_from(["id", "image", "conversations", "from", "value"]),
                 st.text(max_size=4))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=10**300),
                    st.floats(allow_nan=True, allow_infinity=True), TEXTS)
JSON_LIKE = st.recursive(
    SCALARS, lambda children: st.one_of(st.lists(children, max_size=3),
                                        st.dictionaries(KEYS, children, max_size=4)),
    max_leaves=12)
TURN = st.one_of(st.fixed_dictionaries({
    "from": st.one_of(st.sampled_from(["human", "gpt"]), JSON_LIKE),
    "value": st.one_of(TEXTS, JSON_LIKE)}), JSON_LIKE)
SAMPLE = st.fixed_dictionaries({
    "id": st.one_of(st.text(max_size=6), st.integers(), JSON_LIKE),
    "image": st.one_of(st.sampled_from([[flir_image(1)], flir_image(2), "a/b.jpg", ["../x.jpg"]]),
                       st.lists(TEXTS, max_size=2), JSON_LIKE),
    "conversations": st.one_of(st.lists(TURN, max_size=4), JSON_LIKE),
})
# A valid prompt and answer per file (its task), to which fragments are added: most hostile
# input is a good file with one bad part, and only such a sample reaches the markup parser.
VALID = {
    "Detection.json": ("<image>\nDetect the bounding box of the person.",
                       "The target bounding box is <box>[[1, 2, 30, 40]]</box>."),
    "Location.json": ("<image>\n Locate all car from left to right.",
                      "<ref>car</ref> at <pos>[(10, 20), (30, 40)]</pos>"),
    "PedestrianCounting.json": ("<image>\nHow many people?", "<num>3</num>"),
    "Security.json": ("<image>\nWhat object does not appear?\n(A) scooter (B) motor (C) car",
                      "(A) scooter (C) car"),
    "Relationship.json": ("<image>\nIs the car left of the person?", "yes"),
    "ReID.json": ("<image>\nHow many images show the same person?", "3"),
    "Recognition.json": ("<image>\nWhat is it?\n(A) person (B) car", "(B) car"),
    "mystery.json": ("<image>\nTell me a joke.", "No."),
}


@st.composite
def near_valid(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """A valid sample of ``name``'s task with fragments put into some of its strings."""
    prompt, answer = VALID[name]

    def spoil(text: str) -> str:
        return draw(st.one_of(st.just(text), MARKUP, MARKUP.map(lambda m: text + m),
                              MARKUP.map(lambda m: m + text)))

    return {"id": draw(st.one_of(st.integers(0, 5).map(str), MARKUP, st.integers())),
            "image": [spoil(flir_image(draw(st.integers(0, 3))))],
            "conversations": [{"from": "human", "value": spoil(prompt)},
                              {"from": "gpt", "value": spoil(answer)}]}


@st.composite
def documents(draw: st.DrawFn, name: str) -> Any:
    """A list of near-valid samples, or a JSON-like document mixing the real keys."""
    return draw(st.one_of(
        st.lists(near_valid(name), min_size=1, max_size=4),
        st.lists(st.one_of(SAMPLE, JSON_LIKE), max_size=4), SAMPLE, JSON_LIKE))


def _text(document: Any, form: str) -> str:
    # ensure_ascii: lone surrogates become \ud800 escapes; NaN and Infinity are written as is
    if form == "jsonl" and isinstance(document, list):
        return "".join(json.dumps(item) + "\n" for item in document)
    if form == "concat" and isinstance(document, list):
        return "".join(json.dumps(item, indent=2) + ",\n" for item in document)
    return json.dumps(document, indent=2)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("property")
    db = folder / "filled.db"
    good = write_samples(folder / "Detection.json", [grounding(i, i, (1, 2, 30, 40)) for i in range(3)])
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(["import", str(good), "--db", str(db), "--quiet"]) == 0
    return db


@settings(max_examples=80, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate, Phase.shrink],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(data=st.data(), form=st.sampled_from(["array", "jsonl", "concat"]),
       name=st.sampled_from(sorted(VALID)),
       cut=st.one_of(st.none(), st.none(), st.integers(min_value=0, max_value=400)))
def test_any_document_is_imported_or_refused_in_one_line(
        template: Path, data: st.DataObject, form: str, name: str, cut: int | None) -> None:
    document = data.draw(documents(name))
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "project.db"
        shutil.copy(template, db)
        text = _text(document, form)
        path = Path(folder) / name
        path.write_bytes(text.encode("utf-8")[:cut])
        before = dump_store(db)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["import", str(path), "--db", str(db), "--quiet"])
        shown = err.getvalue() + out.getvalue()
        assert "Traceback" not in shown and "internal error" not in shown, shown
        if code == 0:
            assert name in out.getvalue()
            return
        lines = err.getvalue().strip().split("\n")
        assert len(lines) == 1 and lines[0].startswith("irtd-annotator: error: "), lines
        assert dump_store(db) == before
