"""Text layout: where every character of a TextItem goes, in block-local pixels.

Layout is pure and cheap, so template sampling can measure a block (does it fit?
does it overlap?) before anything is drawn, and drawing reuses the same result.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from textsynth.scene import TextItem
from textsynth.sources.glyphs import SizedFace, as_sized, sized_face

Font = Any  # a SizedFace, or a Pillow FreeTypeFont (turned into the SizedFace of its file and size)

# Vertical presentation forms: CJK punctuation turned for top-to-bottom columns.
VERTICAL_FORMS = {
    "，": "︐", "、": "︑", "。": "︒", "：": "︓", "；": "︔", "！": "︕", "？": "︖",
    "（": "︵", "）": "︶", "「": "﹁", "」": "﹂", "『": "﹃", "』": "﹄", "《": "︽",
    "》": "︾", "【": "︻", "】": "︼", "〔": "︹", "〕": "︺", "—": "︱", "…": "︙",
    "(": "︵", ")": "︶", "“": "﹁", "”": "﹂",
}  # fmt: skip


@dataclass
class Glyph:
    """One character: what is drawn (`draw`, maybe a vertical form), its cell and rotation."""

    char: str
    draw: str
    x: float  # pen origin (left, ascender line) in block pixels; whole pixels unless `angle`
    y: float
    cell: np.ndarray  # 4x2 polygon in block pixels covering the character's ink
    angle: float = 0.0  # degrees, for text on an arc
    font: SizedFace | None = None  # None: the item's font; else a larger size (char_scales)


@dataclass
class BlockLayout:
    width: float
    height: float
    glyphs: list[Glyph]
    margin: int  # extra pixels around the block for stroke, shadow, glow
    # (x0, y0, x1, y1) of every glyph cell, in block pixels (the numbers cells.min/max give), made once
    # per cached layout; None when not known (a hand-made layout) or without glyphs
    extent: tuple[float, float, float, float] | None = None


def font_metrics(font: Font) -> tuple[int, int]:
    return as_sized(font).getmetrics()


def _char_advance(font: SizedFace, char: str, size_px: int) -> float:
    """Advance width; a glyph without one (some spaces) gets half an em so words stay apart
    (as in measure_line)."""
    advance = font.advance(char)
    return advance if advance > 0 else size_px * 0.5


# Font sizes are snapped to this ladder (about 8% apart): fewer (face, size) pairs keeps the
# per-worker glyph cache warm without a visible loss of variety.
SIZE_LADDER = sorted({round(12 * 1.08**i) for i in range(60)})


def snap_size(size_px: float) -> int:
    """The largest ladder size not above size_px (at least the smallest rung)."""
    i = bisect.bisect_right(SIZE_LADDER, size_px) - 1
    return SIZE_LADDER[max(i, 0)]


def _rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)


def _vertical_form(font: SizedFace, char: str) -> str:
    """The vertical presentation form of CJK punctuation when the face draws it; else the character.

    Some faces lack the forms (FreeType would draw .notdef) or map them to blank glyphs (an advance,
    no ink); either would leave tofu or a hole."""
    vertical = VERTICAL_FORMS.get(char)
    if vertical is None:
        return char
    return vertical if font.has_glyph(vertical) and font.glyph(vertical).inked else char


def _ink_box(font: SizedFace, draw: str, x: float, y: float, box: tuple[float, ...]) -> tuple[float, ...]:
    """Grow the advance box (x0, y0, x1, y1) to the glyph's ink (its rendered bitmap's box), so oblique
    or wide glyphs stay covered; x, y is the pen the glyph is drawn at."""
    ink = font.ink(draw)
    if ink is None:
        return box
    left, top, right, bottom = ink
    x0, y0, x1, y1 = box
    return min(x0, x + left), min(y0, y + top), max(x1, x + right), max(y1, y + bottom)


_CORNERS = np.array([[0, 1], [2, 1], [2, 3], [0, 3]])  # (x, y) columns of a box's corners, clockwise


def _cells(boxes: list[tuple[float, ...]]) -> np.ndarray:
    """(N, 4, 2) rectangles (clockwise from top-left) from (x0, y0, x1, y1) boxes, in one array
    (the corner index is an array made once: a nested list is converted on every call, 2.5x the cost)."""
    return np.array(boxes, dtype=np.float64).reshape(-1, 4)[:, _CORNERS]


def measure_line(font: Font, line: str, size_px: int, char_spacing: float) -> float:
    font = as_sized(font)
    gap = char_spacing * size_px
    return font.line_width(line, size_px * 0.5) + gap * max(len(line) - 1, 0)


def scaled_font(font: SizedFace, scale: float) -> SizedFace:
    """The same face `scale` times larger (snapped to the size ladder, at least one rung up)."""
    size = max(snap_size(font.size * scale), next(s for s in SIZE_LADDER if s > font.size))
    return sized_face(font.path, font.index, size)


def mixed_size(item: TextItem) -> bool:
    """Whether the item's characters come in more than one size (straight horizontal text only)."""
    scales = item.char_scales
    return len(scales) == len(item.text) and item.direction == "ltr" and not item.curve and max(scales) > 1


@dataclass
class _MixedLine:
    """One line of mixed-size text: each character's face and advance, and how far it rises/sinks."""

    fonts: list[SizedFace]
    advances: list[float]
    width: float
    up: float  # extra ascent over the item's font
    down: float  # extra descent


def _mixed_lines(item: TextItem, font: SizedFace) -> list[_MixedLine]:
    ascent, descent = font.getmetrics()
    gap = item.char_spacing * item.size_px
    out, at = [], 0
    for line in item.lines:
        scales = item.char_scales[at : at + len(line)]
        at += len(line)
        fonts = [scaled_font(font, s) if s > 1 else font for s in scales]
        advances = [_char_advance(f, c, f.size) for f, c in zip(fonts, line, strict=True)]
        metrics = [f.getmetrics() for f in fonts]
        out.append(
            _MixedLine(
                fonts, advances, sum(advances) + gap * max(len(line) - 1, 0),
                max(a for a, _ in metrics) - ascent, max(d for _, d in metrics) - descent,
            )
        )  # fmt: skip
    return out


def block_size(item: TextItem, font: Font) -> tuple[float, float]:
    """Width and height of the laid-out block, without margins (cheap: advances only, no glyphs)."""
    size = item.size_px
    font = as_sized(font)
    if mixed_size(item):
        lines = _mixed_lines(item, font)
        ascent, descent = font.getmetrics()
        extra = sum(line.up + line.down for line in lines)
        pitch = size * item.line_spacing
        return max(line.width for line in lines), ascent + descent + pitch * (len(lines) - 1) + extra
    if item.direction == "ttb":
        step = size * (1.0 + item.char_spacing)
        longest = max(len(line) for line in item.lines)
        cols = len(item.lines)
        return size * cols + size * (item.line_spacing - 1.0) * (
            cols - 1
        ), step * longest - item.char_spacing * size
    ascent, descent = font_metrics(font)
    widths = [measure_line(font, line, size, item.char_spacing) for line in item.lines]
    line_h = ascent + descent
    pitch = size * item.line_spacing
    return max(widths), line_h + pitch * (len(item.lines) - 1)


def _margin(item: TextItem) -> int:
    style = item.style
    extra = style.stroke_width * 2 + 2
    if style.shadow:
        extra = max(extra, int(abs(style.shadow.dx) + abs(style.shadow.dy) + 3 * style.shadow.blur) + 2)
    if style.extrude:
        extra = max(extra, int(abs(style.extrude.dx) + abs(style.extrude.dy)) * style.extrude.depth + 2)
    if style.glow:
        extra = max(extra, int(3 * style.glow.radius) + 2)
    rings = math.ceil(sum(o.width for o in style.outlines))
    extra += rings
    if style.long_shadow:
        ls = style.long_shadow
        a = math.radians(ls.angle)
        reach = ls.length * max(abs(math.cos(a)), abs(math.sin(a)))
        extra = max(extra, int(reach) + style.stroke_width * 2 + rings + 3)
    if item.jitter:
        extra += int(2 * item.jitter * item.size_px) + 1
    if item.curve:
        extra += int(abs(item.curve) * item.size_px * max(len(line) for line in item.lines))
    return extra


# Layouts of recent items, keyed by every field that decides where the glyphs go. The sampler lays
# a block out to fit and place it and the renderer lays the same block out again to draw it (and
# rotation-only retries lay it out once more): about half of all layouts repeat one just made.
# Keying by the fields, not the item, keeps scenes edited after sampling (pairs) correct.
_LAYOUTS: OrderedDict[tuple, tuple[float, float, list[Glyph], tuple | None]] = OrderedDict()
LAYOUT_CACHE_ENTRIES = 64
_LAYOUTS_LOCK = threading.Lock()  # workers may share a process as threads


def _layout_key(item: TextItem, font: SizedFace) -> tuple:
    return (
        font.path, font.index, font.size, item.text, tuple(item.lines), item.size_px, item.direction,
        item.align, item.char_spacing, item.line_spacing, item.curve, item.jitter, item.jitter_seed,
        tuple(item.char_scales),
    )  # fmt: skip


def layout_block(item: TextItem, font: Font) -> BlockLayout:
    """Place every character; cells are in block pixels with (0, 0) at the block's top-left.

    Glyphs and their cells are shared with earlier calls for the same fields: treat them as read-only."""
    font = as_sized(font)
    key = _layout_key(item, font)
    with _LAYOUTS_LOCK:
        hit = _LAYOUTS.get(key)
        if hit is not None:
            _LAYOUTS.move_to_end(key)
    if hit is None:
        hit = _layout_glyphs(item, font)
        with _LAYOUTS_LOCK:
            _LAYOUTS[key] = hit
            if len(_LAYOUTS) > LAYOUT_CACHE_ENTRIES:
                _LAYOUTS.popitem(last=False)
    width, height, glyphs, extent = hit
    return BlockLayout(width=width, height=height, glyphs=glyphs, margin=_margin(item), extent=extent)


def _layout_glyphs(item: TextItem, font: SizedFace) -> tuple[float, float, list[Glyph], tuple | None]:
    """Width, height, glyphs and cell extent of the block (everything of a layout but the style's margin).

    Straight and vertical layouts hand back their block size (block_size's numbers, from the advances
    they summed) and their cells as one (N, 4, 2) array (the glyphs' cells are its rows), so neither
    is made a second time."""
    size: tuple[float, float] | None = None
    cells: np.ndarray | None = None
    if item.direction == "ttb":
        glyphs, cells, size = _layout_vertical(item, font)
    elif item.curve:
        glyphs = _layout_arc(item, font)
    else:
        glyphs, cells, size = _layout_horizontal(item, font)
    if item.jitter:
        glyphs, cells = _jitter(glyphs, item)
    for glyph in glyphs:
        glyph.cell.setflags(write=False)  # shared by later calls with the same fields
    width, height = size if size is not None else block_size(item, font)
    return width, height, glyphs, _extent(glyphs, cells)


def _extent(glyphs: list[Glyph], cells: np.ndarray | None = None) -> tuple[float, float, float, float] | None:
    """The box of all cells, from Python floats: min/max of a few dozen numbers is ~3x cheaper than
    two numpy reductions, and exact either way. `cells`: the glyphs' cells already in one array."""
    if not glyphs:
        return None
    stacked = np.concatenate([g.cell for g in glyphs]) if cells is None else cells.reshape(-1, 2)
    xs, ys = stacked.T.tolist()
    return min(xs), min(ys), max(xs), max(ys)


def _jitter(glyphs: list[Glyph], item: TextItem) -> tuple[list[Glyph], np.ndarray | None]:
    """Hand-written irregularity: each character (and its cell) moved by a small recorded offset.

    The offsets are one draw for the block and the cells move in one array addition; per glyph only
    the pen is rounded (Python floats: a numpy call per glyph cost more than the move itself)."""
    if not glyphs:
        return glyphs, None
    sd = item.jitter * item.size_px
    drawn = np.random.default_rng(item.jitter_seed).normal(0.0, sd, size=(len(glyphs), 2))
    offsets = np.minimum(np.maximum(drawn, -2 * sd), 2 * sd)  # np.clip's values, without its wrapper
    pens, shifts = [], []
    for g, (dx, dy) in zip(glyphs, offsets.tolist(), strict=True):
        x, y = (g.x + dx, g.y + dy) if g.angle else (round(g.x + dx), round(g.y + dy))
        pens.append((x, y))
        shifts.append((x - g.x, y - g.y))
    cells = np.array([g.cell for g in glyphs]) + np.array(shifts)[:, None, :]
    moved = [
        Glyph(g.char, g.draw, x, y, cell, g.angle, g.font)
        for g, (x, y), cell in zip(glyphs, pens, cells, strict=True)
    ]
    return moved, cells


def _layout_mixed(item: TextItem, font: SizedFace) -> list[Glyph]:
    """Rows whose characters differ in size, all of a row on one baseline; a row with larger
    characters is pushed down by what they rise above the others (and the next by what they sink)."""
    ascent, _ = font.getmetrics()
    lines = _mixed_lines(item, font)
    block_w = max(line.width for line in lines)
    gap = item.char_spacing * item.size_px
    glyphs: list[Glyph] = []
    top = 0.0
    for text, line in zip(item.lines, lines, strict=True):
        baseline = top + line.up + ascent
        x = {"start": 0.0, "center": (block_w - line.width) / 2, "end": block_w - line.width}[item.align]
        for char, f, advance in zip(text, line.fonts, line.advances, strict=True):
            if not char.isspace():
                f_ascent, f_descent = f.getmetrics()
                y = baseline - f_ascent
                pen_x, pen_y = round(x), round(y)
                box = _ink_box(f, char, pen_x, pen_y, (x, y, x + advance, y + f_ascent + f_descent))
                glyphs.append(Glyph(char, char, pen_x, pen_y, _rect(*box), font=f if f is not font else None))
            x += advance + gap
        top += item.size_px * item.line_spacing + line.up + line.down
    return glyphs


def _layout_horizontal(
    item: TextItem, font: SizedFace
) -> tuple[list[Glyph], np.ndarray | None, tuple[float, float] | None]:
    """Rows left to right: the glyphs, their cells in one array and the block size (block_size's)."""
    if mixed_size(item):
        return _layout_mixed(item, font), None, None
    size = item.size_px
    ascent, descent = font.getmetrics()
    line_h = ascent + descent
    widths = [measure_line(font, line, size, item.char_spacing) for line in item.lines]
    block_w = max(widths)
    gap = item.char_spacing * size
    blank = size * 0.5  # as _char_advance: a glyph without an advance gets half an em
    ink = font.ink  # bound once: this loop runs for every character sampled
    placed: list[tuple[str, int, int]] = []
    boxes: list[tuple[float, ...]] = []
    for row, (line, line_w) in enumerate(zip(item.lines, widths, strict=True)):
        y = row * size * item.line_spacing
        x = {"start": 0.0, "center": (block_w - line_w) / 2, "end": block_w - line_w}[item.align]
        pen_y, y1 = round(y), y + line_h
        for char, advance in zip(line, font.advances(line), strict=True):
            step = advance or blank  # advances are never negative
            if not char.isspace():
                pen_x = round(x)
                placed.append((char, pen_x, pen_y))
                box = ink(char)  # the advance box grown to the ink, as _ink_box does
                if box is None:
                    boxes.append((x, y, x + step, y1))
                else:
                    left, top, right, bottom = box
                    boxes.append(
                        (min(x, pen_x + left), min(y, pen_y + top), max(x + step, pen_x + right), max(y1, pen_y + bottom))
                    )  # fmt: skip
            x += step + gap
    cells = _cells(boxes)
    glyphs = [Glyph(c, c, px, py, cell) for (c, px, py), cell in zip(placed, cells, strict=True)]
    return glyphs, cells, (block_w, line_h + size * item.line_spacing * (len(item.lines) - 1))


def _layout_vertical(item: TextItem, font: SizedFace) -> tuple[list[Glyph], np.ndarray, tuple[float, float]]:
    """Columns right to left, characters top to bottom, each centred in a square cell (and the
    cells in one array, and the block size)."""
    size = item.size_px
    step = size * (1.0 + item.char_spacing)
    col_pitch = size * item.line_spacing
    width, height = block_size(item, font)
    placed: list[tuple[str, str, int, int]] = []
    boxes: list[tuple[float, ...]] = []
    for col, line in enumerate(item.lines):
        cx0 = width - size - col * col_pitch
        used = step * len(line) - item.char_spacing * size
        y = {"start": 0.0, "center": (height - used) / 2, "end": height - used}[item.align]
        for char in line:
            if not char.isspace():
                draw = _vertical_form(font, char) if char in VERTICAL_FORMS else char
                ink = font.ink(draw)
                if ink is None:
                    x, gy = round(cx0), round(y)
                    boxes.append((cx0, y, cx0 + size, y + size))
                else:  # centre the ink in the square cell: vertical forms sit oddly in their em box
                    left, top, right, bottom = ink
                    x = round(cx0 + (size - (right - left)) / 2 - left)
                    gy = round(y + (size - (bottom - top)) / 2 - top)
                    boxes.append(
                        (min(cx0, x + left), min(y, gy + top), max(cx0 + size, x + right), max(y + size, gy + bottom))
                    )  # fmt: skip
                placed.append((char, draw, x, gy))
            y += step
    cells = _cells(boxes)
    glyphs = [Glyph(c, d, x, y, cell) for (c, d, x, y), cell in zip(placed, cells, strict=True)]
    return glyphs, cells, (width, height)


@dataclass
class Arc:
    """The circle a curved line sits on, in block pixels."""

    centre_x: float
    centre_y: float
    radius: float
    sign: float  # > 0: ends bend down (a smile is < 0)
    line_h: float
    length: float


def _arc(item: TextItem, font: SizedFace) -> Arc:
    ascent, descent = font_metrics(font)
    length = measure_line(font, "".join(item.lines), item.size_px, item.char_spacing)
    sagitta = item.curve * length
    radius = (length**2 / 4 + sagitta**2) / (2 * abs(sagitta))
    sign = 1.0 if sagitta > 0 else -1.0
    line_h = ascent + descent
    return Arc(length / 2, line_h / 2 + sign * radius, radius, sign, line_h, length)


def arc_outline(item: TextItem, font: Font, points_per_side: int = 8) -> np.ndarray:
    """Outline of a curved line as 2 x points_per_side points in block pixels (CTW1500 / Total-Text
    style): along the top edge left to right, then the bottom edge right to left."""
    arc = _arc(item, as_sized(font))
    half = arc.line_h / 2 + (2 * item.jitter * item.size_px if item.jitter else 0.0)
    theta = (np.linspace(0.0, arc.length, points_per_side) - arc.centre_x) / arc.radius
    sides = []
    for r in (arc.radius + arc.sign * half, arc.radius - arc.sign * half):
        sides.append(
            np.stack([arc.centre_x + r * np.sin(theta), arc.centre_y - arc.sign * r * np.cos(theta)], axis=1)
        )
    return np.concatenate([sides[0], sides[1][::-1]])


def _arc_cell(font: SizedFace, char: str, advance: float, line_h: float) -> np.ndarray:
    """An arc glyph's cell about its centre, grown (evenly, so its centre stays where the glyph is
    drawn: text._draw_rotated turns the glyph about the cell's centre) to the glyph's ink. Faces whose
    ink runs past ascent + descent (Fandol Song's) left ink outside the cell."""
    # the glyph's pen in its tile, relative to the tile centre, as text._draw_rotated stamps it
    pen_x, pen_y = -math.ceil(font.advance(char)) / 2, -line_h / 2
    x0, y0, x1, y1 = _ink_box(font, char, pen_x, pen_y, (-advance / 2, -line_h / 2, advance / 2, line_h / 2))
    half_w, half_h = max(-x0, x1), max(-y0, y1)
    return _rect(-half_w, -half_h, half_w, half_h)


def _layout_arc(item: TextItem, font: SizedFace) -> list[Glyph]:
    """One line on a circular arc; `curve` is the sagitta over the line length (sign = bend)."""
    size = item.size_px
    arc = _arc(item, font)
    line = "".join(item.lines)
    radius, sign, line_h, centre_x, centre_y = arc.radius, arc.sign, arc.line_h, arc.centre_x, arc.centre_y
    gap = item.char_spacing * size
    glyphs: list[Glyph] = []
    x = 0.0
    for char in line:
        advance = _char_advance(font, char, size)
        if not char.isspace():
            theta = (x + advance / 2 - centre_x) / radius  # arc angle of the char centre
            angle = -sign * math.degrees(theta)
            cx = centre_x + radius * math.sin(theta)
            cy = centre_y - sign * radius * math.cos(theta)
            local = _arc_cell(font, char, advance, line_h)
            rot = math.radians(-angle)
            c, s = math.cos(rot), math.sin(rot)
            cell = local @ np.array([[c, s], [-s, c]]) + np.array([cx, cy])
            glyphs.append(Glyph(char, char, cx - advance / 2, cy - line_h / 2, cell, angle=angle))
        x += advance + gap
    return glyphs
