"""Decoded display images: a byte-bounded LRU cache and a read-ahead worker pool.

The worker threads only decode (numpy/opencv, which release the GIL); results come back to
the GUI thread through a queued Qt signal, and only the GUI thread touches the cache's
users (widgets). The cache itself is locked, so reading its counters from anywhere is safe.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import cv2
import numpy as np
from PySide6.QtCore import QObject, Signal

from irtd_annotator.domain.errors import UserError
from irtd_annotator.imaging.display import DisplaySettings, to_display_bgra
from irtd_annotator.imaging.load import ImageDecodeError, load_image

# A 1280x1024 pair decodes to ~12 MB for display (the infrared's pixel values included): with
# the copies scaled to the panes, 96 MB in all keep the current pair, the read-ahead and a few
# pairs to go back to, within the 400 MB budget of a 260K-sample session.
DEFAULT_CACHE_BYTES = 84 * 1024 * 1024
# The copies scaled to the panes (about 1 MB each for a 1280x1024 image fitted in a pane of a
# 1600x950 window): the current pair and the read-ahead; made again when gone.
FITTED_CACHE_BYTES = 12 * 1024 * 1024


@dataclass(frozen=True)
class ImageRequest:
    """One image to show: the infrared image with its display settings, or a visible image.

    ``fit``: the (width, height) in device pixels the image will be drawn into, when known
    (a fitted view): read-ahead then also makes the copy scaled to it (``fitted``).
    """

    path: str
    infrared: bool
    settings: DisplaySettings | None = None
    fit: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if not self.path:
            raise ValueError("an image request needs a path")
        if self.infrared and self.settings is None:
            raise ValueError(f"{self.path}: an infrared request needs display settings")
        if self.fit is not None and (len(self.fit) != 2 or min(self.fit) < 1):
            raise ValueError(f"{self.path}: fit must be a positive (width, height), got {self.fit}")

    @property
    def key(self) -> Hashable:
        """The cache key: the visible image does not depend on the display settings."""
        return (self.path, self.infrared, self.settings if self.infrared else None)

    @property
    def fit_key(self) -> Hashable:
        """The cache key of the copy scaled to ``fit``."""
        return (self.key, "fitted", self.fit)


@dataclass(frozen=True, eq=False)
class DecodedImage:
    """A decoded image ready to show, and for infrared the pixel values under the cursor.

    ``frame`` is the display image as (H, W, 4) uint8 in B, G, R, 255 byte order: QImage's
    Format_RGB32 on little-endian machines, which QPixmap takes without converting. The
    conversion (0.5 ms) thus runs on the read-ahead worker instead of the GUI thread
    (RGB888 -> RGB32 costs 0.7-3 ms there per image, on every move to the next pair).
    """

    frame: np.ndarray
    values: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.frame.dtype != np.uint8 or self.frame.ndim != 3 or self.frame.shape[2] != 4:
            raise ValueError(f"frame must be a uint8 (H, W, 4) array, got "
                             f"{self.frame.dtype} {self.frame.shape}")
        # Shown zero-copy through QImage: nobody may write into them afterwards.
        self.frame.flags.writeable = False
        if self.values is not None:
            self.values.flags.writeable = False

    @classmethod
    def from_rgb(cls, rgb: np.ndarray, values: np.ndarray | None = None) -> DecodedImage:
        """Wrap what imaging.display.to_display returns."""
        return cls(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGRA), values)

    @property
    def display(self) -> np.ndarray:
        """The image as an (H, W, 3) RGB view (not contiguous), as to_display returned it."""
        return self.frame[:, :, 2::-1]

    @property
    def width(self) -> int:
        return int(self.frame.shape[1])

    @property
    def height(self) -> int:
        return int(self.frame.shape[0])

    @property
    def nbytes(self) -> int:
        return int(self.frame.nbytes + (self.values.nbytes if self.values is not None else 0))


def decode(request: ImageRequest) -> DecodedImage:
    """Load and render one image (any thread). Raises ImageMissingError or ImageDecodeError."""
    if request.infrared:
        assert request.settings is not None
        values = load_image(request.path, grey=True)
    else:
        values = load_image(request.path)
    try:
        if request.infrared:
            assert request.settings is not None
            return DecodedImage(to_display_bgra(values, request.settings), values)
        return DecodedImage(to_display_bgra(values, DisplaySettings(), infrared=False))
    except (ValueError, cv2.error) as exc:
        # Decodable but not showable (e.g. a 2-channel image): the user sees it as a bad file.
        raise ImageDecodeError(request.path, str(exc).strip().splitlines()[-1]) from None


def fitted(image: DecodedImage, box: tuple[int, int]) -> DecodedImage | None:
    """The image scaled down to fit ``box`` (device pixels) keeping its aspect ratio, as a
    fitted view draws it; None when it would not be smaller.

    Drawn 1:1, such a copy costs the GUI thread a copy of the pixels instead of filtering
    every one of them while painting (3-7 ms per 1280x1024 image on the machine of
    docs/performance.md). An area average by the whole factor, then bilinear: softer than
    bilinear alone, which skips pixels when it shrinks by more than two.
    """
    width, height = image.width, image.height
    scale = min(box[0] / width, box[1] / height)
    if scale >= 1.0:
        return None
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    frame = image.frame
    whole = int(min(width / target[0], height / target[1]))
    if whole >= 2:
        frame = cv2.resize(frame, (width // whole, height // whole), interpolation=cv2.INTER_AREA)
    if (frame.shape[1], frame.shape[0]) != target:
        frame = cv2.resize(frame, target, interpolation=cv2.INTER_LINEAR)
    return DecodedImage(np.ascontiguousarray(frame))


def render(image: DecodedImage, settings: DisplaySettings) -> DecodedImage:
    """The same infrared image under other display settings, without decoding it again."""
    if image.values is None:
        raise ValueError("only an infrared image (with its pixel values) can be re-rendered")
    return DecodedImage(to_display_bgra(image.values, settings), image.values)


class ImageCache:
    """A least-recently-used cache of DecodedImages bounded by their size in bytes."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes!r}")
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._bytes = 0
        self._entries: OrderedDict[Hashable, DecodedImage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> DecodedImage | None:
        """The image under ``key`` (now the most recently used), counting a hit or a miss."""
        with self._lock:
            image = self._entries.get(key)
            if image is None:
                self.misses += 1
                return None
            self.hits += 1
            self._entries.move_to_end(key)
            return image

    def put(self, key: Hashable, image: DecodedImage) -> None:
        """Keep ``image`` under ``key``, dropping the least recently used beyond the bound."""
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            if image.nbytes > self.max_bytes:
                return
            self._entries[key] = image
            self._bytes += image.nbytes
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.nbytes

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def nbytes(self) -> int:
        with self._lock:
            return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


class ImageLoader(QObject):
    """Decodes images for the pair view: now (blocking, in parallel) or ahead (in the background).

    ``prefetch`` queues decodes on a small thread pool; each result reaches the GUI thread
    through the queued ``_finished`` signal and goes into the cache. ``load`` returns what is
    needed now: from the cache, by waiting for a decode already running, or by decoding
    (the first image in the calling thread, the others in parallel on a second pool).
    """

    loaded = Signal(object)    # the cache key of an image decoded ahead
    idle = Signal()            # no read-ahead work left
    _finished = Signal(object, object, object)  # key, DecodedImage | None, error | None

    def __init__(self, cache: ImageCache | None = None, *, workers: int = 2,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cache = cache if cache is not None else ImageCache()
        self.fitted_cache = ImageCache(FITTED_CACHE_BYTES)  # apart: its own bound and counts
        self._ahead = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="irtd-read-ahead",
                                         initializer=_lower_priority)
        self._now = ThreadPoolExecutor(max_workers=1, thread_name_prefix="irtd-decode")
        self._pending: dict[Hashable, Future[DecodedImage]] = {}
        self._finished.connect(self._on_finished)
        # Not a method of self: by the time `destroyed` arrives the Python side may be gone.
        self.destroyed.connect(partial(_stop_pools, self._ahead, self._now))

    @property
    def busy(self) -> bool:
        """True while read-ahead decodes are queued or running."""
        return bool(self._pending)

    def prefetch(self, requests: Sequence[ImageRequest]) -> None:
        """Decode ``requests`` ahead, nearest first; queued work not asked for again is dropped.

        A request with a ``fit`` also gets its copy scaled to it made ahead (``fitted_copy``).
        """
        wanted = {request.key for request in requests}
        for key, future in list(self._pending.items()):
            if key not in wanted and future.cancel():
                del self._pending[key]
        submitted: list[tuple[Hashable, Future[DecodedImage]]] = []
        for request in requests:
            key = request.key
            if key in self._pending or key in self.cache:
                continue
            future = self._ahead.submit(_decode_ahead, self.fitted_cache, request)
            self._pending[key] = future
            submitted.append((key, future))
        # Callbacks only once every request is pending: a decode already done runs its
        # callback here, and would otherwise report idle before the next one was queued.
        for key, future in submitted:
            future.add_done_callback(partial(self._deliver, key))
        if not submitted and not self._pending:
            self.idle.emit()

    def load(self, requests: Sequence[ImageRequest]) -> list[DecodedImage | UserError]:
        """Each requested image, or the UserError saying why it cannot be shown."""
        results: list[DecodedImage | UserError | None] = []
        waiting: dict[int, Future[DecodedImage]] = {}
        local: list[int] = []
        for index, request in enumerate(requests):
            image = self.cache.get(request.key)
            results.append(image)
            if image is not None:
                continue
            pending = self._pending.get(request.key)
            if pending is not None and not pending.cancelled():
                waiting[index] = pending
            elif local:
                waiting[index] = self._now.submit(decode, requests[index])
            else:
                local.append(index)
        for index in local:
            results[index] = self._decode_here(requests[index])
        for index, future in waiting.items():
            try:
                image = future.result()
            except UserError as exc:
                results[index] = exc
            else:
                self.cache.put(requests[index].key, image)
                results[index] = image
        return [result for result in results if result is not None]

    def fitted_copy(self, request: ImageRequest, image: DecodedImage) -> DecodedImage | None:
        """``image`` scaled down to ``request.fit`` (read ahead, else made now); None when
        it would not be smaller."""
        if request.fit is None:
            return None
        small = self.fitted_cache.get(request.fit_key)
        if small is None:
            small = fitted(image, request.fit)
            if small is not None:
                self.fitted_cache.put(request.fit_key, small)
        return small

    def shutdown(self) -> None:
        """Drop queued work; running decodes finish and are discarded."""
        _stop_pools(self._ahead, self._now)
        self._pending.clear()

    def _decode_here(self, request: ImageRequest) -> DecodedImage | UserError:
        try:
            image = decode(request)
        except UserError as exc:
            return exc
        self.cache.put(request.key, image)
        return image

    def _deliver(self, key: Hashable, future: Future[DecodedImage]) -> None:
        # A worker thread: hand the result to the GUI thread, touch nothing else.
        if future.cancelled():
            return
        error = future.exception()
        # RuntimeError: the loader was deleted while this decode ran: nobody wants the result
        with contextlib.suppress(RuntimeError):
            self._finished.emit(key, None if error else future.result(), error)

    def _on_finished(self, key: Hashable, image: DecodedImage | None,
                     error: BaseException | None) -> None:
        self._pending.pop(key, None)
        if image is not None and key not in self.cache:
            self.cache.put(key, image)
            self.loaded.emit(key)
        if not self._pending:
            self.idle.emit()


# Read-ahead is for later: the window (painting, the reviewer's next key) goes first. On a
# 2-core machine two decoding threads at the same priority would halve what it gets.
READ_AHEAD_NICENESS = 10  # added to the application's own


def _lower_priority() -> None:
    """Run the calling read-ahead worker thread at a lower priority (Linux: per thread)."""
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        try:
            niceness = os.getpriority(os.PRIO_PROCESS, thread)
            os.setpriority(os.PRIO_PROCESS, thread, min(19, niceness + READ_AHEAD_NICENESS))
        except OSError:
            pass  # not allowed here: read-ahead still works, only without yielding


def _decode_ahead(fitted_cache: ImageCache, request: ImageRequest) -> DecodedImage:
    """decode, and when the request says what it will be drawn into, the copy scaled to it
    (into the cache of those, which is locked: the GUI thread then only draws it)."""
    image = decode(request)
    if request.fit is not None:
        small = fitted(image, request.fit)
        if small is not None:
            fitted_cache.put(request.fit_key, small)
    return image


def _stop_pools(*pools: ThreadPoolExecutor) -> None:
    for pool in pools:
        pool.shutdown(wait=False, cancel_futures=True)
