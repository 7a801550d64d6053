"""The always-on legibility check: cheap pixel tests that catch text no reader could see.

Runs on every rendered sample (well under a millisecond at 512x512), on the final
image and the final character polygons, so every effect and warp is accounted for:
glyphs must stand out from the background inside their own cells, and must not have
been shrunk (by the fit or by perspective) below a readable height.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import chain
from typing import Any

import cv2
import numpy as np

from textsynth.render.compose import FontLoader
from textsynth.render.layout import font_metrics
from textsynth.sources.glyphs import get_face

MIN_GLYPH_HEIGHT = 10.0  # em size in px after all geometry; the sampler's floor is 12 px before it
MIN_CONTRAST = 1.5  # WCAG-style ratio between ink and background luminance inside a char cell
GRID = 12  # sample points per cell side
_TAIL = 3  # percentile of the ink tail: thin strokes at small sizes cover little of a cell

# sRGB -> linear luminance weights per 8-bit value, so a pixel's luminance is three lookups.
_LINEAR = np.where((v := np.arange(256) / 255.0) <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(
    np.float32
)
# each channel's share of the luminance per 8-bit value (float32, as _LINEAR * weight was computed per pixel)
_LUM_R, _LUM_G, _LUM_B = (_LINEAR * np.float32(w) for w in (0.2126, 0.7152, 0.0722))
# the three as one 3-channel table: cv2.LUT reads every channel of every cell pixel in one call
_LUM_RGB = np.stack([_LUM_R, _LUM_G, _LUM_B], axis=1).reshape(1, 256, 3)


@dataclass
class ItemLegibility:
    """Why one text item is (or is not) legible: the measured figures and the verdict."""

    text: str
    glyph_height: float  # smallest character (em) height in the final image, px
    contrast: float  # median over cells of the ink/background luminance ratio
    ok: bool

    @property
    def reason(self) -> str:
        if self.ok:
            return ""
        if self.glyph_height < MIN_GLYPH_HEIGHT:
            return f"glyphs {self.glyph_height:.1f} px high < {MIN_GLYPH_HEIGHT:g} px"
        return f"contrast {self.contrast:.2f} < {MIN_CONTRAST:g}"


def glyph_height(poly: np.ndarray) -> float:
    """Height of a 4-point char cell (TL, TR, BR, BL): the shorter of its two side edges."""
    return float(min(np.hypot(*(poly[3] - poly[0])), np.hypot(*(poly[2] - poly[1]))))


@functools.cache
def _corner_weights(n: int) -> np.ndarray:
    """(n*n, 4) bilinear weights of the corners TL, TR, BR, BL for n x n points inside a cell."""
    t = (np.arange(n) + 0.5) / n
    u, v = (a.reshape(-1) for a in np.meshgrid(t, t))
    return np.stack([(1 - v) * (1 - u), (1 - v) * u, v * u, v * (1 - u)], axis=1)


def _grid(cells: np.ndarray, n: int) -> np.ndarray:
    """n x n sample points inside each 4-point cell (bilinear in its corners): (cells, n*n, 2)."""
    return _corner_weights(n) @ cells


def _percentiles(values: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """np.percentile(values, q, axis=1) (linear interpolation) for each q, from one sort."""
    ordered = np.sort(values, axis=1)
    last = ordered.shape[1] - 1
    out = []
    for q in qs:
        pos = q / 100 * last
        i = min(int(pos), max(last - 1, 0))
        out.append(ordered[:, i] + (ordered[:, min(i + 1, last)] - ordered[:, i]) * (pos - i))
    return out


_REMAP_ROWS = 32_000  # cv2.remap writes under SHRT_MAX rows, one a cell here: huge pages go in chunks


def cell_pixels(image: np.ndarray, cells: np.ndarray, n: int = GRID) -> np.ndarray:
    """The pixels under each cell's n x n sample points, (cells, n*n, channels): the pixel each point
    falls in, points off the image taking the nearest edge pixel.

    One nearest-neighbour cv2.remap at the points' integer corners (exact in float32, and clamped like
    np.clip by BORDER_REPLICATE) reads them 5x faster than numpy's fancy indexing.
    """
    points = np.floor(_grid(cells, n)).astype(np.float32)
    chunks = [
        cv2.remap(image, part, None, cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
        for part in (points[i : i + _REMAP_ROWS] for i in range(0, len(points), _REMAP_ROWS))
    ]
    pixels = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
    return pixels.reshape(len(cells), n * n, -1)


def cell_contrasts(image: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Per cell: luminance ratio between the cell's typical pixel and its farthest tail.

    Inside a char cell the ground is one population and the ink (fill, stroke) the
    other; whichever is the majority sits at the median and the other in a tail.
    Colour-agnostic; text the colour of its ground gives about 1.
    """
    pixels = cell_pixels(image, cells)
    shares = cv2.LUT(pixels, _LUM_RGB)  # float32, each channel's share, summed in the same order below
    lum = shares[..., 0] + shares[..., 1] + shares[..., 2]
    lo, mid, hi = (_tails(lum) + np.float32(0.05)).T
    return np.maximum(hi / mid, mid / lo)


@functools.cache
def _tail_positions(count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """_percentiles' indices and float32 fractions for the tail, the median and the other tail."""
    last = count - 1
    lower, fractions = [], []
    for q in (_TAIL, 50, 100 - _TAIL):
        pos = q / 100 * last
        i = min(int(pos), max(last - 1, 0))
        lower.append(i)
        fractions.append(pos - i)
    lower_ = np.array(lower)
    return lower_, np.minimum(lower_ + 1, last), np.array(fractions, np.float32)


def _tails(lum: np.ndarray) -> np.ndarray:
    """(cells, 3): _percentiles(lum, (_TAIL, 50, 100 - _TAIL)) as columns, the same float32 arithmetic
    (a Python float times a float32 array is a float32 product) in one gather instead of three."""
    ordered = np.sort(lum, axis=1)
    lower, upper, fractions = _tail_positions(ordered.shape[1])
    low = ordered.take(lower, axis=1)
    return low + (ordered.take(upper, axis=1) - low) * fractions


def check_item(image: np.ndarray, text: dict[str, Any], cell_height: float | None = None) -> ItemLegibility:
    """Measure one item from its shard `texts` entry (final polygons) on the final image.

    `cell_height` is the cells' height before any geometry (ascent + descent for horizontal
    text); with it the glyph height is the em size after geometry, else the cell height itself.
    """
    cells = [np.asarray(c["polygon"], dtype=np.float64) for c in text.get("chars", [])]
    if not cells:
        return ItemLegibility(text["text"], 0.0, 1.0, False)
    min_height = min(glyph_height(c) for c in cells)
    if cell_height:
        min_height *= text["size_px"] / cell_height
    contrast = float(np.median(cell_contrasts(image, np.stack(cells))))
    ok = min_height >= MIN_GLYPH_HEIGHT and contrast >= MIN_CONTRAST
    return ItemLegibility(text["text"], round(min_height, 2), round(contrast, 3), ok)


def check_image(
    image: np.ndarray, texts: list[dict[str, Any]], cell_heights: list[float | None] | None = None
) -> list[ItemLegibility]:
    """check_item for every item, with the cells of all items sampled and sorted in one batch.

    Per-cell figures do not depend on the batch, so the verdicts are check_item's exactly; one
    batch saves the per-item numpy overhead (this runs on every sample).
    """
    return _check_items(
        image, [(text["text"], text["size_px"], text.get("chars", ())) for text in texts],
        cell_heights or [None] * len(texts),
    )  # fmt: skip


def _check_items(
    image: np.ndarray, items: list[tuple[str, int, Any]], heights: list[float | None]
) -> list[ItemLegibility]:
    """check_image on (text, size_px, chars) triples: what shard records and annotations both give."""
    counts = [len(chars) for _, _, chars in items]
    total = sum(counts)
    if not total:
        return [ItemLegibility(text, 0.0, 1.0, False) for text, _, _ in items]
    flat = chain.from_iterable(chain.from_iterable(c["polygon"] for _, _, chars in items for c in chars))
    stacked = np.fromiter(flat, np.float64, 8 * total).reshape(-1, 4, 2)
    contrasts = cell_contrasts(image, stacked).tolist()
    sides = stacked[:, 3:1:-1] - stacked[:, :2]  # glyph_height's two sides: BL - TL and BR - TR
    edges = np.hypot(sides[..., 0], sides[..., 1]).min(axis=1).tolist()
    results, start = [], 0
    for (text, size_px, _), count, cell_height in zip(items, counts, heights, strict=True):
        if not count:
            results.append(ItemLegibility(text, 0.0, 1.0, False))
            continue
        end = start + count
        min_height, contrast = min(edges[start:end]), _median(contrasts[start:end])
        start = end
        if cell_height:
            min_height *= size_px / cell_height
        ok = min_height >= MIN_GLYPH_HEIGHT and contrast >= MIN_CONTRAST
        results.append(ItemLegibility(text, round(min_height, 2), round(contrast, 3), ok))
    return results


def _median(values: list[float]) -> float:
    """np.median of float32 values (given as Python floats): the middle one, or the mean of the two middle
    ones in float32 (their exact sum rounded once, as a float32 add rounds it; then halved exactly)."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return float(np.float32(ordered[mid - 1] + ordered[mid]) / np.float32(2))


def nominal_cell_height(
    face_id: str, size_px: int, direction: str, load_font: FontLoader | None = None
) -> float:
    """A char cell's height before geometry: the em square in columns, ascent + descent in rows.

    `load_font` is the run's (RenderContext.load_font), so a user's own font folders work too;
    without it the shipped manifest is used.
    """
    if direction == "ttb":
        return float(size_px)
    # the layout's own metrics: Pillow's keep a font's wrong-signed descender (Fandol Song's)
    font = get_face(face_id, size_px) if load_font is None else load_font(face_id, size_px)
    ascent, descent = font_metrics(font)
    return float(ascent + descent)


def check_sample(sample: Any, load_font: FontLoader | None = None) -> list[ItemLegibility]:
    """Legibility of every item of a rendered `textsynth.pipeline.Sample` (fonts from `load_font`)."""
    texts = sample.texts
    heights = [nominal_cell_height(t.font, t.size_px, t.direction, load_font) for t in texts]
    return _check_items(sample.image, [(t.text, t.size_px, t.chars) for t in texts], heights)


def is_legible(results: list[ItemLegibility]) -> bool:
    return all(r.ok for r in results)
