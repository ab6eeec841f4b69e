"""imaging/: loading 8/16-bit files and turning them into what the pair view shows."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from irtd_annotator.domain.errors import UserError
from irtd_annotator.imaging.display import PALETTES, DisplaySettings, percentiles, to_display
from irtd_annotator.imaging.load import ImageDecodeError, ImageMissingError, load_image


@pytest.fixture(scope="module")
def llvip_ir(llvip_dir: Path) -> Path:
    return llvip_dir / "infrared" / "test" / "190002.jpg"


@pytest.fixture()
def radiometric_tiff(tmp_path: Path) -> Path:
    """A 16-bit TIFF like a radiometric camera writes: a warm blob on a 7000-9000 scene."""
    yy, xx = np.mgrid[0:512, 0:640]
    scene = 7000 + 1500 * (xx / 640) + 500 * np.exp(-((xx - 320) ** 2 + (yy - 256) ** 2) / 4000)
    path = tmp_path / "radiometric.tif"
    assert cv2.imwrite(str(path), scene.astype(np.uint16))
    return path


def test_llvip_ir_loads_as_stored_and_as_grey(llvip_ir: Path) -> None:
    stored = load_image(llvip_ir)
    grey = load_image(llvip_ir, grey=True)
    assert stored.shape == (1024, 1280, 3) and stored.dtype == np.uint8
    assert grey.shape == (1024, 1280) and grey.dtype == np.uint8
    # The file is a grey image in three equal channels (JPEG may differ by a unit or two).
    assert np.abs(stored[:, :, 0].astype(int) - grey.astype(int)).max() <= 2


def test_three_channel_grey_is_shown_as_grey(llvip_ir: Path) -> None:
    shown_from_colour = to_display(load_image(llvip_ir), DisplaySettings())
    shown_from_grey = to_display(load_image(llvip_ir, grey=True), DisplaySettings())
    assert shown_from_colour.shape == (1024, 1280, 3) and shown_from_colour.dtype == np.uint8
    assert np.array_equal(shown_from_colour[:, :, 0], shown_from_colour[:, :, 2])
    assert np.abs(shown_from_colour.astype(int) - shown_from_grey.astype(int)).max() <= 2


def test_palettes_give_different_pictures(llvip_ir: Path) -> None:
    grey = load_image(llvip_ir, grey=True)
    shown = {palette: to_display(grey, DisplaySettings(palette=palette)) for palette in PALETTES}
    for a in PALETTES:
        for b in PALETTES:
            if a < b:
                assert not np.array_equal(shown[a], shown[b]), (a, b)
    iron = shown["iron"]
    assert not np.array_equal(iron[:, :, 0], iron[:, :, 2])     # coloured, not grey
    # Iron (inferno) is dark for cold and bright yellow for hot, in RGB order.
    hottest = np.unravel_index(np.argmax(grey), grey.shape)
    r, g, b = iron[hottest]
    assert r > 200 and g > 200 and b < r


def test_white_hot_and_black_hot_are_inverses(llvip_ir: Path) -> None:
    grey = load_image(llvip_ir, grey=True)
    for stretch in (False, True):
        white = to_display(grey, DisplaySettings("white-hot", stretch=stretch)).astype(int)
        black = to_display(grey, DisplaySettings("black-hot", stretch=stretch)).astype(int)
        assert np.array_equal(white + black, np.full_like(white, 255))
    assert np.array_equal(to_display(grey, DisplaySettings())[:, :, 1], grey)


def test_16_bit_tiff_is_shown_with_full_contrast(radiometric_tiff: Path) -> None:
    values = load_image(radiometric_tiff)
    assert values.dtype == np.uint16 and values.shape == (512, 640)
    assert values.min() >= 7000 and values.max() <= 9000
    for settings in (DisplaySettings(), DisplaySettings(stretch=True), DisplaySettings("iron")):
        shown = to_display(values, settings)
        assert shown.dtype == np.uint8 and shown.shape == (512, 640, 3)
        lightness = shown.max(axis=2)
        # A naive 16->8 bit shift would give 27..35 everywhere: nearly black.
        assert np.percentile(lightness, 1) <= 10
        assert np.percentile(lightness, 99) >= 245
        assert lightness.std() > 40
    # The hot blob in the middle is brighter than the cold left edge under white-hot.
    shown = to_display(values, DisplaySettings())
    assert shown[256, 320, 0] > shown[256, 5, 0] + 100


def test_16_bit_grey_png_loaded_as_grey_keeps_its_depth(tmp_path: Path) -> None:
    path = tmp_path / "frame.png"
    cv2.imwrite(str(path), np.linspace(7000, 9000, 64 * 80).reshape(64, 80).astype(np.uint16))
    assert load_image(path, grey=True).dtype == np.uint16


def test_stretch_expands_a_low_contrast_8_bit_image() -> None:
    rng = np.random.default_rng(1)
    dull = (100 + rng.integers(0, 20, size=(480, 640))).astype(np.uint8)
    plain = to_display(dull, DisplaySettings())
    stretched = to_display(dull, DisplaySettings(stretch=True))
    assert plain.max() - plain.min() <= 20
    assert stretched.min() == 0 and stretched.max() == 255
    lo, hi = percentiles(dull, 1.0, 99.0)
    assert 100 <= lo < hi <= 119


def test_clahe_changes_a_low_contrast_image() -> None:
    # A flat, foggy frame: eight grey levels of texture around 120.
    dull = (118 + np.random.default_rng(2).integers(0, 8, size=(480, 640))).astype(np.uint8)
    plain = to_display(dull, DisplaySettings())
    equalised = to_display(dull, DisplaySettings(clahe=True))
    assert not np.array_equal(plain, equalised)
    assert equalised[:, :, 0].std() > 2 * plain[:, :, 0].std()
    # CLAHE keeps the order of grey levels within a tile: texture is amplified, not invented.
    tile = (slice(0, 60), slice(0, 80))
    corr = np.corrcoef(plain[tile][:, :, 0].ravel(), equalised[tile][:, :, 0].ravel())[0, 1]
    assert corr > 0.9


def test_visible_image_is_only_converted_to_rgb(llvip_dir: Path) -> None:
    bgr = load_image(llvip_dir / "visible" / "test" / "190002.jpg")
    assert bgr.shape == (1024, 1280, 3)
    for settings in (DisplaySettings(), DisplaySettings("jet", stretch=True, clahe=True)):
        shown = to_display(bgr, settings, infrared=False)
        assert np.array_equal(shown, bgr[:, :, ::-1])
    assert shown.flags.c_contiguous


def test_missing_file_has_its_own_error_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "infrared" / "190099.jpg"
    with pytest.raises(ImageMissingError) as caught:
        load_image(missing)
    assert isinstance(caught.value, UserError)
    assert str(missing) in str(caught.value) and "not found" in str(caught.value)


@pytest.mark.parametrize("content", [b"", b"this is not a JPEG at all" * 20])
def test_corrupt_file_gives_a_decode_error_naming_the_file(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "190001.jpg"
    bad.write_bytes(content)
    with pytest.raises(ImageDecodeError) as caught:
        load_image(bad)
    assert isinstance(caught.value, UserError)
    assert str(bad) in str(caught.value) and caught.value.path == str(bad)


def test_display_settings_check_themselves() -> None:
    with pytest.raises(ValueError, match="palette"):
        DisplaySettings(palette="rainbow")
    with pytest.raises(ValueError, match="percentiles"):
        DisplaySettings(low=99, high=1)
    assert hash(DisplaySettings()) == hash(DisplaySettings())   # a cache key
