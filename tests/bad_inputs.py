"""A corpus of hostile import files, written as an attacker would: each case is the bytes of
one file and what the importer must do with it (refuse with one line, or import).

Built in code rather than stored as files: several cases are megabytes of brackets or
digits, and the code says what each one is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from import_support import GROUNDING_PROMPT, box_answer, flir_image, sample

COUNT_PROMPT = "<image>\nHow many people are in the picture?"
SECURITY_PROMPT = ("<image>\nWhat object does not appear in the picture?\n"
                   "(A) scooter (B) motor (C) car (D) hydrant")
LOCATION_PROMPT = "<image>\n Locate all car from left to right."


@dataclass(frozen=True)
class Case:
    """One hostile file: its name, its bytes, and what the import must say."""

    name: str
    file: str  # the file name (it decides the task)
    data: bytes
    ok: bool = False  # True: imported (exit 0); False: refused with one line
    says: tuple[str, ...] = ()  # what the one-line message (or the summary) must contain


def _dump(value: Any) -> bytes:
    # ensure_ascii: a lone surrogate is written as the JSON escape \ud800, as an attacker would
    return json.dumps(value, indent=4).encode("utf-8")


def _grounding(sample_id: Any = "7", *, image: Any = None, prompt: Any = GROUNDING_PROMPT,
               answer: Any = None) -> dict[str, Any]:
    return sample(sample_id, [flir_image(1)] if image is None else image, prompt,
                  box_answer(1, 2, 30, 40) if answer is None else answer)


def _one(file: str, obj: Any, *, ok: bool = False, says: tuple[str, ...] = ()) -> tuple[
        str, bytes, bool, tuple[str, ...]]:
    return file, _dump([obj]), ok, says


def _digits(n: int) -> str:
    return "9" * n


def _raw_sample(id_json: str, *, image_json: str | None = None, answer_json: str | None = None,
                prompt_json: str | None = None) -> bytes:
    """A one-sample array written by hand, so that any JSON text can stand in any place."""
    image = image_json or json.dumps([flir_image(1)])
    prompt = prompt_json or json.dumps(GROUNDING_PROMPT)
    answer = answer_json or json.dumps(box_answer(1, 2, 30, 40))
    return (f'[{{"id": {id_json}, "image": {image}, "conversations": ['
            f'{{"from": "human", "value": {prompt}}}, {{"from": "gpt", "value": {answer}}}]}}]'
            ).encode()


def cases() -> list[Case]:
    """Every case of the corpus."""
    det = "Detection.json"
    built: list[Case] = []

    def add(name: str, file: str, data: bytes, *, ok: bool = False, says: tuple[str, ...] = ()
            ) -> None:
        built.append(Case(name, file, data, ok, says))

    # --- numbers and ids out of every range
    add("int-id-5000-digits", det, _raw_sample(_digits(5000)), says=("line 1", "digits"))
    add("int-id-400-digits", det, _raw_sample(_digits(400)), says=("line 1", "id"))
    add("string-id-5000-chars", det, _raw_sample(json.dumps(_digits(5000))),
        says=("line 1", "id is 5,000 characters"))
    add("id-nan", det, _raw_sample("NaN"), says=("line 1", "id must be"))
    add("id-infinity", det, _raw_sample("-Infinity"), says=("line 1", "id must be"))
    add("id-float", det, _raw_sample("1.5"), says=("line 1", "id must be"))
    add("id-true", det, _raw_sample("true"), says=("line 1", "id must be"))
    add("id-empty", det, _raw_sample('""'), says=("line 1", "id must be"))
    add("id-object", det, _raw_sample('{"a": 1}'), says=("line 1", "id must be"))
    add("box-400-digits", det, _dump([_grounding(answer=box_answer(1, 2, 3, int(_digits(400))))]),
        says=("sample 7", "line 2", "cannot be parsed"))
    add("box-5000-digits", det, _dump([_grounding(answer=f"<box>[[1, 2, 3, {_digits(5000)}]]</box>")]),
        says=("sample 7", "line 2", "cannot be parsed"))
    add("box-reversed", det, _dump([_grounding(answer=box_answer(30, 2, 1, 40))]),
        says=("sample 7", "line 2", "reversed"))
    add("box-three-numbers", det, _dump([_grounding(answer="<box>[[1, 2, 3]]</box>")]),
        says=("sample 7", "four numbers"))
    add("box-empty-answer", det, _dump([_grounding(answer="")]), says=("sample 7", "<box>"))
    add("pos-400-digits", "Location.json", _dump([sample(
        "3", [flir_image(1)], LOCATION_PROMPT, f"<ref>car</ref> at <pos>[(1, {_digits(400)})]</pos>")]),
        says=("Location.json, sample 3, line 2", "cannot be parsed"))
    add("pos-5000-digits", "Location.json", _dump([sample(
        "3", [flir_image(1)], LOCATION_PROMPT, f"<ref>car</ref> at <pos>[({_digits(5000)}, 1)]</pos>")]),
        says=("sample 3", "cannot be parsed"))
    add("num-400-digits", "PedestrianCounting.json", _dump([sample(
        "4", [flir_image(1)], COUNT_PROMPT, f"<num>{_digits(400)}</num>")]),
        says=("sample 4", "line 2", "count"))
    add("num-5000-digits", "AerialCounting.json", _dump([sample(
        "4", [flir_image(1)], COUNT_PROMPT, f"<num>{_digits(5000)}</num>")]),
        says=("sample 4", "line 2", "count"))
    # --- nesting that breaks recursive parsers
    add("nested-100000-brackets", det, b"[" * 100_000 + b"]" * 100_000,
        says=("nested too deeply", "line 1"))
    add("nested-100000-objects", det, b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        says=("nested too deeply",))
    add("nested-image", det, _raw_sample('"5"', image_json="[" * 50_000 + "]" * 50_000),
        says=("nested too deeply",))
    add("nested-500-in-value", det, _raw_sample('"5"', answer_json="[" * 500 + "]" * 500),
        says=("sample 5", "value must be a string"))
    add("nested-500-image", det, _raw_sample('"5"', image_json="[" * 500 + "]" * 500),
        says=("sample 5", "image must be"))
    # --- text that cannot be stored or printed
    add("surrogate-id", det, _dump([_grounding("\ud800")]), says=("line 2", "surrogate"))
    add("surrogate-image", det, _dump([_grounding(image=[flir_image(1) + "\udfff"])]),
        says=("sample 7", "surrogate"))
    add("surrogate-text", det, _dump([_grounding(prompt=GROUNDING_PROMPT + "\udc00")]),
        says=("sample 7", "surrogate"))
    add("surrogate-role", det, _dump([{"id": "7", "image": [flir_image(1)], "conversations": [
        {"from": "\ud800", "value": "a"}, {"from": "gpt", "value": "b"}]}]),
        says=("sample 7", "turn 0"))
    add("surrogate-pair-is-fine", det, _dump([_grounding(prompt=GROUNDING_PROMPT + "\U0001F600")]),
        ok=True, says=("1 added",))
    add("nul-in-image", det, _dump([_grounding(image=[flir_image(1) + "\x00.jpg"])]),
        says=("sample 7", "control character"))
    add("newline-in-image", det, _dump([_grounding(image=["a/b\n.jpg"])]),
        says=("sample 7", "control character"))
    add("nul-in-text", det, _dump([_grounding(prompt=GROUNDING_PROMPT + "\x00")]), ok=True,
        says=("1 added",))
    add("raw-control-char", det, _dump([_grounding()]).replace(b"person", b"per\x01son"),
        says=("invalid JSON", "line"))
    # --- encodings
    add("bom-utf8", det, b"\xef\xbb\xbf" + _dump([_grounding()]), ok=True, says=("1 added",))
    add("utf16-le", det, b"\xff\xfe" + json.dumps([_grounding()]).encode("utf-16-le"),
        says=("UTF-16",))
    add("utf16-be", det, b"\xfe\xff" + json.dumps([_grounding()]).encode("utf-16-be"),
        says=("UTF-16",))
    add("latin1", det, _dump([_grounding(prompt=GROUNDING_PROMPT + "\u00e9")]).replace(
        b"\\u00e9", b"\xe9"), says=("not UTF-8", "line"))
    # --- shapes: top level, arrays, truncation
    add("empty-file", det, b"", says=("empty",))
    add("whitespace-only", det, b" \n\t\n", says=("empty",))
    add("empty-array", det, b"[]", ok=True, says=("no samples",))
    add("top-level-string", det, b'"hello"', says=("line 1", "JSON object, found str"))
    add("top-level-number", det, b"42", says=("line 1", "JSON object, found int"))
    add("top-level-null", det, b"null", says=("line 1", "found NoneType"))
    add("top-level-empty-object", det, b"{}", says=("line 1", "no id"))
    add("array-of-numbers", det, b"[1, 2]", says=("line 1", "found int"))
    add("array-of-arrays", det, b"[[]]", says=("line 1", "found list"))
    add("truncated", det, _dump([_grounding()])[:-20], says=("invalid JSON",))
    add("unclosed-array", det, _dump([_grounding()])[:-1], says=("expected , or ]",))
    add("garbage-after", det, _dump([_grounding()]) + b" xyz", says=("after the closing",))
    add("only-commas", det, b"," * 100_000, says=("invalid JSON", "line 1"))
    add("duplicate-keys-last-wins", det, _raw_sample('"100", "id": "200"'), ok=True,
        says=("1 added",))
    add("duplicate-ids", det, _dump([_grounding("1"), _grounding("1")]),
        says=("sample 1", "duplicate id"))
    add("jsonl-bad-line", det, (json.dumps(_grounding("1")) + "\n{oops}\n").encode(),
        says=("line 2", "invalid JSON"))
    # --- conversations
    add("conversations-empty", det, _dump([{"id": "1", "image": [flir_image(1)],
                                            "conversations": []}]),
        says=("sample 1", "even number"))
    add("conversations-missing-roles", det, _dump([{"id": "1", "image": [flir_image(1)],
        "conversations": [{"value": "a"}, {"value": "b"}]}]), says=("sample 1", "turn 0"))
    add("conversations-system-role", det, _dump([{"id": "1", "image": [flir_image(1)],
        "conversations": [{"from": "system", "value": "a"}, {"from": "gpt", "value": "b"}]}]),
        says=("sample 1", "turn 0 must be from 'human'"))
    add("conversations-upper-case-role", det, _dump([{"id": "1", "image": [flir_image(1)],
        "conversations": [{"from": "Human", "value": "a"}, {"from": "gpt", "value": "b"}]}]),
        says=("sample 1", "turn 0"))
    add("conversations-strings", det, _dump([{"id": "1", "image": [flir_image(1)],
        "conversations": ["human", "gpt"]}]), says=("sample 1", "must be an object"))
    add("conversations-null-value", det, _dump([_grounding(answer=None) | {
        "conversations": [{"from": "human", "value": None}, {"from": "gpt", "value": "x"}]}]),
        says=("sample 7", "value must be a string"))
    # --- image paths
    add("image-dotdot", det, _dump([_grounding(image=["../../etc/passwd"])]),
        says=("sample 7", "escapes its image root"))
    add("image-backslash-dotdot", det, _dump([_grounding(image=["..\\..\\etc\\passwd"])]),
        says=("sample 7", "escapes"))
    add("image-absolute", det, _dump([_grounding(image=["/etc/passwd"])]),
        says=("sample 7", "absolute"))
    add("image-drive", det, _dump([_grounding(image=["C:/Windows/win.ini"])]),
        says=("sample 7", "absolute"))
    add("image-empty", det, _dump([_grounding(image=[""])]), says=("sample 7", "image must be"))
    add("image-two", det, _dump([_grounding(image=["a.jpg", "b.jpg"])]),
        says=("sample 7", "2 entries"))
    add("image-object", det, _dump([_grounding(image={"path": "a.jpg"})]),
        says=("sample 7", "image must be"))
    add("image-huge-list", det, _dump([_grounding(image=list(range(100_000)))]),
        says=("sample 7", "100000 entries"))
    add("image-dot", det, _dump([_grounding(image=["./."])]), says=("sample 7", "names no file"))
    # --- sizes and markup built to make regular expressions backtrack
    add("long-single-line", det, json.dumps(
        [_grounding(prompt=GROUNDING_PROMPT + " " + "x" * 2_000_000)]).encode(), ok=True,
        says=("1 added",))
    add("many-open-boxes", det, _dump([_grounding(answer="<box>[[" * 30_000)]),
        says=("sample 7", "cannot be parsed"))
    add("many-open-pos", "Location.json", _dump([sample(
        "3", [flir_image(1)], LOCATION_PROMPT, "<ref>car</ref> at " + "<pos>[" * 30_000)]),
        says=("sample 3", "cannot be parsed"))
    add("many-open-refs", "Location.json", _dump([sample(
        "3", [flir_image(1)], LOCATION_PROMPT, "<ref>" * 30_000 + "<pos>[(1, 2)]</pos>")]),
        ok=True, says=("1 added",))
    add("option-spaces", "Security.json", _dump([sample(
        "5", [flir_image(1)], SECURITY_PROMPT, "(A)" + " " * 50_000 + "(")]),
        says=("sample 5", "cannot be parsed"))
    add("long-caption-ok", det, _dump([_grounding(prompt=GROUNDING_PROMPT + "\n" * 10_000)]),
        ok=True, says=("1 added",))
    return built
