"""Draw a laid-out text block into a small premultiplied RGBA layer.

Glyph masks come from Pillow (FreeType); fill, stroke, shadow, extrude and glow are
numpy/OpenCV operations on those masks, so styles cost little beyond the glyphs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from textsynth.render.colors import hex_to_rgb
from textsynth.render.layout import BlockLayout
from textsynth.scene import TextItem


@dataclass
class TextLayer:
    """Premultiplied colour (H, W, 3) and alpha (H, W) in [0, 1], placed at `origin` in block pixels."""

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
    item: TextItem, layout: BlockLayout, font: ImageFont.FreeTypeFont
) -> tuple[np.ndarray, np.ndarray | None, tuple[int, int]]:
    """Fill mask and (if stroked) stroke mask as float32 in [0, 1], with the layer origin."""
    x0, y0, x1, y1 = layer_bounds(layout)
    size = (x1 - x0, y1 - y0)
    stroke = item.style.stroke_width
    fill_img = Image.new("L", size, 0)
    stroke_img = Image.new("L", size, 0) if stroke else None
    fill_draw = ImageDraw.Draw(fill_img)
    stroke_draw = ImageDraw.Draw(stroke_img) if stroke_img is not None else None
    for glyph in layout.glyphs:
        if glyph.angle:
            _draw_rotated(fill_img, stroke_img, glyph, font, stroke, (x0, y0))
            continue
        pos = (glyph.x - x0, glyph.y - y0)
        fill_draw.text(pos, glyph.draw, font=font, fill=255)
        if stroke_draw is not None:
            stroke_draw.text(pos, glyph.draw, font=font, fill=255, stroke_width=stroke, stroke_fill=255)
    fill = np.asarray(fill_img, dtype=np.float32) / 255.0
    strk = np.asarray(stroke_img, dtype=np.float32) / 255.0 if stroke_img is not None else None
    return fill, strk, (x0, y0)


def _draw_rotated(
    fill_img: Image.Image, stroke_img: Image.Image | None, glyph, font, stroke: int, origin
) -> None:
    """A glyph on an arc: drawn upright in a tile, turned about its centre, pasted with max()."""
    ascent, descent = font.getmetrics()
    pad = stroke + 2
    tw = math.ceil(font.getlength(glyph.draw)) + 2 * pad
    th = ascent + descent + 2 * pad
    cx = float(glyph.cell[:, 0].mean()) - origin[0]
    cy = float(glyph.cell[:, 1].mean()) - origin[1]
    for target, width in ((fill_img, 0), (stroke_img, stroke)):
        if target is None:
            continue
        tile = Image.new("L", (tw, th), 0)
        ImageDraw.Draw(tile).text(
            (pad, pad), glyph.draw, font=font, fill=255, stroke_width=width, stroke_fill=255
        )
        turned = tile.rotate(glyph.angle, resample=Image.BILINEAR, expand=True)
        left = round(cx - turned.width / 2)
        top = round(cy - turned.height / 2)
        region = target.crop((left, top, left + turned.width, top + turned.height))
        merged = np.maximum(np.asarray(region), np.asarray(turned))
        target.paste(Image.fromarray(merged), (left, top))


def _fill_colors(item: TextItem, shape: tuple[int, int]) -> np.ndarray:
    fill = item.style.fill
    colors = np.array([hex_to_rgb(c) for c in fill.colors], dtype=np.float32) / 255.0
    if fill.kind != "gradient" or len(colors) < 2:
        return np.broadcast_to(colors[0], (*shape, 3))
    h, w = shape
    a = math.radians(fill.angle)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    proj = xs * math.cos(a) + ys * math.sin(a)
    t = (proj - proj.min()) / max(float(proj.max() - proj.min()), 1e-6)
    return colors[0] * (1 - t[..., None]) + colors[1] * t[..., None]


def _shifted(mask: np.ndarray, dx: float, dy: float) -> np.ndarray:
    matrix = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(mask, matrix, (mask.shape[1], mask.shape[0]), flags=cv2.INTER_LINEAR)


def _over(rgb: np.ndarray, alpha: np.ndarray, color: np.ndarray | tuple, mask: np.ndarray) -> None:
    """Paint `color` through `mask` over the premultiplied layer, in place."""
    a = mask[..., None]
    rgb *= 1 - a
    rgb += np.asarray(color, dtype=np.float32) * a
    alpha *= 1 - mask
    alpha += mask


def draw_text_layer(item: TextItem, layout: BlockLayout, font: ImageFont.FreeTypeFont) -> TextLayer:
    """Compose shadow, extrude, glow, stroke and fill, bottom to top."""
    fill, stroke, origin = glyph_masks(item, layout, font)
    body = stroke if stroke is not None else fill
    h, w = fill.shape
    style = item.style
    if stroke is None and style.shadow is None and style.glow is None and style.extrude is None:
        # plain fill, the common case: the premultiplied colour is just colour x coverage
        return TextLayer(rgb=_fill_colors(item, (h, w)) * fill[..., None], alpha=fill, origin=origin)
    rgb = np.zeros((h, w, 3), dtype=np.float32)
    alpha = np.zeros((h, w), dtype=np.float32)
    if style.shadow is not None:
        sh = style.shadow
        mask = _shifted(body, sh.dx, sh.dy)
        if sh.blur > 0:
            mask = cv2.GaussianBlur(mask, (0, 0), sh.blur)
        _over(rgb, alpha, np.array(hex_to_rgb(sh.color)) / 255.0, mask * sh.opacity)
    if style.glow is not None:
        gl = style.glow
        mask = cv2.GaussianBlur(cv2.dilate(body, np.ones((3, 3), np.uint8)), (0, 0), max(gl.radius, 0.5))
        _over(rgb, alpha, np.array(hex_to_rgb(gl.color)) / 255.0, np.clip(mask * 1.6, 0, 1) * gl.opacity)
    if style.extrude is not None:
        ex = style.extrude
        color = np.array(hex_to_rgb(ex.color)) / 255.0
        for step in range(ex.depth, 0, -1):
            _over(
                rgb,
                alpha,
                color * (0.75 + 0.25 * (1 - step / ex.depth)),
                _shifted(body, ex.dx * step, ex.dy * step),
            )
    if stroke is not None:
        _over(rgb, alpha, np.array(hex_to_rgb(style.stroke_color)) / 255.0, stroke)
    colors = _fill_colors(item, (h, w))
    a = fill[..., None]
    rgb *= 1 - a
    rgb += colors * a
    alpha *= 1 - fill
    alpha += fill
    return TextLayer(rgb=rgb, alpha=alpha, origin=origin)
