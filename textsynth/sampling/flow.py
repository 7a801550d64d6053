"""Procedural layout (`layout: auto`): a template's slots placed per sample by a grid/flow algorithm.

A template in auto mode lists its slots in reading order and no regions. Each sample picks an
arrangement that suits the canvas's aspect, then cuts the canvas into regions that never overlap:

- `stack`: one column, top to bottom; anchored top, centre or bottom, or spread (title at the top,
  the rest at the foot), narrower than the canvas and pushed left, centre or right with its alignment;
- `split`: the title in a column of its own on the left (vertical where the slot allows it), the
  rest stacked beside it;
- `columns`: the title across the top, the rest in two columns under it;
- `row`: every block side by side, as banners are set.

Reading order is the slot order: each region lies below or to the right of the one before it.
Every choice comes from the sample's Generator, so the same seed gives the same layout.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any, TypeVar

import numpy as np

from textsynth.templates.schema import AutoLayout, DecorationSpec, Slot, Template

_T = TypeVar("_T")
_PLAIN = (Slot, DecorationSpec, Template)  # dataclasses without __post_init__ or init=False fields


def with_fields(obj: _T, **changes: Any) -> _T:
    """`dataclasses.replace` for the schema's plain dataclasses: a shallow copy with `changes` set.

    replace() runs the generated __init__ through keyword plumbing (~10 us for a Slot); arranging a
    sample copies every slot and decoration, so this copies the instance dict instead. Anything else
    (a Template subclass a plugin defines, say) still goes through replace()."""
    cls = type(obj)
    if cls not in _PLAIN:
        return dataclasses.replace(obj, **changes)
    copy = object.__new__(cls)
    copy.__dict__.update(obj.__dict__)
    copy.__dict__.update(changes)
    return copy


Box = tuple[float, float, float, float]
LINE_PITCH = 1.3  # a line's height, as a multiple of its glyph size (leading included)
ANCHORS = ("top", "centre", "bottom", "spread")
TYPICAL_WORD, TYPICAL_LINE = 4, 14  # characters in a typical corpus word, and in a typical one-line text
WIDE = 1.6  # from this width / height on, a canvas is set like a banner: blocks side by side
MIN_COLUMN_PX = 150  # a column narrower than this cannot hold a one-line date or venue at legible sizes
MIN_SIZE_PX = 15  # no line gets less room than glyphs this tall (the sampler sets none under 12 px)
SIZE_ASPECT = 0.75  # slot sizes are read as fractions of the height of a canvas of this shape
MAX_SIZE = 0.9  # the largest glyph size after resizing, as a fraction of the canvas height
BEHIND_PAD = 0.025  # a backing decoration reaches this far (canvas height) beyond its blocks
VERTICAL_TITLE_P = 0.7  # in a title column, a slot that may be either direction is set vertical this often


@dataclasses.dataclass(frozen=True)
class FlowResult:
    """What `flow_layout` decided: the arrangement's name, and the present slots with their regions."""

    arrangement: str
    slots: list[Slot]


def auto_arrange(template: Template, rng: np.random.Generator, width: int, height: int) -> Template:
    """A copy of `template` whose present slots carry this sample's regions (absent ones removed)."""
    spec = template.layout.auto
    assert spec is not None
    result = flow_layout(template.slots, spec, width / height, rng, template.primary_slot(), height)
    decorations = [_behind(d, result.slots, width / height) if d.behind else d for d in template.decorations]
    return with_fields(template, slots=result.slots, decorations=decorations)


def _behind(spec: DecorationSpec, slots: list[Slot], aspect: float) -> DecorationSpec:
    """A decoration that backs some blocks (a panel under the details): their joint box, padded."""
    boxes = [s.region for s in slots if s.role in spec.behind]
    if not boxes:  # the blocks it backs are absent from this sample: so is it
        return with_fields(spec, p=0.0)
    pad_y = BEHIND_PAD
    pad_x = pad_y / aspect
    box = (
        min(b[0] for b in boxes) - pad_x, min(b[1] for b in boxes) - pad_y,
        max(b[2] for b in boxes) + pad_x, max(b[3] for b in boxes) + pad_y,
    )  # fmt: skip
    return with_fields(spec, region=_clean(box))


def flow_layout(
    slots: list[Slot], spec: AutoLayout, aspect: float, rng: np.random.Generator, primary: Slot | None = None,
    height: int | None = None,
) -> FlowResult:  # fmt: skip
    """Place `slots` (in reading order) on a canvas of `aspect` = width / height; boxes are canvas fractions.

    The featured slot (see `featured`) and the primary are always present; others with probability `p`.
    `height`, the canvas height in pixels, keeps every line at least MIN_SIZE_PX tall on small canvases.
    """
    primary = primary if primary is not None else next((s for s in slots if s.primary), slots[0])
    star = featured(slots, primary)
    present = [s for s in slots if s is primary or s is star or rng.random() < s.p]
    lead = next(i for i, s in enumerate(present) if s is star)  # the block the arrangement features
    present = [_resized(s, aspect, MIN_SIZE_PX / height if height else 0.0) for s in present]
    choices = _weights(spec, aspect, star, len(present) - 1, aspect * height if height else None)
    names = list(choices)
    weights = np.array([choices[n] for n in names], dtype=np.float64)
    arrangement = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    margin_x, margin_y = (float(v) for v in rng.uniform(*spec.margin, size=2))
    if aspect >= WIDE:  # a banner's side borders as wide in pixels as its top and bottom ones, at most
        margin_x = min(margin_x, margin_y / aspect)
    gap = float(rng.uniform(*spec.gap))
    align = spec.aligns[int(rng.integers(len(spec.aligns)))]
    anchor = ANCHORS[int(rng.integers(len(ANCHORS)))]
    content = (margin_x, margin_y, 1.0 - margin_x, 1.0 - margin_y)
    placer = {"stack": _stack_all, "split": _split, "columns": _columns, "row": _row}[arrangement]
    if arrangement in ("stack", "split"):  # a narrowed column keeps room for a legible line
        placer = functools.partial(placer, least=MIN_COLUMN_PX / (aspect * height) if height else 0.0)
    boxes, directions = placer(present, lead, content, gap, aspect, align, anchor, rng)
    placed = [
        with_fields(
            slot, region=_clean(box), p=1.0, direction=directions.get(i, _flat(slot)),
            align=slot.align if slot.align != "center" else _along(align, directions.get(i)),
        )
        for i, (slot, box) in enumerate(zip(present, boxes, strict=True))
    ]  # fmt: skip
    return FlowResult(arrangement, placed)


def _along(align: str, direction: str | None) -> str:
    """A vertical title column hangs from the top (or sits centred), never at the foot under the rest."""
    return "start" if direction == "vertical" and align == "end" else align


def featured(slots: list[Slot], primary: Slot) -> Slot:
    """The block an arrangement features (the title): the slot with the largest glyphs, the primary on a tie.

    It is always present, like the primary; a greeting card features its greeting, not the wish under it.
    """
    return max(slots, key=lambda s: (s.size[1], s is primary))


def _weights(
    spec: AutoLayout, aspect: float, primary: Slot, others: int, width: float | None = None
) -> dict[str, float]:
    """How likely each allowed arrangement is on this aspect: banners set blocks side by side.

    `width` (pixels) rules out side-by-side columns too narrow for a line of legible text.
    """
    tall_title = primary.direction in ("vertical", "either")
    wide = aspect >= WIDE
    halves = width is None or width * 0.4 >= MIN_COLUMN_PX  # half the canvas, less margins and gap
    weights = {
        "stack": 0.0 if primary.direction == "vertical" else (0.2 if wide else 1.0),
        "split": (1.2 if wide else 0.6 if tall_title else 0.25) if others and halves else 0.0,
        "columns": 0.6
        if others >= 2 and 0.6 <= aspect < 2.2 and primary.direction != "vertical" and halves
        else 0.0,
        "row": (1.0 if aspect >= 1.8 else 0.3) if wide and 1 <= others <= 2 else 0.0,
    }
    allowed = {name: w for name, w in weights.items() if name in spec.arrangements and w > 0}
    if not allowed:  # nothing the template allows suits this canvas: one column always does
        return {"split" if primary.direction == "vertical" and others else "stack": 1.0}
    return allowed


def _resized(slot: Slot, aspect: float, floor: float) -> Slot:
    """Sizes are fractions of the height of a portrait (3:4) canvas of the same area: on a wider canvas
    they grow, so text keeps its pixel size whatever the shape and a banner's title fills its height.
    None below `floor`, so small canvases still give each line room for legible glyphs."""
    scale = min(max(1.0, math.sqrt(aspect / SIZE_ASPECT)), MAX_SIZE / slot.size[1])
    lo, hi = (min(MAX_SIZE, max(floor, v * scale)) for v in slot.size)
    return with_fields(slot, size=(round(lo, 4), round(hi, 4)))


def _flat(slot: Slot) -> str:
    return "horizontal" if slot.direction == "either" else slot.direction


def _need(slot: Slot, aspect: float, vertical: bool = False) -> float:
    """The room a block asks for across its lines: height (fraction of the canvas) or, if vertical, width."""
    size = (slot.size[0] + 2 * slot.size[1]) / 3  # near the top of the range: the fit shrinks if needed
    single = slot.max_lines == 1 or (isinstance(slot.text, str) and slot.text in ("word", "primary"))
    lines = 1 if single else min(slot.max_lines, 2)
    pitch = size * LINE_PITCH * lines
    return pitch / aspect if vertical else pitch


def _fitting(total: float, room: float) -> float:
    """The factor that shrinks a block (gaps included) of height `total` into `room`; 1 if it fits."""
    return min(1.0, room / total) if total > 0 else 1.0


def _under(needs: list[float], x0: float, x1: float, y: float, gap: float) -> list[Box]:
    """Boxes one under another from `y` down."""
    boxes = []
    for need in needs:
        boxes.append((x0, y, x1, y + need))
        y += need + gap
    return boxes


def _length(slot: Slot) -> float:
    """About how long a block's line runs, in glyph sizes: a word is short, a date or address longer."""
    words = isinstance(slot.text, str) and slot.text in ("word", "primary")
    return (slot.size[0] + slot.size[1]) / 2 * (TYPICAL_WORD if words else min(slot.max_chars, TYPICAL_LINE))


def _stack(
    slots: list[Slot], box: Box, gap: float, aspect: float, anchor: str, lead: int | None = None
) -> list[Box]:
    """Slots one under another inside `box`, heights from their sizes; leftover room set by `anchor`."""
    x0, y0, x1, y1 = box
    needs = [_need(s, aspect) for s in slots]
    total = sum(needs) + gap * (len(slots) - 1)
    factor = _fitting(total, y1 - y0)  # too tall: blocks and gaps shrink alike (the fit shrinks the text)
    needs, gap = [n * factor for n in needs], gap * factor
    spare = max(0.0, (y1 - y0) - total * factor)
    if anchor == "spread" and lead is not None and lead < len(slots) - 1:
        head = _under(needs[: lead + 1], x0, x1, y0, gap)  # the title at the top, the rest at the foot
        return head + _under(needs[lead + 1 :], x0, x1, head[-1][3] + gap + spare, gap)
    before = {"top": 0.0, "centre": spare / 2, "bottom": spare, "spread": spare / 2}[anchor]
    return _under(needs, x0, x1, y0 + before, gap)


def _narrow(box: Box, align: str, rng: np.random.Generator, lo: float = 0.6, least: float = 0.0) -> Box:
    """A column narrower than `box` (but not under `least`), pushed to the side its text is aligned to."""
    x0, y0, x1, y1 = box
    width = max(min(least, x1 - x0), (x1 - x0) * float(rng.uniform(lo, 1.0)))
    left = {"start": x0, "center": (x0 + x1 - width) / 2, "end": x1 - width}[align]
    return (left, y0, left + width, y1)


def _stack_all(slots, lead, content, gap, aspect, align, anchor, rng, least=0.0):
    column = _narrow(content, align, rng, least=least)
    return _stack(slots, column, gap, aspect, anchor, lead), {}


def _head(slots: list[Slot], content: Box, gap: float, aspect: float, share: float) -> list[Box]:
    """Blocks that read before the featured one: a band across the top, at most `share` of the height."""
    x0, y0, x1, y1 = content
    return _stack(slots, (x0, y0, x1, y0 + share * (y1 - y0)), gap, aspect, "top") if slots else []


def _split(slots, lead, content, gap, aspect, align, anchor, rng, least=0.0):
    """The title in a column on the left (reading starts there), the other blocks stacked to its right."""
    primary = slots[lead]
    vertical = primary.direction == "vertical" or (
        primary.direction == "either" and aspect < 1.6 and rng.random() < VERTICAL_TITLE_P
    )
    x0, y0, x1, y1 = content
    head = _head(slots[:lead], content, gap, aspect, 0.3)
    top = head[-1][3] + gap if head else y0
    inner = gap / aspect  # the gap between columns, as long in pixels as the one between rows
    if vertical:
        share = min(0.45 * (x1 - x0), max(0.12, _need(primary, aspect, vertical=True) * 1.2))
    else:
        share = (x1 - x0) * float(rng.uniform(0.4, 0.58))
    title = (x0, top, x0 + share, y1)
    side = _narrow((min(x1, x0 + share + inner), top, x1, y1), align, rng, lo=0.8, least=least)
    rest = _stack(slots[lead + 1 :], side, gap, aspect, anchor)
    return [*head, title, *rest], {lead: "vertical" if vertical else "horizontal"}


def _columns(slots, lead, content, gap, aspect, align, anchor, rng):
    """The title across the top (after any blocks listed before it), the rest in two columns below."""
    x0, y0, x1, y1 = content
    heads, others = slots[: lead + 1], slots[lead + 1 :]
    half = math.ceil(len(others) / 2)
    need = [_need(s, aspect) for s in slots]
    left_h = sum(need[lead + 1 : lead + 1 + half]) + gap * (half - 1)
    right_h = sum(need[lead + 1 + half :]) + gap * (len(others) - half - 1)
    total = sum(need[: lead + 1]) + gap * len(heads) + max(left_h, right_h)
    factor = _fitting(total, y1 - y0)
    need, gap = [n * factor for n in need], gap * factor
    spare = max(0.0, (y1 - y0) - total * factor)
    top = y0 + {"top": 0.0, "centre": spare / 2, "bottom": spare, "spread": 0.0}[anchor]
    head = _under(need[: lead + 1], x0, x1, top, gap)
    below = head[-1][3] + gap + (spare if anchor == "spread" else 0.0)
    inner = gap / aspect
    middle = (x0 + x1) / 2
    left = _under(need[lead + 1 : lead + 1 + half], x0, middle - inner / 2, below, gap)
    right = _under(need[lead + 1 + half :], middle + inner / 2, x1, below, gap)
    return head + left + right, {}


def _row(slots, lead, content, gap, aspect, align, anchor, rng):
    """Blocks side by side, left to right in reading order; the title takes the widest cell."""
    x0, y0, x1, y1 = content
    inner = gap / aspect
    shares = [_length(s) * (1.2 if i == lead else 1.0) for i, s in enumerate(slots)]
    room = max(0.0, x1 - x0 - inner * (len(slots) - 1))
    boxes, x = [], x0
    for share in shares:
        width = room * share / sum(shares)
        boxes.append((x, y0, x + width, y1))
        x += width + inner
    return boxes, {}


def _clean(box: Box) -> Box:
    """Clamped to the canvas and rounded (rounding keeps order, so neighbours still do not overlap)."""
    return tuple(round(min(1.0, max(0.0, float(v))), 4) for v in box)  # type: ignore[return-value]
