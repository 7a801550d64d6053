"""Painting helpers for objects (objects.py): windows, uint8 coverage masks, lit paint, drop shadows, noise.

An object paints inside its own `Window` (its outline's box grown by its shadow's reach), never the
whole canvas; masks stay uint8 from drawing to blending; blends skip the rectangles a mask is known to
cover fully or not at all (`solid_rect`, and the `inner` / `hollow` arguments), which gives the same bytes.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import cv2
import numpy as np

from textsynth.components.backgrounds import gaussian_grain
from textsynth.components.decorations import Rect, _bands, _blend, _into, _shifted
from textsynth.render.colors import hex_to_rgb

_SHIFT = 4


def grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates as a 1xW row and an Hx1 column (they broadcast to HxW)."""
    return np.arange(w, dtype=np.float32)[None, :] + 0.5, np.arange(h, dtype=np.float32)[:, None] + 0.5


def poly_mask(h: int, w: int, polys: Sequence[np.ndarray]) -> np.ndarray:
    """Anti-aliased coverage (uint8 0..255) of polygons given in pixel-edge coordinates.

    Masks stay uint8 from drawing to blending: float masks cost a conversion each way and a compare
    for their bounding box (~12% of an object's time at 1024²).
    """
    mask = np.zeros((h, w), np.uint8)
    pts = [np.round((np.asarray(p, np.float64) - 0.5) * (1 << _SHIFT)).astype(np.int32) for p in polys]
    cv2.fillPoly(mask, pts, 255, cv2.LINE_AA, shift=_SHIFT)
    return mask


def scaled(mask: np.ndarray, k: float) -> np.ndarray:
    """A uint8 coverage times a number (0..1): a fainter mask."""
    return cv2.convertScaleAbs(mask, alpha=k)


def times(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Coverage a where b covers too (a * b / 255)."""
    return cv2.multiply(a, b, scale=1 / 255)


def outside(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Coverage a where b does not cover (a * (255 - b) / 255)."""
    return cv2.multiply(a, cv2.bitwise_not(b), scale=1 / 255)


class Window:
    """The part of the canvas that one object, or one part of it, paints.

    Its masks, coordinate grids and noise are made for this box alone: full-canvas float fields were
    most of an object's cost (~30 ms at 1024²). Coordinates stay the canvas's: `grid` gives canvas
    pixel centres, `poly`/`line` take canvas points, so the painters' geometry is written once.
    """

    def __init__(self, canvas: tuple[int, int], x0: int, y0: int, x1: int, y1: int) -> None:
        h, w = canvas
        self.canvas = canvas
        self.x0, self.y0 = min(max(0, x0), w), min(max(0, y0), h)
        self.x1, self.y1 = max(self.x0, min(w, x1)), max(self.y0, min(h, y1))

    @classmethod
    def around(cls, canvas: tuple[int, int], polys: Sequence[np.ndarray], grow: float = 0.0) -> Window:
        """Every pixel the polygons touch, grown by `grow` (a shadow's reach), clipped to the canvas."""
        pts = np.concatenate([np.asarray(p, np.float64).reshape(-1, 2) for p in polys])
        lo, hi = np.floor(pts.min(0) - grow - 1), np.ceil(pts.max(0) + grow + 1)
        return cls(canvas, int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1]))

    def part(self, polys: Sequence[np.ndarray], grow: float) -> tuple[Window, tuple[slice, slice]]:
        """The part of this window that polygons or lines grown by `grow` touch, and its slices of this
        window's arrays: a seam or an edge line drawn in a window-size mask cost ~4 window passes
        (zeros, drawing, scaling, bounds) for a few rows of pixels. Grow lines by their width + 2
        px, so that the whole line is drawn inside (the same bytes as in the window)."""
        sub = Window.around(self.canvas, polys, grow)
        part = Window(
            self.canvas,
            max(sub.x0, self.x0),
            max(sub.y0, self.y0),
            min(sub.x1, self.x1),
            min(sub.y1, self.y1),
        )
        return part, (
            slice(part.y0 - self.y0, part.y1 - self.y0),
            slice(part.x0 - self.x0, part.x1 - self.x0),
        )

    @property
    def shape(self) -> tuple[int, int]:
        return self.y1 - self.y0, self.x1 - self.x0

    @property
    def empty(self) -> bool:
        return self.x1 <= self.x0 or self.y1 <= self.y0

    @property
    def sl(self) -> tuple[slice, slice]:
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Canvas pixel-centre coordinates of the window, as a 1xW row and an Hx1 column."""
        xs, ys = grid(*self.shape)
        return xs + np.float32(self.x0), ys + np.float32(self.y0)

    def local(self, pts: np.ndarray) -> np.ndarray:
        return np.asarray(pts, np.float64) - (self.x0, self.y0)

    def poly(self, polys: Sequence[np.ndarray]) -> np.ndarray:
        return poly_mask(*self.shape, [self.local(p) for p in polys])

    def line(self, pts: np.ndarray, width: float, closed: bool = False) -> np.ndarray:
        return line_mask(*self.shape, self.local(pts), width, closed)

    def lines(self, lines: Sequence[tuple[np.ndarray, float]]) -> np.ndarray:
        return lines_mask(*self.shape, [(self.local(p), width) for p, width in lines])

    def grain(self, seed: int, sigma: float, amount: float = 1.0) -> np.ndarray:
        """Per-pixel grain for `paint`'s `grain` (int8 shading steps), as strong as float grain of std sigma/128*amount."""
        return noise_grain(seed, *self.shape, sigma, amount)

    def smooth_shade(self, base: float, fields: Sequence[tuple[int, int, float]]) -> np.ndarray:
        """base + smooth noise fields (seed, cells, amount) as `paint`'s uint8 shading index.

        The fields are summed and quantised where they are still small, then enlarged in uint8: a float
        field enlarged to full size, a float pass or two over it and its quantising cost ~4x as much.
        """
        h, w = self.shape
        cells = [self.cells(c) for _seed, c, _amount in fields]
        # every cell 8 px or more, as smooth_noise, and up to an eighth of the size: enlarged 8x in uint8 a
        # cell of 128 px or more is linear within 0.2 index steps of bicubic (the cubic at a quarter was most of it)
        k = max(1, min(8, max(h, w) // (8 * max(cells))))
        mh, mw = max(2, h // k), max(2, w // k)
        total = np.zeros((mh, mw), np.float32)
        for (seed, _c, amount), c in zip(fields, cells, strict=True):
            total += cv2.resize(_noise_cells(seed, h, w, c, amount), (mw, mh), interpolation=cv2.INTER_CUBIC)
        index = _shade_index(total + np.float32(base), (mh, mw), (slice(0, mh), slice(0, mw)))
        return index if (mh, mw) == (h, w) else cv2.resize(index, (w, h), interpolation=cv2.INTER_LINEAR)

    def cells(self, cells: int) -> int:
        return max(2, round(cells * max(self.shape) / max(self.canvas)))


def disc(
    shape: tuple[int, int], c: tuple[int, int], r: int, margin: int
) -> list[tuple[tuple[slice, slice], np.ndarray]]:
    """An anti-aliased filled disc as [(patch slices, uint8 coverage)] in a patch `margin` around its
    centre (empty when off the canvas): a screw's full-canvas masks cost ~3 ms each at 1024²."""
    h, w = shape
    cx, cy = int(c[0]), int(c[1])
    x0, y0, x1, y1 = (
        max(0, cx - margin),
        max(0, cy - margin),
        min(w, cx + margin + 1),
        min(h, cy + margin + 1),
    )
    if x1 <= x0 or y1 <= y0:
        return []
    head = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.circle(head, (cx - x0, cy - y0), r, 255, -1, cv2.LINE_AA)
    return [((slice(y0, y1), slice(x0, x1)), head)]


def line_mask(h: int, w: int, pts: np.ndarray, width: float, closed: bool = False) -> np.ndarray:
    mask = np.zeros((h, w), np.uint8)
    p = np.round((np.asarray(pts, np.float64) - 0.5) * (1 << _SHIFT)).astype(np.int32)
    cv2.polylines(mask, [p], closed, 255, max(1, round(width)), cv2.LINE_AA, shift=_SHIFT)
    return mask


def lines_mask(h: int, w: int, lines: Sequence[tuple[np.ndarray, float]]) -> np.ndarray:
    """Several anti-aliased polylines (points, width) in one coverage mask."""
    mask = np.zeros((h, w), np.uint8)
    for pts, width in lines:
        p = np.round((np.asarray(pts, np.float64) - 0.5) * (1 << _SHIFT)).astype(np.int32)
        cv2.polylines(mask, [p], False, 255, max(1, round(width)), cv2.LINE_AA, shift=_SHIFT)
    return mask


def rgb(color: str) -> np.ndarray:
    return np.array(hex_to_rgb(color), np.float32)


_SHADE_LO, _SHADE_HI = 0.2, 1.8  # the range a shading field is quantised to (256 steps of 0.006)
STEPS_PER_SHADE = 255 / (_SHADE_HI - _SHADE_LO)  # a shade of +1 is this many steps of the index
_SHADE_STEPS = np.linspace(_SHADE_LO, _SHADE_HI, 256, dtype=np.float32)[:, None]
_SHADE_STEPS.flags.writeable = False


def steps(tone: float) -> int:
    """A shade offset (float, 1 = as is) in int8 shading steps, for `paint`'s `grain` detail."""
    return round(tone * STEPS_PER_SHADE)


@functools.lru_cache(maxsize=256)
def _lit_table(color: tuple[float, float, float]) -> np.ndarray:
    """The lit colour for each of the 256 shading steps, packed as RGBA in one int32 each (one-channel
    cv2.LUT, as backgrounds.lut_rgb), kept per colour: objects' few colours recur."""
    c = np.array(color, np.float32)
    packed = np.zeros((256, 4), np.uint8)
    packed[:, :3] = np.clip(c[None, :] * _SHADE_STEPS + (_SHADE_STEPS - 1) * 45 + 0.5, 0, 255).astype(
        np.uint8
    )
    table = packed.view(np.int32).ravel()
    table.flags.writeable = False
    return table


@functools.lru_cache(maxsize=256)
def _lit_table_signed(color: tuple[float, float, float]) -> np.ndarray:
    """`_lit_table` for an int8 index - 128: cv2.LUT reads an int8 as its byte, so the table is rolled by 128."""
    table = np.roll(_lit_table(color), 128)
    table.flags.writeable = False
    return table


def solid_rect(win: Window, x0: float, y0: float, x1: float, y1: float) -> Rect:
    """A canvas rectangle inside an object's outline, in window pixels, shrunk by 2 px past the outline's
    anti-aliased edge: the mask is 255 there, so blends may skip it (see `_bands`)."""
    return (
        math.ceil(x0 - win.x0 + 2),
        math.ceil(y0 - win.y0 + 2),
        math.floor(x1 - win.x0 - 2),
        math.floor(y1 - win.y0 - 2),
    )


def paint(
    work: np.ndarray,
    mask: np.ndarray,
    color: np.ndarray,
    shade: np.ndarray | float | None = None,
    inner: Rect | None = None,
    hollow: Rect | None = None,
    grain: np.ndarray | None = None,
) -> None:
    """Blend a colour lit by `shade` into the uint8 image under a uint8 coverage mask, in place.

    `shade` is a number, an HxW field, a 1xW row or an Hx1 column (1 = as is), or a uint8 HxW shading
    index already (0..255 over _SHADE_LO.._SHADE_HI); lit colour =
    colour * s + (s - 1) * 45, so dark colours still show folds and highlights. `grain`, per-pixel
    detail as int8 steps of the shading index (`noise_grain`, `steps`), is added after the shade is
    quantised: in uint8 it costs a pass, where float grain cost a float table look-up and a float add.
    Only the mask's bounding box is touched; `inner`, a rectangle where the mask is 255, takes the lit
    colour as it is; `hollow`, a rectangle where the mask is 0 (inside a rim, a ring), is left alone
    (one colour only).
    """
    x, y, bw, bh = cv2.boundingRect(mask)
    if bw == 0:
        return
    sl = (slice(y, y + bh), slice(x, x + bw))
    roi = work[sl]
    if np.ndim(shade) < 2 and grain is None:  # one colour: the decorations' own uint8 blend
        c = np.asarray(color, np.float32)
        s = 1.0 if shade is None else float(shade)
        lit = tuple(round(float(v)) for v in np.clip(c * s + (s - 1) * 45, 0, 255))
        _blend(roi, mask[sl], lit, 1.0, hollow=_shifted(hollow, x, y))
        return
    rgb_color = tuple(float(v) for v in color)
    if grain is None:
        index, table = _shade_index(shade, mask.shape, sl), _lit_table(rgb_color)
    else:  # index - 128 in int8, so the grain adds in one saturating pass; the table is rolled to match
        index = cv2.add(_shade_index(shade, mask.shape, sl, signed=True), grain[sl])
        table = _lit_table_signed(rgb_color)
    lit = cv2.LUT(index, table).view(np.uint8).reshape(bh, bw, 4)
    a = mask[sl]
    if inner is None:
        blend_colors(roi, a, cv2.cvtColor(lit, cv2.COLOR_RGBA2RGB))
        return
    bands, core = _bands(roi.shape, _shifted(inner, x, y))
    if core is not None:  # the lit colours straight into the image: no RGB copy of the inside
        _into(roi[core], cv2.cvtColor(lit[core], cv2.COLOR_RGBA2RGB, dst=roi[core]))
    for band in bands:
        blend_colors(roi[band], a[band], cv2.cvtColor(lit[band], cv2.COLOR_RGBA2RGB))


def shade_index(field: np.ndarray) -> np.ndarray:
    """A float32 HxW shade field (1 = as is) as `paint`'s uint8 shading index: quantise a smooth field
    while it is small, then enlarge the index in uint8."""
    h, w = field.shape
    return _shade_index(field, (h, w), (slice(0, h), slice(0, w)))


def _shade_index(
    shade: np.ndarray | float | None, shape: tuple[int, int], sl: tuple[slice, slice], signed: bool = False
) -> np.ndarray:
    """The uint8 shading index (0..255 over _SHADE_LO.._SHADE_HI) of `shade` over the slices `sl` of an HxW window.

    A row or a column is quantised alone and spread in uint8 (a float field made whole cost a float pass).
    `signed` gives index - 128 as int8, for adding int8 grain in one saturating pass.
    """
    h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
    alpha = 255 / (_SHADE_HI - _SHADE_LO)
    shift = 128 if signed else 0
    if isinstance(shade, np.ndarray) and shade.dtype == np.uint8:  # made as an index already (wood's rings)
        return (shade[sl] ^ np.uint8(0x80)).view(np.int8) if signed else shade[sl]
    if np.ndim(shade) < 2:
        s = 1.0 if shade is None else float(shade)
        value = min(255, max(0, round((s - _SHADE_LO) * alpha))) - shift
        return np.full((h, w), value, np.int8 if signed else np.uint8)
    rows, cols = np.shape(shade)
    field = np.asarray(shade, np.float32)[
        sl[0] if rows > 1 else slice(None), sl[1] if cols > 1 else slice(None)
    ]
    # one saturating pass to the table's index (convertScaleAbs would fold shades below the range back up)
    depth = cv2.CV_8S if signed else cv2.CV_8U  # int8 saturates at the same ends, 128 lower
    index = cv2.addWeighted(field, alpha, field, 0, -alpha * _SHADE_LO - shift, dtype=depth)
    if index.shape != (h, w):  # a row or a column
        index = np.ascontiguousarray(
            np.broadcast_to(index.reshape((-1, 1) if cols == 1 else (1, -1)), (h, w))
        )
    return index


def blend_colors(roi: np.ndarray, a: np.ndarray, colors: np.ndarray) -> None:
    """roi = roi * (1 - a) + colors * a with a = uint8 coverage / 255, in place.

    uint8 SIMD passes: cv2.blendLinear's float weights cost 2.5x as much (2.6 ms for 900x900).
    """
    a3 = cv2.cvtColor(a, cv2.COLOR_GRAY2RGB)
    kept = cv2.cvtColor(cv2.bitwise_not(a), cv2.COLOR_GRAY2RGB)
    cv2.multiply(roi, kept, dst=kept, scale=1 / 255)
    cv2.multiply(colors, a3, dst=a3, scale=1 / 255)
    _into(roi, cv2.add(kept, a3, dst=roi))


def drop_shadow(
    work: np.ndarray,
    mask: np.ndarray,
    dx: float,
    dy: float,
    blur: float,
    strength: float,
    inner: Rect | None = None,
) -> None:
    """Darken the backdrop under a lifted object, which is painted over it next with the same `mask`.

    The shadow darkens the backdrop under the object too: the object hides it where it covers, and
    its anti-aliased edge blends with the shaded backdrop, as a real edge does (cutting the shadow
    out by the coverage first cost three passes more). `inner`, where the mask is 255, is skipped.
    Only the object's box grown by the offset and blur is touched, and a soft shadow (blur of 2 px
    or more) is blurred at a half, a quarter or an eighth of the size: it has no detail to lose. All of it runs in uint8
    (float32 maps cost ~2x as much at 1024²; 255 shadow levels show no banding).
    """
    h, w = mask.shape
    x, y, bw, bh = cv2.boundingRect(mask)
    if bw == 0:
        return
    grow = 3 * blur + 2
    x0, y0 = max(0, math.floor(x + min(dx, 0) - grow)), max(0, math.floor(y + min(dy, 0) - grow))
    x1, y1 = min(w, math.ceil(x + bw + max(dx, 0) + grow)), min(h, math.ceil(y + bh + max(dy, 0) + grow))
    sl = (slice(y0, y1), slice(x0, x1))
    local = mask[sl]
    lh, lw = local.shape
    # the blur runs at the size where it spans 1-2 px (up to an eighth): a Gaussian of 3 px or more at
    # full or quarter size cost 0.2 ms at 1024² for every object (its taps grow with it); bilinear sampling
    # down is enough there (the blur is wider than its steps; INTER_AREA cost 5x as much)
    k = next((k for k in (8, 4, 2) if blur >= k and min(lh, lw) >= 8 * k), 1)
    small = local if k == 1 else cv2.resize(local, (lw // k, lh // k), interpolation=cv2.INTER_LINEAR)
    sx, sy = small.shape[1] / lw, small.shape[0] / lh
    moved = cv2.warpAffine(small, np.float32([[1, 0, dx * sx], [0, 1, dy * sy]]), small.shape[::-1])
    # what the shadow keeps of the backdrop, 255 - opacity * 255 (no shadow: 255)
    kept = cv2.convertScaleAbs(gaussian_blur_u8(moved, max(0.5, blur / k)), alpha=-strength, beta=255)
    if k > 1:  # back at full size
        kept = cv2.resize(kept, (lw, lh), interpolation=cv2.INTER_LINEAR)
    region = work[sl]
    for band in _bands(region.shape, _shifted(inner, x0, y0))[0]:
        target = region[band]
        _into(
            target,
            cv2.multiply(target, cv2.cvtColor(kept[band], cv2.COLOR_GRAY2RGB), dst=target, scale=1 / 255),
        )


def gaussian_blur_u8(image: np.ndarray, sigma: float) -> np.ndarray:
    """cv2.GaussianBlur(image, (0, 0), sigma) for a small uint8 map, within 2 levels of it, ~4x faster.

    GaussianBlur's bit-exact uint8 path is slow on small maps (78 us for a 112x70 shadow at sigma 2.5);
    sepFilter2D with the same kernel (same size rule, same border) takes 18 us. A map narrower than the
    kernel (a few pixels: cheap either way) goes to GaussianBlur itself: there the two fold the border
    differently, up to 4 levels apart.
    """
    size = round(sigma * 3 * 2 + 1) | 1  # GaussianBlur's kernel size for uint8
    if min(image.shape[:2]) < size:
        return cv2.GaussianBlur(image, (0, 0), sigma)
    kernel = cv2.getGaussianKernel(size, sigma)
    return cv2.sepFilter2D(image, -1, kernel, kernel)


def noise_grain(seed: int, h: int, w: int, sigma: float, amount: float = 1.0) -> np.ndarray:
    """Per-pixel grain as int8 steps of `paint`'s shading index, for its `grain`.

    As strong as the float grain it replaces (std sigma/128 * amount in shade) and cut from the
    backgrounds' fixed noise pool: fresh bytes and a float table look-up were ~10% of an object's time.
    """
    return gaussian_grain(
        np.random.default_rng(seed), h, w, sigma / 128 * amount * STEPS_PER_SHADE, signed=True
    )


def add_detail(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two int8 detail maps (grain, weave, a bevel) in one, saturated."""
    return cv2.add(a, b)


def row_col_steps(
    grain: np.ndarray, row: np.ndarray | None = None, col: np.ndarray | None = None
) -> np.ndarray:
    """int8 grain plus a 1xW row and an Hx1 column of shade offsets, as int8 steps for `paint`'s `grain`.

    Row and column are kept within +-60 steps each (+-0.38 of shade, more than any fold here), so their
    sum cannot wrap before the saturating add to the grain.
    """
    h, w = grain.shape
    parts = [
        np.clip(np.round(np.asarray(v, np.float32) * STEPS_PER_SHADE), -60, 60).astype(np.int8).reshape(shape)
        for v, shape in ((row, (1, w)), (col, (h, 1)))
        if v is not None
    ]
    if not parts:
        return grain
    both = parts[0] if len(parts) == 1 else np.add(parts[0], parts[1])
    return cv2.add(grain, np.ascontiguousarray(np.broadcast_to(both, (h, w))))


def _noise_cells(seed: int, h: int, w: int, cells: int, amount: float) -> np.ndarray:
    """The small grid of standard normal values (times `amount`) that smooth noise enlarges."""
    g = np.random.default_rng(seed)
    small = g.standard_normal((max(2, cells * h // max(h, w)), max(2, cells * w // max(h, w)))).astype(
        np.float32
    )
    small *= np.float32(amount)
    return small


def smooth_noise(seed: int, h: int, w: int, cells: int, amount: float = 1.0) -> np.ndarray:
    """Smooth noise (float32 HxW, std about 1) with `cells` bumps along the longer side.

    Bicubic straight to full size cost ~4 ms at 1024²; bicubic to a size that still gives every cell
    8 px or more, then bilinear up (up to 4x), is ~4x cheaper and looks the same: a cell is smooth there.
    """
    small = _noise_cells(seed, h, w, cells, amount)  # scaled before enlarging: no full-size pass
    k = max(1, min(4, max(h, w) // (8 * cells)))
    if k == 1:
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    mid = cv2.resize(small, (max(2, w // k), max(2, h // k)), interpolation=cv2.INTER_CUBIC)
    return cv2.resize(mid, (w, h), interpolation=cv2.INTER_LINEAR)
