"""Map an IR-TD image path to the user's disk and find its visible counterpart.

IR-TD names images by the authors' absolute paths, e.g.
``/mnt/.../Data4MLLM/63-FLIR_ADAS/training/PreviewData/FLIR_02410.jpeg``. The part after
``Data4MLLM/`` (or a user-given prefix) is the Pair's ``rel_path``
``<index>-<Source>/<path inside the source>``; its first segment is the source. Image roots
are given per source (the root holds the source's own folders) or once for all (``"*"``:
the root holds the ``<index>-<Source>`` folders). Pure: no store and no file access.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from irtd_annotator.domain.errors import UserError

DEFAULT_MARKER = "Data4MLLM/"
ALL_SOURCES = "*"
RULE_SEPARATOR = "=>"


class ImagePathError(ValueError):
    """An image path that cannot be mapped safely (escapes its root, absolute, empty)."""


@dataclass(frozen=True)
class PairRule:
    """A regular expression on the rel_path and its replacement naming the visible image."""

    pattern: re.Pattern[str]
    replacement: str
    aligned: bool = True

    def apply(self, rel_path: str) -> str | None:
        """The visible path for ``rel_path``, or None when the pattern does not match."""
        if self.pattern.search(rel_path) is None:
            return None
        return self.pattern.sub(self.replacement, rel_path, count=1)


@dataclass(frozen=True)
class PairPreset:
    """The pairing rules of one source dataset, chosen by a substring of the source name."""

    name: str
    keys: tuple[str, ...]  # lower-case substrings of the source name
    rules: tuple[PairRule, ...]  # empty: the source has no visible counterpart
    aligned: bool = True


def _rule(pattern: str, replacement: str, aligned: bool = True) -> PairRule:
    return PairRule(re.compile(pattern), replacement, aligned)


# "(?<![^/])" anchors at the start or after a slash (faster than "(^|/)").
# Most specific keys first: "rgbtcrowdcounting" before anything shorter it could contain.
PRESETS: tuple[PairPreset, ...] = (
    PairPreset("RGBTCrowdCounting", ("rgbtcrowdcounting", "rgbtcc"),
               (_rule(r"_Grey(\.jpe?g)$", r"_RGB\1"),)),
    PairPreset("LLVIP", ("llvip",), (_rule(r"(?<![^/])infrared/", "visible/"),)),
    PairPreset("KAIST", ("kaist",), (_rule(r"/lwir/", "/visible/"),)),
    # FLIR ADAS v1: the RGB camera has another field of view, so the pair is not aligned.
    PairPreset("FLIR ADAS", ("flir",), (
        _rule(r"(?<![^/])PreviewData/(FLIR_\d+)\.jpe?g$", r"RGB/\1.jpg", aligned=False),
        _rule(r"(?<![^/])Data/(FLIR_\d+)\.tiff?$", r"RGB/\1.jpg", aligned=False),
    ), aligned=False),
    PairPreset("M3FD / fusion", ("m3fd", "fusion"), (_rule(r"/ir/", "/vi/"),)),
    PairPreset("RGBT234 / LasHeR", ("rgbt234", "lasher"), (_rule(r"/infrared/", "/visible/"),)),
    PairPreset("VTUAV", ("vtuav",), (_rule(r"/ir/", "/rgb/"),)),
    PairPreset("infrared only", ("lsotb", "llcm", "regdb", "sysu", "thermalworld", "vedai"), ()),
)


def preset_for(source: str) -> PairPreset | None:
    """The preset whose key is a case-insensitive substring of ``source``, or None."""
    lowered = source.lower()
    for preset in PRESETS:
        if any(key in lowered for key in preset.keys):
            return preset
    return None


def parse_pair_rule(text: str) -> PairRule:
    """A user rule ``PATTERN=>REPLACEMENT`` (Python regex on the rel_path); UserError if bad."""
    pattern, sep, replacement = text.partition(RULE_SEPARATOR)
    if not sep or not pattern:
        raise UserError(f"pair rule {text!r} must look like PATTERN=>REPLACEMENT")
    try:
        compiled = re.compile(pattern)
        compiled.sub(replacement, "")  # checks the group references of the replacement
    except (re.error, IndexError) as exc:
        raise UserError(f"pair rule {text!r} is not a valid regular expression: {exc}") from None
    return PairRule(compiled, replacement)


class ImageLocation(NamedTuple):
    """Where one IR-TD image is: its rel_path, source and the paths looked for."""

    rel_path: str
    source: str
    ir_path: str
    visible_path: str | None
    aligned: bool


class _SourcePlan(NamedTuple):
    base: str  # the folder rel_paths of this source are joined to
    drop_source: bool  # a root given for one source holds that source's own folders
    rules: tuple[PairRule, ...]  # user rules, then the source's preset
    aligned: bool  # when no rule matches
    head: str  # what a relative path is appended to: as posixpath.join(base, ...) does

    def join(self, rel_path: str) -> str:
        """Where the relative ``rel_path`` of this source is looked for."""
        if self.drop_source and "/" in rel_path:
            rel_path = rel_path.partition("/")[2]
        return self.head + rel_path


@dataclass(frozen=True)
class PathMapping:
    """How image strings become rel_paths and absolute paths; built once per import."""

    strip_prefix: str | None = None
    image_roots: Mapping[str, str] | None = None
    user_rules: tuple[PairRule, ...] = ()
    fallback_root: str | None = None  # for relative paths without a matching image root
    # Per (source, stripped prefix): what ``locate`` needs; filled on first use.
    _plans: dict[tuple[str, str], _SourcePlan] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def build(cls, *, strip_prefix: str | None, image_roots: Mapping[str, str],
              pair_rules: Sequence[str], fallback_root: str | None = None) -> PathMapping:
        """Validate user input (UserError on a bad rule) and build the mapping."""
        return cls(strip_prefix=strip_prefix or None, image_roots=dict(image_roots),
                   user_rules=tuple(parse_pair_rule(r) for r in pair_rules),
                   fallback_root=fallback_root)

    def split(self, image: str) -> tuple[str, str]:
        """``(prefix, rel_path)``: the stripped prefix and the ``<index>-<Source>/...`` part of
        ``image``; ImagePathError when the rest is absolute, empty or escapes with ``..``."""
        path = image.strip().replace("\\", "/")
        prefix = ""
        for marker in (self.strip_prefix, DEFAULT_MARKER):
            if marker:
                at = path.find(marker)
                if at >= 0:
                    prefix, path = path[:at + len(marker)], path[at + len(marker):]
                    break
        if path.startswith("/") and prefix and not prefix.endswith("/"):
            prefix, path = prefix + "/", path[1:]  # a prefix given without its final slash
        if _is_absolute(path):
            marker = self.strip_prefix or DEFAULT_MARKER
            raise ImagePathError(f"image path {image!r} is absolute and has no {marker!r} to "
                                 "strip; give --strip-prefix")
        if not _UNCLEAN.search(path):
            return prefix, path  # nothing to normalise (the usual case: fast)
        parts = [p for p in path.split("/") if p not in ("", ".")]
        if ".." in parts:
            raise ImagePathError(f"image path {image!r} escapes its image root (a '..' segment)")
        if not parts:
            raise ImagePathError(f"image path {image!r} names no file")
        return prefix, "/".join(parts)

    def rel_path(self, image: str) -> str:
        """The ``<index>-<Source>/...`` part of ``image`` (see ``split``)."""
        return self.split(image)[1]

    def _plan(self, source: str, prefix: str) -> _SourcePlan:
        plan = self._plans.get((source, prefix))
        if plan is None:
            base, drop_source = self._base(source, prefix)
            preset = preset_for(source)
            rules = self.user_rules + (preset.rules if preset else ())
            head = base if not base or base.endswith("/") else base + "/"
            plan = _SourcePlan(base, drop_source, rules, preset.aligned if preset else True,
                               head)
            self._plans[(source, prefix)] = plan
        return plan

    def _base(self, source: str, prefix: str) -> tuple[str, bool]:
        roots = self.image_roots or {}
        if source in roots:
            return roots[source], True
        lowered = source.lower()
        bare = re.sub(r"^\d+-", "", lowered)
        for key, root in roots.items():
            if key != ALL_SOURCES and key.lower() in (lowered, bare):
                return root, True
        if ALL_SOURCES in roots:
            return roots[ALL_SOURCES], False
        if _is_absolute(prefix):
            return prefix, False  # no root given: look where the file names it
        return posixpath.join(self.fallback_root or "", prefix), False

    def resolve(self, rel_path: str, source: str, *, prefix: str = "") -> str:
        """The path where ``rel_path`` (of ``source``) is looked for; absolute paths pass."""
        if _is_absolute(rel_path):
            return rel_path
        return self._plan(source, prefix).join(rel_path)

    def visible_rel(self, rel_path: str, source: str, *,
                    prefix: str = "") -> tuple[str | None, bool]:
        """The visible counterpart's path (relative, or absolute from a user rule) and
        whether the pair is aligned; user rules first, then the source's preset."""
        return _visible(self._plan(source, prefix), rel_path)

    def locate(self, image: str) -> ImageLocation:
        """Map one image string (as in the file) to its Pair's paths; ImagePathError if unsafe."""
        prefix, rel = self.split(image)  # rel is relative: split refuses absolute paths
        return self.locate_rel(rel, prefix=prefix, image=image)

    def locate_rel(self, rel_path: str, *, prefix: str = "",
                   image: str | None = None) -> ImageLocation:
        """The paths of a Pair known by its (relative) ``rel_path``, found under the stripped
        ``prefix`` when no image root applies; as ``locate``, which names ``image`` in its
        errors. Image folders set after an import look for every Pair again with this."""
        source = rel_path.partition("/")[0] if "/" in rel_path else ""
        plan = self._plan(source, prefix)
        visible_rel, aligned = _visible(plan, rel_path)
        visible = None
        if visible_rel is not None:
            if ".." in visible_rel.split("/"):
                raise ImagePathError(
                    f"the pair rule maps {image or rel_path!r} outside the image root")
            visible = visible_rel if _is_absolute(visible_rel) else plan.join(visible_rel)
        return ImageLocation(rel_path, source, plan.join(rel_path), visible, aligned)

    def has_root(self, source: str) -> bool:
        """Whether an image root (the source's own, or one for all) applies to ``source``."""
        return ALL_SOURCES in (self.image_roots or {}) or self.source_root(source) is not None

    def source_root(self, source: str) -> str | None:
        """The image root given for ``source`` itself (by name, any case, with or without
        its ``<index>-``), not the one for all sources; None when there is none."""
        base, own = self._base(source, "")
        return base if own else None


def _visible(plan: _SourcePlan, rel_path: str) -> tuple[str | None, bool]:
    for rule in plan.rules:
        visible, found = rule.pattern.subn(rule.replacement, rel_path, count=1)
        if found:
            return visible, rule.aligned
    return None, plan.aligned


_DRIVE = re.compile(r"[A-Za-z]:/")
# Empty, "." or ".." segments, or a trailing slash: the path needs a closer look.
_UNCLEAN = re.compile(r"(^|/)\.{0,2}(/|$)")


def _is_absolute(path: str) -> bool:
    return path.startswith("/") or _DRIVE.match(path) is not None
