"""Font faces: the manifest, cmap coverage, choosing a face that covers a word, and a font cache.

Fonts never lie: a word is only set in a face whose cmap has every one of its characters.
Coverage is read once per font file with fontTools and cached on disk, so each worker starts fast.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import yaml
from PIL import ImageFont

from textsynth.errors import TextsynthError
from textsynth.resources import FONTS_MANIFEST, cache_dir, file_sha256, font_dir
from textsynth.validation import MANIFEST_LIMITS, FieldReader, load_yaml, unique_id

STYLES = ("sans", "serif", "kai", "fangsong", "brush", "handwriting", "display")
FONT_DIR_TOKEN = "${TEXTSYNTH_FONT_DIR}"  # in a manifest `file`: the folder scripts/fetch_fonts.py fills
SCRIPTS = ("SC", "TC")
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_CACHE_VERSION = 2  # bump when what the cmap cache holds changes
# Layout handles these (breaks, advances) without drawing a glyph; any other space must be in the cmap,
# because Pillow draws .notdef (tofu) for e.g. a missing U+3000 ideographic space.
_LAYOUT_WHITESPACE = frozenset(" \t\n\r\v\f")
_DENSE_LIMIT = 0x40000  # codepoints below this (BMP and the CJK ideograph planes) use the dense table
# Characters whose simplified and traditional forms differ: a face drawn for one script covers
# only that side (used by scan_dir to guess `script` for user fonts).
_SC_ONLY = "们这说时国为会来经发学对动种东车书长门问间见觉让话语读谁货买卖钱银铁电脑网页"
_TC_ONLY = "們這說時國為會來經發學對動種東車書長門問間見覺讓話語讀誰貨買賣錢銀鐵電腦網頁"


@dataclass(frozen=True)
class FontFace:
    """One face of a font file, as listed in fonts_manifest.yaml."""

    id: str
    file: str
    index: int
    family: str
    style: str
    weight: int
    script: str
    license: str = "unknown"
    package: str = ""
    sha256: str = ""
    source: str = ""  # npm:PKG@VERSION or deb:PKG=VERSION:/PATH for faces scripts/fetch_fonts.py builds
    wrong_glyphs: str = ""  # characters the cmap maps to a glyph of another character: never set in this face

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class WordCoverage(NamedTuple):
    """Coverage of a word list: per face id (covered, distinct) characters and settable words."""

    words: int
    chars: dict[str, tuple[int, int]]
    words_by_face: dict[str, int]
    unset: int  # words no face can set


class MissingFace(NamedTuple):
    face: FontFace
    reason: str


_FIELDS = tuple(f.name for f in fields(FontFace))
_REQUIRED = ("id", "file", "family", "style", "weight", "script")


# --------------------------------------------------------------------------- manifest


def load_manifest(path: Path | str | None = None) -> list[FontFace]:
    """Read and validate a font manifest; any bad entry is a TextsynthError naming file, entry and field."""
    path = Path(path) if path is not None else FONTS_MANIFEST
    data, lines = load_yaml(path, "font manifest", **MANIFEST_LIMITS)
    reader = FieldReader(str(path), lines)
    if not isinstance(data, dict) or not isinstance(data.get("faces"), list):
        raise reader.error((), "font manifest must be a mapping with a 'faces:' list of font entries")
    faces: list[FontFace] = []
    seen: set[str] = set()
    for position, entry in enumerate(data["faces"]):
        face = _parse_entry(entry, reader, ("faces", position), path.parent)
        if face.id in seen:
            raise reader.error(("faces", position, "id"), f"must be unique, {face.id!r} repeats")
        seen.add(face.id)
        faces.append(face)
    return faces


def _parse_entry(entry: object, reader: FieldReader, at: tuple, base_dir: Path) -> FontFace:
    if not isinstance(entry, dict):
        raise reader.error(at, f"each face must be a mapping of {', '.join(_FIELDS)}, got {entry!r}")
    face_of = f" (face {entry['id']!r})" if isinstance(entry.get("id"), str) else ""
    unknown = sorted(set(map(str, entry)) - set(_FIELDS))
    if unknown:
        raise reader.error((*at, unknown[0]), f"unknown field{face_of}; valid fields: {', '.join(_FIELDS)}")
    for name in _REQUIRED:
        if name not in entry:
            raise reader.error(at, f"field {name!r} is missing{face_of}")

    def bad(name: str, valid: str) -> TextsynthError:
        return reader.error((*at, name), f"must be {valid}, got {entry[name]!r}{face_of}")

    def text_field(name: str, default: str = "") -> str:
        value = entry.get(name, default)
        if value is None:
            return default
        if not isinstance(value, str):
            raise bad(name, "a string")
        return value.strip()

    def int_field(name: str, default: int, low: int, high: int) -> int:
        value = entry.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise bad(name, f"an integer from {low} to {high}")
        return value

    face_id = text_field("id")
    if not _ID_RE.match(face_id):
        raise bad("id", "a short lowercase name of letters, digits, '-', '_' or '.' (e.g. noto-sans-sc-bold)")
    file = text_field("file")
    if not file:
        raise bad("file", "the path of a .ttf/.otf/.ttc font file")
    if file.startswith(FONT_DIR_TOKEN + "/"):
        file = str(font_dir() / file[len(FONT_DIR_TOKEN) + 1 :])
    elif not os.path.isabs(file):
        file = str(base_dir / file)
    family = text_field("family")
    if not family:
        raise bad("family", "the font family name")
    style = text_field("style")
    if style not in STYLES:
        raise bad("style", f"one of {', '.join(STYLES)}")
    script = text_field("script")
    if script not in SCRIPTS:
        raise bad("script", f"one of {', '.join(SCRIPTS)} (simplified or traditional glyph forms)")
    sha = text_field("sha256").lower()
    if sha and not _SHA_RE.match(sha):
        raise bad("sha256", "64 hexadecimal digits (the sha256 of the font file) or empty")
    return FontFace(
        id=face_id,
        file=file,
        index=int_field("index", 0, 0, 1000),
        family=family,
        style=style,
        weight=int_field("weight", 400, 100, 900),
        script=script,
        license=text_field("license", "unknown") or "unknown",
        package=text_field("package"),
        sha256=sha,
        source=text_field("source"),
        wrong_glyphs="".join(text_field("wrong_glyphs").split()),
    )


# --------------------------------------------------------------------------- coverage (cmap)


_CMAP_MEMO: dict[tuple[str, int, int, int], np.ndarray] = {}


def _cmap_key(face: FontFace) -> tuple[tuple[str, int, int, int], Path]:
    """The memo key (file, face, mtime, size) and the on-disk cache file of a face's cmap."""
    try:
        st = os.stat(face.file)
    except OSError as err:
        raise TextsynthError(f"{face.file}: cannot read font file ({err.strerror or err})") from None
    key = (os.path.realpath(face.file), face.index, st.st_mtime_ns, st.st_size)
    digest = hashlib.sha1(repr((_CACHE_VERSION, *key)).encode()).hexdigest()[:24]
    return key, cache_dir() / f"cmap-{digest}.npy"


def face_codepoints(face: FontFace) -> np.ndarray:
    """Sorted uint32 codepoints of the face's cmap, memoised per process and cached on disk per file."""
    key, cache_file = _cmap_key(face)
    hit = _CMAP_MEMO.get(key)
    if hit is not None:
        return _without_wrong_glyphs(face, hit)
    codepoints = None
    try:
        codepoints = np.load(cache_file, allow_pickle=False)
        if codepoints.dtype != np.uint32 or codepoints.ndim != 1:
            codepoints = None
    except (OSError, ValueError, EOFError):
        codepoints = None
    if codepoints is None:
        codepoints = _read_cmap(face.file, face.index)
        _save_quietly(cache_file, codepoints)
    codepoints.setflags(write=False)
    _CMAP_MEMO[key] = codepoints
    return _without_wrong_glyphs(face, codepoints)


def _without_wrong_glyphs(face: FontFace, codepoints: np.ndarray) -> np.ndarray:
    """The cmap less the characters the manifest says this face draws as something else (Fandol's
    U+FFE5 FULLWIDTH YEN is a dollar sign): a label reading ￥ must not show $."""
    if not face.wrong_glyphs:
        return codepoints
    wrong = np.array(sorted({ord(c) for c in face.wrong_glyphs}), dtype=np.uint32)
    kept = np.setdiff1d(codepoints, wrong, assume_unique=True)
    kept.setflags(write=False)
    return kept


def warm_cmap_cache(faces: Iterable[FontFace]) -> None:
    """Fill the on-disk cmap cache for `faces`, sharing the work with processes doing the same.

    Each entry is read under an flock of its own: a process skips the fonts another is reading and
    comes back for them once it is done, so N cold workers (test or render) read each font once.
    """
    try:
        import fcntl
    except ImportError:  # no flock (Windows): every process reads what it needs
        return
    pending = []
    for face in faces:
        try:
            key, cache_file = _cmap_key(face)
        except TextsynthError:
            continue  # FontLibrary.load reports it
        if key not in _CMAP_MEMO and not cache_file.is_file():
            pending.append((face, cache_file))
    blocking = False
    while pending:
        deferred = []
        for face, cache_file in pending:
            try:
                cache_file.parent.mkdir(parents=True, exist_ok=True)
                lock = open(cache_file.with_suffix(".lock"), "w")  # noqa: SIM115 - held across the read
            except OSError:
                return  # a read-only cache: nothing to share
            with lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
                except BlockingIOError:
                    deferred.append((face, cache_file))
                    continue
                with contextlib.suppress(TextsynthError):  # FontLibrary.load reports it
                    face_codepoints(face)  # loads what the other process wrote, or reads the font
        pending, blocking = deferred, True


def _read_cmap(file: str, index: int) -> np.ndarray:
    from fontTools.ttLib import TTFont

    try:
        with TTFont(file, fontNumber=index, lazy=True) as font:
            cmap = font.getBestCmap()
            blank = _blank_glyphs(font, set(cmap.values())) if cmap else set()
    except Exception as err:  # fontTools raises many types for broken files; all mean "unreadable"
        raise _unreadable(file, index, err) from None
    if not cmap:
        raise TextsynthError(f"{file}: face {index} has no Unicode character map, so it cannot set text")
    # A character mapped to an empty glyph would vanish from the image: as bad as tofu.
    inked = [cp for cp, name in cmap.items() if name not in blank or chr(cp).isspace()]
    return np.array(sorted(inked), dtype=np.uint32)


def _blank_glyphs(font: Any, names: set[str]) -> set[str]:
    """Glyph names among `names` that draw nothing (some fonts map real characters to empty glyphs)."""
    if "glyf" in font:
        loca = font["loca"]
        return {n for n in names if loca[font.getGlyphID(n) + 1] == loca[font.getGlyphID(n)]}
    tag = "CFF " if "CFF " in font else "CFF2" if "CFF2" in font else None
    if tag is None:
        return set()
    from fontTools.pens.boundsPen import BoundsPen

    glyph_set = font.getGlyphSet()
    charstrings = font[tag].cff.topDictIndex[0].CharStrings
    blank = set()
    for name in names:
        charstring = charstrings[name]
        # Only short programs can be empty; drawing all 60k glyphs of a CJK font would take seconds.
        if len(getattr(charstring, "bytecode", None) or b"?" * 17) <= 16:
            pen = BoundsPen(glyph_set)
            charstring.draw(pen)
            if pen.bounds is None:
                blank.add(name)
    return blank


def _unreadable(file: object, index: int, err: Exception) -> TextsynthError:
    return TextsynthError(f"{file}: cannot read face {index} as a font ({type(err).__name__}: {err})")


def _save_quietly(cache_file: Path, codepoints: np.ndarray) -> None:
    # A read-only home only costs start-up time, so cache write failures are ignored. The temporary is
    # this thread's own: two threads (or processes) scanning the same face never write one file.
    tmp = cache_file.with_name(f"{cache_file.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            np.save(fh, codepoints, allow_pickle=False)
        os.replace(tmp, cache_file)
    except OSError:
        tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------- library


class FontLibrary:
    """The available faces with a codepoint→faces bitmask table, so choosing a font per word is cheap."""

    def __init__(
        self,
        faces: Sequence[FontFace],
        missing: Sequence[MissingFace] = (),
        notes: Sequence[str] = (),
    ) -> None:
        if not faces:
            raise TextsynthError("no font face is available")
        self.faces: tuple[FontFace, ...] = tuple(sorted(faces, key=lambda f: f.id))
        self.missing: list[MissingFace] = list(missing)
        self.notes: list[str] = list(notes)
        self._by_id = {face.id: i for i, face in enumerate(self.faces)}
        if len(self._by_id) != len(self.faces):
            raise ValueError("font face ids must be unique")
        codepoints = [face_codepoints(face) for face in self.faces]
        size = min(_DENSE_LIMIT, max(int(cp[-1]) for cp in codepoints) + 1)
        # Bit i of table[i // 64, cp] says face i covers codepoint cp; the rare codepoints past
        # the CJK planes (private use) go in a dict, which keeps the table about 1.6 MB.
        self._table = np.zeros(((len(self.faces) + 63) // 64, size), dtype=np.uint64)
        self._high: dict[int, int] = {}
        for i, cps in enumerate(codepoints):
            self._table[i // 64, cps[cps < size]] |= np.uint64(1 << (i % 64))
            for cp in cps[cps >= size].tolist():
                self._high[cp] = self._high.get(cp, 0) | 1 << i
        self._all = (1 << len(self.faces)) - 1
        self._text_masks: dict[str, int] = {}
        # the faces covering each character met: most texts are new, their characters are not
        self._char_masks: dict[str, int] = {}
        self._constraint_masks: dict[tuple, int] = {}
        self._faces_by_mask: dict[int, tuple[FontFace, ...]] = {}
        self._classes_by_mask: dict[int, tuple[tuple[FontFace, ...], ...]] = {}
        _REGISTRY.update({face.id: face for face in self.faces})

    def __getstate__(self) -> dict[str, Any]:
        # Sent to every worker (process pool, Ray): leave the per-text caches behind.
        return {
            **self.__dict__, "_text_masks": {}, "_char_masks": {}, "_faces_by_mask": {}, "_classes_by_mask": {},
        }  # fmt: skip

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_char_masks", {})
        _REGISTRY.update({face.id: face for face in self.faces})

    @classmethod
    def load(
        cls,
        manifest: Path | str | None = None,
        extra_dirs: Sequence[Path | str] = (),
        strict: bool = False,
    ) -> FontLibrary:
        """Faces from the manifest plus user folders; missing files are set aside (or raise when strict)."""
        manifest_path = Path(manifest) if manifest is not None else FONTS_MANIFEST
        listed = load_manifest(manifest_path)
        known = {(os.path.realpath(f.file), f.index) for f in listed}
        ids = {f.id for f in listed}
        for folder in extra_dirs:
            for face in scan_dir(Path(folder), hash_files=False):
                if (os.path.realpath(face.file), face.index) in known:
                    continue
                face = replace(face, id=unique_id(face.id, ids))
                ids.add(face.id)
                known.add((os.path.realpath(face.file), face.index))
                listed.append(face)
        available: list[FontFace] = []
        missing: list[MissingFace] = []
        warm_cmap_cache(f for f in listed if os.path.isfile(f.file))
        for face in listed:
            if not os.path.isfile(face.file):
                missing.append(MissingFace(face, _missing_reason(face, manifest_path)))
                continue
            try:
                face_codepoints(face)
            except TextsynthError as err:
                missing.append(MissingFace(face, f"{face.id}: {err}"))
                continue
            available.append(face)
        if missing and strict:
            raise TextsynthError("; ".join(m.reason for m in missing))
        if not available:
            reasons = "; ".join(m.reason for m in missing[:5]) or "the manifest lists no faces"
            raise TextsynthError(f"{manifest_path}: no font face is available ({reasons})")
        return cls(available, missing)

    # ---- lookup

    def face(self, face_id: str) -> FontFace:
        index = self._by_id.get(face_id)
        if index is None:
            raise TextsynthError(f"unknown font face {face_id!r}; valid ids: {', '.join(self._by_id)}")
        return self.faces[index]

    def styles(self) -> list[str]:
        present = {face.style for face in self.faces}
        return [style for style in STYLES if style in present]

    def codepoints(self, face_id: str) -> frozenset[int]:
        return frozenset(face_codepoints(self.face(face_id)).tolist())

    # ---- coverage

    def covers(self, face_id: str, text: str) -> bool:
        """True when every character of `text` (ASCII spaces aside) has an inked glyph in the face."""
        self.face(face_id)
        return bool(self._text_mask(text) >> self._by_id[face_id] & 1)

    def candidates(
        self,
        text: str,
        styles: Sequence[str] | None = None,
        weight_range: tuple[int, int] | None = None,
        script: str | None = None,
    ) -> list[FontFace]:
        """Faces (sorted by id) that cover `text` and match every given constraint; may be empty."""
        mask = self._text_mask(text) & self._constraint_mask(styles, weight_range, script)
        return list(self._faces_of(mask))

    def choose(
        self,
        text: str,
        rng: np.random.Generator,
        styles: Sequence[str] | None = None,
        weight_range: tuple[int, int] | None = None,
        script: str | None = None,
    ) -> FontFace | None:
        """A face covering `text`: a style class uniformly among those that have one, then a face of it
        uniformly, so a class with one face (brush) shows as often as one with ten (sans). Weight, then
        style are relaxed until one matches. A given script is never relaxed: simplified text set in a
        TC face shows Taiwan glyph forms. None means no face covers the text (the caller skips and counts it)."""
        text_mask = self._text_mask(text)
        if not text_mask:
            return None
        for relaxed in (
            (styles, weight_range, script),
            (styles, None, script),
            (None, None, script),
        ):
            mask = text_mask & self._constraint_mask(*relaxed)
            if mask:
                classes = self._classes_of(mask)
                options = classes[int(rng.integers(len(classes)))]
                return options[int(rng.integers(len(options)))]
        return None

    def coverage_report(self, chars: Iterable[str]) -> list[tuple[FontFace, int, int]]:
        """(face, covered, total) per face over the distinct characters in `chars` (ASCII spaces aside)."""
        distinct = {c for chunk in chars for c in chunk if c not in _LAYOUT_WHITESPACE}
        cps = np.array(sorted(ord(c) for c in distinct), dtype=np.int64)
        inside = cps[cps < self._table.shape[1]]
        outside = cps[cps >= self._table.shape[1]].tolist()
        report = []
        for i, face in enumerate(self.faces):
            bits = self._table[i // 64, inside] >> np.uint64(i % 64) & np.uint64(1)
            high = sum(self._high.get(cp, 0) >> i & 1 for cp in outside)
            report.append((face, int(bits.sum()) + high, len(cps)))
        return report

    def word_coverage(self, words: Sequence[str]) -> WordCoverage:
        """How much of a word list each face can set: its characters, and whole words."""
        chars = {face.id: (n, total) for face, n, total in self.coverage_report(words)}
        settable = dict.fromkeys((face.id for face in self.faces), 0)
        unset = 0
        for word in words:
            options = self.candidates(word)
            unset += not options
            for face in options:
                settable[face.id] += 1
        return WordCoverage(words=len(words), chars=chars, words_by_face=settable, unset=unset)

    def verify(self) -> dict[str, str]:
        """Hash every available font file against its manifest sha256; returns {face id: note} for mismatches.

        Not fatal (distributions update fonts); the notes are also added to `.notes`.
        """
        found: dict[str, str] = {}
        hashes: dict[str, str] = {}
        for face in self.faces:
            if not face.sha256:
                continue
            if face.file not in hashes:
                hashes[face.file] = file_sha256(face.file)
            if hashes[face.file] != face.sha256:
                found[face.id] = (
                    f"{face.id}: {face.file} differs from the manifest's sha256 (the package was probably "
                    f"updated); glyphs may look slightly different from earlier datasets"
                )
        self.notes.extend(n for n in found.values() if n not in self.notes)
        return found

    # ---- internals

    def _text_mask(self, text: str) -> int:
        mask = self._text_masks.get(text)
        if mask is not None:
            return mask
        mask = self._all
        char_masks = self._char_masks
        for char in set(text):
            if char in _LAYOUT_WHITESPACE:
                continue
            bits = char_masks.get(char)
            if bits is None:
                bits = char_masks[char] = self._char_mask(char)
            mask &= bits
            if not mask:
                break
        if len(self._text_masks) >= 200_000:
            self._text_masks.clear()
        self._text_masks[text] = mask
        return mask

    def _char_mask(self, char: str) -> int:
        """The faces that cover one character, as a bitmask (bit i: self.faces[i])."""
        cp = ord(char)
        if cp >= self._table.shape[1]:
            return self._high.get(cp, 0)
        bits = 0
        for word in range(self._table.shape[0]):
            bits |= int(self._table[word, cp]) << (64 * word)
        return bits

    def _constraint_mask(
        self, styles: Sequence[str] | None, weight_range: tuple[int, int] | None, script: str | None
    ) -> int:
        if isinstance(styles, str):
            styles = (styles,)
        key = (
            tuple(styles) if styles is not None else None,
            tuple(weight_range) if weight_range is not None else None,
            script,
        )
        mask = self._constraint_masks.get(key)
        if mask is not None:
            return mask
        if styles is not None:
            unknown = [s for s in styles if s not in STYLES]
            if unknown:
                raise TextsynthError(f"font style must be one of {', '.join(STYLES)}, got {unknown[0]!r}")
        if weight_range is not None and (len(weight_range) != 2 or weight_range[0] > weight_range[1]):
            raise TextsynthError(f"font weight range must be (low, high), low <= high, got {weight_range!r}")
        if script is not None and script not in SCRIPTS:
            raise TextsynthError(f"font script must be one of {', '.join(SCRIPTS)}, got {script!r}")
        mask = 0
        for i, face in enumerate(self.faces):
            if styles is not None and face.style not in styles:
                continue
            if weight_range is not None and not weight_range[0] <= face.weight <= weight_range[1]:
                continue
            if script is not None and face.script != script:
                continue
            mask |= 1 << i
        self._constraint_masks[key] = mask
        return mask

    def _classes_of(self, mask: int) -> tuple[tuple[FontFace, ...], ...]:
        """The faces of a mask grouped by style class, classes in name order (memoised like _faces_of)."""
        hit = self._classes_by_mask.get(mask)
        if hit is None:
            faces = self._faces_of(mask)
            hit = tuple(tuple(f for f in faces if f.style == s) for s in sorted({f.style for f in faces}))
            self._classes_by_mask[mask] = hit
        return hit

    def _faces_of(self, mask: int) -> tuple[FontFace, ...]:
        hit = self._faces_by_mask.get(mask)
        if hit is None:
            hit = tuple(face for i, face in enumerate(self.faces) if mask >> i & 1)
            self._faces_by_mask[mask] = hit
        return hit


def _missing_reason(face: FontFace, manifest: Path) -> str:
    if face.source:
        return (
            f"{face.id}: {face.file} not found; fetch it with `python scripts/fetch_fonts.py` (setup.sh does)"
        )
    if face.package:
        return f"{face.id}: {face.file} not found; install it with `sudo apt-get install {face.package}`"
    return f"{face.id}: {face.file} not found; restore the file or remove the entry from {manifest}"


# --------------------------------------------------------------------------- Pillow font cache

_REGISTRY: dict[str, FontFace] = {}


@functools.lru_cache(maxsize=1)
def default_library() -> FontLibrary:
    """The shipped manifest's library, loaded once per process (for `get_font` by id)."""
    return FontLibrary.load()


def get_font(face: FontFace | str, size_px: int) -> ImageFont.FreeTypeFont:
    """A Pillow font for the face at `size_px`, cached per process so loading never shows per sample."""
    if isinstance(face, str):
        face = _REGISTRY.get(face) or default_library().face(face)
    if size_px < 1:
        raise ValueError(f"font size must be at least 1 pixel, got {size_px}")
    return _load_font(face.file, face.index, int(size_px))


@functools.lru_cache(maxsize=48)  # each live face maps its file: bounded memory per worker
def _load_font(file: str, index: int, size_px: int) -> ImageFont.FreeTypeFont:
    # BASIC layout: no shaping, which CJK and Latin runs do not need, and it is faster than raqm.
    try:
        return ImageFont.truetype(file, size_px, index=index, layout_engine=ImageFont.Layout.BASIC)
    except OSError as err:
        raise TextsynthError(f"{file}: cannot load face {index} ({err})") from None


# --------------------------------------------------------------------------- user fonts

_STYLE_HINTS = (  # checked in order against the lowercased family, full name and file name
    ("handwriting", ("hand", "script", "shouxie", "手写", "手書", "xingshu", "行书")),
    ("display", ("display", "poster", "smiley", "zcool", "zongyi", "综艺", "得意黑")),
    ("kai", ("kai", "楷")),
    ("sans", ("sans", "hei", "黑", "gothic")),
    ("serif", ("serif", "song", "ming", "宋", "明", "mincho")),
)
_TC_NAME_RE = re.compile(r"(^|[^a-z])(tc|tw|hk|traditional)([^a-z]|$)|繁")


def scan_dir(folder: Path | str, hash_files: bool = True) -> list[FontFace]:
    """Describe every face of every .ttf/.otf/.ttc/.otc under `folder` (style, weight, script guessed)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise TextsynthError(f"{folder}: font folder not found (expected a folder of .ttf/.otf/.ttc files)")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in FONT_SUFFIXES and p.is_file())
    faces: list[FontFace] = []
    taken: set[str] = set()
    for file in files:
        sha = file_sha256(file) if hash_files else ""
        for index in range(_face_count(file)):
            face = _describe(file, index, sha)
            face = replace(face, id=unique_id(face.id, taken))
            taken.add(face.id)
            faces.append(face)
    return faces


def _face_count(file: Path) -> int:
    if file.suffix.lower() not in (".ttc", ".otc"):
        return 1
    from fontTools.ttLib import TTCollection

    try:
        with TTCollection(str(file), lazy=True) as collection:
            return len(collection.fonts)
    except Exception as err:  # any parse failure means the file is not a usable collection
        raise TextsynthError(f"{file}: cannot read font collection ({type(err).__name__}: {err})") from None


def _describe(file: Path, index: int, sha: str) -> FontFace:
    from fontTools.ttLib import TTFont

    try:
        with TTFont(str(file), fontNumber=index, lazy=True) as font:
            names = font["name"]
            family = names.getDebugName(16) or names.getDebugName(1) or file.stem
            full = names.getDebugName(4) or f"{family} {names.getDebugName(2) or ''}"
            license_text = names.getDebugName(13) or ""
            weight = font["OS/2"].usWeightClass if "OS/2" in font else 400
            cmap = font.getBestCmap() or {}
    except TextsynthError:
        raise
    except Exception as err:  # fontTools raises many types for broken files; all mean "unreadable"
        raise _unreadable(file, index, err) from None
    if weight < 10:  # some old fonts use the 1-9 scale
        weight *= 100
    weight = min(900, max(100, round(weight / 100) * 100))
    hay = f"{family} {full} {file.name}".lower()
    style = next((s for s, words in _STYLE_HINTS if any(w in hay for w in words)), "sans")
    sc = sum(ord(c) in cmap for c in _SC_ONLY)
    tc = sum(ord(c) in cmap for c in _TC_ONLY)
    # Pan-CJK fonts cover both sides; then only the name can tell which glyph forms they draw.
    script = ("SC" if sc > tc else "TC") if sc != tc else ("TC" if _TC_NAME_RE.search(hay) else "SC")
    slug = _slug(full) or _slug(file.stem) or f"font-{index}"
    lic = license_text.lower()
    license_id = (
        "OFL-1.1"
        if "open font license" in lic
        else "Apache-2.0"
        if "apache" in lic
        else "GPL"
        if "gpl" in lic or "general public" in lic
        else "unknown"
    )
    return FontFace(
        id=slug,
        file=str(file.resolve()),
        index=index,
        family=family,
        style=style,
        weight=weight,
        script=script,
        license=license_id,
        package="",
        sha256=sha,
    )


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def manifest_yaml(faces: Iterable[FontFace]) -> str:
    """Manifest entries for `faces`, ready to paste under `faces:`."""
    entries = [{k: v for k, v in face.to_dict().items() if v != "" or k == "license"} for face in faces]
    return yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=200)
