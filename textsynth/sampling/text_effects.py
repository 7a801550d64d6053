"""The text effects of designed titles: multiple outlines, inner glow, long shadow, textured fills,
characters of mixed size; drawn per slot from the sample's Generator where the template asks.

Each draws random numbers only when its slot names it, so templates that do not keep their bytes.
"""

from __future__ import annotations

import re

import numpy as np

from textsynth.render.colors import contrast_ratio, hex_to_rgb, relative_luminance, rgb_to_hex, shade
from textsynth.rng import child_seed
from textsynth.scene import Fill, Glow, LongShadow, Outline, TextStyle

# slot `effects:` names this module draws (the older five are drawn in sampler._style)
DESIGN_EFFECTS = ("outlines", "inner_glow", "long_shadow", "textured_fill", "mixed_size")
_PATTERN_WEIGHTS = {"metal": 0.5, "stripes": 0.2, "grain": 0.3}  # foil is the common one on titles
LONG_SHADOW_CONTRAST = 2.5  # between the glyphs' outer edge and the long shadow they cast
MIN_INSIDE_EFFECT_PX = 32  # below this, a texture or an inner glow in the strokes reads as noise
_INKS = ("#ffffff", "#111111", "#ffd700", "#c1121f")  # outline colours besides the palette's


def either(rng: np.random.Generator, options: tuple[float, ...]) -> float:
    """rng.choice(options) without turning the list into an array (9 µs a call): Generator.choice of a
    sequence without weights is exactly one integers(0, len) draw, as this is."""
    return options[int(rng.integers(len(options)))]


def sample_design_effects(
    style: TextStyle,
    effects: dict[str, float],
    patterns: tuple[str, ...],
    rng: np.random.Generator,
    local: tuple[int, int, int],
    size: int,
    palette: list[str] | None,
) -> None:
    """Add the effects the slot draws to `style`, in place; a slot naming none draws nothing."""
    on = {name: bool(rng.random() < effects[name]) for name in DESIGN_EFFECTS[:4] if effects.get(name, 0) > 0}
    # what designers do, and what stays readable: a texture or a rim of light needs room inside the
    # strokes, and one treatment inside the glyphs at a time (a texture, a gradient or an inner glow)
    roomy = size >= MIN_INSIDE_EFFECT_PX
    on["textured_fill"] = on.get("textured_fill", False) and roomy and style.fill.kind == "solid"
    on["inner_glow"] = (
        on.get("inner_glow", False) and roomy and style.fill.kind == "solid" and not on["textured_fill"]
    )
    if not any(on.values()):  # most slots: nothing drawn, nothing to add
        return
    color = style.color
    ground = rgb_to_hex(local)
    light_text = relative_luminance(hex_to_rgb(color)) > 0.4
    if on.get("textured_fill"):
        style.fill = _textured_fill(rng, color, size, patterns)
    if on.get("outlines"):
        _add_outlines(style, rng, size, palette, ground)
    if on.get("inner_glow"):
        style.inner_glow = Glow(
            round(size * float(rng.uniform(0.025, 0.045)), 2),
            shade(color, 0.7) if light_text else shade(color, 2.4),
            round(float(rng.uniform(0.5, 0.8)), 2),
        )
    if on.get("long_shadow") and style.extrude is None:  # an extrude is already a short solid shadow
        shadow = LongShadow(
            length=round(size * float(rng.uniform(0.4, 1.0)), 1),
            angle=either(rng, (45.0, 135.0)),
            color=shade(ground, 0.55),  # the ground's own colour, darker: the flat-design look
            opacity=round(float(rng.uniform(0.7, 1.0)), 2),
            fade=round(float(rng.uniform(0.0, 1.0)), 2),
        )
        # the shadow runs from the glyphs' edges: text of its tone would lose its outline in it
        edge = (
            style.outlines[-1].color
            if style.outlines
            else style.stroke_color
            if style.stroke_width
            else color
        )
        if contrast_ratio(edge, shadow.color) >= LONG_SHADOW_CONTRAST:
            style.shadow = None  # one shadow: the long one
            style.long_shadow = shadow


def _textured_fill(rng: np.random.Generator, color: str, size: int, patterns: tuple[str, ...]) -> Fill:
    weights = np.array([_PATTERN_WEIGHTS[name] for name in patterns])
    pattern = patterns[int(rng.choice(len(patterns), p=weights / weights.sum()))]
    angle = 90.0
    if pattern == "metal":
        second, scale = shade(color, 2.2), 0.0
    elif pattern == "stripes":
        # tonal and diagonal: level stripes would read as extra horizontal strokes of the characters
        light = relative_luminance(hex_to_rgb(color)) > 0.4
        # (a near tone in broad bands: sharper or finer stripes cut the strokes apart, OCR read 80%)
        second = shade(color, 0.84 if light else 1.3)
        scale, angle = round(size * float(rng.uniform(0.2, 0.3)), 1), either(rng, (45.0, 135.0))
    else:
        light = relative_luminance(hex_to_rgb(color)) > 0.4
        second, scale = shade(color, 0.7 if light else 1.8), round(size * float(rng.uniform(0.02, 0.05)), 1)
    seed = child_seed(rng) if pattern == "grain" else 0
    return Fill("texture", [color, second], angle=angle, pattern=pattern, scale=scale, seed=seed)


def _add_outlines(style: TextStyle, rng: np.random.Generator, size: int, palette, ground: str) -> None:
    """A stroke that stands off the fill, then one or two rings, each standing off the one inside it
    and the outermost off the ground, so no ring vanishes (the colours are searched together)."""
    inks = list(dict.fromkeys((palette or []) + list(_INKS)))
    free = [c for c in inks if contrast_ratio(c, style.color) >= 2.5]
    kept = style.stroke_width > 0 and contrast_ratio(style.stroke_color, style.color) >= 2.0
    wanted = 1 if rng.random() < 0.7 else 2
    options: list[tuple[str, ...]] = []
    # the stroke already drawn if rings can stand off it; fewer rings before a stroke of another colour
    tries = [
        (n, strokes)
        for strokes in ([style.stroke_color], free)
        if kept or strokes is free
        for n in (wanted, 1)
    ]
    for rings, strokes in tries:
        chains = [(stroke,) for stroke in strokes]
        for _ in range(rings):
            chains = [(*chain, c) for chain in chains for c in inks if contrast_ratio(c, chain[-1]) >= 2.0]
        options = [chain for chain in chains if contrast_ratio(chain[-1], ground) >= 2.5]
        if options:
            break
    if not options:  # nothing stands off both: the ring that stands off the ground most
        stroke = free[0] if free else max(inks, key=lambda c: contrast_ratio(c, style.color))
        options = [(stroke, max(inks, key=lambda c: contrast_ratio(c, ground)))]
    chain = options[int(rng.integers(len(options)))]
    if style.stroke_width == 0:
        style.stroke_width = max(1, round(size * float(rng.uniform(0.03, 0.05))))
    style.stroke_color = chain[0]
    style.outlines = [
        Outline(round(max(1.5, size * float(rng.uniform(0.03, 0.06))), 1), color) for color in chain[1:]
    ]


def emphasis_scales(text: str, primary: str | None, rng: np.random.Generator) -> list[float]:
    """Sizes per character for a title with one part set larger, as promo designs do: the number of
    an offer (全场**3**折), the key word (the corpus word inside a longer text) or the first character.
    Empty when the text is too short for a part to stand out."""
    scale = round(float(rng.uniform(1.25, 1.6)), 2)
    pick = rng.random()
    if len(text.replace(" ", "")) < 3:
        return []
    number = re.search(r"\d+(?:\.\d+)?", text)
    if number is not None and number.end() - number.start() < len(text) and pick < 0.8:
        start, stop = number.span()
    elif primary and primary in text and len(primary) < len(text) and pick < 0.6:
        start = text.index(primary)
        stop = start + len(primary)
    else:
        start, stop = 0, 1
    if text[start].isspace():
        return []
    return [scale if start <= i < stop else 1.0 for i in range(len(text))]
