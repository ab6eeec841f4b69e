"""README.md's key table and the window's F1 table agree (issue 13): every key the README
lists does what it says in the window, and every key of the review menus is in the README.

It follows the actions: a key added to the window (Ctrl+G, say) must be added to the README's
table too, in its format: ``| key | action | key | action |``, keys "A, B" (either) or
"J / K" with "next / previous ..." (in step), "1-4" and "Ctrl+1/2/3" (each)."""

from __future__ import annotations

import re
from pathlib import Path

from pytestqt.qtbot import QtBot

from irtd_annotator.ui.actions import shortcut_rows
from irtd_annotator.ui.main_window import MainWindow
from irtd_annotator.ui.settings import AppSettings

README = Path(__file__).resolve().parents[1] / "README.md"
HEADER = "| key | action | key | action |"
# the menus whose keys a reviewer uses all day: each is in the README's table (File's and
# Help's are the desktop's usual ones; a focused answer editor's are listed where it is)
DAILY_MENUS = {"Edit", "Review", "Go", "View", "Geometry"}
# keys the README lists that a widget handles, not an action (the pair view's nudges)
WIDGET_KEYS = {"arrows"}
# words the README uses for a group of commands named otherwise in the menus
GROUPS = {"layout": {"side", "overlay", "infrared"}}
_SMALL = {"a", "an", "the", "to", "and", "of", "with", "go", "back", "on", "s"}


def readme_keys() -> list[tuple[str, str]]:
    """(key, what the README says it does) for every key of the README's table."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2  # past the header and its |---| line
    pairs: list[tuple[str, str]] = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        for keys, action in zip(cells[::2], cells[1::2]):
            if keys:
                pairs += expand(keys, action)
    return pairs


def expand(keys: str, action: str) -> list[tuple[str, str]]:
    """One cell pair of the table as (key, action) pairs."""
    keys = re.sub(r"\s*\(.*?\)", "", keys)
    action = re.sub(r"\s*\(.*?\)", "", action)
    groups = [g.strip() for g in keys.split(",")]
    parts = [p.strip() for p in action.split(",")]
    alternatives = groups[0].split(" / ")
    if len(groups) == 1 and len(alternatives) == len(parts) > 1:  # "S / B": "select, draw"
        paired = list(zip(alternatives, parts))
    elif len(groups) == len(parts):                                 # "C, 1-4": "CLAHE, palette"
        paired = list(zip(groups, parts))
    else:                                                           # "P, U": "back to pending"
        paired = [(group, action) for group in groups]
    out = []
    for group, what in paired:
        ones, whats = group.split(" / "), what.split(" / ")
        if len(whats) != len(ones):  # "J / K": "next / previous sample"
            whats = [what] * len(ones)
        for one, each in zip(ones, whats):
            out += [(key, each) for key in each_key(one.strip())]
    return out


def each_key(key: str) -> list[str]:
    """ "1-4" -> 1, 2, 3, 4; "Ctrl+1/2/3" -> Ctrl+1, Ctrl+2, Ctrl+3; else the key."""
    span = re.fullmatch(r"(\d)-(\d)", key)
    if span:
        return [str(n) for n in range(int(span[1]), int(span[2]) + 1)]
    many = re.fullmatch(r"(.*\+)(\w(?:/\w)+)", key)
    if many:
        return [many[1] + one for one in many[2].split("/")]
    return [key]


def words(text: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", text.lower().replace("'s", "")) if w} - _SMALL


def f1_rows(qtbot: QtBot) -> list[tuple[str, str, str]]:
    window = MainWindow(AppSettings(), annotator="Ada")
    qtbot.addWidget(window)
    return shortcut_rows(window.menus)


def test_every_key_of_the_readme_does_what_it_says(qtbot: QtBot) -> None:
    bound: dict[str, list[str]] = {}
    for _menu, command, keys in f1_rows(qtbot):
        for key in keys.split(", "):
            bound.setdefault(key, []).append(command)
    listed = readme_keys()
    assert len(listed) > 30  # the table was found and read
    wrong = []
    for key, action in listed:
        if key in WIDGET_KEYS:
            continue
        said = words(action)
        said |= {w for word in said for w in GROUPS.get(word, ())}
        if not any(words(command) & said for command in bound.get(key, [])):
            wrong.append(f"{key}: README says {action!r}, F1 says {bound.get(key, 'nothing')}")
    assert wrong == []


def test_every_daily_key_of_f1_is_in_the_readme(qtbot: QtBot) -> None:
    listed = {key for key, _action in readme_keys()}
    missing = [f"{menu} > {command}: {keys}" for menu, command, keys in f1_rows(qtbot)
               if menu in DAILY_MENUS and keys.split(", ")[0] not in listed]
    assert missing == []


def test_the_table_is_read_as_a_person_reads_it() -> None:
    assert expand("J / K, Down / Up", "next / previous sample") == [
        ("J", "next"), ("K", "previous sample"), ("Down", "next"), ("Up", "previous sample")]
    assert expand("S / B", "select, draw a box") == [("S", "select"), ("B", "draw a box")]
    assert expand("C, 1-2, Ctrl+1/2", "CLAHE, palette, layout") == [
        ("C", "CLAHE"), ("1", "palette"), ("2", "palette"), ("Ctrl+1", "layout"),
        ("Ctrl+2", "layout")]
    assert expand("R", "reject (1-7 pick the reason)") == [("R", "reject")]
    assert expand("+ / - / 0", "zoom in, out, fit") == [
        ("+", "zoom in"), ("-", "out"), ("0", "fit")]
