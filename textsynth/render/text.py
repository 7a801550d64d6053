"""Draw a laid-out text block into a small premultiplied RGBA layer.

Glyph masks are FreeType bitmaps from the per-process glyph cache (sources/glyphs.py); fill,
stroke, shadow, extrude and glow are numpy/OpenCV operations on those masks, so styles cost
little beyond the glyphs.
A plain solid fill (most text) stays in uint8 throughout; styles compose in float32.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from textsynth.components.backgrounds import lut_rgb
from textsynth.render.colors import hex_to_rgb
from textsynth.render.layout import BlockLayout, Font, Glyph
from textsynth.scene import TextItem
from textsynth.sources.glyphs import Bitmap, as_sized


@dataclass
class TextLayer:
    """Premultiplied colour (H, W, 3) and alpha (H, W) as uint8, placed at `origin` in block pixels."""

    rgb: np.ndarray
    alpha: np.ndarray
    origin: tuple[int, int]


def layer_bounds(layout: BlockLayout) -> tuple[int, int, int, int]:
    """Integer box (x0, y0, x1, y1) in block pixels holding every cell plus the style margin."""
    cells = np.concatenate([g.cell for g in layout.glyphs]) if layout.glyphs else np.zeros((1, 2))
    x0 = math.floor(min(cells[:, 0].min(), 0.0)) - layout.margin
    y0 = math.floor(min(cells[:, 1].min(), 0.0)) - layout.margin
    x1 = math.ceil(max(cells[:, 0].max(), layout.width)) + layout.margin
    y1 = math.ceil(max(cells[:, 1].max(), layout.height)) + layout.margin
    return x0, y0, x1, y1


def glyph_masks(
    item: TextItem, layout: BlockLayout, font: Font
) -> tuple[np.ndarray, np.ndarray | None, tuple[int, int]]:
    """Fill mask and (if stroked) stroke mask as uint8 coverage, with the layer origin.

    Each glyph is the cached FreeType bitmap stamped at its whole-pixel pen (max where glyphs touch).
    """
    font = as_sized(font)
    x0, y0, x1, y1 = layer_bounds(layout)
    stroke = item.style.stroke_width
    fill = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    strk = np.zeros_like(fill) if stroke else None
    for glyph in layout.glyphs:
        if glyph.angle:
            _draw_rotated(fill, strk, glyph, font, stroke, (x0, y0))
            continue
        x, y = round(glyph.x) - x0, round(glyph.y) - y0
        stamp(fill, font.glyph(glyph.draw), x, y)
        if strk is not None:
            stamp(strk, font.glyph(glyph.draw, stroke), x, y)
    return fill, strk, (x0, y0)


def stamp(target: np.ndarray, bitmap: Bitmap, x: int, y: int) -> None:
    """Max a glyph bitmap into `target` with its pen at (x, y), clipped to the target."""
    left, top, mask = bitmap
    if not mask.size:
        return
    h, w = mask.shape
    gx, gy = x + left, y + top
    tx0, ty0 = max(gx, 0), max(gy, 0)
    tx1, ty1 = min(gx + w, target.shape[1]), min(gy + h, target.shape[0])
    if tx1 <= tx0 or ty1 <= ty0:
        return
    region = target[ty0:ty1, tx0:tx1]
    np.maximum(region, mask[ty0 - gy : ty1 - gy, tx0 - gx : tx1 - gx], out=region)


def _draw_rotated(
    fill: np.ndarray, stroke_mask: np.ndarray | None, glyph: Glyph, font: Font, stroke: int, origin
) -> None:
    """A glyph on an arc: drawn upright in a tile, turned about its centre, merged with max()."""
    font = as_sized(font)
    ascent, descent = font.getmetrics()
    pad = stroke + 2
    tw = math.ceil(font.advance(glyph.draw)) + 2 * pad
    th = ascent + descent + 2 * pad
    cx = float(glyph.cell[:, 0].mean()) - origin[0]
    cy = float(glyph.cell[:, 1].mean()) - origin[1]
    for target, width in ((fill, 0), (stroke_mask, stroke)):
        if target is None:
            continue
        tile = np.zeros((th, tw), dtype=np.uint8)
        stamp(tile, font.glyph(glyph.draw, width), pad, pad)
        turned = np.asarray(Image.fromarray(tile).rotate(glyph.angle, resample=Image.BILINEAR, expand=True))
        left = round(cx - turned.shape[1] / 2)
        top = round(cy - turned.shape[0] / 2)
        stamp(target, Bitmap(0, 0, turned), left, top)


def _fill_planes(item: TextItem, shape: tuple[int, int]) -> list:
    """Fill colour per channel in [0, 1]: a number for a solid fill, an (H, W) map for a gradient."""
    fill = item.style.fill
    colors = np.array([hex_to_rgb(c) for c in fill.colors], dtype=np.float32) / 255.0
    if fill.kind != "gradient" or len(colors) < 2:
        return [float(c) for c in colors[0]]
    h, w = shape
    a = math.radians(fill.angle)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    proj = xs * math.cos(a) + ys * math.sin(a)
    t = (proj - proj.min()) / max(float(proj.max() - proj.min()), 1e-6)
    return [c0 + (c1 - c0) * t for c0, c1 in zip(colors[0], colors[1], strict=True)]


def _shifted(mask: np.ndarray, dx: float, dy: float) -> np.ndarray:
    matrix = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(mask, matrix, (mask.shape[1], mask.shape[0]), flags=cv2.INTER_LINEAR)


def _blur(mask: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a float mask; wide blurs run on a smaller copy (the result is smooth anyway)."""
    f = max(1, int(sigma / 2))
    if f == 1:
        return cv2.GaussianBlur(mask, (0, 0), sigma)
    h, w = mask.shape
    small = cv2.resize(mask, (max(1, round(w / f)), max(1, round(h / f))), interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.GaussianBlur(small, (0, 0), sigma / f), (w, h), interpolation=cv2.INTER_LINEAR)


def _unit(mask: np.ndarray) -> np.ndarray:
    return mask.astype(np.float32) * np.float32(1 / 255)


def _over(planes: list[np.ndarray], alpha: np.ndarray, color, mask: np.ndarray) -> None:
    """Paint `color` (per channel: numbers or maps) through `mask` over the premultiplied layer, in place.

    One contiguous plane per channel: numpy over a trailing axis of 3 is ~10x slower.
    """
    keep = 1 - mask
    for plane, c in zip(planes, color, strict=True):
        plane *= keep
        plane += c * mask
    alpha *= keep
    alpha += mask


def _rgb(hex_color: str, gain: float = 1.0) -> list[float]:
    return [v / 255.0 * gain for v in hex_to_rgb(hex_color)]


def draw_text_layer(item: TextItem, layout: BlockLayout, font: Font) -> TextLayer:
    """Compose shadow, extrude, glow, stroke and fill, bottom to top."""
    fill8, stroke8, origin = glyph_masks(item, layout, font)
    style = item.style
    plain = stroke8 is None and style.shadow is None and style.glow is None and style.extrude is None
    if plain and (style.fill.kind != "gradient" or len(style.fill.colors) < 2):
        # plain solid fill, the common case: premultiplied colour is a lookup of the coverage
        rgb = np.array(hex_to_rgb(style.fill.colors[0]), np.float64)
        table = (np.arange(256)[:, None] * rgb / 255.0 + 0.5).astype(np.uint8)
        return TextLayer(rgb=lut_rgb(fill8, table), alpha=fill8, origin=origin)
    # masks are shifted in uint8, blurred and composed in float32
    body8 = stroke8 if stroke8 is not None else fill8
    h, w = fill8.shape
    planes = [np.zeros((h, w), dtype=np.float32) for _ in range(3)]
    alpha = np.zeros((h, w), dtype=np.float32)
    if style.shadow is not None:
        sh = style.shadow
        mask = _unit(_shifted(body8, sh.dx, sh.dy))
        if sh.blur > 0:
            mask = _blur(mask, sh.blur)
        _over(planes, alpha, _rgb(sh.color), mask * np.float32(sh.opacity))
    if style.glow is not None:
        gl = style.glow
        mask = _blur(_unit(cv2.dilate(body8, np.ones((3, 3), np.uint8))), max(gl.radius, 0.5))
        _over(planes, alpha, _rgb(gl.color), np.minimum(mask * 1.6, 1) * np.float32(gl.opacity))
    if style.extrude is not None:
        ex = style.extrude
        for step in range(ex.depth, 0, -1):
            shade = 0.75 + 0.25 * (1 - step / ex.depth)
            _over(planes, alpha, _rgb(ex.color, shade), _unit(_shifted(body8, ex.dx * step, ex.dy * step)))
    if stroke8 is not None:
        _over(planes, alpha, _rgb(style.stroke_color), _unit(stroke8))
    _over(planes, alpha, _fill_planes(item, (h, w)), _unit(fill8))
    return TextLayer(
        rgb=cv2.convertScaleAbs(cv2.merge(planes), alpha=255.0),
        alpha=cv2.convertScaleAbs(alpha, alpha=255.0),
        origin=origin,
    )
