"""Decorations: panels, lines, frames, badges, stripes and pasted images drawn between background and text.

Each shape is drawn as an anti-aliased coverage mask inside its own box and blended with its colour
(times `params["opacity"]`), so nothing outside a decoration's box ever changes.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from textsynth.components.backgrounds import lut_rgb, read_image
from textsynth.components.registry import DescribeFn, Registry
from textsynth.errors import TextsynthError
from textsynth.render.colors import hex_to_rgb, pick_color, pick_text_color
from textsynth.scene import Box, Decoration
from textsynth.sources.photos import photo_file

DECORATIONS = Registry("decoration")
DECORATION_KINDS: list[str] = DECORATIONS.names  # live: grows with register_decoration
OBJECT_KINDS: list[str] = []  # the decorations that paint the whole image (register_object)


def register_decoration(
    name: str,
    sample_fn: Callable[..., dict],
    apply_fn: Callable[[np.ndarray, dict, Box], None],
    describe_fn: DescribeFn | None = None,
) -> None:
    """Add a decoration kind that templates can place by name (`decorations: [{kind: name, ...}]`).

    Contract: `sample_fn(rng, width, height, *, palette, color, image_files) -> dict` draws the params
    for a box of that size (take the keywords you need, `**_` for the rest; the colour is already
    chosen); `apply_fn(mask, params, box)` fills the HxW uint8 coverage `mask` (0..255) for the
    decoration's `box` (x0, y0, x1, y1, in mask pixels; it may extend past the mask). The mask is
    blended in the decoration's colour times `params["opacity"]` (default 1), so nothing outside
    the box changes. `describe_fn(params, lang) -> str | None` puts a phrase in captions.
    """
    DECORATIONS.register(name, sample_fn, apply_fn, describe_fn)


def register_object(
    name: str,
    sample_fn: Callable[..., dict],
    paint_fn: Callable[[np.ndarray, dict, Box], None],
    describe_fn: DescribeFn | None = None,
) -> None:
    """Add an object that carries text (a shirt, a box, a sign board): a decoration that paints in colour.

    Its box is the face the template's text sits on; `paint_fn(image, params, face)` paints the HxWx3
    uint8 image in place and may draw anywhere (the object around its face, its shadow, the light it
    casts). `sample_fn` is called as for decorations, with the template's `params` as `options`; it
    records every colour it uses in the params, since captions describe the object from them alone.
    """
    DECORATIONS.register(name, sample_fn, paint_fn, describe_fn)
    OBJECT_KINDS.append(name)


_SHIFT = 4  # cv2 fixed-point bits: shapes are placed with 1/16 pixel precision
_ONE = 1 << _SHIFT
_AA_GROWTH = 0.6  # measured: cv2.circle(..., LINE_AA) area matches a disc of radius r + 0.6


def draw_decorations(image: np.ndarray, decorations: list[Decoration]) -> np.ndarray:
    """Draw decorations in order onto a copy of an HxWx3 uint8 image."""
    out = image.copy()
    draw_decorations_into(out, decorations)
    return out


def draw_decorations_into(out: np.ndarray, decorations: list[Decoration]) -> None:
    """Draw decorations in order onto an HxWx3 uint8 image the caller owns, in place.

    For a caller whose image is its own already (a canvas it made): the copy `draw_decorations` makes
    is a full-canvas pass per call (~0.3 ms at 1024² with fresh pages), and one small panel per call is common.
    """
    for deco in decorations:
        component = DECORATIONS.get(deco.kind)
        if deco.kind in OBJECT_KINDS:
            component.apply(out, deco.params, tuple(float(v) for v in deco.box))
            continue
        x0, y0, x1, y1 = (float(v) for v in deco.box)
        if not (x1 > x0 and y1 > y0):
            raise TextsynthError(
                f"decoration {deco.kind!r}: box must be (x0, y0, x1, y1) with x0 < x1 and y0 < y1, "
                f"got {deco.box}"
            )
        # The region of interest: every pixel the box touches, clipped to the image.
        rx0, ry0 = max(0, math.floor(x0)), max(0, math.floor(y0))
        rx1, ry1 = min(out.shape[1], math.ceil(x1)), min(out.shape[0], math.ceil(y1))
        if rx1 <= rx0 or ry1 <= ry0:
            continue
        roi = out[ry0:ry1, rx0:rx1]
        # Box in ROI coordinates (may extend past the ROI when the box leaves the image).
        local = (x0 - rx0, y0 - ry0, x1 - rx0, y1 - ry0)
        opacity = min(1.0, max(0.0, float(deco.params.get("opacity", 1.0))))
        if deco.kind == "image_patch":
            _paste_image(roi, local, deco.params, opacity)
            continue
        mask = np.zeros(roi.shape[:2], np.uint8)
        component.apply(mask, deco.params, local)
        _blend(roi, mask, hex_to_rgb(deco.color), opacity, hollow=_hollow(deco.kind, local, deco.params))
        if deco.kind == "badge" and deco.params.get("ring"):
            ring = np.zeros_like(mask)
            _ring(ring, local)
            _blend(roi, ring, hex_to_rgb(deco.params.get("ring_color", "#ffffff")), opacity)


Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the array it is given with


def _hollow(kind: str, box: Box, params: dict) -> Rect | None:
    """For a frame, the rectangle inside it that its mask does not reach (in mask pixels): skipped by the blend.

    A frame's box is mostly its empty inside; the mask still decides every pixel around it, so the bytes
    are the same as blending the whole box. (Panels' uniform insides were tried as one uniform mix: the
    four bands' extra calls cost more than the passes saved at these sizes.)
    """
    if kind != "frame":
        return None
    x0, y0, x1, y1 = box
    w = max(0.5, float(params.get("width", 2)))
    if x1 - x0 <= 2 * w or y1 - y0 <= 2 * w:
        return None  # drawn filled
    inset = w
    if params.get("double") and x1 - x0 - 4 * w > 2 * w and y1 - y0 - 4 * w > 2 * w:
        inset = 2 * w + max(0.5, w / 2)  # the inner ring's inner edge
    return (math.ceil(x0 + inset), math.ceil(y0 + inset), math.floor(x1 - inset), math.floor(y1 - inset))


def _bands(
    shape: tuple[int, ...], inner: Rect | None
) -> tuple[list[tuple[slice, slice]], tuple[slice, slice] | None]:
    """An HxW region cut into the part `inner` covers and the (up to four) bands around it; without
    `inner` (or when it misses the region) the one band is the whole region.

    Where a mask is 255 a blend gives the colour itself, where it is 0 nothing, and a shadow's opacity
    is 0 under its object: big shapes spent most of their blends on their inside.
    """
    h, w = shape[:2]
    if inner is None:
        return [(slice(0, h), slice(0, w))], None
    ix0, iy0, ix1, iy1 = max(0, inner[0]), max(0, inner[1]), min(w, inner[2]), min(h, inner[3])
    if ix1 <= ix0 or iy1 <= iy0:
        return [(slice(0, h), slice(0, w))], None
    bands = [
        (slice(0, iy0), slice(0, w)),
        (slice(iy1, h), slice(0, w)),
        (slice(iy0, iy1), slice(0, ix0)),
        (slice(iy0, iy1), slice(ix1, w)),
    ]
    keep = [(ys, xs) for ys, xs in bands if ys.stop > ys.start and xs.stop > xs.start]
    return keep, (slice(iy0, iy1), slice(ix0, ix1))


def _shifted(inner: Rect | None, x: int, y: int) -> Rect | None:
    return None if inner is None else (inner[0] - x, inner[1] - y, inner[2] - x, inner[3] - y)


def _blend(
    roi: np.ndarray,
    mask: np.ndarray,
    rgb: tuple[int, int, int],
    opacity: float,
    hollow: Rect | None = None,
) -> None:
    """roi = roi * (1 - a) + rgb * a with a = mask / 255 * opacity, in place; a = 0 leaves pixels exact.

    `hollow`, a rectangle where the mask is 0, is skipped.
    """
    if hollow is not None:
        for band in _bands(roi.shape, hollow)[0]:
            _blend(roi[band], mask[band], rgb, opacity)
        return
    x, y, w, h = cv2.boundingRect(mask)
    if opacity <= 0 or w == 0:
        return
    a = mask[y : y + h, x : x + w]
    if opacity < 1:
        a = cv2.convertScaleAbs(a, alpha=opacity)
    target = roi[y : y + h, x : x + w]
    # 1 - a in one channel, then spread to three (a copy per channel is ~2x cheaper than cv2.merge)
    kept = cv2.cvtColor(cv2.bitwise_not(a), cv2.COLOR_GRAY2RGB)
    if not any(rgb):  # black (shadows): nothing to add, and the product goes straight into the image
        _into(target, cv2.multiply(target, kept, dst=target, scale=1 / 255))
        return
    cv2.multiply(target, kept, dst=kept, scale=1 / 255)
    added = lut_rgb(a, _tint_table(tuple(int(v) for v in rgb)))  # rgb * a / 255
    _into(target, cv2.add(kept, added, dst=target))


@functools.lru_cache(maxsize=512)
def _tint_table(rgb: tuple[int, int, int]) -> np.ndarray:
    """rgb * a / 255 for a = 0..255 (256x3 uint8), kept per colour: a palette's few colours recur."""
    table = np.round(np.outer(np.arange(256) / 255, rgb)).astype(np.uint8)
    table.flags.writeable = False
    return table


def _into(target: np.ndarray, result: np.ndarray) -> None:
    """Make sure an OpenCV result given `dst=target` (a view of the image) landed in the image.

    OpenCV writes into a strided view in place; were it ever to allocate instead, copy the result.
    """
    if not np.may_share_memory(result, target):
        target[:] = result


def _pt(x: float, y: float) -> tuple[int, int]:
    return round(x * _ONE), round(y * _ONE)


def _fill_rect(mask: np.ndarray, box: Box, params: dict) -> None:
    np.maximum(mask, _rect_coverage(mask.shape, box), out=mask)


def _rect_coverage(shape: tuple[int, ...], box: Box) -> np.ndarray:
    """Exact area coverage (0..255) of an axis-aligned box; cv2's anti-aliasing bleeds ~0.6 px outward."""
    out = np.zeros(shape[:2], np.uint8)
    xs, ys = _axis_coverage(box[0], box[2], shape[1]), _axis_coverage(box[1], box[3], shape[0])
    if xs is None or ys is None:
        return out
    (c0, c1, cx), (r0, r1, cy) = xs, ys
    # Inside, coverage is 1 x 1: only the first and last row and column can be partial, so the float
    # product is taken there alone (the same bytes as the whole outer product, ~10x less work).
    out[r0:r1, c0:c1] = 255
    for r in {r0, r1 - 1}:
        if cy[r - r0] < 1:
            out[r : r + 1, c0:c1] = cv2.convertScaleAbs(cy[r - r0] * cx[None, :], alpha=255)
    for c in {c0, c1 - 1}:
        if cx[c - c0] < 1:
            out[r0:r1, c : c + 1] = cv2.convertScaleAbs(cy[:, None] * cx[c - c0], alpha=255)
    return out


def _axis_coverage(lo: float, hi: float, n: int) -> tuple[int, int, np.ndarray] | None:
    """The pixels p0:p1 of an axis of n pixels that [lo, hi) covers at all, with each one's coverage
    (float32 0..1); None when it covers none.

    Only the two ends can be partial, so they alone are computed, in float32 as the per-pixel arrays
    were (the same bytes): a dozen numpy calls over whole rows of pixels cost ~40 us a panel, most of
    a small panel's mask at 512².
    """
    lo32, hi32 = np.float32(lo), np.float32(hi)
    p0, p1 = max(0, math.floor(lo32)), min(n, math.ceil(hi32))
    if p1 <= p0 or not hi32 > lo32:
        return None
    cover = np.ones(p1 - p0, np.float32)
    for p in {p0, p1 - 1}:
        edge = np.float32(p)
        cover[p - p0] = min(
            max(min(edge + np.float32(1), hi32) - max(edge, lo32), np.float32(0)), np.float32(1)
        )
    return p0, p1, cover


def _fill_poly(mask: np.ndarray, polys: Sequence[Sequence[tuple[float, float]]]) -> None:
    # Corners at pixel edges: cv2 puts integer coordinates at pixel centres, hence the half-pixel shift.
    pts = [np.round((np.asarray(p, np.float64) - 0.5) * _ONE).astype(np.int32) for p in polys]
    cv2.fillPoly(mask, pts, 255, cv2.LINE_AA, shift=_SHIFT)


def _rounded_panel(mask: np.ndarray, box: Box, params: dict) -> None:
    x0, y0, x1, y1 = box
    r = min(float(params.get("radius", 0.15 * min(x1 - x0, y1 - y0))), (x1 - x0) / 2, (y1 - y0) / 2)
    cover = _rect_coverage(mask.shape, box)
    if r >= 0.5:
        # Round each corner: inside its r x r square, coverage falls off with distance from the arc.
        for cx, cy in ((x0 + r, y0 + r), (x1 - r, y0 + r), (x0 + r, y1 - r), (x1 - r, y1 - r)):
            left, top = cx < (x0 + x1) / 2, cy < (y0 + y1) / 2
            ex0, ex1 = (x0, cx) if left else (cx, x1)
            ey0, ey1 = (y0, cy) if top else (cy, y1)
            px0, px1 = max(0, math.floor(ex0)), min(mask.shape[1], math.ceil(ex1))
            py0, py1 = max(0, math.floor(ey0)), min(mask.shape[0], math.ceil(ey1))
            if px1 <= px0 or py1 <= py0:
                continue
            dx = np.arange(px0, px1, dtype=np.float32) + 0.5 - cx
            dy = np.arange(py0, py1, dtype=np.float32) + 0.5 - cy
            dx = np.where((dx < 0) == left, dx, 0)  # only beyond the arc's centre
            dy = np.where((dy < 0) == top, dy, 0)
            d = np.sqrt(dy[:, None] ** 2 + dx[None, :] ** 2)
            arc = cv2.convertScaleAbs(np.clip(r - d + 0.5, 0, 1), alpha=255)
            np.minimum(cover[py0:py1, px0:px1], arc, out=cover[py0:py1, px0:px1])
    np.maximum(mask, cover, out=mask)


def _line(mask: np.ndarray, box: Box, params: dict) -> None:
    x0, y0, x1, y1 = box
    horizontal = params.get("orientation", "horizontal" if x1 - x0 >= y1 - y0 else "vertical") == "horizontal"
    limit = (y1 - y0) if horizontal else (x1 - x0)
    w = min(max(float(params.get("width", 2)), 0.5), limit)
    if horizontal:
        cy = (y0 + y1) / 2
        _fill_rect(mask, (x0, cy - w / 2, x1, cy + w / 2), params)
    else:
        cx = (x0 + x1) / 2
        _fill_rect(mask, (cx - w / 2, y0, cx + w / 2, y1), params)


def _frame(mask: np.ndarray, box: Box, params: dict) -> None:
    x0, y0, x1, y1 = box
    w = max(0.5, float(params.get("width", 2)))
    _ring_rect(mask, box, w)
    if params.get("double"):
        inset = 2 * w
        inner = (x0 + inset, y0 + inset, x1 - inset, y1 - inset)
        if inner[2] - inner[0] > 2 * w and inner[3] - inner[1] > 2 * w:
            _ring_rect(mask, inner, max(0.5, w / 2))


def _ring_rect(mask: np.ndarray, box: Box, w: float) -> None:
    x0, y0, x1, y1 = box
    if x1 - x0 <= 2 * w or y1 - y0 <= 2 * w:
        _fill_rect(mask, box, {})
        return
    ring = cv2.subtract(
        _rect_coverage(mask.shape, box), _rect_coverage(mask.shape, (x0 + w, y0 + w, x1 - w, y1 - w))
    )
    np.maximum(mask, ring, out=mask)


def _circle(mask: np.ndarray, box: Box, params: dict) -> None:
    x0, y0, x1, y1 = box
    r = min(x1 - x0, y1 - y0) / 2
    cx, cy = (x0 + x1) / 2 - 0.5, (y0 + y1) / 2 - 0.5
    # cv2's anti-aliased disc comes out ~0.6 px wider than asked; take that off to keep the true area.
    cv2.circle(mask, _pt(cx, cy), round(max(r - _AA_GROWTH, 0.5) * _ONE), 255, -1, cv2.LINE_AA, _SHIFT)


def _badge(mask: np.ndarray, box: Box, params: dict) -> None:
    points = int(params.get("points", 0))
    if points < 3:
        _circle(mask, box, params)
        return
    x0, y0, x1, y1 = box
    r = min(x1 - x0, y1 - y0) / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    inner = float(params.get("inner", 0.82))
    pts = []
    for k in range(2 * points):
        a = math.pi * k / points - math.pi / 2
        rk = r if k % 2 == 0 else r * inner
        pts.append((cx + rk * math.cos(a), cy + rk * math.sin(a)))
    _fill_poly(mask, [pts])


def _ring(mask: np.ndarray, box: Box) -> None:
    """A thin circle inside a badge, like the printed rim of a seal or sticker."""
    x0, y0, x1, y1 = box
    r = min(x1 - x0, y1 - y0) / 2 * 0.68
    cx, cy = (x0 + x1) / 2 - 0.5, (y0 + y1) / 2 - 0.5
    thickness = max(1, round(r * 0.05))
    cv2.circle(mask, _pt(cx, cy), round(r * _ONE), 255, thickness, cv2.LINE_AA, _SHIFT)


def _stripes(mask: np.ndarray, box: Box, params: dict) -> None:
    x0, y0, x1, y1 = box
    count = max(1, int(params.get("count", 5)))
    a = math.radians(float(params.get("angle", 45)))
    d, n = np.array([math.cos(a), math.sin(a)]), np.array([-math.sin(a), math.cos(a)])
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    # Stripes run along d and are spread along n over the box's extent in that direction.
    span = abs(n[0]) * (x1 - x0) + abs(n[1]) * (y1 - y0)
    reach = math.hypot(x1 - x0, y1 - y0)
    period = span / count
    w = min(float(params.get("width", period / 2)), period)
    polys = []
    for k in range(count):
        v0 = -span / 2 + k * period + (period - w) / 2
        polys.append(
            [
                tuple(centre + n * v + d * u)
                for v, u in ((v0, -reach), (v0 + w, -reach), (v0 + w, reach), (v0, reach))
            ]
        )
    _fill_poly(mask, polys)


def _paste_image(roi: np.ndarray, box: Box, params: dict, opacity: float) -> None:
    if "file" not in params and "picture" not in params:
        raise TextsynthError(
            "decoration 'image_patch' needs params.picture (a photo or template picture id) or params.file"
        )
    img = read_image(photo_file(params["picture"]) if "picture" in params else params["file"])
    x0, y0, x1, y1 = box
    bw, bh = max(1, round(x1 - x0)), max(1, round(y1 - y0))
    interp = cv2.INTER_AREA if img.shape[1] > bw or img.shape[0] > bh else cv2.INTER_LINEAR
    patch = cv2.resize(img, (bw, bh), interpolation=interp)
    # Place the resized patch at the box origin, then keep the part inside the ROI.
    ox, oy = round(x0), round(y0)
    sx0, sy0 = max(0, -ox), max(0, -oy)
    sx1, sy1 = min(bw, roi.shape[1] - ox), min(bh, roi.shape[0] - oy)
    if sx1 <= sx0 or sy1 <= sy0:
        return
    patch = patch[sy0:sy1, sx0:sx1]
    target = roi[oy + sy0 : oy + sy1, ox + sx0 : ox + sx1]
    if patch.shape[2] == 4:
        weight = patch[:, :, 3].astype(np.float32) * np.float32(opacity / 255)
        rgb = np.ascontiguousarray(patch[:, :, :3])
    else:
        weight = np.full(patch.shape[:2], opacity, np.float32)
        rgb = patch
    target[:] = cv2.blendLinear(target, rgb, 1.0 - weight, weight)


def sample_decoration(
    rng: np.random.Generator,
    kind: str,
    box: Box,
    palette: Sequence[str] | None,
    image_files: Sequence[Path] = (),
    options: dict | None = None,
) -> Decoration:
    """Sample a decoration of `kind` in `box`: a palette colour and the kind's params.

    `image_patch` picks its picture from `image_files` (ids); without them the caller sets `params["picture"]`.
    `options` are the template's params for it (objects choose among the colours or shapes they list).
    """
    component = DECORATIONS.get(kind)
    x0, y0, x1, y1 = (float(v) for v in box)
    color = pick_color(rng, palette)
    params = component.sample(
        rng, x1 - x0, y1 - y0, palette=palette, color=color, image_files=image_files, options=options or {}
    )
    return Decoration(kind=kind, box=(x0, y0, x1, y1), color=color, params=params)


# ---------------------------------------------------------------- the built-in kinds' params


def _short(width: float, height: float) -> float:
    return max(1.0, min(width, height))


def _sample_rect(rng: np.random.Generator, width: float, height: float, **_) -> dict:
    return {"opacity": round(float(rng.uniform(0.6, 1.0)), 3)}


def _sample_rounded_panel(rng: np.random.Generator, width: float, height: float, **_) -> dict:
    return {
        "radius": round(float(rng.uniform(0.05, 0.3) * _short(width, height)), 2),
        "opacity": round(float(rng.uniform(0.6, 0.95)), 3),
    }


def _sample_line(rng: np.random.Generator, width: float, height: float, **_) -> dict:
    return {
        "orientation": "horizontal" if width >= height else "vertical",
        "width": round(float(min(_short(width, height), rng.uniform(1.0, 6.0))), 2),
    }


def _sample_frame(rng: np.random.Generator, width: float, height: float, **_) -> dict:
    return {
        "width": round(float(max(1.0, rng.uniform(0.01, 0.05) * _short(width, height))), 2),
        "double": bool(rng.random() < 0.4),
    }


def _sample_circle(rng: np.random.Generator, width: float, height: float, **_) -> dict:
    return {"opacity": round(float(rng.uniform(0.8, 1.0)), 3)}


def _sample_badge(rng: np.random.Generator, width: float, height: float, *, color: str, palette, **_) -> dict:
    return {
        "points": int(rng.choice([0, 12, 16, 20, 24])),
        "inner": round(float(rng.uniform(0.78, 0.9)), 3),
        "ring": bool(rng.random() < 0.5),
        "ring_color": pick_text_color(rng, color, palette),
    }


def _sample_stripes(rng: np.random.Generator, width: float, height: float, **_) -> dict:
    count = int(rng.integers(3, 12))
    return {
        "angle": round(float(rng.choice([45.0, 135.0, rng.uniform(20, 160)])), 2),
        "count": count,
        "width": round(float(rng.uniform(0.3, 0.6) * _short(width, height) / count * 2), 2),
        "opacity": round(float(rng.uniform(0.5, 1.0)), 3),
    }


def _sample_image_patch(
    rng: np.random.Generator, width: float, height: float, *, image_files=(), **_
) -> dict:
    # `image_files` are picture ids (photos or template pictures); without them the caller sets
    # params["picture"] (an id) or params["file"] (a path); drawing without either is an error.
    params = {"opacity": round(float(rng.uniform(0.85, 1.0)), 3)}
    if image_files:
        params["picture"] = str(image_files[int(rng.integers(len(image_files)))])
    return params


def _masked(draw: Callable[[np.ndarray, Box, dict], None]) -> Callable[[np.ndarray, dict, Box], None]:
    return lambda mask, params, box: draw(mask, box, params)


def _pasted(mask: np.ndarray, params: dict, box: Box) -> None:
    raise AssertionError("image_patch is pasted by draw_decorations, not masked")


for _name, _sample, _apply in (
    ("rect", _sample_rect, _masked(_fill_rect)),
    ("rounded_panel", _sample_rounded_panel, _masked(_rounded_panel)),
    ("line", _sample_line, _masked(_line)),
    ("frame", _sample_frame, _masked(_frame)),
    ("circle", _sample_circle, _masked(_circle)),
    ("badge", _sample_badge, _masked(_badge)),
    ("stripes", _sample_stripes, _masked(_stripes)),
    ("image_patch", _sample_image_patch, _pasted),
):
    register_decoration(_name, _sample, _apply)  # decorations are not mentioned in captions

DECORATIONS.seal_builtins()  # objects.py adds the built-in objects (imported by the package)
