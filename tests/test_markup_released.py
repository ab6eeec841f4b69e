"""The answers in the released form take a one-scan path (domain/markup.py): the same values
as the general parser, and the same refusals at its limits (30-character numbers, reversed
corners, anything around the markup)."""

from __future__ import annotations

import pytest

from irtd_annotator.domain.markup import MarkupError, parse_boxes, parse_points
from irtd_annotator.domain.model import Box, CoordSpace, Point

BOX = "The target bounding box is <box>[[{}]]</box>."
POS = "<ref>{}</ref> at <pos>[{}]</pos>"


def test_released_points_are_the_points_of_the_answer_with_its_label() -> None:
    assert parse_points(POS.format(" car ", "(1, 2), (-3, 40)")) == (
        Point(1.0, 2.0, "car", CoordSpace.NORM1000), Point(-3.0, 40.0, "car", CoordSpace.NORM1000))
    assert parse_points(POS.format("person", "(5, 6)"), space=CoordSpace.PIXEL) == (
        Point(5.0, 6.0, "person", CoordSpace.PIXEL),)


def test_a_released_box_is_the_box_of_the_answer() -> None:
    assert parse_boxes(BOX.format("1, 2, 3, 4"), label="car") == (
        Box(1.0, 2.0, 3.0, 4.0, "car", CoordSpace.PIXEL),)
    assert parse_boxes(BOX.format("5, 5, 5, 5")) == (Box(5.0, 5.0, 5.0, 5.0),)


@pytest.mark.parametrize("number", ["9" * 30, "-" + "9" * 29])
def test_numbers_of_thirty_characters_are_read(number: str) -> None:
    assert parse_points(POS.format("car", f"({number}, 2)"))[0].x == float(number)
    assert parse_boxes(BOX.format(f"-{'9' * 29}, 1, {'9' * 30}, 2"))[0].x2 == float("9" * 30)


@pytest.mark.parametrize("number", ["9" * 31, "-" + "9" * 30])
def test_longer_numbers_are_refused(number: str) -> None:
    with pytest.raises(MarkupError, match="digits"):
        parse_points(POS.format("car", f"({number}, 2)"))
    with pytest.raises(MarkupError, match="digits"):
        parse_boxes(BOX.format(f"1, 2, {number}, 3"))


@pytest.mark.parametrize("corners", ["3, 2, 1, 4", "1, 4, 3, 2"])
def test_reversed_corners_are_refused(corners: str) -> None:
    with pytest.raises(MarkupError, match="reversed"):
        parse_boxes(BOX.format(corners))


def test_text_around_the_markup_is_parsed_by_the_general_path() -> None:
    assert parse_points(POS.format("car", "(1, 2)") + " ok") == (
        Point(1.0, 2.0, "car", CoordSpace.NORM1000),)
    assert parse_boxes(BOX.format("1, 2, 3, 4") + " ok") == (Box(1.0, 2.0, 3.0, 4.0),)
    with pytest.raises(MarkupError, match="not an"):
        parse_points(POS.format("car", "(1, 2), x"))


@pytest.mark.parametrize(("x", "y"), [(float("inf"), 1.0), (1.0, float("nan")),
                                      (float("-inf"), float("inf")), (True, 1.0)])
def test_a_point_of_anything_but_two_finite_numbers_is_refused(x: float, y: float) -> None:
    with pytest.raises(ValueError, match="must be a finite number"):
        Point(x, y)


def test_a_point_of_two_large_finite_numbers_is_a_point() -> None:
    assert Point(1e308, 1e308).x == 1e308  # their sum overflows; they do not
