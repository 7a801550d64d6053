"""Draw a laid-out text block into a small premultiplied RGBA layer.

Glyph masks are FreeType bitmaps from the per-process glyph cache (sources/glyphs.py); fill
(solid, gradient, texture), stroke, outlines, shadow, long shadow, extrude (lit or flat), glow and
inner glow are numpy/OpenCV operations on those masks, so styles cost little beyond the glyphs.
A plain solid fill (most text) is one table lookup; every other style composes its coats (shadows,
glows, outlines, extrude, stroke, fill) in uint8 premultiplied RGBA: a coat of one colour is a table
lookup of its coverage, one whose colour varies (gradient or texture fill, lit extrude) is rounded
to bytes from its float32 colour maps, and "over" is one multiply and one add.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from textsynth.render.colors import hex_to_rgb
from textsynth.render.layout import BlockLayout, Font, Glyph
from textsynth.scene import TextItem
from textsynth.sources.glyphs import Bitmap, as_sized


@dataclass
class TextLayer:
    """Premultiplied colour and alpha as one (H, W, 4) uint8 array, placed at `origin` in block pixels.

    One 4-channel array, because that is what OpenCV warps fastest and what the plain fill's
    lookup gives directly: separate planes cost a stack before every warp and a copy after.
    """

    rgba: np.ndarray
    origin: tuple[int, int]

    @classmethod
    def of(cls, rgb: np.ndarray, alpha: np.ndarray, origin: tuple[int, int]) -> TextLayer:
        """A layer from premultiplied colour (H, W, 3) and alpha (H, W) planes."""
        return cls(rgba=cv2.merge([*cv2.split(np.ascontiguousarray(rgb)), alpha]), origin=origin)


def layer_bounds(layout: BlockLayout) -> tuple[int, int, int, int]:
    """Integer box (x0, y0, x1, y1) in block pixels holding every cell plus the style margin."""
    if layout.extent is not None:  # a cached layout's cell box: the same numbers, no reductions
        lx, ly, hx, hy = layout.extent
    elif layout.glyphs:
        cells = np.concatenate([g.cell for g in layout.glyphs])
        (lx, ly), (hx, hy) = cells.min(axis=0).tolist(), cells.max(axis=0).tolist()
    else:
        lx = ly = hx = hy = 0.0
    m = layout.margin
    x0, y0 = math.floor(min(lx, 0.0)) - m, math.floor(min(ly, 0.0)) - m
    return x0, y0, math.ceil(max(hx, layout.width)) + m, math.ceil(max(hy, layout.height)) + m


def glyph_masks(layout: BlockLayout, font: Font) -> tuple[np.ndarray, tuple[int, int]]:
    """Fill mask as uint8 coverage, with the layer origin.

    Each glyph is the cached FreeType bitmap stamped at its whole-pixel pen (max where glyphs touch).
    The layer holds every cell, so a glyph's bitmap is inside it unless its ink leaves its cell
    (rotated glyphs, hand-made layouts): stamp() clips only those, the rest are one slice and one
    maximum each, inline (a call per glyph was a third of the loop).
    """
    font = as_sized(font)
    x0, y0, x1, y1 = layer_bounds(layout)
    th, tw = y1 - y0, x1 - x0
    fill = np.zeros((th, tw), dtype=np.uint8)
    glyph_of, maximum = font.glyph, np.maximum
    for glyph in layout.glyphs:
        if glyph.angle:
            _draw_rotated(fill, glyph, font, (x0, y0))
            continue
        bitmap = glyph_of(glyph.draw)
        left, top, mask = bitmap
        h, w = mask.shape
        gx, gy = round(glyph.x) - x0 + left, round(glyph.y) - y0 + top
        if gx >= 0 and gy >= 0 and gx + w <= tw and gy + h <= th:
            region = fill[gy : gy + h, gx : gx + w]
            maximum(region, mask, out=region)
        else:
            stamp(fill, bitmap, gx - left, gy - top)
    return fill, (x0, y0)


def stamp(target: np.ndarray, bitmap: Bitmap, x: int, y: int) -> None:
    """Max a glyph bitmap into `target` with its pen at (x, y), clipped to the target."""
    left, top, mask = bitmap
    h, w = mask.shape
    if not h or not w:
        return
    gx, gy = x + left, y + top
    th, tw = target.shape
    if gx >= 0 and gy >= 0 and gx + w <= tw and gy + h <= th:  # inside the layer: most glyphs
        region = target[gy : gy + h, gx : gx + w]
        np.maximum(region, mask, out=region)
        return
    tx0, ty0 = max(gx, 0), max(gy, 0)
    tx1, ty1 = min(gx + w, tw), min(gy + h, th)
    if tx1 <= tx0 or ty1 <= ty0:
        return
    region = target[ty0:ty1, tx0:tx1]
    np.maximum(region, mask[ty0 - gy : ty1 - gy, tx0 - gx : tx1 - gx], out=region)


def block_masks(
    item: TextItem, layout: BlockLayout, font: Font
) -> tuple[np.ndarray, np.ndarray | None, tuple[int, int]]:
    """Fill mask and (if stroked) stroke mask as uint8 coverage, with the layer origin.

    A block's characters may come in several sizes (TextItem.char_scales): each size's glyphs go
    through glyph_masks with their own font, and the masks meet in one layer box.
    """
    if all(glyph.font is None for glyph in layout.glyphs):  # one size: nearly every block
        fill, origin = glyph_masks(layout, font)
    else:
        groups: dict[int, list] = {}
        for glyph in layout.glyphs:
            groups.setdefault(id(glyph.font) if glyph.font is not None else 0, []).append(glyph)
        x0, y0, x1, y1 = layer_bounds(layout)
        origin = (x0, y0)
        fill = np.zeros((y1 - y0, x1 - x0), np.uint8)
        for glyphs in groups.values():
            part = BlockLayout(layout.width, layout.height, glyphs, layout.margin)
            f8, (ox, oy) = glyph_masks(part, glyphs[0].font or font)
            window = (slice(oy - y0, oy - y0 + f8.shape[0]), slice(ox - x0, ox - x0 + f8.shape[1]))
            np.maximum(fill[window], f8, out=fill[window])
    width = item.style.stroke_width
    return fill, (stroked(fill, width) if width else None), origin


def stroked(fill8: np.ndarray, width: int) -> np.ndarray:
    """The fill grown by `width` pixels with round joins: the glyphs plus their outline stroke.

    Grown from the block's coverage rather than stroking every glyph's outline with FreeType: text
    sizes vary item to item, so those strokes were glyph-cache misses at ~0.6 ms an item. Any inked
    pixel (a hairline is grey, not white) grows into an opaque disc of radius width - 1 (`_grown`: a
    few small dilations); the coverage itself (x1.5), grown by `width`, gives the antialiased rim.
    Outside that opaque core no ink lies within the core's disc, so the rim's disc needs only its
    ring beyond the core's (`_rim_ring`): a dilation costs per kernel pixel, and a ring has ~2w of
    the disc's ~3w². The pixel-stepped discs can leave a lone pin-hole where two reach just short of
    a point: a pixel is at least as inked as the least inked of its eight neighbours. Within a rim
    of FreeType's stroke; test_text_effects compares them.
    """
    _, ink = cv2.threshold(fill8, 0, 255, cv2.THRESH_BINARY)
    core = _grown(ink, width - 1)
    grown = cv2.max(cv2.dilate(cv2.LUT(fill8, _RIM_GAIN), _rim_ring(width)), core)
    return cv2.max(grown, cv2.erode(grown, _RING))


_RING = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]], np.uint8)  # the eight neighbours, not the pixel
# the rim's coverage x1.5: a gap narrower than the stroke, between two part-covered edges, fills as
# FreeType's does (3x fewer pixels left thin where its stroke is solid; edges a touch fuller)
_RIM_GAIN = np.minimum(np.round(np.arange(256) * 1.5), 255).astype(np.uint8)
_CROSS = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
# OpenCV's 5x5 ellipse is taller than wide ([1, 5, 5, 5, 1] a row): one of it and one turned make a
# round radius-4 step, as wide as tall
_ROUND5 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
_ROUND5_TURNED = np.ascontiguousarray(_ROUND5.T)


@functools.lru_cache(maxsize=64)
def _disc(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _grown(mask: np.ndarray, radius: int) -> np.ndarray:
    """`mask` dilated by a disc of `radius` as a chain of small steps (`_disc_steps`): a square,
    crosses and round pairs cost ~0.03 ms a pixel of radius on a 1024² image's layer, where one
    elliptical kernel costs with its area (radius 8: 0.55 ms)."""
    return _chain(mask, _disc_steps(radius))


def _chain(mask: np.ndarray, steps: tuple[int, int, int]) -> np.ndarray:
    """Dilate by a (2s+1)² square, then `crosses` 3x3 crosses, then `pairs` round radius-4 pairs."""
    square, crosses, pairs = steps
    if square:
        mask = cv2.dilate(mask, np.ones((2 * square + 1, 2 * square + 1), np.uint8))
    if crosses:
        mask = cv2.dilate(mask, _CROSS, iterations=crosses)
    if pairs:
        mask = cv2.dilate(cv2.dilate(mask, _ROUND5, iterations=pairs), _ROUND5_TURNED, iterations=pairs)
    return mask


@functools.lru_cache(maxsize=64)
def _disc_steps(radius: int) -> tuple[int, int, int]:
    """The chain (square radius, crosses, pairs) whose shape is nearest the Euclidean disc of
    radius + 0.3 (as near as OpenCV's own ellipse kernel), fewest dilations among equals.
    Searched once per radius: ~r²/8 dilations of a tiny image."""
    if radius <= 0:
        return 0, 0, 0
    y, x = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    disc = x * x + y * y <= (radius + 0.3) ** 2
    best: tuple[tuple[int, int], tuple[int, int, int]] | None = None
    for pairs in range(radius // 4 + 1):
        for square in range(radius - 4 * pairs + 1):
            steps = (square, radius - 4 * pairs - square, pairs)
            key = (int((_grown_point(radius, steps) != disc).sum()), steps[1] + 2 * pairs + (square > 0))
            if best is None or key < best[0]:
                best = (key, steps)
    assert best is not None
    return best[1]


def _grown_point(radius: int, steps: tuple[int, int, int]) -> np.ndarray:
    """The shape a chain of `steps` grows one pixel into, in a (2 radius + 1)² box."""
    point = np.zeros((2 * radius + 1, 2 * radius + 1), np.uint8)
    point[radius, radius] = 1
    return _chain(point, steps).astype(bool)


@functools.lru_cache(maxsize=64)
def _rim_ring(width: int) -> np.ndarray:
    """The rim's kernel: OpenCV's disc of radius `width` less the core's disc of width - 1 (pixels
    outside the core see no ink there, so the ring gives them the whole disc's maximum)."""
    ring = _disc(width).copy()
    ring[1:-1, 1:-1] &= ~_grown_point(width - 1, _disc_steps(width - 1))
    ring.flags.writeable = False  # cached: shared by every later stroke of this width
    return ring


def _draw_rotated(target: np.ndarray, glyph: Glyph, font: Font, origin) -> None:
    """A glyph on an arc: drawn upright in a tile, turned about its centre, merged with max().
    (Strokes are grown from the whole block's coverage afterwards, `stroked`, not drawn per glyph.)"""
    font = as_sized(font)
    ascent, descent = font.getmetrics()
    pad = 2
    tw = math.ceil(font.advance(glyph.draw)) + 2 * pad
    th = ascent + descent + 2 * pad
    cx = float(glyph.cell[:, 0].mean()) - origin[0]
    cy = float(glyph.cell[:, 1].mean()) - origin[1]
    tile = np.zeros((th, tw), dtype=np.uint8)
    stamp(tile, font.glyph(glyph.draw, 0), pad, pad)
    turned = np.asarray(Image.fromarray(tile).rotate(glyph.angle, resample=Image.BILINEAR, expand=True))
    left = round(cx - turned.shape[1] / 2)
    top = round(cy - turned.shape[0] / 2)
    stamp(target, Bitmap(0, 0, turned), left, top)


def _fill_planes(item: TextItem, shape: tuple[int, int], ink: np.ndarray | None = None) -> list:
    """Fill colour per channel in [0, 1]: a number for a solid fill, an (H, W) map for a gradient or texture."""
    fill = item.style.fill
    colors = np.array([hex_to_rgb(c) for c in fill.colors], dtype=np.float32) / 255.0
    if fill.kind == "texture" and ink is not None:
        return _texture_planes(fill, colors, ink)
    if fill.kind != "gradient" or len(colors) < 2:
        return [float(c) for c in colors[0]]
    h, w = shape
    a = math.radians(fill.angle)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    proj = xs * math.cos(a) + ys * math.sin(a)
    t = (proj - proj.min()) / max(float(proj.max() - proj.min()), 1e-6)
    return [c0 + (c1 - c0) * t for c0, c1 in zip(colors[0], colors[1], strict=True)]


def _ink_ramp(ink: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Position along `angle` over the ink's own extent (0..1, not the layer's margins) and in pixels."""
    h, w = ink.shape
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    a = math.radians(angle)
    ys = np.arange(h, dtype=np.float32)[:, None]
    xs = np.arange(w, dtype=np.float32)[None, :]
    # a vertical ramp (foil) is one column, broadcast over the row: a full map costs 5x more
    vertical = abs(math.cos(a)) < 1e-6
    proj = (
        ys * np.float32(math.sin(a))
        if vertical
        else xs * np.float32(math.cos(a)) + ys * np.float32(math.sin(a))
    )
    if rows.size == 0:
        return np.zeros_like(proj), proj
    corners = [x * math.cos(a) + y * math.sin(a) for x in (cols[0], cols[-1]) for y in (rows[0], rows[-1])]
    lo, hi = min(corners), max(corners)
    return np.clip((proj - lo) / max(hi - lo, 1e-6), 0, 1), proj


def _texture_planes(fill, colors: np.ndarray, ink: np.ndarray) -> list[np.ndarray]:
    """Textured fills designers use: foil ("metal"), two-colour "stripes", worn "grain"."""
    base = colors[0]
    other = colors[1] if len(colors) > 1 else np.clip(base * 1.4 + 0.1, 0, 1)
    t, proj = _ink_ramp(ink, fill.angle)
    if fill.pattern == "metal":
        # foil: a bright top falling to the base colour at a sharp dark horizon, then rising again
        dark = base * 0.5
        upper = np.clip(t / 0.5, 0, 1) ** 0.7
        lower = np.clip((t - 0.5) / 0.5, 0, 1)
        below = (t > 0.5).astype(np.float32)
        return [
            (c1 + (c0 - c1) * upper) * (1 - below) + (d + (c0 - d) * lower) * below
            for c0, c1, d in zip(base, other, dark, strict=True)
        ]
    if fill.pattern == "stripes":
        period = max(fill.scale, 3.0)
        wave = np.sin(proj * np.float32(2 * math.pi / period))
        mix = np.clip(wave * np.float32(period / 4) + 0.5, 0, 1)  # about one pixel of antialiasing
        return [c0 + (c1 - c0) * mix for c0, c1 in zip(base, other, strict=True)]
    # grain: blotches of a second tone over the base, as ink worn on rough paper
    h, w = ink.shape
    cell = max(fill.scale, 1.0)
    small = np.random.default_rng(fill.seed).random(
        (max(2, round(h / cell)), max(2, round(w / cell))), dtype=np.float32
    )
    noise = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    mix = np.clip((noise - 0.55) * 3.0, 0, 1) * np.float32(0.6)
    return [c0 + (c1 - c0) * mix for c0, c1 in zip(base, other, strict=True)]


def _shifted(mask: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """`mask` moved by (dx, dy) pixels, bilinear, with zeros moved in (as warpAffine would, 4-5x faster).

    A move is a whole-pixel copy plus a blend of each pixel with its left, then upper, neighbour:
    two addWeighted passes instead of warpAffine's per-pixel coordinate arithmetic.
    """
    h, w = mask.shape
    ix, iy = math.floor(dx), math.floor(dy)
    fx, fy = dx - ix, dy - iy
    # canvas[y + 1, x + 1] = mask[y - iy, x - ix] for x in [-1, w), y in [-1, h): the whole-pixel move,
    # with the row and column before the image that the fractional blend reaches back to
    canvas = np.zeros((h + 1, w + 1), mask.dtype)
    x0, x1 = max(ix, -1), min(w, w + ix)
    y0, y1 = max(iy, -1), min(h, h + iy)
    if x1 <= x0 or y1 <= y0:
        return np.zeros_like(mask)
    canvas[y0 + 1 : y1 + 1, x0 + 1 : x1 + 1] = mask[y0 - iy : y1 - iy, x0 - ix : x1 - ix]
    rows = cv2.addWeighted(canvas[:, 1:], 1.0 - fx, canvas[:, :-1], fx, 0.0) if fx else canvas[:, 1:]
    return cv2.addWeighted(rows[1:], 1.0 - fy, rows[:-1], fy, 0.0) if fy else np.ascontiguousarray(rows[1:])


def _blur(mask: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a float mask; wide blurs run on a 1/f copy (the result is smooth anyway).

    The copy is padded to whole f x f cells, so INTER_AREA takes its integer-factor path (a plain
    cell mean: the general path cost 2x the rest of the blur) and enlarging by exactly f puts
    every cell back over its own pixels."""
    f = max(1, int(sigma / 2))
    if f == 1:
        return cv2.GaussianBlur(mask, (0, 0), sigma)
    h, w = mask.shape
    small = cv2.GaussianBlur(_shrunk(mask, f), (0, 0), sigma / f)
    return _enlarged(small, f, (h, w))


def _soft_cover(mask8: np.ndarray, sigma: float, gain: float = 1.0, opacity: float = 1.0) -> np.ndarray:
    """Coverage of a soft coat (shadow, glow) in bytes: min(blur(mask) x gain, 1) x opacity.

    Blurred on the 1/f map and enlarged as bytes (full-size float planes were most of a glow's
    cost); a gain goes on after enlarging, as a table, since clipping before it would flatten the
    ramp where the glow saturates."""
    f = max(1, int(sigma / 2))
    h, w = mask8.shape
    small = cv2.GaussianBlur(np.float32(1 / 255) * (_shrunk(mask8, f) if f > 1 else mask8), (0, 0), sigma / f)
    if gain == 1.0:
        small8 = cv2.convertScaleAbs(small, alpha=255.0 * opacity)
        return small8 if f == 1 else _enlarged(small8, f, (h, w))
    small8 = cv2.convertScaleAbs(small, alpha=255.0)
    return cv2.LUT(small8 if f == 1 else _enlarged(small8, f, (h, w)), _gain_table(gain, opacity))


@functools.lru_cache(maxsize=256)
def _gain_table(gain: float, opacity: float) -> np.ndarray:
    """Byte coverage v -> min(v x gain, 255) x opacity, rounded."""
    table = np.rint(np.minimum(np.arange(256) * gain, 255.0) * opacity).astype(np.uint8)
    table.flags.writeable = False  # cached
    return table


def _shrunk(mask: np.ndarray, f: int) -> np.ndarray:
    """Mean of each f x f cell, the last row and column of cells padded by repeating the edge."""
    h, w = mask.shape
    ph, pw = -h % f, -w % f
    if ph or pw:
        mask = cv2.copyMakeBorder(mask, 0, ph, 0, pw, cv2.BORDER_REPLICATE)
    return cv2.resize(mask, ((w + pw) // f, (h + ph) // f), interpolation=cv2.INTER_AREA)


def _enlarged(small: np.ndarray, f: int, shape: tuple[int, int]) -> np.ndarray:
    """A 1/f map back to `shape`: enlarged by exactly f, so cell centres land where they came from."""
    h, w = shape
    big = cv2.resize(small, (small.shape[1] * f, small.shape[0] * f), interpolation=cv2.INTER_LINEAR)
    return big if big.shape == (h, w) else big[:h, :w]


def _unit(mask: np.ndarray) -> np.ndarray:
    return np.multiply(mask, np.float32(1 / 255), dtype=np.float32)


def _rgb(hex_color: str, gain: float = 1.0) -> list[float]:
    return [v / 255.0 * gain for v in hex_to_rgb(hex_color)]


def _rings(body8: np.ndarray, outlines) -> list[np.ndarray]:
    """Each outline's coverage: the body grown by the widths of that ring and every ring inside it
    (a chain of small dilations, as the stroke's core: one elliptical kernel costs with its area)."""
    masks, radius = [], 0.0
    for outline in outlines:
        radius += outline.width
        masks.append(_grown(body8, max(1, round(radius))))
    return masks


def _swept(mask8: np.ndarray, length: float, angle: float, fade: float) -> np.ndarray:
    """A long shadow's coverage: the mask moved every distance from 0 to `length` along `angle`,
    its opacity falling by `fade` (0..1) with the distance from the glyphs.

    Doubling: after k steps the sweep covers shifts 0..2^k - 1, so it costs log2(length) warps.
    """
    a = math.radians(angle)
    ux, uy = math.cos(a), math.sin(a)
    cover = _unit(mask8)
    covered = 0
    while covered < length:
        step = min(covered + 1, length - covered)
        np.maximum(cover, _shifted(cover, ux * step, uy * step), out=cover)
        covered += step
    if fade > 0:
        dist = cv2.distanceTransform((mask8 < 128).astype(np.uint8), cv2.DIST_L2, 5)
        cover *= np.clip(1 - np.float32(fade / max(length, 1e-6)) * dist, 0, 1)
    return cover


def _extrude_window(body8: np.ndarray, ex) -> tuple[slice, slice] | None:
    """Where an extrusion paints: the body's ink box grown by its deepest move and a pixel (None
    without ink). A bilinear move reaches ceil(|move|) pixels and reads one pixel around its source,
    so inside this window the moves of a cropped body and light are the whole layer's, and outside
    it every step's coverage is 0: painting only the window gives the same bytes. A layer's margins
    (room for glows and shadows too) are often half of it."""
    x, y, w, h = cv2.boundingRect(body8)
    if not w or not h:
        return None
    rx, ry = math.ceil(abs(ex.dx) * ex.depth) + 1, math.ceil(abs(ex.dy) * ex.depth) + 1
    height, width = body8.shape
    return slice(max(y - ry, 0), min(y + h + ry, height)), slice(max(x - rx, 0), min(x + w + rx, width))


def _lit_extrude(coats: _ByteCoats, ex, body8: np.ndarray) -> None:
    """Extruded side faces shaded by how squarely they face the light (Lambert on the outline normal).

    The light is a byte map made once; each depth step shifts it with the body (uint8 shifts) and
    paints light x coverage x the step's colour under the body's coverage."""
    soft = cv2.GaussianBlur(_unit(body8), (0, 0), max(1.0, math.hypot(ex.dx, ex.dy)))
    gx = cv2.Sobel(soft, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(soft, cv2.CV_32F, 0, 1, ksize=3)
    norm = cv2.magnitude(gx, gy)
    a = math.radians(ex.light)
    # the outward normal is minus the gradient (ink is 1 inside); faces with no clear normal stay
    # mid-tone: facing = -(gradient . light) / |gradient|, faded where |gradient| < 0.05
    facing = cv2.addWeighted(gx, -math.cos(a), gy, -math.sin(a), 0.0)
    gain = np.minimum(norm * np.float32(20.0), np.float32(1.0))
    gain /= norm + np.float32(1e-4)
    facing *= gain
    light8 = cv2.convertScaleAbs(facing, alpha=255.0 * 0.38, beta=255.0 * 0.62)  # 0.62 + 0.38 facing
    base = _rgb(ex.color)
    window = _extrude_window(body8, ex)
    if window is None:
        return
    body8, light8 = body8[window], light8[window]
    for step in range(ex.depth, 0, -1):
        depth_shade = 0.85 + 0.15 * (1 - step / ex.depth)
        m8 = _shifted(body8, ex.dx * step, ex.dy * step)
        lit = cv2.multiply(_shifted(light8, ex.dx * step, ex.dy * step), m8, scale=1.0 / 255.0)
        # light tints the colour, not the coverage (three scalings: a 4-byte table lookup cost more)
        coat = [cv2.convertScaleAbs(lit, alpha=c * depth_shade) for c in base]
        coats.paint(cv2.merge([*coat, m8]), m8, window)


def draw_text_layer(item: TextItem, layout: BlockLayout, font: Font) -> TextLayer:
    """Compose long shadow, shadow, glow, extrude, outlines, stroke, fill and inner glow, bottom to top."""
    fill8, stroke8, origin = block_masks(item, layout, font)
    style = item.style
    plain = (
        stroke8 is None and style.shadow is None and style.glow is None and style.extrude is None
        and not style.outlines and style.inner_glow is None and style.long_shadow is None
    )  # fmt: skip
    flat = style.fill.kind == "solid" or (style.fill.kind == "gradient" and len(style.fill.colors) < 2)
    if plain and flat:
        # plain solid fill, the common case: premultiplied colour is a lookup of the coverage, over
        # the ink's box only (a third of a plain layer is the rows above and below CJK ink and the
        # margin: transparent, so the lookup, paste and any warp skip it and the canvas is the same)
        x, y, w, h = cv2.boundingRect(fill8)
        if w and h:
            fill8, origin = fill8[y : y + h, x : x + w], (origin[0] + x, origin[1] + y)
        return TextLayer(rgba=lut_rgba(fill8, _coverage_table(style.fill.colors[0])), origin=origin)
    # masks are shifted in uint8 and blurred in float32; coats compose in uint8
    inner8 = stroke8 if stroke8 is not None else fill8
    rings = _rings(inner8, style.outlines)
    body8 = rings[-1] if rings else inner8  # the whole silhouette: what shadows and glows come from
    coats = _ByteCoats(fill8.shape)
    if style.long_shadow is not None:
        ls = style.long_shadow
        swept = _swept(body8, ls.length, ls.angle, ls.fade)
        coats.over(_rgb(ls.color), swept * np.float32(ls.opacity))
    if style.shadow is not None:
        sh = style.shadow
        moved = _shifted(body8, sh.dx, sh.dy)
        if sh.blur > 0:
            cover = _soft_cover(moved, sh.blur, opacity=sh.opacity)
        else:
            cover = cv2.convertScaleAbs(moved, alpha=sh.opacity)
        coats.over(_rgb(sh.color), cover)
    if style.glow is not None:
        gl = style.glow
        grown = cv2.dilate(body8, np.ones((3, 3), np.uint8))
        coats.over(_rgb(gl.color), _soft_cover(grown, max(gl.radius, 0.5), gain=1.6, opacity=gl.opacity))
    if style.extrude is not None:
        ex = style.extrude
        if ex.light is not None:
            _lit_extrude(coats, ex, body8)
        elif (window := _extrude_window(body8, ex)) is not None:
            inside = body8[window]
            for step in range(ex.depth, 0, -1):
                shade = 0.75 + 0.25 * (1 - step / ex.depth)
                m8 = _shifted(inside, ex.dx * step, ex.dy * step)
                coats.paint(lut_rgba(m8, _color_table(tuple(_rgb(ex.color, shade)))), m8, window)
    for outline, ring in zip(reversed(style.outlines), reversed(rings), strict=True):
        coats.over(_rgb(outline.color), ring)
    if stroke8 is not None:
        coats.over(_rgb(style.stroke_color), stroke8)
    if stroke8 is not None and flat:
        # the stroke is opaque wherever the fill has ink (its core is the ink grown), so there the
        # fill over it is one lookup of the fill's coverage into a stroke-to-fill blend, copied in
        coats.place(fill8, _blend_table(style.stroke_color, style.fill.colors[0]))
    else:
        coats.over(_fill_planes(item, fill8.shape, fill8), fill8)
    if style.inner_glow is not None:
        ig = style.inner_glow
        # light entering from the edges: full at the outline, gone about a radius inside
        fill = _unit(fill8)
        inside = _blur(fill, max(ig.radius, 0.5))
        rim = np.clip((np.float32(0.9) - inside) * np.float32(2.5), 0, 1)
        coats.over(_rgb(ig.color), rim * fill * np.float32(ig.opacity))
    return TextLayer(rgba=coats.rgba(), origin=origin)


class _ByteCoats:
    """Premultiplied RGBA built up in uint8, one coat at a time, with OpenCV's saturating ops.

    A solid coat is a table lookup of its coverage; a coat whose colour varies is its colour maps
    times its coverage, rounded to bytes once. "over" is one multiply and one add on 4 bytes a pixel,
    where float32 planes moved 16 and cost ~9 numpy passes a coat (the result is theirs to within a
    rounding a coat: test_text_effects).
    """

    def __init__(self, shape: tuple[int, int]) -> None:
        self.acc: np.ndarray | None = None
        self.shape = shape  # the layer's (H, W): for a first coat painted in a window

    def over(self, color, mask: np.ndarray) -> None:
        """Paint `color` (0..1 per channel: numbers, or maps for a gradient or texture) through `mask`
        (uint8, or float 0..1)."""
        m8 = mask if mask.dtype == np.uint8 else cv2.convertScaleAbs(mask, alpha=255.0)
        window = None
        if self.acc is not None:
            # over what is painted, only the coat's inked box changes (stroke and fill on a glowing
            # layer's wide margins are a third of it): the same bytes for a lookup and paint of that
            window = _inked_window(m8)
            if window is None:
                return
            m8, mask = m8[window], mask[window]
            color = [_part(c, window) for c in color]
        if any(isinstance(c, np.ndarray) for c in color):
            self.paint(_varied_coat(color, mask, m8), m8, window)
        else:
            self.paint(lut_rgba(m8, _color_table(tuple(color))), m8, window)

    def paint(self, coat: np.ndarray, m8: np.ndarray, window: tuple[slice, slice] | None = None) -> None:
        """Lay a premultiplied RGBA `coat` whose coverage is `m8` over what is painted; with `window`,
        coat and coverage are that part of the layer (nothing is painted outside it)."""
        if self.acc is None and window is None:
            self.acc = coat
            return
        if self.acc is None:
            self.acc = np.zeros((*self.shape, 4), np.uint8)
        acc = self.acc if window is None else self.acc[window]  # a view: OpenCV writes through it
        keep = cv2.bitwise_not(m8)
        keep = cv2.merge([keep, keep, keep, keep])  # not GRAY2RGBA: that sets alpha to 255
        cv2.multiply(acc, keep, dst=acc, scale=1.0 / 255.0)
        cv2.add(acc, coat, dst=acc)

    def place(self, coverage: np.ndarray, table: np.ndarray) -> None:
        """Put table[coverage] where the coverage is non-zero, as it is: for a coat whose table
        already blends it over what lies beneath (which is opaque and known there)."""
        assert self.acc is not None, "placed over a painted coat"
        window = _inked_window(coverage)
        if window is not None:
            part = coverage[window]
            cv2.copyTo(lut_rgba(part, table), part, self.acc[window])

    def rgba(self) -> np.ndarray:
        assert self.acc is not None, "the fill is always painted"
        return self.acc


def _inked_window(m8: np.ndarray) -> tuple[slice, slice] | None:
    """The bounding box of a coverage's non-zero pixels as slices (None without any)."""
    x, y, w, h = cv2.boundingRect(m8)
    return (slice(y, y + h), slice(x, x + w)) if w and h else None


def _part(plane, window: tuple[slice, slice]):
    """A colour plane's part over `window`: a number as it is, a map cut along each axis it spans
    (a vertical ramp is one column broadcast over the rows)."""
    if not isinstance(plane, np.ndarray):
        return plane
    rows, cols = window
    return plane[rows if plane.shape[0] > 1 else slice(None), cols if plane.shape[1] > 1 else slice(None)]


def _varied_coat(color, mask: np.ndarray, m8: np.ndarray) -> np.ndarray:
    """Premultiplied RGBA of a coat whose colour varies: each channel colour x coverage in float32,
    rounded to bytes (colours are at most 1, so no channel exceeds the alpha)."""
    cover = _unit(mask) if mask.dtype == np.uint8 else mask
    channels = [
        cv2.convertScaleAbs(np.multiply(c, cover, dtype=np.float32), alpha=255.0)
        if isinstance(c, np.ndarray)
        else cv2.convertScaleAbs(cover, alpha=255.0 * float(c))
        for c in color
    ]
    return cv2.merge([*channels, m8])


@functools.lru_cache(maxsize=1024)
def _color_table(rgb: tuple[float, ...]) -> np.ndarray:
    """Coverage -> premultiplied RGBA of a colour given as 0..1 per channel (256x4 uint8)."""
    table = np.empty((256, 4), np.uint8)
    table[:, :3] = (np.arange(256)[:, None] * (np.array(rgb) * 255.0) / 255.0 + 0.5).astype(np.uint8)
    table[:, 3] = np.arange(256)
    table.flags.writeable = False
    return table


@functools.lru_cache(maxsize=512)
def _coverage_table(hex_color: str) -> np.ndarray:
    """Coverage -> premultiplied RGBA of a solid colour, as a 256x4 uint8 table (a few colours per run)."""
    return _color_table(tuple(v / 255.0 for v in hex_to_rgb(hex_color)))


@functools.lru_cache(maxsize=512)
def _blend_table(under: str, over: str) -> np.ndarray:
    """Coverage c -> `over` at c laid on opaque `under`: premultiplied RGBA, alpha 255 (256x4 uint8)."""
    c = np.arange(256, dtype=np.float64)[:, None] / 255.0
    table = np.full((256, 4), 255, np.uint8)
    mixed = np.array(hex_to_rgb(under), np.float64) * (1 - c) + np.array(hex_to_rgb(over), np.float64) * c
    table[:, :3] = np.rint(mixed).astype(np.uint8)
    table.flags.writeable = False
    return table


def lut_rgba(gray: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Map a uint8 HxW map through a 256x4 uint8 table to HxWx4: one single-channel LUT of packed int32."""
    out = cv2.LUT(gray, np.ascontiguousarray(table).view(np.int32).ravel())
    return out.view(np.uint8).reshape(*gray.shape, 4)
