"""Glyph metrics and bitmaps from one FreeType face per font file, sized per call.

Pillow opens a face per (file, size) (~0.3 ms, 3.5 per sample at 512²) and measures with hinted
glyph loads. Here each face is opened once per process: advances are read unscaled from its
metrics table and scaled in closed form, and rendered glyphs live in a byte-bounded LRU that the
sampler (ink boxes), the renderer and the conditioning maps share, so a glyph is drawn once.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
import threading
from collections import OrderedDict
from typing import NamedTuple

import freetype
import numpy as np

from textsynth.errors import TextsynthError
from textsynth.sources.fonts import _REGISTRY, FontFace, default_library

# Unhinted outlines: bytecode hinting costs 2-4x per glyph on the CJK TrueType faces and makes
# advances and ink depend on the size in steps; embedded bitmaps (wqy) would differ from the outlines.
_RENDER = freetype.FT_LOAD_RENDER | freetype.FT_LOAD_NO_HINTING | freetype.FT_LOAD_NO_BITMAP
_OUTLINE = freetype.FT_LOAD_NO_HINTING | freetype.FT_LOAD_NO_BITMAP
_UNSCALED = freetype.FT_LOAD_NO_SCALE | freetype.FT_LOAD_NO_HINTING
GLYPH_CACHE_BYTES = 48 << 20  # rendered glyphs kept per process (a 100 px glyph is ~10 kB)
INK_CACHE_ENTRIES = 50_000  # ink boxes kept per process (~200 bytes each), apart from the bitmaps
# FreeType memory-maps each font file (33 files, 427 MB here) and faces stay open, so the pages a
# worker has touched would pile up in its RSS; every this many glyph renders they are dropped
# from it (they stay in the page cache: a later touch is a minor fault).
RELEASE_PAGES_EVERY = 2048
_EMPTY = np.zeros((0, 0), dtype=np.uint8)
_FT_Load_Glyph = freetype.raw.FT_Load_Glyph
# A FreeType face is not thread-safe; only cache misses take the lock (recaption runs threads).
_FT_LOCK = threading.RLock()


class Bitmap(NamedTuple):
    """A glyph's coverage and where it sits: `left` right of the pen, `top` below the ascender line."""

    left: int
    top: int
    mask: np.ndarray  # (h, w) uint8, read-only (shared through the cache)

    @property
    def inked(self) -> bool:
        return self.mask.size > 0 and bool(self.mask.any())


class _Face:
    """One open FreeType face; per-character glyph ids and unscaled advances memoised."""

    def __init__(self, path: str, index: int) -> None:
        try:
            self.ft = freetype.Face(path, index)
        except (freetype.FT_Exception, OSError) as err:
            raise TextsynthError(f"{path}: cannot load face {index} ({err})") from None
        self.handle = self.ft._FT_Face
        self.upem = max(int(self.ft.units_per_EM), 1)
        # FreeType's choice of hhea or OS/2 line metrics, in font units
        self.ascender = int(self.ft.ascender)
        self.descender = int(self.ft.descender)
        self.gids: dict[str, int] = {}
        self.advances: dict[str, int] = {}
        self.lines: dict[str, tuple[int, int]] = {}
        self.char_lines: dict[str, tuple[int, ...]] = {}
        self.size = 0
        # FreeType keeps one glyph slot per face for its life: dereferenced once, not per load
        self.slot = self.handle.contents.glyph.contents
        self.bitmap = self.slot.bitmap  # a view of the slot's bitmap record, read after each render
        stream = self.handle.contents.stream
        base, length = (ctypes.c_size_t * 2).from_address(stream) if stream else (0, 0)
        self.mapping = (base, length) if base and _is_file_mapping(base, path) else None

    def gid(self, char: str) -> int:
        gid = self.gids.get(char)
        if gid is None:
            with _FT_LOCK:
                gid = self.gids[char] = int(freetype.raw.FT_Get_Char_Index(self.handle, ord(char)))
        return gid

    def advance_units(self, char: str) -> int:
        units = self.advances.get(char)
        if units is None:
            if len(self.advances) > 50_000:  # a face's whole cmap is ~30k: bound the odd long run
                self.advances.clear()
            fixed = freetype.FT_Fixed(0)
            with _FT_LOCK:
                error = freetype.raw.FT_Get_Advance(
                    self.handle, self.gid(char), _UNSCALED, ctypes.byref(fixed)
                )
            units = self.advances[char] = 0 if error else int(fixed.value)
        return units

    def char_units(self, line: str) -> tuple[int, ...]:
        """Each character's advance in font units, memoised per line: layout walks every line it
        fitted, one lookup instead of one per character."""
        hit = self.char_lines.get(line)
        if hit is None:
            if len(self.char_lines) > 20_000:
                self.char_lines.clear()
            known = self.advances  # looked up inline: one method call per new character only
            hit = tuple([known[c] if c in known else self.advance_units(c) for c in line])
            self.char_lines[line] = hit
        return hit

    def line_units(self, line: str) -> tuple[int, int]:
        """(sum of advances in font units, characters without an advance) of a line, memoised:
        slot fitting measures the same lines at several sizes."""
        hit = self.lines.get(line)
        if hit is None:
            if len(self.lines) > 20_000:
                self.lines.clear()
            known = self.advances
            units = [known[c] if c in known else self.advance_units(c) for c in line]
            hit = self.lines[line] = (sum(units), units.count(0))
        return hit

    def set_size(self, size_px: int) -> None:
        if size_px != self.size:
            error = freetype.raw.FT_Set_Pixel_Sizes(self.handle, 0, size_px)
            if error:
                raise TextsynthError(
                    f"{self.ft.filename}: cannot set size {size_px} px (FreeType error {error})"
                )
            self.size = size_px


def _is_file_mapping(base: int, path: str) -> bool:
    """True when `base` starts a read-only mapping of the font file. FreeType mmaps files, but were
    one read into the heap instead, dropping its pages would zero live memory: check, never assume."""
    if not sys.platform.startswith("linux"):
        return False
    real = os.path.realpath(path)
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                if len(fields) == 6 and int(fields[0].split("-")[0], 16) == base:
                    return fields[5].rstrip("\n") == real and "w" not in fields[1]
    except OSError:
        pass
    return False


def release_font_pages() -> None:
    """Drop the font-file pages this process has touched from its resident set (madvise DONTNEED on
    the read-only file mappings FreeType made; the data stays in the page cache)."""
    global _renders_since_release
    _renders_since_release = 0
    madvise = _libc_madvise()
    if madvise is None:
        return
    for face in list(_FACES.values()):
        if face.mapping is not None:
            madvise(ctypes.c_void_p(face.mapping[0]), ctypes.c_size_t(face.mapping[1]), 4)  # MADV_DONTNEED


_MADVISE: list = []


def _libc_madvise():
    if not _MADVISE:
        try:
            _MADVISE.append(ctypes.CDLL(None, use_errno=True).madvise)
        except (OSError, AttributeError):
            _MADVISE.append(None)
    return _MADVISE[0]


_FACES: dict[tuple[str, int], _Face] = {}
_SIZED: dict[tuple[str, int, int], SizedFace] = {}
_GLYPHS: OrderedDict[tuple, Bitmap] = OrderedDict()
_glyph_bytes = 0
_ink_entries = 0
_renders_since_release = 0


def _face(path: str, index: int) -> _Face:
    face = _FACES.get((path, index))
    if face is None:
        with _FT_LOCK:
            face = _FACES.get((path, index)) or _FACES.setdefault((path, index), _Face(path, index))
    return face


class SizedFace:
    """A font face at one pixel size: what layout and drawing need, without a FreeType load per size.

    Speaks the part of Pillow's FreeTypeFont that layout callers use (getmetrics, getlength,
    getbbox, path, index, size), so either can be passed where a font is expected.
    """

    def __init__(self, path: str, index: int, size: int) -> None:
        self.path, self.index, self.size = path, index, size
        self._face = _face(path, index)
        self.scale = size / self._face.upem
        self.ascent = math.ceil(self._face.ascender * self.scale - 1e-6)
        # abs: Fandol Song Regular's descender has the wrong sign (+0.18 em), which made its line box
        # 0.65 em tall and its glyphs hang below every cell, fit and line built on it
        self.descent = math.ceil(abs(self._face.descender) * self.scale - 1e-6)
        self._inks: dict[str, tuple[int, int, int, int] | None] = {}

    def ink(self, char: str) -> tuple[int, int, int, int] | None:
        """The glyph's bitmap box (left, top, right, bottom) from the pen, None when it has no bitmap.

        Layout grows every cell to this box; kept per face and size apart from the bitmap LRU, so a
        layout of a known character is one dict lookup (the bitmap is rendered once either way)."""
        try:
            return self._inks[char]
        except KeyError:
            pass
        left, top, mask = self.glyph(char)
        box = (left, top, left + mask.shape[1], top + mask.shape[0]) if mask.size else None
        global _ink_entries
        if _ink_entries >= INK_CACHE_ENTRIES:  # a long run meets millions of (face, size, glyph)s
            for sized in list(_SIZED.values()):
                sized._inks.clear()
            _ink_entries = 0
        self._inks[char] = box
        _ink_entries += 1
        return box

    def getmetrics(self) -> tuple[int, int]:
        """(ascent, descent) in whole pixels, as Pillow reports them."""
        return self.ascent, self.descent

    def advance(self, char: str) -> float:
        """Horizontal advance in pixels (unhinted, so it scales exactly with the size)."""
        return self._face.advance_units(char) * self.scale

    def advances(self, line: str) -> list[float]:
        """advance(char) of each character of `line` (0.0 where the glyph has none)."""
        scale = self.scale
        return [units * scale for units in self._face.char_units(line)]

    def getlength(self, text: str) -> float:
        return self._face.line_units(text)[0] * self.scale

    def line_width(self, line: str, blank_advance: float) -> float:
        """Sum of the advances of `line`, with `blank_advance` for characters that have none."""
        units, blanks = self._face.line_units(line)
        return units * self.scale + blanks * blank_advance

    def has_glyph(self, char: str) -> bool:
        """True when the face maps `char` (False means FreeType would draw .notdef: tofu)."""
        return self._face.gid(char) != 0

    def glyph(self, char: str, stroke: int = 0) -> Bitmap:
        """The rendered glyph (with `stroke`: glyph plus a round-joined outline that wide), cached."""
        global _glyph_bytes, _renders_since_release
        key = (self.path, self.index, self.size, char, stroke)
        hit = _GLYPHS.get(key)
        if hit is not None:
            _GLYPHS.move_to_end(key)
            return hit
        _renders_since_release += 1
        if _renders_since_release >= RELEASE_PAGES_EVERY:
            release_font_pages()
        with _FT_LOCK:
            bitmap = self._render(char) if not stroke else self._stroked(char, stroke)
        bitmap.mask.setflags(write=False)
        _GLYPHS[key] = bitmap
        _glyph_bytes += bitmap.mask.nbytes + 200
        while _glyph_bytes > GLYPH_CACHE_BYTES and len(_GLYPHS) > 1:
            _, old = _GLYPHS.popitem(last=False)
            _glyph_bytes -= old.mask.nbytes + 200
        return bitmap

    def getbbox(self, text: str) -> tuple[int, int, int, int]:
        """Ink box (left, top, right, bottom) of `text` drawn at pen (0, 0) with pens on whole pixels."""
        box = None
        pen = 0.0
        for char in text:
            bitmap = self.glyph(char)
            if bitmap.inked:
                x = round(pen) + bitmap.left
                h, w = bitmap.mask.shape
                ink = (x, bitmap.top, x + w, bitmap.top + h)
                box = ink if box is None else (*map(min, box[:2], ink[:2]), *map(max, box[2:], ink[2:]))
            pen += self.advance(char)
        return box if box is not None else (0, 0, 0, 0)

    def _load(self, char: str, flags: int) -> ctypes.Structure:
        face = self._face
        if face.size != self.size:
            face.set_size(self.size)
        gid = face.gids.get(char)
        error = _FT_Load_Glyph(face.handle, face.gid(char) if gid is None else gid, flags)
        if error:
            raise TextsynthError(f"{self.path}: cannot draw {char!r} (FreeType error {error})")
        return face.slot

    def _render(self, char: str) -> Bitmap:
        slot = self._load(char, _RENDER)
        return Bitmap(slot.bitmap_left, self.ascent - slot.bitmap_top, _copy(self._face.bitmap))

    def _stroked(self, char: str, stroke: int) -> Bitmap:
        """Pillow's stroke: the outline stroked with round caps and joins, merged with the fill."""
        fill = self.glyph(char)
        self._load(char, _OUTLINE)
        glyph = self._face.ft.glyph.get_glyph()  # an owned copy of the outline, freed with `glyph`
        glyph.stroke(_stroker(stroke), destroy=True)
        ring = glyph.to_bitmap(freetype.FT_RENDER_MODE_NORMAL, 0, destroy=True)
        ring_mask = _copy(ring._FT_BitmapGlyph.contents.bitmap)
        left, top = ring.left, self.ascent - ring.top
        if not fill.inked:
            return Bitmap(left, top, ring_mask)
        x0, y0 = min(left, fill.left), min(top, fill.top)
        fh, fw = fill.mask.shape
        rh, rw = ring_mask.shape
        x1 = max(left + rw, fill.left + fw)
        y1 = max(top + rh, fill.top + fh)
        out = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
        out[top - y0 : top - y0 + rh, left - x0 : left - x0 + rw] = ring_mask
        region = out[fill.top - y0 : fill.top - y0 + fh, fill.left - x0 : fill.left - x0 + fw]
        np.maximum(region, fill.mask, out=region)
        return Bitmap(x0, y0, out)


_STROKERS: dict[int, freetype.Stroker] = {}


def _stroker(width: int) -> freetype.Stroker:
    stroker = _STROKERS.get(width)
    if stroker is None:
        stroker = _STROKERS[width] = freetype.Stroker()
        stroker.set(width * 64, freetype.FT_STROKER_LINECAP_ROUND, freetype.FT_STROKER_LINEJOIN_ROUND, 0)
    return stroker


def _copy(bitmap: ctypes.Structure) -> np.ndarray:
    """An FT_Bitmap's rows as an owned (rows, width) uint8 array."""
    rows, width, pitch = bitmap.rows, bitmap.width, bitmap.pitch
    if rows == 0 or width == 0:
        return _EMPTY
    raw = ctypes.string_at(bitmap.buffer, rows * abs(pitch))  # ~20x cheaper than np.ctypeslib.as_array
    buffer = np.frombuffer(raw, dtype=np.uint8).reshape(rows, abs(pitch))
    if pitch == width:  # rows packed (FreeType's grey bitmaps): the bytes are already our own copy
        return buffer
    if pitch < 0:
        buffer = buffer[::-1]
    return buffer[:, :width].copy()


def sized_face(path: str, index: int, size_px: int) -> SizedFace:
    """The face of `path` (collection `index`) at `size_px`, cached per process."""
    key = (path, index, size_px)
    sized = _SIZED.get(key)
    if sized is None:
        if size_px < 1:
            raise ValueError(f"font size must be at least 1 pixel, got {size_px}")
        sized = _SIZED[key] = SizedFace(path, index, int(size_px))
    return sized


def as_sized(font: object) -> SizedFace:
    """A SizedFace for a SizedFace or a Pillow FreeTypeFont (same file, face and size)."""
    if isinstance(font, SizedFace):
        return font
    return sized_face(str(font.path), int(getattr(font, "index", 0)), int(font.size))  # type: ignore[attr-defined]


def glyph_cache_bytes() -> int:
    """Bytes of glyph coverage held now (bounded by GLYPH_CACHE_BYTES)."""
    return _glyph_bytes


def get_face(face: FontFace | str, size_px: int) -> SizedFace:
    """The face (a FontFace or a face id) at `size_px`: for layout and drawing, in place of get_font."""
    if isinstance(face, str):
        face = _REGISTRY.get(face) or default_library().face(face)
    return sized_face(face.file, face.index, int(size_px))
