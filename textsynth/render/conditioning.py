"""Conditioning maps for a Scene: glyph, position and character-segmentation images.

Drawn from the same layouts and matrices as `render_scene` (same glyph masks, same warps,
in the same order), so ink in the glyph map is text in the image and the maps line up
with the polygons of the record. Pure functions of the Scene, like rendering.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from textsynth.components.geometry import geometry_matrix, map_points, translation
from textsynth.render.compose import FontLoader, clip_to_canvas, item_matrix, warp_layer, word_polygon
from textsynth.render.layout import BlockLayout, Font, Glyph, arc_outline, layout_block, snap_size
from textsynth.render.text import TextLayer, _draw_rotated, block_masks, layer_bounds, stamp
from textsynth.scene import Scene, TextItem, TextStyle
from textsynth.sources.glyphs import as_sized

KINDS = ("glyph", "position", "charseg")  # config.CONDITIONING_KINDS: the member KEY.<kind>.png
INK = 128  # coverage at or above which a glyph-map pixel counts as ink (charseg labels only these)


@dataclass
class Placement:
    """One text item as render_scene places it: font, layout, block -> canvas matrix before global geometry."""

    item: TextItem
    font: Font
    layout: BlockLayout
    matrix: np.ndarray


def place_texts(scene: Scene, load_font: FontLoader) -> list[Placement]:
    placed = []
    for item in scene.texts:
        font = load_font(item.font, item.size_px)
        layout = layout_block(item, font)
        placed.append(Placement(item, font, layout, item_matrix(item, layout)))
    return placed


def global_matrices(scene: Scene) -> list[np.ndarray]:
    """The whole-image warps, in the order render_scene applies them."""
    return [geometry_matrix(layer, scene.width, scene.height) for layer in scene.geometry]


def global_matrix(scene: Scene) -> np.ndarray:
    """All the whole-image warps composed: render_scene warps the image once through it."""
    total = np.eye(3)
    for matrix in global_matrices(scene):
        total = matrix @ total
    return total


# --- the maps ---------------------------------------------------------------------------------------------


@dataclass
class GlyphFont:
    """One face for every glyph map (instead of each text's own); characters it lacks keep their own face."""

    face_id: str
    codepoints: frozenset[int]


def conditioning_maps(
    scene: Scene, load_font: FontLoader, kinds: Sequence[str], charset: dict[str, int] | None = None,
    glyph_font: GlyphFont | None = None,
) -> dict[str, np.ndarray]:  # fmt: skip
    """{kind: array} for the requested kinds: glyph (uint8, 255 = paper, 0 = ink), position (uint8,
    text index + 1), charseg (uint16, class in `charset`, which maps char -> class)."""
    height, width = scene.height, scene.width
    placed = place_texts(scene, load_font)
    maps: dict[str, np.ndarray] = {}
    if "glyph" in kinds or "charseg" in kinds:
        ink, labels = _ink_and_labels(placed, (height, width), load_font, glyph_font,
                                      charset if "charseg" in kinds else None)  # fmt: skip
        if scene.geometry:  # every step in one warp, as render_scene warps the image
            matrix = global_matrix(scene)
            ink = cv2.warpPerspective(ink, matrix, (width, height), flags=cv2.INTER_LINEAR,
                                      borderMode=cv2.BORDER_CONSTANT, borderValue=0)  # fmt: skip
            if labels is not None:
                labels = cv2.warpPerspective(labels, matrix, (width, height), flags=cv2.INTER_NEAREST,
                                             borderMode=cv2.BORDER_CONSTANT, borderValue=0)  # fmt: skip
        if "glyph" in kinds:
            maps["glyph"] = cv2.bitwise_not(ink)
        if labels is not None:
            labels[ink < INK] = 0
            maps["charseg"] = labels
    if "position" in kinds:
        maps["position"] = position_map(scene, placed)
    return {kind: maps[kind] for kind in kinds}


def final_polygons(scene: Scene, placed: list[Placement]) -> list[np.ndarray]:
    """Each text's polygon in final image pixels, as the record has it."""
    total = global_matrix(scene)
    return [word_polygon(p.item, p.layout, total @ p.matrix) for p in placed]


def text_contours(scene: Scene, placed: list[Placement]) -> list[np.ndarray]:
    """Each text's outline in final image pixels: 16 points along the arc for curved text
    (top edge left to right, bottom edge back), else its 4-point polygon."""
    total = global_matrix(scene)
    polygons = final_polygons(scene, placed)
    return [
        map_points(arc_outline(p.item, p.font), total @ p.matrix)
        if p.item.curve and p.item.direction == "ltr"
        else polygon
        for p, polygon in zip(placed, polygons, strict=True)
    ]


def position_map(scene: Scene, placed: list[Placement]) -> np.ndarray:
    if len(placed) > 255:
        raise ValueError(f"{len(placed)} texts do not fit an 8-bit position map")
    out = np.zeros((scene.height, scene.width), dtype=np.uint8)
    for i, polygon in enumerate(final_polygons(scene, placed)):
        cv2.fillPoly(out, [_fixed(polygon)], i + 1, lineType=cv2.LINE_8, shift=4)
    return out


def _fixed(points: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(points) * 16).astype(np.int32)  # 4 fractional bits for fillPoly(shift=4)


def _ink_and_labels(
    placed: list[Placement], shape: tuple[int, int], load_font: FontLoader, glyph_font: GlyphFont | None,
    charset: dict[str, int] | None,
) -> tuple[np.ndarray, np.ndarray | None]:  # fmt: skip
    """Plain fill coverage of every text composited like the image's layers (before global geometry),
    and each item's ink labelled with its characters' classes (later items over earlier ones)."""
    ink = np.zeros(shape, dtype=np.uint8)
    labels = np.zeros(shape, dtype=np.uint16) if charset is not None else None
    for p in placed:
        mask, origin = plain_mask(p, load_font, glyph_font)
        # warped as the image's 4-channel layer is: OpenCV rounds 2-channel warps differently
        rgba = np.zeros((*mask.shape, 4), np.uint8)
        rgba[..., 3] = mask
        warped, ox, oy = warp_layer(TextLayer(rgba=rgba, origin=origin), p.matrix)
        alpha = warped[..., 3]
        overlap = clip_to_canvas(shape, alpha.shape, ox, oy)
        if overlap is None:
            continue
        dst, src = overlap
        a = np.ascontiguousarray(alpha[src])
        ink[dst] = cv2.add(cv2.multiply(ink[dst], cv2.bitwise_not(a), scale=1.0 / 255.0), a)
        if labels is not None:
            tile = np.zeros(alpha.shape, dtype=np.uint16)
            to_tile = translation(-ox, -oy) @ p.matrix
            for g in p.layout.glyphs:
                cv2.fillPoly(tile, [_fixed(map_points(g.cell, to_tile))], charset[g.char], shift=4)
            inked = a >= INK
            labels[dst][inked] = tile[src][inked]
    return ink, labels


def plain_mask(
    p: Placement, load_font: FontLoader, glyph_font: GlyphFont | None
) -> tuple[np.ndarray, tuple[int, int]]:
    """The text's fill coverage without styles (stroke, shadow, ...), in its layer box."""
    plain = replace(p.item, style=TextStyle())
    if glyph_font is None:
        fill8, _, origin = block_masks(plain, p.layout, p.font)
        return fill8, origin
    x0, y0, x1, y1 = layer_bounds(p.layout)
    image = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    for g in p.layout.glyphs:
        text = g.draw if _covers(glyph_font, g.draw) else g.char if _covers(glyph_font, g.char) else None
        if text is None:  # the standard face lacks it: the text's own face draws it, as in the image
            _draw_glyph(image, g, g.font or p.font, (x0, y0))
            continue
        size = g.font.size if g.font is not None else p.item.size_px  # a larger character (char_scales)
        font = _fitting_font(glyph_font.face_id, text, g, size, load_font)
        left, top, right, bottom = font.getbbox(text)
        cx, cy = g.cell.mean(axis=0)
        placed = Glyph(g.char, text, cx - (left + right) / 2, cy - (top + bottom) / 2, g.cell, g.angle)
        _draw_glyph(image, placed, font, (x0, y0))
    return image, (x0, y0)


def _covers(glyph_font: GlyphFont, text: str) -> bool:
    return all(ord(c) in glyph_font.codepoints for c in text)


def _draw_glyph(image: np.ndarray, g: Glyph, font, origin: tuple[int, int]) -> None:
    if g.angle:
        _draw_rotated(image, g, font, origin)
    else:
        font = as_sized(font)
        stamp(image, font.glyph(g.draw), round(g.x) - origin[0], round(g.y) - origin[1])


def _fitting_font(face_id: str, text: str, g: Glyph, size_px: int, load_font: FontLoader):
    """The standard face at the text's size, smaller (down the size ladder) until its ink fits the cell."""
    cell_w = float(np.linalg.norm(g.cell[1] - g.cell[0]))
    cell_h = float(np.linalg.norm(g.cell[2] - g.cell[1]))
    font = load_font(face_id, size_px)
    left, top, right, bottom = font.getbbox(text)
    scale = min(1.0, cell_w / max(right - left, 1), cell_h / max(bottom - top, 1))
    if scale < 1.0:
        font = load_font(face_id, snap_size(size_px * scale))
    return font


# Maps are mostly flat runs: zlib's RLE strategy without PNG row filters is 2-3x faster than
# Pillow's PNG at level 1 and no larger in total (measured in benchmarks/conditioning.py).
PNG_PARAMS = [
    cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE,
    cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE,
]  # fmt: skip


def encode_maps(maps: dict[str, np.ndarray]) -> dict[str, bytes]:
    """PNG members: {"glyph.png": ..., ...}; 8-bit grey, charseg 16-bit grey. Same arrays, same bytes."""
    out = {}
    for kind, array in maps.items():
        ok, data = cv2.imencode(".png", array, PNG_PARAMS)
        if not ok:
            raise ValueError(f"PNG encoding of the {kind} map failed")
        out[f"{kind}.png"] = data.tobytes()
    return out


def hf_conditioning_features(kinds: Sequence[str]) -> dict:
    """The `datasets` feature of each map member, for io.hf: {"glyph.png": Image(), ...}."""
    import datasets

    return {f"{kind}.png": datasets.Image() for kind in kinds}


# --- per-run pieces, memoised per process ------------------------------------------------------------------


def glyph_font_for(fonts, name: str) -> GlyphFont | None:
    """`glyph_font` of the config: "own" -> None, else the face (an unknown id is a user error)."""
    if name == "own":
        return None
    if name not in _GLYPH_FONTS:
        _GLYPH_FONTS[name] = GlyphFont(name, fonts.codepoints(fonts.face(name).id))
    return _GLYPH_FONTS[name]


_GLYPH_FONTS: dict[str, GlyphFont] = {}
