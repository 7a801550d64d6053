"""Template + Generator -> Scene: every random choice of a sample is made here.

The sampler measures each text block with the real font before accepting it, so
text fits its region, stays inside the canvas and does not overlap other text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import NamedTuple

import cv2
import numpy as np

from textsynth.components.backgrounds import BACKGROUNDS, render_background, sample_background
from textsynth.components.decorations import draw_decorations, draw_decorations_into, sample_decoration
from textsynth.components.effects import DEFAULT_EFFECT_PROBS, sample_effects
from textsynth.components.geometry import map_points, sample_geometry, tilt_matrix, translation
from textsynth.components.placement import keep_text_readable
from textsynth.render.backdrop import sample_backdrop
from textsynth.render.colors import (
    PALETTES,
    hex_to_rgb,
    luminance_ratio,
    mean_luminance,
    pick_text_color,
    relative_luminance,
    shade,
)
from textsynth.render.compose import block_origin, item_matrix, word_polygon
from textsynth.render.layout import BlockLayout, block_size, layout_block, snap_size
from textsynth.rng import child_seed
from textsynth.sampling.arrangement import arrange
from textsynth.sampling.canvas import canvas_size
from textsynth.sampling.context import RenderContext, SampledScene
from textsynth.sampling.text_effects import either, emphasis_scales, sample_design_effects
from textsynth.scene import Decoration, Extrude, Fill, Glow, Scene, Shadow, TextItem, TextStyle
from textsynth.sources.blocklist import is_blocked
from textsynth.sources.fillers import filler
from textsynth.sources.fonts import FontFace
from textsynth.sources.genre_text import GENRE_TEXT_GROUPS, GENRE_TEXT_KINDS
from textsynth.sources.glyphs import get_face
from textsynth.sources.script import convert, face_script
from textsynth.templates import Slot, Template
from textsynth.templates.schema import pattern_frames

DEFAULT_GEOMETRY_PROBS = {"perspective": 0.2, "rotation": 0.1}
MIN_GLYPH_PX = 12  # smaller text teaches nothing and OCR cannot judge it


def _palette(spec: str | list[str] | None, fallback: str | list[str] | None) -> list[str] | None:
    spec = spec if spec is not None else fallback
    if spec is None:
        return None
    return list(PALETTES[spec]) if isinstance(spec, str) else list(spec)


def _group_part(spec: str, groups: dict[str, tuple[str, ...]], rng: np.random.Generator) -> str:
    """One part of a group draw ('couplet.upper', 'menu_item#2.price'), drawn once per scene and key."""
    key, _, part = spec.rpartition(".")
    name = key.partition("#")[0]
    draw, parts = GENRE_TEXT_GROUPS[name]
    if key not in groups:
        groups[key] = tuple(draw(rng))
    return groups[key][parts.index(part)]


@dataclass
class SceneDraws:
    """What one scene's slots share: its group draws, and the characters char_balance asks it to carry."""

    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    targets: list[str] = field(default_factory=list)


def _text_for(
    slot: Slot, ctx: RenderContext, rng: np.random.Generator, primary: str | None,
    draws: SceneDraws | None = None,
) -> str:  # fmt: skip
    """Draw a slot's text. In the primary slot the first word drawn is the run's cycle word."""
    source = slot.text
    draws = draws if draws is not None else SceneDraws()
    groups = draws.groups
    if isinstance(source, list):
        return source[int(rng.integers(len(source)))]
    pending = [primary] if primary else []

    def next_word() -> str:
        if pending:
            return pending.pop()
        if draws.targets and ctx.balance is not None:  # a secondary word that carries a rare character
            return ctx.balance.word(draws.targets.pop(0), rng)
        return ctx.corpus.weighted_word(rng)

    kind, _, arg = source.partition(":")
    if kind in ("word", "primary"):
        return next_word() if kind == "word" or not primary else primary
    if kind == "words":
        lo, _, hi = arg.partition("-")
        n = int(rng.integers(int(lo), int(hi or lo) + 1))
        return slot.separator.join(next_word() for _ in range(n))
    if kind == "filler":
        return filler(arg, rng)
    if kind == "genre":  # genre:A|B draws one of the kinds, then its text
        kinds = arg.split("|")
        name = kinds[int(rng.integers(len(kinds)))] if len(kinds) > 1 else arg
        return GENRE_TEXT_KINDS[name](rng)
    if kind == "group":
        return _group_part(arg, groups, rng)
    if kind == "literal":
        return arg

    def fill_placeholder(match: re.Match) -> str:
        name = match.group(1)
        if name in ("word", "primary"):
            return next_word()
        if name in GENRE_TEXT_KINDS:
            return GENRE_TEXT_KINDS[name](rng)
        return filler(name, rng)

    frames = pattern_frames(arg)  # pattern:A|B draws one frame, then fills it
    if len(frames) > 1:
        arg = frames[int(rng.integers(len(frames)))]
    return re.sub(r"\{(\w+)\}", fill_placeholder, arg)


def _wrap(text: str, per_line: int, max_lines: int) -> list[str] | None:
    """Break into balanced lines of at most per_line characters; None if it needs too many lines."""
    if per_line < 1:
        return None
    n_lines = math.ceil(len(text) / per_line)
    if n_lines > max_lines:
        return None
    if n_lines > 1 and " " in text and sum(c.isascii() for c in text) * 2 > len(text):
        return _wrap_words(text, per_line, max_lines)
    step = math.ceil(len(text) / n_lines)
    return [text[i : i + step] for i in range(0, len(text), step)]


def _wrap_words(text: str, per_line: int, max_lines: int) -> list[str] | None:
    """Latin text breaks between words; each break keeps its space, so the lines join back to the text."""
    lines: list[str] = []
    for word in re.findall(r"\S+\s*", text):
        if lines and len(lines[-1]) + len(word.rstrip()) <= per_line:
            lines[-1] += word
        else:
            lines.append(word)
    if len(lines) > max_lines or any(len(line.rstrip()) > per_line for line in lines):
        return None
    return lines


def _fit(item: TextItem, font_face: FontFace, slot: Slot, box_px: tuple[float, ...]) -> TextItem | None:
    """Step the size down the ladder, re-wrapping, until the block fits its region."""
    x0, y0, x1, y1 = box_px
    region_w, region_h = x1 - x0, y1 - y0
    size = snap_size(item.size_px)
    vertical = item.direction == "ttb"
    along = region_h if vertical else region_w
    # Latin letters and digits are about half as wide: more fit a line (the same at every size)
    narrow = (
        1.0 if vertical else len(item.text) / max(1.0, sum(0.5 if ch.isascii() else 1.0 for ch in item.text))
    )
    while True:
        pitch = size * (1.0 + item.char_spacing)
        fits = (along + item.char_spacing * size) / pitch  # full-width characters per line
        if not vertical:
            fits *= narrow
        per_line = min(slot.max_chars, int(fits))
        lines = _wrap(item.text, per_line, slot.max_lines)
        if lines is not None:
            item.lines, item.size_px = lines, size
            width, height = block_size(item, get_face(font_face, size))
            if width <= region_w and height <= region_h:
                return item
        if size <= MIN_GLYPH_PX:
            return None
        size = max(MIN_GLYPH_PX, snap_size(size * 0.9))


def _region(base: np.ndarray, box: tuple[float, ...]) -> np.ndarray:
    """The pixels of `base` under a box (x0, y0, x1, y1), clipped to the image; may be empty."""
    h, w = base.shape[:2]
    x0, y0 = max(int(box[0]), 0), max(int(box[1]), 0)
    x1, y1 = min(math.ceil(box[2]), w), min(math.ceil(box[3]), h)
    return base[y0 : max(y1, y0), x0 : max(x1, x0)]


def _local_color(base: np.ndarray, box: tuple[float, ...]) -> tuple[int, int, int]:
    """The mean colour under a slot's region. Above 512 px every n-th row (n = canvas / 512): the
    same rows' share as at 512², so the cost does not grow with the image (OpenCV reads a row-strided
    view in place; a region spans hundreds of rows, so the mean moves by a level at most)."""
    rows = max(1, round(max(base.shape[:2]) / 512))
    region = _region(base, box)[::rows]
    if region.size == 0:
        return (128, 128, 128)
    return tuple(int(v) for v in cv2.mean(region)[:3])


BUSY_TEXTURE = 6.0  # mean gradient at glyph scale above which patterns break up strokes (stripes, checks)
# so busy that an outline is not enough (OCR exact 91% vs 99% on calm ground): add a backing panel
PANEL_TEXTURE = 12.0
# the whole-factor shrink keeps a glyph at least this big (the exact measure shrinks it to 16 px): at 12 px
# (a 24 px glyph halved) diagonal stripes of stroke width averaged to half the exact reading
MIN_SHRUNK_GLYPH = 15.0


def _texture(base: np.ndarray, box: tuple[float, ...], size_px: int) -> float:
    """How much structure the background has at the scale of the glyphs' strokes.

    The region is shrunk by the whole factor k that brings a glyph nearest 16 px (cut to a multiple
    of k: OpenCV's exact k:1 area average is ~3x cheaper than a fractional one, the cost of this
    check): fine grain averages out, while stripes, checks and strong wood grain (what OCR and the
    eye confuse with strokes) remain. The factor never takes a glyph under MIN_SHRUNK_GLYPH px, and
    glyphs under 30 px shrink to 16 px by a fractional factor.
    """
    region = _region(base, box)  # not strided: skipping pixels keeps fine grain that averaging removes
    height, width = region.shape[:2]
    if width < 2 or height < 2:
        return 0.0
    k = round(size_px / 16.0)
    if k >= 2 and size_px / k < MIN_SHRUNK_GLYPH:  # fine stripes would average away: shrink less
        k -= 1
    if k >= 2 and width >= 2 * k and height >= 2 * k:
        height, width = height - height % k, width - width % k
        gray = cv2.cvtColor(np.ascontiguousarray(region[:height, :width]), cv2.COLOR_RGB2GRAY)
        gray = cv2.resize(gray, (width // k, height // k), interpolation=cv2.INTER_AREA)
    else:
        gray = cv2.cvtColor(np.ascontiguousarray(region), cv2.COLOR_RGB2GRAY)
        scale = 16.0 / max(size_px, 1)
        if scale < 1.0:
            size = (max(3, int(width * scale)), max(3, int(height * scale)))
            gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    # both 3x3 Sobel derivatives in one call, as int16 (exact: the same integers two float Sobels give)
    gx, gy = cv2.spatialGradient(gray)
    # mean |gx| + |gy| as OpenCV's L1 norms (sums in double): no abs, add or mean temporaries
    return (cv2.norm(gx, cv2.NORM_L1) + cv2.norm(gy, cv2.NORM_L1)) / (gray.size * 8.0)


_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)  # Rec. 709 weights, to rank pixels
LOW_CONTRAST = 1.5  # worst-case contrast under which plain text gets an outline


def _low_contrast(base: np.ndarray, box: tuple[float, ...], color: str) -> bool:
    """True when _worst_contrast is under LOW_CONTRAST; the same verdict, mostly without ranking pixels.

    The tails' mean colours lie within the region's darkest and lightest channel levels (one OpenCV
    min/max over the same rows, every column: a superset of the sampled pixels), and luminance and
    the contrast ratio are monotone, so text clear of that whole range is not low (~4 us instead of
    ~33; it decides ~4 in 5 blocks, the rest are ranked as before)."""
    step = 3 * max(1, round(max(base.shape[:2]) / 512))
    rows = _region(base, box)[::step]
    if rows.size == 0:
        return False  # _worst_contrast rates an empty region 21
    height, width, channels = rows.shape
    flat = rows.reshape(height, width * channels)
    text = relative_luminance(color)
    lo, hi, _, _ = cv2.minMaxLoc(flat)  # the darkest and lightest level of any channel
    if _clear_of(text, mean_luminance((lo, lo, lo)), mean_luminance((hi, hi, hi))):
        return False
    # each channel's own darkest and lightest level: a tighter range (~93% of the blocks left)
    lo3 = cv2.reduce(cv2.reduce(flat, 0, cv2.REDUCE_MIN).reshape(width, channels), 0, cv2.REDUCE_MIN)
    hi3 = cv2.reduce(cv2.reduce(flat, 0, cv2.REDUCE_MAX).reshape(width, channels), 0, cv2.REDUCE_MAX)
    if _clear_of(text, mean_luminance(lo3[0].tolist()), mean_luminance(hi3[0].tolist())):
        return False
    return _worst_contrast(base, box, color) < LOW_CONTRAST


def _clear_of(text: float, darkest: float, lightest: float) -> bool:
    """True when text of luminance `text` keeps LOW_CONTRAST to every luminance in [darkest, lightest]."""
    if text >= lightest:
        return luminance_ratio(text, lightest) >= LOW_CONTRAST
    return text <= darkest and luminance_ratio(text, darkest) >= LOW_CONTRAST


def _worst_contrast(base: np.ndarray, box: tuple[float, ...], color: str) -> float:
    """Contrast against the darkest/lightest tenth of the region, not just its mean.

    Every 3rd pixel at 512² and the same share of the canvas at any size (the text scales with it),
    so the cost does not grow with the image."""
    step = 3 * max(1, round(max(base.shape[:2]) / 512))
    region = _region(base, box)[::step, ::step].astype(np.float32).reshape(-1, 3)  # one copy, not two
    if region.size == 0:
        return 21.0
    lum = region @ _LUMA  # only ranks pixels
    n = len(lum)
    k = max(1, n // 10)
    order = np.argpartition(lum, (k - 1, n - k))  # both tails from one partition
    count = np.float32(k)  # sum / k is what .mean computes, without its Python-level overhead
    add = np.add.reduce  # ndarray.sum's reduction, without its Python-level wrapper
    dark = (add(region[order[:k]], axis=0) / count).tolist()
    light = (add(region[order[n - k :]], axis=0) / count).tolist()
    text = relative_luminance(color)
    return min(luminance_ratio(text, mean_luminance(dark)), luminance_ratio(text, mean_luminance(light)))


def _style(
    slot: Slot, rng: np.random.Generator, color: str, local: tuple[int, int, int], size: int, palette
) -> TextStyle:
    p = slot.effects
    draws = {
        name: rng.random() < p.get(name, 0.0) for name in ("stroke", "shadow", "extrude", "glow", "gradient")
    }
    style = TextStyle(fill=Fill("solid", [color]))
    text_is_light = relative_luminance(hex_to_rgb(color)) > 0.4
    opposite = "#111111" if text_is_light else "#f5f5f5"
    if draws["gradient"]:
        second = pick_text_color(rng, local, palette, max(slot.min_contrast, 3.0))
        style.fill = Fill("gradient", [color, second], angle=either(rng, (0.0, 45.0, 90.0, 135.0)))
    if draws["stroke"]:
        style.stroke_width = max(1, round(size * rng.uniform(0.03, 0.07)))
        style.stroke_color = opposite
    if draws["shadow"]:
        offset = size * rng.uniform(0.03, 0.08)
        angle = rng.uniform(0, 2 * math.pi)
        style.shadow = Shadow(
            round(offset * math.cos(angle), 2), round(offset * math.sin(angle), 2),
            round(size * rng.uniform(0.02, 0.08), 2), opposite, round(float(rng.uniform(0.4, 0.8)), 2),
        )  # fmt: skip
    if draws["extrude"]:
        depth = int(rng.integers(3, 8))
        step = size * rng.uniform(0.008, 0.015)
        # lit from one side of the extrusion (it runs down-right), so its two visible faces differ
        light = (45.0 + either(rng, (-1.0, 1.0)) * float(rng.uniform(70.0, 110.0))) % 360
        style.extrude = Extrude(
            depth, round(step, 2), round(step, 2), shade(color, 0.45) if text_is_light else "#999999",
            light=round(light, 1),
        )  # fmt: skip
    if draws["glow"]:
        style.glow = Glow(
            round(size * rng.uniform(0.06, 0.15), 2), color if not text_is_light else "#ffffff", 0.8
        )
    if p.get("neon", 0.0) > 0 and rng.random() < p["neon"]:  # only slots that name it draw
        _neon_tube(style, color, size, rng)
    if slot.texture[1] > 0:  # only slots that ask for it draw, so other templates keep their bytes
        style.texture = round(float(rng.uniform(*slot.texture)), 3)
    sample_design_effects(style, p, slot.fill_patterns, rng, local, size, palette)
    return style


def _neon_tube(style: TextStyle, color: str, size: int, rng: np.random.Generator) -> None:
    """A glass tube lit from inside: a pale core of the tube's colour, a rim of it, a wide coloured halo."""
    style.fill = Fill("solid", [shade(color, 2.5)])
    style.stroke_width = max(1, round(size * rng.uniform(0.025, 0.045)))
    style.stroke_color = color
    style.glow = Glow(
        round(size * rng.uniform(0.15, 0.3), 2), color, round(float(rng.uniform(0.75, 0.95)), 2)
    )


def _outline(item: TextItem) -> None:
    """Give the text a contrasting stroke so it reads on any background."""
    light = relative_luminance(hex_to_rgb(item.style.color)) > 0.4
    item.style.stroke_color = "#111111" if light else "#f5f5f5"
    item.style.stroke_width = max(item.style.stroke_width, 2, round(item.size_px * 0.08))


Quad = list[list[float]]  # four [x, y] corners
Bounds = tuple[float, float, float, float]


def _quad_overlap(a: Quad, b: Quad) -> float:
    area, _ = cv2.intersectConvexConvex(np.float32(a), np.float32(b))
    return float(area)


def _overlaps(poly: Quad, bounds: Bounds, placed: list[tuple[Quad, Bounds]]) -> bool:
    """True when the block covers more than a pixel of text already placed. Blocks whose bounding boxes
    share at most a pixel cannot (most pairs: they sit in different regions), so OpenCV is asked only
    about the others."""
    x0, y0, x1, y1 = bounds
    for other, (ox0, oy0, ox1, oy1) in placed:
        shared_w, shared_h = min(x1, ox1) - max(x0, ox0), min(y1, oy1) - max(y0, oy0)
        if shared_w <= 0 or shared_h <= 0 or shared_w * shared_h <= 1.0:
            continue  # the quadrilaterals' overlap lies inside the boxes' one
        if _quad_overlap(poly, other) > 1.0:
            return True
    return False


@dataclass
class _Canvas:
    """What the slots of one scene share while they are placed, in drawing order."""

    base: np.ndarray  # background + decorations (+ backing panels) so far
    primary: str  # the run's corpus word for this sample
    placed: list[tuple[Quad, Bounds]] = field(default_factory=list)  # text not to overlap, its bounds
    skipped: list[str] = field(default_factory=list)  # primary words no font could set
    plane: np.ndarray | None = None  # one wall for all text, or None
    draws: SceneDraws = field(default_factory=lambda: SceneDraws())  # group draws, char_balance targets
    blocked: int = 0  # drawn texts thrown away because they held a blocklisted term


class PlacedText(NamedTuple):
    item: TextItem
    polygon: Quad  # the block's quadrilateral in canvas pixels
    bounds: Bounds  # the polygon's bounding box (x0, y0, x1, y1)
    panel: Decoration | None  # a backing panel when the ground under the text is very busy


def _sample_slot(
    slot: Slot, template: Template, ctx: RenderContext, rng: np.random.Generator, canvas: _Canvas
) -> PlacedText | None:
    """One text block for a slot: its text and font, size and style, then a placement that fits."""
    is_primary = slot is template.primary_slot()
    chosen = _text_and_face(slot, ctx, rng, canvas, is_primary)
    if chosen is None:
        return None
    text, face, primary = chosen
    item = _fitted_item(
        slot, template, rng, canvas.base, text, face, primary if is_primary else None, ctx.config.script
    )
    if item is None:
        return None
    if slot.jitter[1] > 0:  # only slots that ask for it draw, so other templates keep their bytes
        item.jitter = round(float(rng.uniform(*slot.jitter)), 4)
        item.jitter_seed = child_seed(rng)
    posture = _posture(slot, rng, item)
    if item.char_scales:  # characters of mixed size sit on a straight baseline
        posture = posture._replace(curve=0.0)
    return _place(item, slot, face, posture, canvas)


def _text_and_face(
    slot: Slot, ctx: RenderContext, rng: np.random.Generator, canvas: _Canvas, is_primary: bool
) -> tuple[str, FontFace, str] | None:
    """The slot's text and a face that covers it (3 tries), and the primary word as finally used."""
    primary = canvas.primary
    for _ in range(3):
        text = convert(
            _text_for(slot, ctx, rng, primary if is_primary else None, canvas.draws).strip(),
            ctx.config.script,
        )
        if not text:
            continue
        if ctx.blocked and is_blocked(text, ctx.blocked):  # every source, fillers and user lists included
            canvas.blocked += 1
            if is_primary:
                canvas.skipped.append(text)
                primary = ctx.corpus.weighted_word(rng)
            continue
        face = ctx.fonts.choose(
            text,
            rng,
            styles=slot.font_styles,
            weight_range=slot.weight,
            script=face_script(ctx.config.script),
        )
        if face is not None:
            return text, face, primary
        if is_primary:
            canvas.skipped.append(text)
            primary = ctx.corpus.weighted_word(rng)  # for this slot's next try only
    return None


_DIRECTIONS = {"horizontal": "ltr", "vertical": "ttb"}  # "either" draws one


def _between(rng: np.random.Generator, low: float, high: float) -> float:
    """rng.uniform(low, high) for one float, the same number (numpy computes low + (high - low) * the
    next double), without its argument plumbing (~1.1 vs ~0.3 us; drawn several times a slot)."""
    return low + (high - low) * rng.random()


def _fitted_item(
    slot: Slot, template: Template, rng: np.random.Generator, base: np.ndarray, text: str, face: FontFace,
    primary: str | None, script: str = "simplified",
) -> TextItem | None:  # fmt: skip
    """The text item sized down until it fits its region, with colour and glyph style; None if it cannot fit."""
    height, width = base.shape[:2]
    direction = _DIRECTIONS.get(slot.direction) or ("ttb" if rng.random() < 0.5 else "ltr")
    rx0, ry0, rx1, ry1 = slot.region
    box = (rx0 * width, ry0 * height, rx1 * width, ry1 * height)
    size = snap_size(max(MIN_GLYPH_PX, _between(rng, *slot.size) * height))
    palette = _palette(slot.palette, template.palette)
    local = _local_color(base, box)
    color = pick_text_color(rng, local, palette, slot.min_contrast)
    item = TextItem(
        text=text, role=slot.role, font=face.id, size_px=size, direction=direction, box=box,
        align=slot.align, char_spacing=round(_between(rng, *slot.char_spacing), 3),
        font_style=face.style, font_family=face.family, primary=primary is not None, script=face.script,
    )  # fmt: skip
    mixed_p = slot.effects.get("mixed_size", 0.0)
    if mixed_p > 0 and rng.random() < mixed_p and direction == "ltr":  # drawn only where the slot asks
        item.char_scales = emphasis_scales(text, convert(primary, script) if primary else None, rng)
    if _fit(item, face, slot, box) is None:
        alone = convert(primary, script) if primary is not None else None
        if alone is None or text == alone:
            return None
        item.text, item.lines, item.size_px = alone, [alone], size  # the primary word alone must fit
        item.char_scales = []
        if _fit(item, face, slot, box) is None:
            return None
    item.style = _style(slot, rng, color, local, item.size_px, palette)
    return item


class _Posture(NamedTuple):
    rotation: float
    curve: float
    tilt: tuple[float, float] | None  # yaw, pitch


def _posture(slot: Slot, rng: np.random.Generator, item: TextItem) -> _Posture:
    """Rotation, curve and tilt drawn from the slot's ranges (dropped one by one if they do not fit)."""
    rotation = _between(rng, *slot.rotation) if slot.rotation != (0.0, 0.0) else 0.0
    curve_p, curve_lo, curve_hi = slot.curve
    curve = (
        float(rng.uniform(curve_lo, curve_hi)) * either(rng, (-1.0, 1.0)) if rng.random() < curve_p else 0.0
    )
    if item.direction == "ttb" or len(item.lines) > 1 or len(item.text) < 3:
        curve = 0.0
    tilt_p, tilt_max = slot.tilt
    tilt = (
        (float(rng.uniform(-tilt_max, tilt_max)), float(rng.uniform(-tilt_max, tilt_max)))
        if rng.random() < tilt_p
        else None
    )
    return _Posture(rotation, curve, tilt)


def _place(
    item: TextItem, slot: Slot, face: FontFace, posture: _Posture, canvas: _Canvas
) -> PlacedText | None:
    """Lay the block out inside the canvas, off other text; each retry drops one risky transform."""
    height, width = canvas.base.shape[:2]
    font = get_face(face, item.size_px)
    for attempt in range(4):
        item.rotation = round(posture.rotation, 2) if attempt < 2 else 0.0
        item.curve = round(posture.curve, 3) if attempt < 1 else 0.0
        item.lines = ["".join(item.lines)] if item.curve else item.lines
        layout = layout_block(item, font)
        item.tilt = None
        if canvas.plane is not None:
            item.tilt = _plane_tilt(canvas.plane, item, layout, width, height)
        elif posture.tilt is not None and attempt < 3:
            item.tilt = tilt_matrix(layout.width, layout.height, *posture.tilt).round(6).tolist()
        if item.curve and len(item.lines) == 1 and layout.width > item.box[2] - item.box[0]:
            continue
        poly = _block_quad(item, layout)
        xs, ys = [x for x, _ in poly], [y for _, y in poly]
        if not (all(0 <= x <= width for x in xs) and all(0 <= y <= height for y in ys)):
            continue  # (a NaN corner fails too)
        bounds = (min(xs), min(ys), max(xs), max(ys))
        if not slot.overlap and _overlaps(poly, bounds, canvas.placed):
            continue
        texture = _texture(canvas.base, bounds, item.size_px)
        panel = _backing_panel(item, bounds, width, height) if texture >= PANEL_TEXTURE else None
        if (
            not item.style.outlines
            and panel is None
            and (  # outlines were chosen to stand off the ground; texture first: it is already known
                texture >= BUSY_TEXTURE or _low_contrast(canvas.base, bounds, item.style.color)
            )
        ):
            _outline(
                item
            )  # low contrast or a pattern under the text: outline the glyphs, as a designer would
        return PlacedText(item, poly, bounds, panel)
    return None


def _block_quad(item: TextItem, layout: BlockLayout) -> Quad:
    """The block's quadrilateral on the canvas, as word_polygon gives it (same floats).

    Most blocks are neither turned nor tilted: their matrix only moves them by whole pixels, which
    map_points applies exactly (x * 1 + y * 0 + dx), so the corners are the extent plus the origin
    in plain Python, without building matrices (~25 us a block)."""
    if layout.extent is not None and not item.curve and item.tilt is None and not item.rotation:
        bx, by = block_origin(item, layout)
        x0, y0, x1, y1 = layout.extent
        x0, y0, x1, y1 = x0 + bx, y0 + by, x1 + bx, y1 + by
        return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
    matrix = item_matrix(item, layout)
    if layout.extent is not None and not item.curve:  # word_polygon's corners, from the cached extent
        x0, y0, x1, y1 = layout.extent
        return map_points(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]), matrix).tolist()
    return word_polygon(item, layout, matrix).tolist()


def _backing_panel(item: TextItem, bounds: tuple[float, ...], width: int, height: int) -> Decoration:
    """A solid panel behind text on a very busy pattern, in the tone opposite to the text."""
    pad = 0.25 * item.size_px
    x0, y0, x1, y1 = bounds
    box = (max(0.0, x0 - pad), max(0.0, y0 - pad), min(float(width), x1 + pad), min(float(height), y1 + pad))
    light_text = relative_luminance(hex_to_rgb(item.style.color)) > 0.4
    color = "#1c1c1c" if light_text else "#f4f1ea"
    return Decoration("rounded_panel", box, color, {"radius": round(0.3 * item.size_px, 1), "opacity": 0.92})


def _plane_tilt(plane: np.ndarray, item: TextItem, layout, width: int, height: int) -> list[list[float]]:
    """The block's share of one canvas-wide plane: the plane's homography re-centred on the block."""
    bx, by = block_origin(item, layout)
    centre = np.array([[bx + layout.width / 2 - width / 2, by + layout.height / 2 - height / 2]])
    moved = map_points(centre, plane)[0]
    local = translation(-moved[0], -moved[1]) @ plane @ translation(centre[0, 0], centre[0, 1])
    return (local / local[2, 2]).round(6).tolist()


def _sample_plane(template: Template, rng: np.random.Generator, width: int, height: int) -> np.ndarray | None:
    """One yaw/pitch for all text of the sample (text painted on a wall seen at an angle), or None."""
    p, max_deg = template.plane
    if p <= 0.0 or rng.random() >= p:
        return None
    yaw, pitch = (float(v) for v in rng.uniform(-max_deg, max_deg, size=2))
    return tilt_matrix(width, height, yaw, pitch * 0.6)


def _decorate(
    template: Template, rng: np.random.Generator, width: int, height: int, palette, image_files=()
) -> list[Decoration]:
    pal = palette or ["#c0392b", "#f1c40f", "#ffffff", "#222222"]
    by_lum = sorted(pal, key=lambda c: relative_luminance(hex_to_rgb(c)))
    decorations = []
    for spec in template.decorations:
        if rng.random() >= spec.p:
            continue
        x0, y0, x1, y1 = spec.region
        box = (x0 * width, y0 * height, x1 * width, y1 * height)
        files = spec.files or image_files
        if spec.kind == "image_patch" and not files:
            continue  # no pictures to paste: no folder in the template and no --backgrounds
        # a kind takes what it needs: files for image_patch, the template's options for objects
        decoration = sample_decoration(rng, spec.kind, box, pal, files, spec.params)
        roles = {
            "accent": pal[int(rng.integers(len(pal)))],
            "light": by_lum[-1],
            "dark": by_lum[0],
            "any": pal[int(rng.integers(len(pal)))],
        }
        decoration.color = roles.get(spec.color, spec.color)
        decoration.params.update(spec.params)
        decorations.append(decoration)
    return decorations


def sample_template(
    template: Template, rng: np.random.Generator, ctx: RenderContext, index: int
) -> SampledScene:
    """Draw one Scene from a template. Uses only `rng` (and the corpus cycle for the primary word)."""
    config = ctx.config
    width, height = canvas_size(template, config, rng)
    palette = _palette(None, template.palette)
    kinds = list(template.background_kinds) or None
    photos = ctx.photos if template.photo else []
    photo_p = config.photo_background_p if template.photo_p is None else template.photo_p
    use_photo = bool(photos) and rng.random() < photo_p
    background = sample_background(
        rng, width, height, kinds=["photo"] if use_photo else kinds, palette=palette, photos=photos
    )
    base = render_background(background, width, height)
    template = arrange(template, rng, base if background.name == "photo" else None, (width, height))
    decorations = _decorate(template, rng, width, height, palette, ctx.image_files)
    # a built-in kind hands back a new array of its own, drawn into in place (a full-canvas copy less,
    # ~0.3 ms at 1024²); a plug-in's may be shared (a cached picture), so it is copied before drawing
    owned = background.name in BACKGROUNDS.builtin
    if decorations:
        if owned:
            draw_decorations_into(base, decorations)
        else:
            base, owned = draw_decorations(base, decorations), True
    canvas = _Canvas(base=base, primary=ctx.corpus.primary_word(config.seed, index))
    canvas.plane = _sample_plane(template, rng, width, height)
    texts: list[TextItem] = []
    canvas.draws = SceneDraws(targets=ctx.balance.for_sample(index) if ctx.balance is not None else [])
    primary_slot = template.primary_slot()
    order = sorted(template.slots, key=lambda s: s is not primary_slot)  # primary first: it must fit
    for slot in order:
        if slot is not primary_slot and rng.random() >= slot.p:
            continue
        # the primary word must appear; a part of a group (a dish's price, a couplet's other strip) gets a
        # second try with another face and size, so rows and pairs stay whole more often
        grouped = isinstance(slot.text, str) and slot.text.startswith("group:")
        tries = 4 if slot is primary_slot else 2 if grouped else 1
        for _ in range(tries):
            placed = _sample_slot(slot, template, ctx, rng, canvas)
            if placed is not None:
                break
        if placed is not None:
            texts.append(placed.item)
            if not slot.overlap:
                canvas.placed.append((placed.polygon, placed.bounds))
            if placed.panel is not None:  # drawn under all text, like the template's own decorations
                decorations.append(placed.panel)
                if not owned:  # the background kind's own array (a plugin's may be shared): copy it once
                    canvas.base, owned = canvas.base.copy(), True
                draw_decorations_into(canvas.base, [placed.panel])  # not a full-canvas copy per panel
    geometry_probs = {**DEFAULT_GEOMETRY_PROBS, **template.geometry, **config.geometry}
    geometry = sample_geometry(rng, width, height, geometry_probs)
    keep_text_readable(geometry, texts, width, height)
    effects = sample_effects(
        rng, width, height, {**DEFAULT_EFFECT_PROBS, **template.effects, **config.effects}
    )
    lo, hi = config.jpeg_quality
    scene = Scene(
        width=width, height=height, template=template.name, background=background, texts=texts,
        decorations=decorations, geometry=geometry, effects=effects,
        jpeg_quality=int(rng.integers(lo, hi + 1)), subject=dict(template.subject),
    )  # fmt: skip
    if geometry:  # drawn last, so scenes without a warp keep every earlier number
        scene.backdrop = sample_backdrop(rng, ctx.photos, width, height)
    if not any(item.primary for item in texts) and canvas.primary not in canvas.skipped:
        canvas.skipped.append(canvas.primary)  # no font or no room: the word is counted, never silently lost
    return SampledScene(
        scene=scene, base=canvas.base, skipped_words=canvas.skipped, blocked_texts=canvas.blocked
    )


def draw_scene(template: Template, rng: np.random.Generator, ctx: RenderContext, index: int) -> SampledScene:
    """The Scene of one sample: a template's own `sample(rng, ctx, index) -> Scene` if it defines one.

    A custom sampler returns only the Scene; the renderer then draws everything from it, so a
    shard always equals what `rerender` draws from the record.
    """
    custom = getattr(template, "sample", None)
    if custom is None:
        return sample_template(template, rng, ctx, index)
    scene = custom(rng, ctx, index)
    if not isinstance(scene, Scene):
        raise TypeError(
            f"{type(template).__name__}.sample must return a textsynth.Scene, got {type(scene).__name__}"
        )
    return SampledScene(scene=scene, base=None)
