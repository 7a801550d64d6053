"""Scene -> image + annotations: a pure function of the Scene.

Order: background, decorations, text layers (each through its own homography), global
geometry (the same matrix maps pixels and every polygon), photometric effects.
"""

from __future__ import annotations

import ctypes
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import ImageFont

from textsynth.components.backgrounds import render_background
from textsynth.components.decorations import draw_decorations
from textsynth.components.effects import apply_effects
from textsynth.components.geometry import (
    geometry_matrix,
    map_points,
    min_area_quad,
    rotation_about,
    translation,
    warp_image,
)
from textsynth.render.backdrop import place_on_backdrop
from textsynth.render.colors import hex_to_rgb
from textsynth.render.layout import BlockLayout, layout_block
from textsynth.render.text import TextLayer, draw_text_layer
from textsynth.scene import Scene, TextItem

FontLoader = Callable[[str, int], ImageFont.FreeTypeFont]


@dataclass
class TextAnnotation:
    """Where one TextItem ended up in the final image (the shard JSON's `texts` entries)."""

    text: str
    role: str
    font: str
    size_px: int
    color: str
    direction: str
    polygon: list[list[float]]
    chars: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "role": self.role,
            "font": self.font,
            "size_px": self.size_px,
            "color": self.color,
            "direction": self.direction,
            "polygon": self.polygon,
            "chars": self.chars,
        }


@dataclass
class Rendered:
    image: np.ndarray  # (H, W, 3) uint8 RGB
    texts: list[TextAnnotation]


def block_origin(item: TextItem, layout: BlockLayout) -> tuple[float, float]:
    """Top-left of the block inside its box: `align` along the reading direction, centred across it."""
    x0, y0, x1, y1 = item.box
    if item.direction == "ttb":
        bx = (x0 + x1 - layout.width) / 2
        by = {"start": y0, "center": (y0 + y1 - layout.height) / 2, "end": y1 - layout.height}[item.align]
    else:
        bx = {"start": x0, "center": (x0 + x1 - layout.width) / 2, "end": x1 - layout.width}[item.align]
        by = (y0 + y1 - layout.height) / 2
    return round(bx), round(by)


def item_matrix(item: TextItem, layout: BlockLayout) -> np.ndarray:
    """Block pixels -> canvas pixels: placement, then tilt and rotation about the block centre."""
    bx, by = block_origin(item, layout)
    matrix = translation(bx, by)
    cx, cy = bx + layout.width / 2, by + layout.height / 2
    if item.tilt is not None:
        matrix = (
            translation(cx, cy) @ np.asarray(item.tilt, dtype=np.float64) @ translation(-cx, -cy) @ matrix
        )
    if item.rotation:
        matrix = rotation_about(item.rotation, cx, cy) @ matrix
    return matrix


def word_polygon(item: TextItem, layout: BlockLayout, matrix: np.ndarray) -> np.ndarray:
    """The block's quadrilateral on the canvas."""
    cells = np.concatenate([g.cell for g in layout.glyphs])
    if item.curve and item.direction == "ltr":
        return min_area_quad(map_points(cells, matrix))
    x0, y0 = cells.min(axis=0)
    x1, y1 = cells.max(axis=0)
    return map_points(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]), matrix)


def _is_integer_shift(matrix: np.ndarray) -> bool:
    m = matrix.tolist()
    return (
        abs(m[0][0] - 1) < 1e-9 and abs(m[1][1] - 1) < 1e-9 and abs(m[0][1]) < 1e-9 and abs(m[1][0]) < 1e-9
        and abs(m[2][0]) < 1e-12 and abs(m[2][1]) < 1e-12 and abs(m[2][2] - 1) < 1e-9
        and abs(m[0][2] - round(m[0][2])) < 1e-6 and abs(m[1][2] - round(m[1][2])) < 1e-6
    )  # fmt: skip


def warp_layer(layer: TextLayer, matrix: np.ndarray) -> tuple[np.ndarray, int, int]:
    """A layer's premultiplied RGBA moved through `matrix`, with its canvas offset (x, y)."""
    import cv2

    (a, b, c), (d, e, f), (g, h, i) = matrix.tolist()
    if a == 1.0 and e == 1.0 and i == 1.0 and b == d == g == h == 0.0 and c == round(c) and f == round(f):
        # a block placed without tilt or rotation (most): a whole-pixel move, no matrix product needed
        return layer.rgba, round(c) + layer.origin[0], round(f) + layer.origin[1]
    to_canvas = matrix @ translation(*layer.origin)
    if _is_integer_shift(to_canvas):
        return layer.rgba, round(float(to_canvas[0, 2])), round(float(to_canvas[1, 2]))
    # a warp costs per output pixel: only the inked box goes through it (~70% of a layer's area)
    x, y, lw, lh = cv2.boundingRect(cv2.extractChannel(layer.rgba, 3))
    rgba = layer.rgba[y : y + lh, x : x + lw]
    to_canvas = to_canvas @ translation(x, y)
    corners = map_points(np.array([[0, 0], [lw, 0], [lw, lh], [0, lh]]), to_canvas)
    ox, oy = int(np.floor(corners[:, 0].min())), int(np.floor(corners[:, 1].min()))
    rw = int(np.ceil(corners[:, 0].max())) - ox + 1
    rh = int(np.ceil(corners[:, 1].max())) - oy + 1
    local = translation(-ox, -oy) @ to_canvas
    warped = cv2.warpPerspective(rgba, local, (rw, rh), flags=cv2.INTER_LINEAR, borderValue=0)
    return warped, ox, oy


def clip_to_canvas(
    shape: tuple[int, ...], tile: tuple[int, ...], ox: int, oy: int
) -> tuple[tuple[slice, slice], tuple[slice, slice]] | None:
    """Where a tile at (ox, oy) overlaps the canvas: (canvas slices, tile slices), or None."""
    height, width = shape[:2]
    x0, y0 = max(ox, 0), max(oy, 0)
    x1, y1 = min(ox + tile[1], width), min(oy + tile[0], height)
    if x1 <= x0 or y1 <= y0:
        return None
    return (slice(y0, y1), slice(x0, x1)), (slice(y0 - oy, y1 - oy), slice(x0 - ox, x1 - ox))


def paste_layer(canvas: np.ndarray, layer: TextLayer, matrix: np.ndarray, texture: float = 0.0) -> None:
    """Alpha-composite a premultiplied layer onto the uint8 canvas through `matrix`, in place.

    With `texture`, that share of the surface's fine detail (the region minus its blur) is added back
    under the ink, so text reads as painted on the wall rather than pasted over the photo.
    """
    import cv2

    rgba, ox, oy = warp_layer(layer, matrix)
    overlap = clip_to_canvas(canvas.shape, rgba.shape, ox, oy)
    if overlap is None:
        return
    dst, src = overlap
    tile = rgba[src]
    # premultiplied "over" in uint8 with OpenCV's saturating SIMD ops: canvas*(1-a) + colour
    alpha = cv2.extractChannel(tile, 3)
    region = canvas[dst]
    detail = None
    if texture > 0:  # the surface's fine detail: region minus its blur, signed, in 16 bits
        detail = cv2.subtract(region, _surface_blur(canvas, dst), dtype=cv2.CV_16S)
    # written straight into the canvas view: OpenCV takes strided destinations, so no copy back
    keep = cv2.cvtColor(cv2.bitwise_not(alpha), cv2.COLOR_GRAY2RGB)
    cv2.multiply(region, keep, dst=region, scale=1.0 / 255.0)
    cv2.add(region, cv2.cvtColor(tile, cv2.COLOR_RGBA2RGB), dst=region)
    if detail is not None:
        # region + detail x alpha x texture / 255, rounded and saturated by OpenCV in one multiply and
        # one add (float32 planes and numpy clipping cost 4x)
        cv2.multiply(detail, cv2.bitwise_not(keep), dst=detail, scale=texture / 255.0, dtype=cv2.CV_16S)
        cv2.add(region, detail, dst=region, dtype=cv2.CV_8U)


def _surface_blur(canvas: np.ndarray, window: tuple[slice, slice], sigma: float = 2.0) -> np.ndarray:
    """The canvas blurred over `window`, from the surface around it too (3 sigma, where the canvas
    has it): a layer cropped to its ink would otherwise see its detail mirrored at the crop."""
    import cv2

    ys, xs = window
    pad = math.ceil(3 * sigma)
    y0, x0 = max(ys.start - pad, 0), max(xs.start - pad, 0)
    y1, x1 = min(ys.stop + pad, canvas.shape[0]), min(xs.stop + pad, canvas.shape[1])
    blurred = cv2.GaussianBlur(canvas[y0:y1, x0:x1], (0, 0), sigma)
    return blurred[ys.start - y0 : ys.stop - y0, xs.start - x0 : xs.stop - x0]


def render_base(scene: Scene) -> np.ndarray:
    """Background with decorations: what text is laid on (the sampler measures contrast on it)."""
    canvas = np.ascontiguousarray(render_background(scene.background, scene.width, scene.height))
    return draw_decorations(canvas, scene.decorations) if scene.decorations else canvas


@functools.cache
def keep_freed_memory() -> None:
    """Let glibc reuse freed image-sized arrays instead of unmapping them (once per process).

    Each sample allocates and frees several full-size images; by default glibc hands them back
    to the OS and the next sample page-faults them in again: a third of the time at 1024².
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc: its allocator keeps its own policy
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 << 20)  # arrays up to 32 MB come from the reusable heap
    libc.mallopt(m_trim_threshold, 128 << 20)  # keep up to 128 MB of freed heap for the next sample


def render_scene(
    scene: Scene, load_font: FontLoader, base: np.ndarray | None = None, own_base: bool = False
) -> Rendered:
    """Draw a Scene. Pure: the same Scene always gives the same pixels and polygons.

    `base` may pass in render_base(scene) when the caller already has it; with `own_base`
    it is drawn on in place instead of copied.
    """
    width, height = scene.width, scene.height
    if base is None:
        canvas = render_base(scene)
    else:
        # draw in place only on an array nobody else can see (a cached photo may come back as a view)
        fresh = own_base and base.flags.writeable and base.flags.owndata
        canvas = base if fresh else base.copy()
    placed: list[tuple[TextItem, BlockLayout, np.ndarray]] = []
    for item in scene.texts:
        font = load_font(item.font, item.size_px)
        layout = layout_block(item, font)
        matrix = item_matrix(item, layout)
        paste_layer(canvas, draw_text_layer(item, layout, font), matrix, item.style.texture)
        placed.append((item, layout, matrix))
    global_matrix = np.eye(3)
    for layer in scene.geometry:
        global_matrix = geometry_matrix(layer, width, height) @ global_matrix
    # every step in one warp (perspective then rotation was two, ~2.5 ms each at 1024², and resampled
    # the design twice); what it uncovers shows the backdrop, or the last step's flat surround
    if scene.geometry and scene.backdrop is not None:
        canvas = place_on_backdrop(canvas, global_matrix, scene.backdrop)
    elif scene.geometry:
        surround = scene.geometry[-1].params.get("surround", "#808080")
        canvas = warp_image(canvas, global_matrix, hex_to_rgb(surround))
    if scene.effects:
        canvas = apply_effects(canvas, scene.effects)
    return Rendered(
        image=canvas, texts=[_annotate(item, layout, global_matrix @ m) for item, layout, m in placed]
    )


def round_points(points: np.ndarray) -> list[list[float]]:
    """Points as [[x, y], ...] rounded to 2 decimals, the same floats as Python's round(x, 2).

    Vectorised (rint of x * 100, divided by 100, is the nearest double to the decimal Python's round
    picks) except where x * 100 lies within 1e-6 of a half: there the product's own rounding could
    tip the tie, so those few go through round() itself. Per-coordinate round() was ~55k calls per
    300 samples.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    scaled = pts * 100.0
    whole = np.rint(scaled)
    out = whole / 100.0
    # |x * 100 - rint(x * 100)| is at most a half (exactly: the difference is a float), so "within 1e-6
    # of a half" is one comparison of it
    near = np.abs(scaled - whole) > 0.5 - 1e-6
    if near.any():
        for i in np.flatnonzero(near):
            out.flat[i] = round(float(pts.flat[i]), 2)
    return out.tolist()


def _annotate(item: TextItem, layout: BlockLayout, matrix: np.ndarray) -> TextAnnotation:
    # every cell's corners, then the box of all cells, through the matrix and rounded in one call each
    # (per-glyph calls were ~5,600 per 300 samples); a cached layout knows the box (no reductions)
    cells = [g.cell for g in layout.glyphs]
    n = 4 * len(cells)
    if layout.extent is not None:
        x0, y0, x1, y1 = layout.extent
    else:
        stacked = np.concatenate(cells) if cells else np.zeros((1, 2))
        (x0, y0), (x1, y1) = stacked.min(axis=0), stacked.max(axis=0)
    points = np.concatenate([*cells, np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])])
    if item.curve and item.direction == "ltr":
        mapped = map_points(points[:n], matrix)
        chars_at = round_points(mapped)
        polygon = round_points(min_area_quad(mapped))  # word_polygon's, from the same mapped cells
    else:
        chars_at = round_points(map_points(points, matrix))
        polygon = chars_at[n:]
    chars = [{"char": g.char, "polygon": chars_at[4 * i : 4 * i + 4]} for i, g in enumerate(layout.glyphs)]
    return TextAnnotation(
        text=item.text,
        role=item.role,
        font=item.font,
        size_px=item.size_px,
        color=item.style.color,
        direction=item.direction,
        polygon=polygon,
        chars=chars,
    )
