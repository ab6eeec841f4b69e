"""The image cache (LRU bounded by bytes), the read-ahead loader and the one QImage converter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from irtd_annotator.imaging.display import DisplaySettings
from irtd_annotator.imaging.load import ImageDecodeError, ImageMissingError
from irtd_annotator.ui.pair.image_cache import (
    DecodedImage,
    ImageCache,
    ImageLoader,
    ImageRequest,
    render,
)
from irtd_annotator.ui.pair.qimage import array_to_qimage


def _image(height: int = 10, width: int = 10) -> DecodedImage:
    return DecodedImage.from_rgb(np.zeros((height, width, 3), np.uint8))


def test_cache_drops_the_least_recently_used_beyond_its_byte_bound() -> None:
    one = _image().nbytes   # 400 bytes
    cache = ImageCache(max_bytes=3 * one)
    for key in "abc":
        cache.put(key, _image())
    assert cache.get("a") is not None          # "a" is now the most recent
    cache.put("d", _image())                   # over the bound: "b" goes
    assert "b" not in cache and {"a", "c", "d"} == {k for k in "abcd" if k in cache}
    assert cache.nbytes == 3 * one and len(cache) == 3
    assert cache.get("b") is None
    assert (cache.hits, cache.misses) == (1, 1)
    cache.put("huge", _image(100, 100))        # larger than the whole cache: not kept
    assert "huge" not in cache and len(cache) == 3
    cache.put("a", _image(5, 5))               # replacing an entry recounts its bytes
    assert cache.nbytes == 2 * one + 100


def test_cached_arrays_are_read_only() -> None:
    image = _image()
    with pytest.raises(ValueError):
        image.frame[0, 0, 0] = 1


def test_loader_reads_ahead_off_the_gui_thread_and_serves_from_the_cache(
        qtbot, llvip_dir: Path) -> None:  # type: ignore[no-untyped-def]
    loader = ImageLoader(ImageCache())
    ir = ImageRequest(str(llvip_dir / "infrared" / "train" / "010001.jpg"), True,
                      DisplaySettings())
    visible = ImageRequest(str(llvip_dir / "visible" / "train" / "010001.jpg"), False)
    with qtbot.waitSignal(loader.idle, timeout=10_000):
        loader.prefetch([ir, visible])
    assert ir.key in loader.cache and visible.key in loader.cache
    first, second = loader.load([ir, visible])
    assert isinstance(first, DecodedImage) and first.values is not None
    assert first.values.shape == (1024, 1280) and first.display.shape == (1024, 1280, 3)
    assert isinstance(second, DecodedImage) and second.values is None
    assert loader.cache.hits == 2
    # Other display settings are another key; re-rendering needs no decode.
    iron = render(first, DisplaySettings("iron"))
    assert iron.values is first.values and not np.array_equal(iron.display, first.display)
    loader.shutdown()


def test_loader_reports_missing_and_broken_files_without_caching_them(
        qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"garbage" * 10)
    loader = ImageLoader(ImageCache())
    requests = [ImageRequest(str(tmp_path / "missing.jpg"), False),
                ImageRequest(str(broken), True, DisplaySettings())]
    with qtbot.waitSignal(loader.idle, timeout=10_000):
        loader.prefetch(requests)
    missing, bad = loader.load(requests)
    assert isinstance(missing, ImageMissingError) and "missing.jpg" in str(missing)
    assert isinstance(bad, ImageDecodeError) and str(broken) in str(bad)
    assert len(loader.cache) == 0
    loader.shutdown()


def test_an_infrared_request_needs_settings() -> None:
    with pytest.raises(ValueError):
        ImageRequest("a.jpg", True)
    assert ImageRequest("a.jpg", False, DisplaySettings()).key == ImageRequest("a.jpg", False).key


def test_array_to_qimage_shows_the_same_pixels(qapp) -> None:  # type: ignore[no-untyped-def]
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[1, 2] = (255, 128, 7)
    image = array_to_qimage(rgb)
    assert (image.width(), image.height()) == (6, 4)
    assert image.format() == QImage.Format.Format_RGB888
    colour = image.pixelColor(2, 1)
    assert (colour.red(), colour.green(), colour.blue()) == (255, 128, 7)
    grey = np.arange(24, dtype=np.uint8).reshape(4, 6) * 10
    assert array_to_qimage(grey).pixelColor(5, 3).red() == 230
    # A view with gaps between rows (every other column) is copied, not misread.
    strided = np.ascontiguousarray(np.dstack([grey] * 3))[:, ::2]
    assert array_to_qimage(strided).pixelColor(2, 3).green() == grey[3, 4]
    # Zero-copy: the QImage keeps the array alive after the caller drops it.
    kept = array_to_qimage(np.full((3, 3, 3), 77, np.uint8))
    del rgb
    assert kept.pixelColor(1, 1).red() == 77
    with pytest.raises(ValueError):
        array_to_qimage(np.zeros((2, 2), np.uint16))
    with pytest.raises(ValueError):
        array_to_qimage(np.zeros((2, 2, 3), np.uint8), order="bgra")


def test_decoded_frames_are_shown_in_their_true_colours(qapp) -> None:  # type: ignore[no-untyped-def]
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[2, 3] = (250, 100, 5)
    image = DecodedImage.from_rgb(rgb)
    assert np.array_equal(image.display, rgb)
    qimage = array_to_qimage(image.frame, order="bgra")
    colour = qimage.pixelColor(3, 2)
    assert (colour.red(), colour.green(), colour.blue(), colour.alpha()) == (250, 100, 5, 255)
