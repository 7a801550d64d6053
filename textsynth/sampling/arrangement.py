"""Per-sample arrangement of a template: the same slots, mirrored, flipped, moved and scaled.

A template's regions describe one composition; real posters of a genre put the title at the
top or the bottom, the text block left or right, large or small. Before any slot is placed,
the whole group of slots (and the decorations that belong to them) is transformed as one, so
relations inside the design hold while its place on the canvas varies. On a photo, the group
can be moved to the calmest part of the picture, where real designers put text.
"""

from __future__ import annotations

import cv2
import numpy as np

from textsynth.sampling.flow import auto_arrange, with_fields
from textsynth.templates.schema import DecorationSpec, Template

Box = tuple[float, float, float, float]
FULL_CANVAS = 0.9  # a decoration spanning this much of both sides is the canvas's own (frame, border)
_ALIGN_MIRROR = {"start": "end", "end": "start", "center": "center"}


def arrange(
    template: Template, rng: np.random.Generator, base: np.ndarray | None = None,
    size: tuple[int, int] = (512, 512),
) -> Template:  # fmt: skip
    """A copy of `template` with its slot group placed for this sample (every choice from `rng`).

    `size` is the canvas's (width, height): a template with `layout: auto` is laid out afresh for it.
    """
    spec = template.layout
    if spec.auto is not None:
        return auto_arrange(template, rng, *size)
    mirror = rng.random() < spec.mirror
    flip = rng.random() < spec.flip
    scale = float(rng.uniform(*spec.scale))
    jitter = rng.uniform(-1.0, 1.0, size=2)
    group = _group_box([s.region for s in template.slots])

    def moved(box: Box) -> Box:
        return _mirror_flip(box, mirror, flip)

    g = _mirror_flip(group, mirror, flip)
    cx, cy = (g[0] + g[2]) / 2, (g[1] + g[3]) / 2
    half_w, half_h = (g[2] - g[0]) * scale / 2, (g[3] - g[1]) * scale / 2
    # the scaled group's box, grown by the primary slot, which keeps its size (it may then reach past it)
    p = moved(template.primary_slot().region)
    pcx, pcy = cx + ((p[0] + p[2]) / 2 - cx) * scale, cy + ((p[1] + p[3]) / 2 - cy) * scale
    reach = (
        min(cx - half_w, pcx - (p[2] - p[0]) / 2), min(cy - half_h, pcy - (p[3] - p[1]) / 2),
        max(cx + half_w, pcx + (p[2] - p[0]) / 2), max(cy + half_h, pcy + (p[3] - p[1]) / 2),
    )  # fmt: skip
    # how far it may travel and stay inside the canvas's edge margin and its own frame
    bx0, by0, bx1, by1 = _inside_frames(template.decorations)
    room_x = (max(0.0, reach[0] - bx0), max(0.0, bx1 - reach[2]))
    room_y = (max(0.0, reach[1] - by0), max(0.0, by1 - reach[3]))
    if spec.calm and base is not None:
        dx, dy = _calmest_offset(base, reach, room_x, room_y)
    else:
        dx = _travel(jitter[0] * spec.shift, room_x)
        dy = _travel(jitter[1] * spec.shift, room_y)

    def place(box: Box, keep_size: bool = False) -> Box:
        x0, y0, x1, y1 = moved(box)
        mx, my = cx + ((x0 + x1) / 2 - cx) * scale + dx, cy + ((y0 + y1) / 2 - cy) * scale + dy
        hw, hh = (x1 - x0) / 2, (y1 - y0) / 2
        if not keep_size:
            hw, hh = hw * scale, hh * scale
        return _shift_inside((mx - hw, my - hh, mx + hw, my + hh))

    # the primary slot keeps its size, so the corpus word fits as often as in the template's own layout
    primary = template.primary_slot()
    slots = [
        with_fields(
            s, region=_clip(place(s.region, keep_size=s is primary)),
            align=_ALIGN_MIRROR[s.align] if mirror else s.align,
        )
        for s in template.slots
    ]  # fmt: skip
    decorations = [d if _spans_canvas(d) else with_fields(d, region=_clip(place(d.region)))
                   for d in template.decorations]  # fmt: skip
    return with_fields(template, slots=slots, decorations=decorations)


def _group_box(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _mirror_flip(box: Box, mirror: bool, flip: bool) -> Box:
    x0, y0, x1, y1 = box
    if mirror:
        x0, x1 = 1 - x1, 1 - x0
    if flip:
        y0, y1 = 1 - y1, 1 - y0
    return (x0, y0, x1, y1)


def _travel(want: float, room: tuple[float, float]) -> float:
    return float(min(max(want, -room[0]), room[1]))


def _shift_inside(box: Box) -> Box:
    """Move a box back onto the canvas (as far as its size allows) rather than cutting it."""
    x0, y0, x1, y1 = box
    dx = -x0 if x0 < 0 else min(0.0, 1 - x1)
    dy = -y0 if y0 < 0 else min(0.0, 1 - y1)
    return (x0 + dx, y0 + dy, x1 + dx, y1 + dy)


def _clip(box: Box) -> Box:
    x0, y0, x1, y1 = (min(1.0, max(0.0, v)) for v in box)
    return (x0, y0, max(x1, x0 + 1e-3), max(y1, y0 + 1e-3))


FRAME_BAND = 0.05  # a frame's ring (and a double frame's inner ring) reaches this far inside its region
# a moved group stops this far from the canvas edge (a designer's margin; a group the template itself
# puts nearer the edge is not pushed in, it only does not travel further out)
EDGE_MARGIN = 0.03


def _inside_frames(decorations: list[DecorationSpec]) -> Box:
    """The part of the canvas a moved text group stays in: inside the edge margin and inside every frame
    that borders the canvas, so a menu's prices do not run over the frame (a frame that is not drawn this
    sample still bounds it) and no text sits flush against the canvas edge."""
    x0, y0, x1, y1 = EDGE_MARGIN, EDGE_MARGIN, 1.0 - EDGE_MARGIN, 1.0 - EDGE_MARGIN
    for d in decorations:
        if d.kind == "frame" and _spans_canvas(d):
            fx0, fy0, fx1, fy1 = d.region
            x0, y0 = max(x0, fx0 + FRAME_BAND), max(y0, fy0 + FRAME_BAND)
            x1, y1 = min(x1, fx1 - FRAME_BAND), min(y1, fy1 - FRAME_BAND)
    return x0, y0, x1, y1


def _spans_canvas(spec: DecorationSpec) -> bool:
    x0, y0, x1, y1 = spec.region
    return x1 - x0 >= FULL_CANVAS and y1 - y0 >= FULL_CANVAS


def _calmest_offset(
    base: np.ndarray, group: Box, room_x: tuple[float, float], room_y: tuple[float, float], steps: int = 9
) -> tuple[float, float]:
    """The move of `group` (within its room) whose box covers the least image detail.

    Detail is the gradient magnitude of a small grey copy, summed with an integral image, so
    each candidate position costs four lookups.
    """
    h, w = base.shape[:2]
    scale = 96 / max(h, w)
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    if max(h, w) > 4 * 96:
        # area averaging by a fractional factor (1024 -> 96) is OpenCV's slow path, ~4 ms a call;
        # bilinear to 4x the size and then an exact 4:1 average is ~7x cheaper and keeps the detail.
        # Grey first: both resizes then move one channel, not three (414 -> 220 us at 512²)
        grey = cv2.cvtColor(base, cv2.COLOR_RGB2GRAY)
        grey = cv2.resize(grey, (4 * size[0], 4 * size[1]), interpolation=cv2.INTER_LINEAR)
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    else:
        small = cv2.resize(base, size, interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)
    detail = cv2.magnitude(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    integral = cv2.integral(detail)
    sh, sw = detail.shape
    # every candidate at once (dx outer, dy inner, as the scan below expects)
    dxs, dys = np.meshgrid(
        np.linspace(-room_x[0], room_x[1], steps), np.linspace(-room_y[0], room_y[1], steps), indexing="ij"
    )
    x0 = np.clip(np.rint((group[0] + dxs) * sw).astype(np.int64), 0, sw - 1)
    y0 = np.clip(np.rint((group[1] + dys) * sh).astype(np.int64), 0, sh - 1)
    x1 = np.clip(np.rint((group[2] + dxs) * sw).astype(np.int64), x0 + 1, sw)
    y1 = np.clip(np.rint((group[3] + dys) * sh).astype(np.int64), y0 + 1, sh)
    total = integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]
    costs = (total / ((x1 - x0) * (y1 - y0))).ravel().tolist()
    best, best_cost = 0, np.inf
    for i, cost in enumerate(costs):  # first clearly lowest: ties keep the earlier candidate
        if cost < best_cost - 1e-6:
            best, best_cost = i, cost
    if best_cost == np.inf:
        return (0.0, 0.0)
    return float(dxs.flat[best]), float(dys.flat[best])
