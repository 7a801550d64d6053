"""Objects that carry text: a shirt, a package (box, bottle, bag), a sign board, a neon backboard, a
folded sheet of paper, drawn procedurally with numpy and OpenCV.

An object is a painted decoration (`register_object`): its box is the *face* where the template's
text goes (the print on a chest, a box's front, a bottle's label, a board), and the object grows out
of that face, painting the whole image (silhouette, shading, shadow on the backdrop). Because the
face is the decoration's region, the arrangement moves and scales object and text together, so text
always sits on the face. Every random choice is in the params (noise by recorded seeds), so the Scene
redraws the same pixels; captions name the object and its colour from the params.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from textsynth.components.backgrounds import lut_rgb
from textsynth.components.decorations import DECORATIONS, Rect, _bands, _into, _tint_table, register_object
from textsynth.components.object_paint import (
    STEPS_PER_SHADE,
    Window,
    add_detail,
    disc,
    drop_shadow,
    grid,
    outside,
    paint,
    rgb,
    row_col_steps,
    scaled,
    shade_index,
    smooth_noise,
    solid_rect,
    steps,
    times,
)
from textsynth.render.colors import color_name, hex_to_rgb, pick_color
from textsynth.rng import child_seed
from textsynth.scene import Box


def _r(rng: np.random.Generator, lo: float, hi: float, nd: int = 3) -> float:
    return round(float(rng.uniform(lo, hi)), nd)


def _choose(rng: np.random.Generator, options: dict, key: str, default: Sequence[str]) -> str:
    choices = list(options.get(key) or default)
    return str(choices[int(rng.integers(len(choices)))])


def _object_color(
    rng: np.random.Generator, options: dict, palette, default: Sequence[str] | None = None
) -> str:
    colors = options.get("colors") or default or palette
    return pick_color(rng, colors)


def _say(params: dict, key: str, lang: str) -> str:
    zh, en = color_name(params[key])
    return zh if lang == "zh" else en


# ---------------------------------------------------------------- shirt

# Right half of a flat T-shirt in body widths, from the neck side clockwise to the hem; y down.
_SHIRT_RIGHT = np.array(
    [(0.17, 0.0), (0.5, 0.09), (0.8, 0.33), (0.67, 0.5), (0.49, 0.39), (0.51, 1.25), (0.0, 1.27)], np.float64
)


def _sample_shirt(
    rng: np.random.Generator, width: float, height: float, *, palette=None, options=None, **_
) -> dict:
    options = options or {}
    return {
        "body": _object_color(rng, options, palette),
        "scale": _r(rng, 1.4, 1.6),  # body width / print width
        "neck": str(rng.choice(["crew", "crew", "v"])),
        "drop": _r(rng, 0.16, 0.24),  # neck point above the print, in body widths
        "sleeve": _r(rng, -0.06, 0.06),  # sleeve angle tweak
        "folds": [
            [_r(rng, -0.5, 0.5), _r(rng, 0.1, 1.2), _r(rng, -1.2, 1.2), _r(rng, 0.2, 0.6), _r(rng, -1, 1)]
            for _ in range(int(rng.integers(3, 7)))
        ],
        "light": _r(rng, -1, 1),
        "shadow": _r(rng, 0.2, 0.45),
        "seed": child_seed(rng),
    }


def _paint_shirt(image: np.ndarray, params: dict, face: Box) -> None:
    h, w = image.shape[:2]
    fx0, fy0, fx1, _fy1 = face
    bw = (fx1 - fx0) * params["scale"]
    cx, top = (fx0 + fx1) / 2, fy0 - params["drop"] * bw
    right = _SHIRT_RIGHT.copy()
    right[2:4, 1] += params["sleeve"]
    half = np.concatenate([right, (right * [-1, 1])[::-1][1:]])  # right side, then the mirrored left
    outline = np.column_stack([cx + half[:, 0] * bw, top + half[:, 1] * bw])
    dx, dy, blur = 0.02 * bw, 0.03 * bw, 0.03 * bw
    win = Window.around((h, w), [outline], max(dx, dy) + 3 * blur + 2)
    if win.empty:
        return
    work = image[win.sl]  # painted in place, in uint8 with OpenCV's SIMD blends
    mask = win.poly([outline])
    solid = solid_rect(win, cx - 0.48 * bw, top + 0.1 * bw, cx + 0.48 * bw, top + 1.24 * bw)  # the torso
    drop_shadow(work, mask, dx, dy, blur, params["shadow"], solid)
    # shading: soft folds (weak across the print), edges curving away, one light direction
    # folds are smooth: drawn at a quarter of the size, then enlarged
    wh, ww = win.shape
    sh, sw = max(2, wh // 4), max(2, ww // 4)
    sx, sy = grid(sh, sw)
    gx, gy = win.x0 + sx * (ww / sw), win.y0 + sy * (wh / sh)
    u, v = (gx - cx) / bw, (gy - top) / bw
    calm = _soft_box(gx, gy, face, 0.04 * bw)
    folds = 0.06 * params["light"] * u + np.zeros_like(v)
    for ox, oy, angle, length, sign in params["folds"]:
        d = np.array([math.cos(angle), math.sin(angle)], np.float32)
        du, dv = u - ox, v - oy
        along, across = du * d[0] + dv * d[1], -du * d[1] + dv * d[0]
        fold = np.exp(-((across / 0.03) ** 2)) * np.exp(-((along / length) ** 2) * 4)
        folds += 0.18 * sign * fold * (1 - 0.8 * calm)
    small = cv2.resize(mask, (sw, sh), interpolation=cv2.INTER_LINEAR)  # thresholded: no need to average
    inside = cv2.distanceTransform((small > 127).astype(np.uint8), cv2.DIST_L2, 3)
    inside = np.minimum(inside, 1e6) * (ww / sw)  # no edge in the window: a huge distance, not an overflow
    folds -= 0.22 * np.exp(-inside / (0.035 * bw))  # the cloth curves away at the edges
    folds += smooth_noise(params["seed"] + 1, sh, sw, win.cells(12), 0.03)
    folds += 1  # added before enlarging: a full-size pass fewer
    # quantised to paint's uint8 index at this size and enlarged as uint8: a float field enlarged to full
    # size and quantised there cost two 4-byte passes over the window (folds are smooth over 4 px)
    shade = cv2.resize(shade_index(folds.astype(np.float32)), (ww, wh), interpolation=cv2.INTER_LINEAR)
    detail = add_detail(
        win.grain(params["seed"], 40, 0.03), _weave(wh, ww, max(2, round(min(h, w) / 170)), 0.07)
    )
    body = rgb(params["body"])
    paint(work, mask, body, shade, solid, grain=detail)
    # the neck: inside of the back, then the rib band; seams and hem stitches
    a, b = 0.17 * bw, (0.2 if params["neck"] == "v" else 0.12) * bw
    inner = _neck_outline(cx, top, a, b, params["neck"])
    rib_w = max(1.5, 0.035 * bw)
    neck = Window.around((h, w), [inner], rib_w)
    if not neck.empty:
        paint(image[neck.sl], neck.poly([inner]), body, 0.62)
        front = inner[: 3 if params["neck"] == "v" else 24]
        rib = neck.line(front, rib_w)
        paint(image[neck.sl], scaled(rib, 0.9), body, 0.93, grain=neck.grain(params["seed"] + 2, 60, 0.04))
    seams = [(np.array([(cx - 0.5 * bw, top + 1.2 * bw), (cx + 0.5 * bw, top + 1.22 * bw)]), 1)]  # hem
    for sx in (1, -1):
        shoulder = [(cx + sx * 0.5 * bw, top + 0.09 * bw), (cx + sx * 0.49 * bw, top + 0.39 * bw)]
        cuff = right[2:4] * [sx, 1] - [sx * 0.03, 0.03]  # stitching just inside the sleeve's end
        seams += [
            (np.array(shoulder), max(1, 0.006 * bw)),
            (np.column_stack([cx + cuff[:, 0] * bw, top + cuff[:, 1] * bw]), 1),
        ]
    for pts, width in seams:  # apart from each other: each in its own part of the window (the same bytes)
        part, sl = win.part([pts], width + 2)
        if part.empty:
            continue
        between = solid_rect(part, cx - 0.45 * bw, top + 0.1 * bw, cx + 0.45 * bw, top + 1.15 * bw)  # no seam
        paint(work[sl], scaled(times(part.line(pts, width), mask[sl]), 0.5), body, 0.7, hollow=between)


def _weave(h: int, w: int, period: int, amount: float = 1.0) -> np.ndarray:
    """A plain weave around 0 in int8 shading steps (paint's `grain`): threads over and under, each with a
    round cross-section (as fabric backgrounds)."""
    i = np.arange(2 * period)
    thread = np.sin(np.pi * ((i % period) + 0.5) / period)
    over = ((i[:, None] // period) + (i[None, :] // period)) % 2 == 0
    tile = np.round((np.where(over, thread[None, :], thread[:, None]) - 0.65) * amount * STEPS_PER_SHADE)
    tile = tile.astype(np.int8)
    return np.tile(tile, (-(-h // (2 * period)), -(-w // (2 * period))))[:h, :w]


def _neck_outline(cx: float, top: float, a: float, b: float, neck: str) -> np.ndarray:
    """The neck opening: the front neckline down (a half ellipse or a V), then the back collar up."""
    t = np.linspace(0, math.pi, 24)
    if neck == "v":
        front = np.array([(cx + a, top), (cx, top + b), (cx - a, top)])
    else:
        front = np.column_stack([cx + a * np.cos(t), top + b * np.sin(t)])
    back = np.column_stack([cx - a * np.cos(t), top + 0.12 * a * np.sin(t)])
    return np.concatenate([front, back])


def _soft_box(xs: np.ndarray, ys: np.ndarray, box: Box, soft: float) -> np.ndarray:
    """1 inside the box, falling to 0 over `soft` pixels outside it."""
    x0, y0, x1, y1 = box
    dx = np.maximum(np.maximum(x0 - xs, xs - x1), 0)
    dy = np.maximum(np.maximum(y0 - ys, ys - y1), 0)
    return np.exp(-((np.hypot(dx, dy) / max(soft, 1e-3)) ** 2))


def _describe_shirt(params: dict, lang: str) -> str:
    color = _say(params, "body", lang)
    return (
        f"印花在一件{color}T恤的胸前" if lang == "zh" else f"with the print on the chest of a {color} T-shirt"
    )


register_object("shirt", _sample_shirt, _paint_shirt, _describe_shirt)


# ---------------------------------------------------------------- package: box, bottle, bag

PACKAGE_SHAPES = ("box", "bottle", "bag")
_GLASS = ("#7a4410", "#2f6b3a", "#d5dedb", "#f2f2f2", "#1f3a7a", "#3b3b3b")
_CAPS = ("#f5f5f5", "#c9a227", "#1b1b1b", "#b3202a", "#9aa1a6", "#2e7d32")
_ZH_SHAPE = {"box": "纸盒", "bottle": "瓶子", "bag": "手提袋"}


def _sample_package(
    rng: np.random.Generator, width: float, height: float, *, palette=None, options=None, **_
) -> dict:
    options = options or {}
    shape = _choose(rng, options, "shapes", PACKAGE_SHAPES)
    params = {"shape": shape, "face": _object_color(rng, options, palette), "seed": child_seed(rng)}
    params["shadow"] = _r(rng, 0.25, 0.5)
    params["light"] = _r(rng, -1, 1)
    if shape == "box":
        params.update(pad=_r(rng, 0.04, 0.1), depth=_r(rng, 0.18, 0.4), angle=_r(rng, 25, 50, 1),
                      side=int(rng.choice([-1, 1])))  # fmt: skip
    elif shape == "bottle":
        params.update(
            body=str(rng.choice(_GLASS)), cap=str(rng.choice(_CAPS)), fill=_r(rng, 0.68, 0.8),
            shoulder=_r(rng, 0.25, 0.45), neck=_r(rng, 0.3, 0.45), neck_len=_r(rng, 0.12, 0.3),
        )  # fmt: skip
    else:
        params.update(
            kraft=bool(rng.random() < 0.4), pad=_r(rng, 0.08, 0.16), handle=_r(rng, 0.28, 0.42),
            rope=str(rng.choice(["#2b2b2b", "#e9e2d0", "#8b5a2b", "#b3202a"])), gusset=int(rng.choice([-1, 0, 1])),
        )  # fmt: skip
        if params["kraft"]:
            params["face"] = str(rng.choice(["#b98a5a", "#c49a6c", "#a87b4f"]))
    return params


def _paint_package(image: np.ndarray, params: dict, face: Box) -> None:
    {"box": _paint_box, "bottle": _paint_bottle, "bag": _paint_bag}[params["shape"]](image, params, face)


def _paint_box(image: np.ndarray, params: dict, face: Box) -> None:
    h, w = image.shape[:2]
    fx0, fy0, fx1, fy1 = face
    px, py = params["pad"] * (fx1 - fx0), params["pad"] * (fy1 - fy0)
    x0, y0, x1, y1 = fx0 - px, fy0 - py, fx1 + px, fy1 + py
    a = math.radians(params["angle"])
    d = params["depth"] * (x1 - x0)
    side = params["side"]
    # keep the receding faces on the canvas as far as the depth allows
    room_x = (w - x1) if side > 0 else x0
    d = max(4.0, min(d, 0.95 * room_x / max(math.cos(a), 1e-3), 0.95 * y0 / max(math.sin(a), 1e-3)))
    vx, vy = side * d * math.cos(a), -d * math.sin(a)
    front = np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
    top = np.array([(x0, y0), (x1, y0), (x1 + vx, y0 + vy), (x0 + vx, y0 + vy)])
    edge = x1 if side > 0 else x0
    flank = np.array([(edge, y0), (edge + vx, y0 + vy), (edge + vx, y1 + vy), (edge, y1)])
    dx, dy, blur = side * 0.03 * d - 0.02 * (x1 - x0) * params["light"], 0.04 * (y1 - y0), 0.05 * (x1 - x0)
    win = Window.around((h, w), [front, top, flank], max(abs(dx), abs(dy)) + 3 * blur + 2)
    if win.empty:
        return
    _xs, ys = win.grid()
    work = image[win.sl]  # painted in place, in uint8 with OpenCV's SIMD blends
    masks = [win.poly([p]) for p in (front, top, flank)]
    whole = np.maximum.reduce(masks)
    solid = solid_rect(win, x0, y0, x1, y1)  # the front face
    drop_shadow(work, whole, dx, dy, blur, params["shadow"], solid)
    color = rgb(params["face"])
    grain = win.grain(params["seed"], 30, 0.02)
    shade = win.smooth_shade(1.0, [(params["seed"] + 1, 8, 0.015)])
    lean = 0.06 * params["light"] * side
    down = row_col_steps(grain, None, 0.03 - 0.08 * (ys - y0) / max(y1 - y0, 1))  # darker down the face
    paint(work, masks[0], color, shade, solid, grain=down)
    # the receding faces and the lines on them in their own parts of the window: their int8 grain and
    # masks cost a window pass each where they touch a strip of it (the same bytes)
    for face_mask, outline, tone in ((masks[1], top, 0.16 + lean), (masks[2], flank, -0.3 - lean)):
        part, sl = win.part([outline], 2)
        if not part.empty:
            paint(work[sl], face_mask[sl], color, shade[sl], grain=cv2.add(grain[sl], steps(tone)))
    # a tuck flap across the top, and catch-lights on the near edges
    flap = np.array([(x0 + 0.45 * vx, y0 + 0.45 * vy), (x1 + 0.45 * vx, y0 + 0.45 * vy)])
    part, sl = win.part([flap], 3)
    if not part.empty:
        paint(work[sl], scaled(part.line(flap, 1), 0.5), color, 0.85)
    near = (front[:2], np.array([(edge, y0), (edge, y1)]))
    part, sl = win.part(near, 3.5)
    if not part.empty:
        edges = np.maximum(part.line(near[0], 1.5), part.line(near[1], 1.5))
        paint(
            work[sl], scaled(edges, 0.6), color, 1.3, hollow=solid_rect(part, x0 + 2, y0 + 2, x1 - 2, y1 - 2)
        )


def _bottle_outline(cx: float, bw: float, top: float, shoulder: float, neck_w: float, neck_top: float,
                    bottom: float) -> np.ndarray:  # fmt: skip
    """Right half up from the base, then the left half down: body, a rounded shoulder, the neck."""
    r = 0.08 * bw
    base = [
        (cx + bw / 2 - r + r * math.sin(t), bottom - r + r * math.cos(t))
        for t in np.linspace(0, math.pi / 2, 6)
    ]
    t = np.linspace(0, 1, 14)
    half = neck_w / 2 + (bw / 2 - neck_w / 2) * (np.cos(t * math.pi / 2))
    sh = np.column_stack([cx + half, top - t * shoulder])
    right = np.concatenate([np.array(base), sh, [(cx + neck_w / 2, neck_top)]])
    left = (right * [-1, 1] + [2 * cx, 0])[::-1]
    return np.concatenate([right, left])


def _paint_bottle(image: np.ndarray, params: dict, face: Box) -> None:
    h, w = image.shape[:2]
    fx0, fy0, fx1, fy1 = face
    bw = (fx1 - fx0) / params["fill"]
    cx = (fx0 + fx1) / 2
    lpad = 0.08 * (fy1 - fy0)
    ly0, ly1 = fy0 - lpad, fy1 + lpad
    body_top, bottom = ly0 - 0.08 * bw, min(ly1 + 0.1 * bw, h + 0.05 * bw)
    # shoulder, neck and cap share the room above the body
    want = (params["shoulder"] + params["neck_len"] + 0.14) * bw
    k = min(1.0, max(0.2, (body_top - 0.02 * h) / want))
    shoulder, neck_len, cap_h = params["shoulder"] * bw * k, params["neck_len"] * bw * k, 0.14 * bw * k
    neck_w = params["neck"] * bw
    neck_top = body_top - shoulder - neck_len
    outline = _bottle_outline(cx, bw, body_top, shoulder, neck_w, neck_top, bottom)
    cap = np.array([(cx - 0.56 * neck_w, neck_top - cap_h), (cx + 0.56 * neck_w, neck_top - cap_h),
                    (cx + 0.56 * neck_w, neck_top + 0.15 * cap_h), (cx - 0.56 * neck_w, neck_top + 0.15 * cap_h)])  # fmt: skip
    dx, dy, blur = -0.06 * bw * params["light"], 0.03 * bw, 0.05 * bw
    win = Window.around((h, w), [outline, cap], max(abs(dx), abs(dy)) + 3 * blur + 2)
    if win.empty:
        return
    xs, ys = win.grid()
    mask = win.poly([outline])
    cap_mask = win.poly([cap])
    work = image[win.sl]  # painted in place, in uint8 with OpenCV's SIMD blends
    solid = solid_rect(win, cx - bw / 2, body_top, cx + bw / 2, bottom - 0.08 * bw)  # straight sides
    drop_shadow(work, np.maximum(mask, cap_mask), dx, dy, blur, params["shadow"], solid)
    # cylindrical shading: each row's own half-width (body, shoulder, neck), a specular streak
    inside = mask > 127
    ww = win.shape[1]
    left = np.where(inside.any(1), np.argmax(inside, 1), 0).astype(np.float32)[:, None] + win.x0
    right = (
        np.where(inside.any(1), ww - np.argmax(inside[:, ::-1], 1), ww).astype(np.float32)[:, None] + win.x0
    )
    t = np.clip((xs - (left + right) / 2) / np.maximum((right - left) / 2, 1), -1, 1)
    glint = -0.45 * (1 if params["light"] >= 0 else -1)
    cyl = (
        0.55
        + 0.45 * np.sqrt(1 - t**2)
        + 0.6 * np.exp(-(((t - glint) / 0.07) ** 2))
        + 0.2 * np.exp(-(((t + glint * 1.7) / 0.05) ** 2))
    )
    paint(work, mask, rgb(params["body"]), cyl.astype(np.float32), solid)
    # the label band wraps round the body: its edges curve with the cylinder, its ends darken
    bulge = 0.035 * bw * np.sqrt(np.clip(1 - ((xs - cx) / (bw / 2)) ** 2, 0, 1))
    band = np.clip(np.minimum(ys - (ly0 + bulge) + 0.5, (ly1 + bulge) - ys + 0.5), 0, 1)
    band = times(cv2.convertScaleAbs(band, alpha=255), mask)
    tl = np.clip((xs - cx) / (bw / 2), -1, 1)
    label = 1 - 0.5 * np.abs(tl) ** 3  # a row: each column's own shade
    paint(work, band, rgb(params["face"]), label, grain=win.grain(params["seed"], 20, 0.02))
    ridges = 1 + 0.12 * np.cos((xs - cx) / max(1.0, 0.05 * neck_w) * math.pi)
    cap_t = np.clip((xs - cx) / (0.56 * neck_w), -1, 1)
    paint(work, cap_mask, rgb(params["cap"]), (0.6 + 0.45 * np.sqrt(1 - cap_t**2)) * ridges)


def _paint_bag(image: np.ndarray, params: dict, face: Box) -> None:
    h, w = image.shape[:2]
    fx0, fy0, fx1, fy1 = face
    pad = params["pad"] * (fx1 - fx0)
    x0, x1 = fx0 - pad, fx1 + pad
    bw = x1 - x0
    y0, y1 = fy0 - 0.14 * bw, min(fy1 + pad, h + 0.02 * bw)
    cx = (x0 + x1) / 2
    body = np.array([(x0, y0), (x1, y0), (x1 + 0.01 * bw, y1), (x0 - 0.01 * bw, y1)])
    # handles: the back loop first (partly hidden), then the front loop over the top band
    arch = min(params["handle"] * bw, 0.92 * y0)
    rope_w = max(2.0, 0.025 * bw)
    loops = []
    for dy, dx in ((0.0, 0.03 * bw), (0.0, 0.0)):
        t = np.linspace(0, math.pi, 32)
        loops.append(
            np.column_stack(
                [cx + dx + 0.22 * bw * np.cos(t), y0 + 0.06 * bw + dy - (arch + 0.06 * bw) * np.sin(t)]
            )
        )
    dx, dy, blur = 0.03 * bw * -params["light"], 0.03 * bw, 0.04 * bw
    win = Window.around((h, w), [body, *loops], max(abs(dx), abs(dy)) + 3 * blur + 2 + rope_w)
    if win.empty:
        return
    xs, ys = win.grid()
    work = image[win.sl]  # painted in place, in uint8 with OpenCV's SIMD blends
    mask = win.poly([body])
    front = win.line(loops[1], rope_w)
    solid = solid_rect(win, x0, y0, x1, y1)
    drop_shadow(work, np.maximum(mask, front), dx, dy, blur, params["shadow"], solid)
    rope = rgb(params["rope"])
    part, sl = win.part(loops[:1], rope_w + 2)  # the back loop above the bag: its own part of the window
    if not part.empty:
        paint(work[sl], outside(part.line(loops[0], rope_w), mask[sl]), rope, 0.7)
    color = rgb(params["face"])
    grain = win.grain(params["seed"], 50 if params["kraft"] else 20, 0.03)
    shade = win.smooth_shade(1.0, [(params["seed"] + 1, 10, 0.02)])
    u = (xs - x0) / bw
    fold = -0.07 * np.exp(-(((ys - (y1 - 0.12 * bw)) / (0.012 * bw)) ** 2))  # the bottom fold
    detail = row_col_steps(grain, 0.05 * params["light"] * (u - 0.5) * 2, fold)
    if params["gusset"]:  # the side panel's centre fold, seen just inside one edge, below the hem
        gx = x1 - 0.07 * bw if params["gusset"] > 0 else x0 + 0.07 * bw
        below = int(np.searchsorted(ys.ravel(), y0 + 0.1 * bw, side="right"))
        gusset = -0.12 * np.clip(1 - np.abs(xs - gx) / (0.07 * bw), 0, 1) ** 2
        detail[below:] = row_col_steps(detail[below:], gusset)
    paint(work, mask, color, shade, solid, grain=detail)
    hem = slice(0, max(0, math.ceil(y0 + 0.1 * bw - win.y0 - 0.5)))  # the folded-over top hem's rows
    if hem.stop > 0:  # 0.88 + the smooth field
        tone = cv2.subtract(shade[hem], steps(0.12))
        paint(work[hem], scaled(mask[hem], 0.5), color, tone, grain=grain[hem])
    hem_pts = np.array([(x0, y0 + 0.1 * bw), (x1, y0 + 0.1 * bw)])
    part, sl = win.part([hem_pts], 3)
    if not part.empty:
        paint(work[sl], scaled(times(part.line(hem_pts, 1), mask[sl]), 0.6), color, 0.7)
    part, sl = win.part(loops[1:], rope_w + 2)
    if not part.empty:
        paint(work[sl], front[sl], rope, 0.85 + 0.15 * np.cos((ys[sl[0]] - y0) / max(1.0, rope_w) * 2.0))
    for sx in (-1, 1):  # the knots where the rope goes through the bag
        c = (round(cx + sx * 0.22 * bw), round(y0 + 0.06 * bw))
        r = max(2, round(rope_w * 0.9))
        for sl, knot in disc((h, w), c, r, r + 2):
            paint(image[sl], knot, rope, 0.75)


def _describe_package(params: dict, lang: str) -> str:
    shape = params["shape"]
    face = _say(params, "face", lang)
    if shape == "bottle":
        body = _say(params, "body", lang)
        if lang == "zh":
            return f"包装是一个{body}瓶子，贴着{face}标签"
        return f"with the text on the {face} label of a {body} bottle"
    noun_zh = "牛皮纸手提袋" if shape == "bag" and params.get("kraft") else _ZH_SHAPE[shape]
    noun_en = {"box": "box", "bag": "kraft paper bag" if params.get("kraft") else "shopping bag"}[shape]
    if lang == "zh":
        return f"包装是一个{face}{noun_zh}"
    return f"with the text on the front of a {face} {noun_en}"


register_object("package", _sample_package, _paint_package, _describe_package)


# ---------------------------------------------------------------- boards: wood, stone, metal; neon backboards

BOARD_MATERIALS = ("wood", "stone", "metal")
BOARD_MOUNTS = ("screws", "posts", "chains")
_WOOD = ("#8b5a2b", "#a0522d", "#6b4226", "#c19a6b", "#5a3a22")
_STONE = ("#8d8d86", "#b7b2a6", "#5f6361", "#a39b8b", "#d6d2c4")
_MATERIAL_WORDS = {"wood": ("木质", "wooden"), "stone": ("石质", "stone"), "metal": ("金属", "metal")}


def _sample_board(
    rng: np.random.Generator, width: float, height: float, *, palette=None, options=None, **_
) -> dict:
    options = options or {}
    material = _choose(rng, options, "materials", BOARD_MATERIALS)
    default = {"wood": _WOOD, "stone": _STONE, "metal": None}[material]
    colors = options.get("colors") if material == "metal" else None
    return {
        "material": material,
        "face": pick_color(rng, colors or default or palette),
        "pad": _r(rng, 0.04, 0.1),
        "bevel": _r(rng, 0.02, 0.05),
        "radius": _r(rng, 0.0, 0.08) if material == "metal" else 0.0,
        "border": bool(options.get("border", False)),
        "mount": _choose(rng, options, "mounts", BOARD_MOUNTS),
        "grain": _r(rng, 6, 16, 2),
        "light": _r(rng, -1, 1),
        "shadow": _r(rng, 0.25, 0.5),
        "seed": child_seed(rng),
    }


def _board_rect(face: Box, pad: float) -> tuple[float, float, float, float]:
    fx0, fy0, fx1, fy1 = face
    p = pad * max(fx1 - fx0, fy1 - fy0)
    return fx0 - p, fy0 - p, fx1 + p, fy1 + p


def _rounded_rect(x0: float, y0: float, x1: float, y1: float, r: float) -> np.ndarray:
    if r < 0.5:
        return np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
    pts = []
    for cx, cy, a0 in (
        (x1 - r, y0 + r, -90),
        (x1 - r, y1 - r, 0),
        (x0 + r, y1 - r, 90),
        (x0 + r, y0 + r, 180),
    ):
        for a in np.radians(np.linspace(a0, a0 + 90, 8)):
            pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return np.array(pts)


def _material_shade(params: dict, win: Window, box: Box) -> tuple[np.ndarray, np.ndarray]:
    """Grain of the board's material around 1: wood rings along its length, stone speckle, brushed metal.

    Returns `paint`'s shade (a float field or row, or wood's uint8 index) and its int8 `grain` detail:
    the per-pixel and per-row parts stay in uint8 steps, where float fields cost a pass each.
    """
    h, w = win.shape
    xs, _ys = win.grid()
    seed = params["seed"]
    x0, y0, x1, y1 = box
    if params["material"] == "wood":
        # planed wood: growth rings run along the board, gently bent, with fine straight streaks
        g = np.random.default_rng(seed)
        bend = g.standard_normal((8, 3)).astype(np.float32) * np.float32(0.45 * 256)  # v in 1/256 rings
        # the bend is smooth: bicubic to a quarter of the size, then bilinear (bicubic to full size was ~1 ms)
        quarter = cv2.resize(bend, (max(3, w // 4), max(8, h // 4)), interpolation=cv2.INTER_CUBIC)
        v = cv2.resize(quarter, (w, h), interpolation=cv2.INTER_LINEAR)
        rows = np.arange(h, dtype=np.float32)[:, None] + np.float32(win.y0 + 0.5 - y0)
        v += rows * np.float32(256 * params["grain"] / max(y1 - y0, 1))
        # the ring profile 0.9 + 0.15 ((1 + cos 2 pi v) / 2)^3 by table from v's fraction (256 steps a ring),
        # straight to paint's index: cos and a float power over the board were its costliest lines
        ring = np.arange(256) / 256
        profile = 0.9 + 0.15 * (0.5 + 0.5 * np.cos(2 * math.pi * ring)) ** 3
        table = np.round((profile - 0.2) * STEPS_PER_SHADE).astype(np.uint8)
        index = cv2.LUT(v.astype(np.int32).astype(np.uint8), table)  # int32 -> uint8 wraps: the fraction
        small = g.standard_normal((max(2, h // 2), 1)).astype(np.float32) * np.float32(0.035)
        streaks = cv2.resize(small, (1, h))  # one shade a row
        detail = win.grain(seed + 1, 40, 0.02)
        np.add(detail, _row_steps(streaks), out=detail)  # both small: no wrap (see _row_steps)
        return index, detail
    if params["material"] == "stone":
        shade = win.smooth_shade(1.0, [(seed, 10, 0.06), (seed + 1, 40, 0.05)])
        return shade, win.grain(seed + 2, 60, 0.07)
    small = np.random.default_rng(seed).standard_normal((h, 1)).astype(np.float32) * np.float32(0.025)
    streaks = cv2.resize(small, (1, h))  # brushed streaks, one shade a row
    shade = 1 + 0.04 * (xs - x0) / max(x1 - x0, 1) * params["light"]  # a row
    detail = win.grain(seed + 1, 30, 0.01)
    np.add(detail, _row_steps(streaks), out=detail)
    return shade, detail


def _row_steps(shade: np.ndarray) -> np.ndarray:
    """A column of small shade offsets as int8 steps, kept within +-64 so that adding it to grain
    (at most +-16 steps here) cannot wrap."""
    return np.clip(np.round(shade * STEPS_PER_SHADE), -64, 64).astype(np.int8)


def _bevel_shade(
    shape: tuple[int, int], box: Box, width: float, light: float, strength: float = 1.0
) -> np.ndarray:
    """A raised rim as int8 steps (paint's `grain`): lit on the top (and the lit side), dark on the bottom
    and the other side, mitred corners."""
    h, w = shape
    tone = np.zeros((h, w), np.int8)
    x0, y0, x1, y1 = (round(v) for v in box)
    side_lit = 1 if light < 0 else -1  # light from the left when light < 0
    side, top, bottom = (round(t * strength * STEPS_PER_SHADE) for t in (0.1, 0.18, -0.22))
    for i in range(max(1, round(width))):
        lo, hi = max(0, x0 + i), min(w, x1 - i)
        for x, tone_x in ((x0 + i, side * side_lit), (x1 - 1 - i, -side * side_lit)):
            if 0 <= x < w:
                tone[max(0, y0 + i) : max(0, min(h, y1 - i)), x] = tone_x
        for y, tone_y in ((y0 + i, top), (y1 - 1 - i, bottom)):
            if 0 <= y < h and hi > lo:
                tone[y, lo:hi] = tone_y
    return tone


def _add_bevel(detail: np.ndarray, box: Box, width: float, light: float, strength: float = 1.0) -> None:
    """Add `_bevel_shade` to int8 detail in place (saturated), on the rim it covers alone: the rest of it
    is 0, and a window-size add cost a pass over the whole board for a rim a few pixels wide."""
    tone = _bevel_shade(detail.shape, box, width, light, strength)
    h, w = detail.shape
    x0, y0, x1, y1 = (round(v) for v in box)
    rim = max(1, round(width))
    top, bottom = (
        (max(0, min(h, y0)), max(0, min(h, y0 + rim))),
        (max(0, min(h, y1 - rim)), max(0, min(h, y1))),
    )
    left, right = (
        (max(0, min(w, x0)), max(0, min(w, x0 + rim))),
        (max(0, min(w, x1 - rim)), max(0, min(w, x1))),
    )
    if top[1] > bottom[0] or left[1] > right[0]:  # the rims meet: the whole box
        parts = [(slice(None), slice(None))]
    else:
        between = slice(top[1], bottom[0])
        parts = [
            (slice(*top), slice(None)),
            (slice(*bottom), slice(None)),
            (between, slice(*left)),
            (between, slice(*right)),
        ]
    for part in parts:
        target = detail[part]
        if target.size:
            _into(target, cv2.add(target, tone[part], dst=target))


def _board_solid(win: Window, x0: float, y0: float, x1: float, y1: float, radius: float) -> Rect:
    """The rectangle a rounded board covers fully: its corners' radius off the shorter sides."""
    if x1 - x0 >= y1 - y0:
        return solid_rect(win, x0 + radius, y0, x1 - radius, y1)
    return solid_rect(win, x0, y0 + radius, x1, y1 - radius)


def _paint_board(image: np.ndarray, params: dict, face: Box) -> None:
    h, w = image.shape[:2]
    box = _board_rect(face, params["pad"])
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    mount = params["mount"]
    metal = rgb("#8f969b")
    if mount == "posts" and y1 < h:  # two poles from under the board to the ground, behind it
        for px in (x0 + 0.2 * bw, x1 - 0.2 * bw):
            pw = max(3.0, 0.035 * bw)
            post = np.array(
                [
                    (px - pw / 2, y0 + 0.2 * bh),
                    (px + pw / 2, y0 + 0.2 * bh),
                    (px + pw / 2, h + 1),
                    (px - pw / 2, h + 1),
                ]
            )
            win = Window.around((h, w), [post], 0.3 * pw + 1.5 * pw + 2)
            if win.empty:
                continue
            pole = win.poly([post])
            xs, _ys = win.grid()
            t = np.clip((xs - px) / (pw / 2), -1, 1)
            drop_shadow(image[win.sl], pole, 0.3 * pw, 0, pw * 0.5, 0.3)
            paint(image[win.sl], pole, metal, 0.55 + 0.5 * np.sqrt(1 - t**2))
    if mount == "chains" and y0 > 4:  # hanging from above on two chains
        for px in (x0 + 0.15 * bw, x1 - 0.15 * bw):
            chain = np.array([(px, 0), (px, y0 + 0.02 * bh)])
            width = max(2, 0.01 * bw)
            win = Window.around((h, w), [chain], width)
            if win.empty:
                continue
            _xs, ys = win.grid()
            dots = 0.75 + 0.35 * (np.cos(ys / max(2.0, 0.02 * bw) * math.pi) > 0)
            paint(image[win.sl], win.line(chain, width), rgb("#4a4a48"), dots.astype(np.float32))
    outline = _rounded_rect(x0, y0, x1, y1, params["radius"] * min(bw, bh))
    thick = outline + np.array([0.0, max(2.0, 0.03 * bh)])  # the board's thickness below it
    dx, dy, blur = -0.03 * bw * params["light"], 0.05 * bh, 0.03 * bw
    win = Window.around((h, w), [outline, thick], max(abs(dx), abs(dy)) + 3 * blur + 2)
    if win.empty:
        return
    work = image[win.sl]  # painted in place, in uint8 with OpenCV's SIMD blends
    mask = win.poly([outline])
    edge = win.poly([thick])
    solid = _board_solid(win, x0, y0, x1, y1, params["radius"] * min(bw, bh))
    drop_shadow(work, np.maximum(mask, edge), dx, dy, blur, params["shadow"], solid)
    color = rgb(params["face"])
    # the edge shows below the face; inside `solid` the face covers it (0 there, and skipped by paint)
    below = np.zeros_like(mask)
    for band in _bands(mask.shape, solid)[0]:
        below[band] = outside(edge[band], mask[band])
    paint(work, below, color, 0.55, hollow=solid)
    local = (x0 - win.x0, y0 - win.y0, x1 - win.x0, y1 - win.y0)
    shade, detail = _material_shade(params, win, box)
    _add_bevel(detail, local, params["bevel"] * min(bw, bh), params["light"])
    paint(work, mask, color, shade, solid, grain=detail)
    if params["border"]:  # a road sign's white inset border
        inset = 0.035 * min(bw, bh)
        ring = win.line(
            _rounded_rect(
                x0 + inset, y0 + inset, x1 - inset, y1 - inset, params["radius"] * min(bw, bh) * 0.7
            ),
            max(2, 0.018 * min(bw, bh)),
            closed=True,
        )
        inside = inset + max(2, 0.018 * min(bw, bh))  # the ring's inner edge, and then some
        hollow = _board_solid(
            win, x0 + inside, y0 + inside, x1 - inside, y1 - inside, params["radius"] * min(bw, bh)
        )
        paint(work, scaled(ring, 0.95), rgb("#f4f4f4"), hollow=hollow)
    if mount == "screws":
        xs, ys = grid(h, w)
        r = max(2, round(0.018 * min(bw, bh)))
        for sx, sy in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
            c = (round(sx + np.sign(x0 + x1 - 2 * sx) * 3 * r), round(sy + np.sign(y0 + y1 - 2 * sy) * 3 * r))
            for sl, head in disc((h, w), c, r, r + 3):
                px, py = xs[:, sl[1]], ys[sl[0]]
                lit = 1.25 - 0.5 * np.clip(((px - c[0]) + (py - c[1])) / (2 * r), -1, 1)
                paint(image[sl], head, metal, lit)


def _describe_board(params: dict, lang: str) -> str:
    zh, en = _MATERIAL_WORDS[params["material"]]
    color = _say(params, "face", lang)
    if lang == "zh":
        return f"牌子是一块{color}{zh}板" if params["material"] == "metal" else f"牌子是一块{zh}板"
    return (
        f"with the text on a {color} {en} board"
        if params["material"] == "metal"
        else f"with the text on a {en} board"
    )


register_object("board", _sample_board, _paint_board, _describe_board)


NEON_BACKINGS = ("metal", "wood", "acrylic")


def _sample_neon_board(
    rng: np.random.Generator, width: float, height: float, *, palette=None, options=None, **_
) -> dict:
    options = options or {}
    backing = _choose(rng, options, "backings", NEON_BACKINGS)
    face = {
        "metal": ("#1e2226", "#2b2f33", "#23262a"),
        "wood": ("#2e1f16", "#3a281b"),
        "acrylic": ("#0c0c0e", "#121218"),
    }[backing]
    return {
        "backing": backing,
        "face": str(rng.choice(face)),
        "spill": pick_color(
            rng, options.get("colors") or ["#ff2e88", "#00f5d4", "#fee440", "#9bf6ff", "#ff5d8f"]
        ),
        "pad": _r(rng, 0.05, 0.12),
        "night": _r(rng, 0.18, 0.35),  # how far the wall around the sign falls into darkness
        "spill_strength": _r(rng, 0.15, 0.35),
        "cable": bool(rng.random() < 0.6),
        "light": _r(rng, -1, 1),
        "seed": child_seed(rng),
    }


def _paint_neon_board(image: np.ndarray, params: dict, face: Box) -> None:
    h, w = image.shape[:2]
    x0, y0, x1, y1 = _board_rect(face, params["pad"])
    bw, bh = x1 - x0, y1 - y0
    # the board covers its inside fully (paint's `inner` below): the wall is not lit there
    covered = _board_solid(Window((h, w), 0, 0, w, h), x0, y0, x1, y1, 0.02 * min(bw, bh))
    _night_wall(image, params, ((x0 + x1) / 2, (y0 + y1) / 2), bw, bh, covered)
    outline = _rounded_rect(x0, y0, x1, y1, 0.02 * min(bw, bh))
    dx, dy, blur = 0.02 * bw, 0.03 * bh, 0.03 * bw
    win = Window.around((h, w), [outline], max(abs(dx), abs(dy)) + 3 * blur + 2)
    if not win.empty:
        work = image[win.sl]  # painted in place, in uint8 with OpenCV's SIMD blends
        mask = win.poly([outline])
        solid = _board_solid(win, x0, y0, x1, y1, 0.02 * min(bw, bh))
        drop_shadow(work, mask, dx, dy, blur, 0.6, solid)
        material = {"metal": "metal", "wood": "wood", "acrylic": "metal"}[params["backing"]]
        shade, detail = _material_shade(
            {**params, "material": material, "grain": 10.0}, win, (x0, y0, x1, y1)
        )
        local = (x0 - win.x0, y0 - win.y0, x1 - win.x0, y1 - win.y0)
        _add_bevel(detail, local, 0.02 * min(bw, bh), params["light"], strength=2)
        paint(work, mask, rgb(params["face"]), shade, solid, grain=detail)
    if params["cable"]:  # the transformer's cable runs from a lower corner off the canvas
        side = x1 - 0.08 * bw if params["light"] >= 0 else x0 + 0.08 * bw
        t = np.linspace(0, 1, 20)
        pts = np.column_stack(
            [side + (0.2 * bw) * t * (1 if params["light"] >= 0 else -1), y1 + (h - y1 + 4) * t**0.8]
        )
        width = max(2, 0.008 * bw)
        cable = Window.around((h, w), [pts], width)
        if not cable.empty:
            paint(image[cable.sl], cable.line(pts, width), rgb("#0a0a0a"))
    xs, ys = grid(h, w)
    r = max(2, round(0.02 * min(bw, bh)))
    for sx, sy in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):  # polished stand-offs hold the board off the wall
        c = (round(sx + np.sign(x0 + x1 - 2 * sx) * 3 * r), round(sy + np.sign(y0 + y1 - 2 * sy) * 3 * r))
        for sl, head in disc((h, w), c, r, r + 3):
            px, py = xs[:, sl[1]], ys[sl[0]]
            lit = 1.3 - 0.6 * np.clip(((px - c[0]) + (py - c[1])) / (2 * r), -1, 1)
            paint(image[sl], head, rgb("#b8bcc0"), lit)


def _night_wall(
    image: np.ndarray, params: dict, centre: tuple[float, float], bw: float, bh: float, covered: Rect
) -> None:
    """The wall darkens away from the sign and the tubes' light spills on it, over the whole canvas but
    `covered` (canvas pixels the board paints over fully: up to half the canvas's passes were lost there).

    Both fields are smooth: made at a quarter of the size as uint8 and enlarged, then one multiply and
    one saturating add (float fields at full size cost ~5 ms at 1024²).
    """
    h, w = image.shape[:2]
    cx, cy = centre
    sh, sw = max(2, h // 4), max(2, w // 4)
    sx, sy = grid(sh, sw)
    dist2 = ((sx * (w / sw) - cx) / (0.7 * bw)) ** 2 + ((sy * (h / sh) - cy) / (0.9 * bh)) ** 2
    night = params["night"] + (1 - params["night"]) * 0.5 * np.exp(-dist2)
    spill = params["spill_strength"] * np.exp(-dist2 * 1.5)
    keep = cv2.resize(cv2.convertScaleAbs(night, alpha=255), (w, h), interpolation=cv2.INTER_LINEAR)
    table = _tint_table(hex_to_rgb(params["spill"]))  # the spill colour times coverage
    spilt = cv2.resize(cv2.convertScaleAbs(spill, alpha=255), (w, h))
    for band in _bands(image.shape, covered)[0]:
        part = image[band]
        _into(part, cv2.multiply(part, cv2.cvtColor(keep[band], cv2.COLOR_GRAY2RGB), dst=part, scale=1 / 255))
        _into(part, cv2.add(part, lut_rgb(spilt[band], table), dst=part))


def _describe_neon_board(params: dict, lang: str) -> str:
    zh = {"metal": "金属", "wood": "木质", "acrylic": "黑色亚克力"}[params["backing"]]
    en = {"metal": "dark metal", "wood": "dark wooden", "acrylic": "black acrylic"}[params["backing"]]
    return f"霓虹灯管装在{zh}底板上" if lang == "zh" else f"with the neon tubes mounted on a {en} backboard"


register_object("neon_board", _sample_neon_board, _paint_neon_board, _describe_neon_board)


# ---------------------------------------------------------------- a sheet of paper: folds, curl, tape or pins

FASTENERS = ("tape", "pins", "none")
_PAPER = ("#f7f3ea", "#fbf8f1", "#f1ead8", "#ffffff")
_PINS = ("#d62828", "#1d70b8", "#2a9d3a", "#f4c20d", "#f5f5f5")


def _sample_paper_sheet(
    rng: np.random.Generator, width: float, height: float, *, palette=None, options=None, **_
) -> dict:
    options = options or {}
    return {
        "face": pick_color(rng, options.get("colors") or _PAPER),
        "pad": _r(rng, 0.03, 0.06),
        "folds_h": int(rng.integers(0, int(options.get("max_folds", 2)) + 1)),
        "fold_v": bool(rng.random() < 0.3),
        "ridge": [int(rng.choice([-1, 1])) for _ in range(3)],
        "curl": _r(rng, 0.0, 0.18),
        "fastener": _choose(rng, options, "fasteners", FASTENERS),
        "pin": str(rng.choice(_PINS)),
        "tape_angle": _r(rng, 25, 50, 1),
        "light": _r(rng, -1, 1),
        "shadow": _r(rng, 0.25, 0.5),
        "seed": child_seed(rng),
    }


def _paint_paper_sheet(image: np.ndarray, params: dict, face: Box) -> None:
    h, w = image.shape[:2]
    x0, y0, x1, y1 = _board_rect(face, params["pad"])
    bw, bh = x1 - x0, y1 - y0
    sheet = np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
    lift = 1 + 3 * params["curl"]
    dx, dy, blur = -0.01 * bw * params["light"], 0.012 * bh * lift, 0.012 * bw * lift
    win = Window.around((h, w), [sheet], max(abs(dx), abs(dy)) + 3 * blur + 2)
    if win.empty:
        return
    xs, ys = win.grid()
    work = image[win.sl]  # painted in place, in uint8 with OpenCV's SIMD blends
    mask = win.poly([sheet])
    solid = solid_rect(win, x0, y0, x1, y1)
    drop_shadow(work, mask, dx, dy, blur, params["shadow"], solid)
    # what varies along x alone and along y alone is summed in a row and a column: two full passes
    row = 1 + 0.03 * params["light"] * ((xs - x0) / bw - 0.5)
    col = -params["curl"] * np.clip((ys - y0) / bh - 0.75, 0, 1) ** 2 * 16 * 0.5  # the lower edge lifts off
    folds = [(ys, y0 + bh * k / (params["folds_h"] + 1)) for k in range(1, params["folds_h"] + 1)]
    if params["fold_v"]:
        folds.append((xs, (x0 + x1) / 2))
    for (coord, at), ridge in zip(folds, params["ridge"] * 2, strict=False):
        u = (coord - at) / max(1.0, 0.012 * max(bw, bh))
        crease = ridge * 0.07 * np.sign(u) * np.exp(-np.abs(u)) - 0.1 * np.exp(-((u * 3) ** 2))
        if coord is xs:
            row = row + crease
        else:
            col = col + crease
    shade = win.smooth_shade(1.0, [(params["seed"], 6, 0.03)])
    detail = row_col_steps(win.grain(params["seed"] + 1, 30, 0.02), row - 1, col)
    paint(work, mask, rgb(params["face"]), shade, solid, grain=detail)
    if params["fastener"] == "tape":
        a = math.radians(params["tape_angle"])
        for sx, corner_x in ((1, x0), (-1, x1)):
            c = np.array([corner_x, y0])
            d = np.array([math.cos(a) * sx, -math.sin(a)])
            n = np.array([-d[1], d[0]])
            L, T = 0.12 * bw, 0.035 * bw
            strip = np.array([c - d * L - n * T, c + d * L - n * T, c + d * L + n * T, c - d * L + n * T])
            piece = Window.around((h, w), [strip], 2)
            if piece.empty:
                continue
            tape = piece.poly([strip])
            paint(image[piece.sl], scaled(tape, 0.45), rgb("#f3eccd"))
            paint(
                image[piece.sl],
                scaled(times(piece.line(strip, 1, closed=True), tape), 0.3),
                rgb("#bdb38f"),
            )
    elif params["fastener"] == "pins":
        xs, ys = grid(h, w)
        r = max(3, round(0.025 * bw))
        for px in (x0 + 0.06 * bw, x1 - 0.06 * bw):
            c = (round(px), round(y0 + 0.05 * bh))
            # the patch holds the pin's shadow too (offset 0.8 r, blur 0.5 r: grown by 3 blur + 2)
            for sl, m in disc((h, w), c, r, 4 * r + 8):
                drop_shadow(image[sl], m, 0.6 * r, 0.8 * r, 0.5 * r, 0.5)
                px, py = xs[:, sl[1]], ys[sl[0]]
                lit = 1.15 - 0.45 * np.clip(((px - c[0]) + (py - c[1])) / (2 * r), -1, 1)
                lit += 0.5 * np.exp(
                    -((px - c[0] + 0.35 * r) ** 2 + (py - c[1] + 0.35 * r) ** 2) / (0.1 * r * r)
                )
                paint(image[sl], m, rgb(params["pin"]), lit)


def _describe_paper_sheet(params: dict, lang: str) -> str:
    folded = params["folds_h"] > 0 or params["fold_v"]
    fastener = params["fastener"]
    if lang == "zh":
        held = {"tape": "用胶带贴着", "pins": "用图钉钉着", "none": ""}[fastener]
        if folded:
            return "纸张上有折痕" + (f"，{held}" if held else "")
        return f"纸张{held}" if held else "内容印在一张纸上"
    said = (["fold creases in the paper"] if folded else []) + {
        "tape": ["tape at its top corners"],
        "pins": ["pins at its top corners"],
        "none": [],
    }[fastener]
    return "with " + (" and ".join(said) if said else "the text on a sheet of paper")


register_object("paper_sheet", _sample_paper_sheet, _paint_paper_sheet, _describe_paper_sheet)
DECORATIONS.seal_builtins()  # the objects are built-in kinds too
