"""Text layout: where every character of a TextItem goes, in block-local pixels.

Layout is pure and cheap, so template sampling can measure a block (does it fit?
does it overlap?) before anything is drawn, and drawing reuses the same result.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

import numpy as np
from PIL import ImageFont

from textsynth.scene import TextItem

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
    x: float  # pen origin (top-left of the draw call) in block pixels
    y: float
    cell: np.ndarray  # 4x2 polygon in block pixels covering the character's ink
    angle: float = 0.0  # degrees, for text on an arc
    font: ImageFont.FreeTypeFont | None = None  # None: the item's font; else a larger size (char_scales)


@dataclass
class BlockLayout:
    width: float
    height: float
    glyphs: list[Glyph]
    margin: int  # extra pixels around the block for stroke, shadow, glow


def font_metrics(font: ImageFont.FreeTypeFont) -> tuple[int, int]:
    ascent, descent = font.getmetrics()
    return ascent, descent


_ADVANCES: dict[tuple, float] = {}


def _char_advance(font: ImageFont.FreeTypeFont, char: str, size_px: int) -> float:
    """Advance width, memoised by (file, face, size, char): it outlives the font cache's evictions."""
    key = (font.path, font.index, font.size, char)
    advance = _ADVANCES.get(key)
    if advance is None:
        if len(_ADVANCES) > 200_000:  # ~30 MB at most
            _ADVANCES.clear()
        advance = font.getlength(char)
        advance = advance if advance > 0 else size_px * 0.5
        _ADVANCES[key] = advance
    return advance


# Font sizes are snapped to this ladder (about 8% apart): fewer (face, size) pairs keeps the
# per-worker font cache small and warm without a visible loss of variety.
SIZE_LADDER = sorted({round(12 * 1.08**i) for i in range(60)})


def snap_size(size_px: float) -> int:
    """The largest ladder size not above size_px (at least the smallest rung)."""
    import bisect

    i = bisect.bisect_right(SIZE_LADDER, size_px) - 1
    return SIZE_LADDER[max(i, 0)]


def _rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)


_BBOXES: dict[tuple, tuple[int, int, int, int]] = {}


def _ink_box(font: ImageFont.FreeTypeFont, draw: str) -> tuple[int, int, int, int]:
    """font.getbbox memoised like advances: the sampler and the renderer lay out the same text."""
    key = (font.path, font.index, font.size, draw)
    box = _BBOXES.get(key)
    if box is None:
        if len(_BBOXES) > 200_000:  # ~40 MB at most
            _BBOXES.clear()
        box = _BBOXES[key] = font.getbbox(draw)
    return box


def _vertical_form(font: ImageFont.FreeTypeFont, char: str) -> str:
    """The vertical presentation form of CJK punctuation when the face draws it; else the character.

    Some faces map the forms to blank glyphs (an advance, no ink), which would leave a hole."""
    vertical = VERTICAL_FORMS.get(char)
    if vertical is None:
        return char
    left, top, right, bottom = _ink_box(font, vertical)
    return vertical if right > left and bottom > top else char


def _ink_cell(font: ImageFont.FreeTypeFont, draw: str, x: float, y: float, cell: np.ndarray) -> np.ndarray:
    """Grow the advance cell to the glyph's ink box, so oblique or wide glyphs stay covered."""
    left, top, right, bottom = _ink_box(font, draw)
    if right <= left or bottom <= top:
        return cell
    x0 = min(cell[0, 0], x + left)
    y0 = min(cell[0, 1], y + top)
    x1 = max(cell[2, 0], x + right)
    y1 = max(cell[2, 1], y + bottom)
    return _rect(x0, y0, x1, y1)


def measure_line(font: ImageFont.FreeTypeFont, line: str, size_px: int, char_spacing: float) -> float:
    gap = char_spacing * size_px
    return sum(_char_advance(font, c, size_px) for c in line) + gap * max(len(line) - 1, 0)


@functools.lru_cache(maxsize=32)
def _font_at(path: str, index: int, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size_px, index=index, layout_engine=ImageFont.Layout.BASIC)


def scaled_font(font: ImageFont.FreeTypeFont, scale: float) -> ImageFont.FreeTypeFont:
    """The same face `scale` times larger (snapped to the size ladder, at least one rung up)."""
    size = max(snap_size(font.size * scale), next(s for s in SIZE_LADDER if s > font.size))
    return _font_at(font.path, font.index, size)


def mixed_size(item: TextItem) -> bool:
    """Whether the item's characters come in more than one size (straight horizontal text only)."""
    scales = item.char_scales
    return len(scales) == len(item.text) and item.direction == "ltr" and not item.curve and max(scales) > 1


@dataclass
class _MixedLine:
    """One line of mixed-size text: each character's font and advance, and how far it rises/sinks."""

    fonts: list[ImageFont.FreeTypeFont]
    advances: list[float]
    width: float
    up: float  # extra ascent over the item's font
    down: float  # extra descent


def _mixed_lines(item: TextItem, font: ImageFont.FreeTypeFont) -> list[_MixedLine]:
    ascent, descent = font_metrics(font)
    gap = item.char_spacing * item.size_px
    out, at = [], 0
    for line in item.lines:
        scales = item.char_scales[at : at + len(line)]
        at += len(line)
        fonts = [scaled_font(font, s) if s > 1 else font for s in scales]
        advances = [_char_advance(f, c, f.size) for f, c in zip(fonts, line, strict=True)]
        metrics = [font_metrics(f) for f in fonts]
        out.append(
            _MixedLine(
                fonts, advances, sum(advances) + gap * max(len(line) - 1, 0),
                max(a for a, _ in metrics) - ascent, max(d for _, d in metrics) - descent,
            )
        )  # fmt: skip
    return out


def block_size(item: TextItem, font: ImageFont.FreeTypeFont) -> tuple[float, float]:
    """Width and height of the laid-out block, without margins (cheap: no glyph boxes)."""
    size = item.size_px
    if mixed_size(item):
        lines = _mixed_lines(item, font)
        ascent, descent = font_metrics(font)
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


def layout_block(item: TextItem, font: ImageFont.FreeTypeFont) -> BlockLayout:
    """Place every character; cells are in block pixels with (0, 0) at the block's top-left."""
    if item.direction == "ttb":
        glyphs = _layout_vertical(item, font)
    elif item.curve:
        glyphs = _layout_arc(item, font)
    else:
        glyphs = _layout_horizontal(item, font)
    if item.jitter:
        glyphs = _jitter(glyphs, item)
    width, height = block_size(item, font)
    return BlockLayout(width=width, height=height, glyphs=glyphs, margin=_margin(item))


def _jitter(glyphs: list[Glyph], item: TextItem) -> list[Glyph]:
    """Hand-written irregularity: each character (and its cell) moved by a small recorded offset."""
    sd = item.jitter * item.size_px
    offsets = np.clip(
        np.random.default_rng(item.jitter_seed).normal(0.0, sd, size=(len(glyphs), 2)), -2 * sd, 2 * sd
    )
    return [
        replace(g, x=g.x + dx, y=g.y + dy, cell=g.cell + np.array([dx, dy]))
        for g, (dx, dy) in zip(glyphs, offsets.tolist(), strict=True)
    ]


def _layout_mixed(item: TextItem, font: ImageFont.FreeTypeFont) -> list[Glyph]:
    """Rows whose characters differ in size, all of a row on one baseline; a row with larger
    characters is pushed down by what they rise above the others (and the next by what they sink)."""
    ascent, _ = font_metrics(font)
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
                f_ascent, f_descent = font_metrics(f)
                y = baseline - f_ascent
                cell = _rect(x, y, x + advance, y + f_ascent + f_descent)
                glyphs.append(
                    Glyph(char, char, x, y, _ink_cell(f, char, x, y, cell), font=f if f is not font else None)
                )
            x += advance + gap
        top += item.size_px * item.line_spacing + line.up + line.down
    return glyphs


def _layout_horizontal(item: TextItem, font: ImageFont.FreeTypeFont) -> list[Glyph]:
    if mixed_size(item):
        return _layout_mixed(item, font)
    size = item.size_px
    ascent, descent = font_metrics(font)
    widths = [measure_line(font, line, size, item.char_spacing) for line in item.lines]
    block_w = max(widths)
    gap = item.char_spacing * size
    glyphs: list[Glyph] = []
    for row, (line, line_w) in enumerate(zip(item.lines, widths, strict=True)):
        y = row * size * item.line_spacing
        x = {"start": 0.0, "center": (block_w - line_w) / 2, "end": block_w - line_w}[item.align]
        for char in line:
            advance = _char_advance(font, char, size)
            if not char.isspace():
                cell = _rect(x, y, x + advance, y + ascent + descent)
                glyphs.append(Glyph(char, char, x, y, _ink_cell(font, char, x, y, cell)))
            x += advance + gap
    return glyphs


def _layout_vertical(item: TextItem, font: ImageFont.FreeTypeFont) -> list[Glyph]:
    """Columns right to left, characters top to bottom, each centred in a square cell."""
    size = item.size_px
    step = size * (1.0 + item.char_spacing)
    col_pitch = size * item.line_spacing
    width, height = block_size(item, font)
    glyphs: list[Glyph] = []
    for col, line in enumerate(item.lines):
        cx0 = width - size - col * col_pitch
        used = step * len(line) - item.char_spacing * size
        y = {"start": 0.0, "center": (height - used) / 2, "end": height - used}[item.align]
        for char in line:
            if not char.isspace():
                draw = _vertical_form(font, char)
                left, top, right, bottom = _ink_box(font, draw)
                # centre the ink in the square cell: vertical forms sit oddly in their em box
                ink_w, ink_h = right - left, bottom - top
                if ink_w > 0 and ink_h > 0:
                    x = cx0 + (size - ink_w) / 2 - left
                    gy = y + (size - ink_h) / 2 - top
                else:
                    x, gy = cx0, y
                cell = _rect(cx0, y, cx0 + size, y + size)
                glyphs.append(Glyph(char, draw, x, gy, _ink_cell(font, draw, x, gy, cell)))
            y += step
    return glyphs


@dataclass
class Arc:
    """The circle a curved line sits on, in block pixels."""

    centre_x: float
    centre_y: float
    radius: float
    sign: float  # > 0: ends bend down (a smile is < 0)
    line_h: float
    length: float


def _arc(item: TextItem, font: ImageFont.FreeTypeFont) -> Arc:
    ascent, descent = font_metrics(font)
    length = measure_line(font, "".join(item.lines), item.size_px, item.char_spacing)
    sagitta = item.curve * length
    radius = (length**2 / 4 + sagitta**2) / (2 * abs(sagitta))
    sign = 1.0 if sagitta > 0 else -1.0
    line_h = ascent + descent
    return Arc(length / 2, line_h / 2 + sign * radius, radius, sign, line_h, length)


def arc_outline(item: TextItem, font: ImageFont.FreeTypeFont, points_per_side: int = 8) -> np.ndarray:
    """Outline of a curved line as 2 x points_per_side points in block pixels (CTW1500 / Total-Text
    style): along the top edge left to right, then the bottom edge right to left."""
    arc = _arc(item, font)
    half = arc.line_h / 2 + (2 * item.jitter * item.size_px if item.jitter else 0.0)
    theta = (np.linspace(0.0, arc.length, points_per_side) - arc.centre_x) / arc.radius
    sides = []
    for r in (arc.radius + arc.sign * half, arc.radius - arc.sign * half):
        sides.append(
            np.stack([arc.centre_x + r * np.sin(theta), arc.centre_y - arc.sign * r * np.cos(theta)], axis=1)
        )
    return np.concatenate([sides[0], sides[1][::-1]])


def _layout_arc(item: TextItem, font: ImageFont.FreeTypeFont) -> list[Glyph]:
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
            local = _rect(-advance / 2, -line_h / 2, advance / 2, line_h / 2)
            rot = math.radians(-angle)
            c, s = math.cos(rot), math.sin(rot)
            cell = local @ np.array([[c, s], [-s, c]]) + np.array([cx, cy])
            glyphs.append(Glyph(char, char, cx - advance / 2, cy - line_h / 2, cell, angle=angle))
        x += advance + gap
    return glyphs
