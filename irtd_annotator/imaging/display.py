"""Turning decoded pixels into what the pair view shows: uint8 RGB, palettes, stretch, CLAHE."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

PALETTES = ("white-hot", "black-hot", "iron", "jet")
"""The infrared palettes, in the order the View menu lists them."""

_COLORMAPS = {"iron": cv2.COLORMAP_INFERNO, "jet": cv2.COLORMAP_JET}

# Percentiles are estimated on about this many pixels: a 1280x1024 frame is subsampled by 4
# in each direction (82k pixels), enough for a stable 1st/99th percentile at ~0.3 ms.
_PERCENTILE_SAMPLES = 80_000


@dataclass(frozen=True)
class DisplaySettings:
    """How the infrared image is shown. Hashable: part of the image cache key.

    ``stretch`` maps the ``low``-``high`` percentile range of the image to full contrast;
    16-bit images are always stretched (their useful range is a small part of 0-65535).
    ``clahe`` applies contrast-limited adaptive histogram equalisation.
    """

    palette: str = "white-hot"
    stretch: bool = False
    clahe: bool = False
    low: float = 1.0
    high: float = 99.0
    clahe_clip: float = 2.0

    def __post_init__(self) -> None:
        if self.palette not in PALETTES:
            raise ValueError(f"palette must be one of {', '.join(PALETTES)}, got {self.palette!r}")
        if not 0.0 <= self.low < self.high <= 100.0:
            raise ValueError(f"percentiles must satisfy 0 <= low < high <= 100, got "
                             f"{self.low!r}, {self.high!r}")
        if not self.clahe_clip > 0:
            raise ValueError(f"clahe_clip must be positive, got {self.clahe_clip!r}")


def to_display(array: np.ndarray, settings: DisplaySettings, *, infrared: bool = True) -> np.ndarray:
    """A C-contiguous uint8 RGB array ``(H, W, 3)`` showing ``array`` as the pair view draws it.

    ``array`` is what load_image returns: 8/16-bit (or float) grey ``(H, W)``, BGR or BGRA.
    An infrared image is reduced to one channel, stretched (always when it is not 8-bit),
    equalised with CLAHE when asked, and coloured with the palette. A visible image
    (``infrared=False``) is only converted to RGB (stretched to 8-bit if it is deeper).
    """
    _check_shape(array)
    if not infrared:
        return _visible_rgb(array)
    grey, lut = _grey_and_palette(array, settings)
    return cv2.applyColorMap(grey, lut)


def to_display_bgra(array: np.ndarray, settings: DisplaySettings, *,
                    infrared: bool = True) -> np.ndarray:
    """What ``to_display`` shows, as ``(H, W, 4)`` uint8 in B, G, R, 255 order (QImage's
    Format_RGB32 on little-endian machines), the same pixels as converting its result.

    Made in one pass over the pixels where it can be (an 8-bit colour visible image, the
    grey palettes) instead of two: each pass over a 1280x1024 frame writes 4-5 MB, and
    the read-ahead decodes two frames on every move to the next pair.
    """
    _check_shape(array)
    if not infrared:
        if array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] == 3:
            return cv2.cvtColor(array, cv2.COLOR_BGR2BGRA)
        return cv2.cvtColor(_visible_rgb(array), cv2.COLOR_RGB2BGRA)
    grey, lut = _grey_and_palette(array, settings)
    mono = lut[:, 0, 0]
    if np.array_equal(mono, lut[:, 0, 1]) and np.array_equal(mono, lut[:, 0, 2]):
        # a grey palette (white-hot, black-hot): one table lookup, then grey to BGRA
        if not np.array_equal(mono, _RAMP):
            grey = cv2.LUT(grey, np.ascontiguousarray(mono))
        return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGRA)
    return cv2.cvtColor(cv2.applyColorMap(grey, lut), cv2.COLOR_RGB2BGRA)


_RAMP = np.arange(256, dtype=np.uint8)


def _check_shape(array: np.ndarray) -> None:
    if array.ndim not in (2, 3) or array.size == 0:
        raise ValueError(f"expected a (H, W) or (H, W, C) image, got shape {array.shape}")


def _grey_and_palette(array: np.ndarray,
                      settings: DisplaySettings) -> tuple[np.ndarray, np.ndarray]:
    """The infrared image as 8-bit grey (stretched, equalised) and the palette table to
    colour it with, the stretch folded into the table where it can be."""
    grey = _to_grey(array)
    if grey.dtype != np.uint8:
        grey = _stretch_deep(grey, settings.low, settings.high)
        stretch_lut = None
    elif settings.stretch:
        stretch_lut = _stretch_lut(grey, settings.low, settings.high)
    else:
        stretch_lut = None
    if settings.clahe:
        if stretch_lut is not None:
            grey = cv2.LUT(grey, stretch_lut)
            stretch_lut = None
        clahe = cv2.createCLAHE(clipLimit=settings.clahe_clip, tileGridSize=(8, 8))
        grey = clahe.apply(grey)
    lut = palette_lut(settings.palette)
    if stretch_lut is not None:
        # One pass over the pixels: the stretch folded into the palette table.
        lut = np.ascontiguousarray(lut[stretch_lut.ravel()])
    return grey, lut


def palette_lut(palette: str) -> np.ndarray:
    """The palette as a (256, 1, 3) uint8 table in RGB order, for cv2.applyColorMap."""
    ramp = np.arange(256, dtype=np.uint8).reshape(256, 1)
    if palette == "white-hot":
        return np.repeat(ramp[:, :, None], 3, axis=2)
    if palette == "black-hot":
        return np.repeat((255 - ramp)[:, :, None], 3, axis=2)
    if palette in _COLORMAPS:
        bgr = cv2.applyColorMap(ramp, _COLORMAPS[palette])
        return np.ascontiguousarray(bgr[:, :, ::-1])
    raise ValueError(f"palette must be one of {', '.join(PALETTES)}, got {palette!r}")


def percentiles(array: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """The ``low`` and ``high`` percentiles of ``array``, estimated on a regular subsample."""
    step = max(1, int((array.shape[0] * array.shape[1] / _PERCENTILE_SAMPLES) ** 0.5))
    sample = array[::step, ::step]
    if sample.dtype == np.uint8 and sample.ndim == 2:
        # A 256-bin histogram is 5x faster than np.percentile's partition for 8-bit pixels.
        hist = cv2.calcHist([np.ascontiguousarray(sample)], [0], None, [256], [0, 256]).ravel()
        cumulative = np.cumsum(hist) / hist.sum()
        lo_bin = int(np.searchsorted(cumulative, low / 100.0))
        hi_bin = int(np.searchsorted(cumulative, high / 100.0))
        return float(min(lo_bin, 255)), float(min(hi_bin, 255))
    if sample.dtype.kind == "f":
        sample = sample[np.isfinite(sample)]
        if sample.size == 0:
            return 0.0, 0.0
    lo, hi = np.percentile(sample, (low, high))
    return float(lo), float(hi)


def _to_grey(array: np.ndarray) -> np.ndarray:
    if array.ndim == 2:
        return array
    channels = array.shape[2]
    if channels == 1:
        return array[:, :, 0]
    if channels >= 3:
        colour = array[:, :, :3]
        if _looks_grey(colour):
            # A grey image stored with three equal channels (LLVIP's IR JPEGs): any channel is it.
            return cv2.extractChannel(array, 0)
        return cv2.cvtColor(np.ascontiguousarray(colour), cv2.COLOR_BGR2GRAY)
    return cv2.extractChannel(array, 0)


def _looks_grey(bgr: np.ndarray) -> bool:
    sample = bgr[::8, ::8]
    first = sample[:, :, 0]
    # JPEG chroma rounding can leave off-by-one differences between the planes of a grey image.
    return bool(np.abs(sample.astype(np.int32) - first[:, :, None]).max() <= 2)


def _stretch_lut(grey: np.ndarray, low: float, high: float) -> np.ndarray:
    lo, hi = percentiles(grey, low, high)
    if hi <= lo:
        return np.arange(256, dtype=np.uint8).reshape(256, 1)
    ramp: npt.NDArray[np.float32] = (np.arange(256, dtype=np.float32) - lo) * (255.0 / (hi - lo))
    return np.clip(np.rint(ramp), 0, 255).astype(np.uint8).reshape(256, 1)


def _stretch_deep(grey: np.ndarray, low: float, high: float) -> np.ndarray:
    """A 16-bit (or float) image mapped to uint8 by its percentile range."""
    lo, hi = percentiles(grey, low, high)
    if hi <= lo:
        hi = lo + 1.0
    if grey.dtype == np.uint16:
        ramp = (np.arange(65536, dtype=np.float32) - lo) * (255.0 / (hi - lo))
        lut = np.clip(np.rint(ramp), 0, 255).astype(np.uint8)
        return np.take(lut, grey)
    values = grey.astype(np.float32, copy=False)
    scaled: npt.NDArray[np.float32] = (values - np.float32(lo)) * np.float32(255.0 / (hi - lo))
    scaled = np.nan_to_num(scaled, nan=0.0, posinf=255.0, neginf=0.0)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _visible_rgb(array: np.ndarray) -> np.ndarray:
    if array.dtype != np.uint8:
        if array.ndim == 3:
            lo, hi = percentiles(array[:, :, :3], 0.5, 99.5)
            hi = hi if hi > lo else lo + 1.0
            scaled = (array.astype(np.float32) - lo) * (255.0 / (hi - lo))
            array = np.clip(np.rint(np.nan_to_num(scaled)), 0, 255).astype(np.uint8)
        else:
            array = _stretch_deep(array, 0.5, 99.5)
    if array.ndim == 2 or array.shape[2] == 1:
        return cv2.cvtColor(np.ascontiguousarray(array.reshape(array.shape[:2])),
                            cv2.COLOR_GRAY2RGB)
    if array.shape[2] == 4:
        return cv2.cvtColor(array, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(np.ascontiguousarray(array[:, :, :3]), cv2.COLOR_BGR2RGB)
