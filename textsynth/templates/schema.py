"""The template schema: what a kind of image is made of, as plain data.

A template describes a kind of image (poster, shop sign, couplet...) as relative
regions with text sources and style ranges; `textsynth.sampling.sampler` turns it into a Scene.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

WORD_PLACEHOLDER = re.compile(r"\{(word|primary)\}")  # where a pattern draws a corpus word


def pattern_frames(arg: str) -> list[str]:
    """The frames of a `pattern:A|B` text source: one is drawn per sample, each equally likely."""
    return arg.split("|")


ROLES_HINT = "title, subtitle, body, label, price, date, name, ... (any short word)"
DIRECTIONS = ("horizontal", "vertical", "either")
ALIGNS = ("start", "center", "end")
# The procedural arrangements of `layout: auto` (textsynth.sampling.flow), in the order they are drawn from.
AUTO_ARRANGEMENTS = ("stack", "split", "columns", "row")
# glyph styles a slot may draw (`effects: {name: probability}`); outlines..mixed_size are
# sampling/text_effects.py's, neon is components/objects.py's lit tubes
STYLE_EFFECTS = (
    "stroke", "shadow", "extrude", "glow", "gradient", "neon",
    "outlines", "inner_glow", "long_shadow", "textured_fill", "mixed_size",
)  # fmt: skip
FILL_PATTERNS = ("metal", "stripes", "grain")  # textured fills (effects: textured_fill)
TEXT_SOURCE_HINT = (
    "'word', 'primary', 'words:N' or 'words:N-M', 'filler:KIND', 'genre:KIND' (or 'genre:A|B'), 'group:NAME.PART' "
    "(or 'group:NAME#ROW.PART'), 'literal:TEXT', 'pattern:...{word}...{price}...{street_address}...' (or 'pattern:A|B', one frame drawn), "
    "or a list of literal choices"
)


@dataclass
class Slot:
    """One place where text goes. Ranges are [low, high] and sampled uniformly."""

    role: str
    region: tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the canvas
    text: str | list[str] = "word"
    primary: bool = False
    p: float = 1.0
    font_styles: list[str] | None = None
    weight: tuple[int, int] | None = None
    size: tuple[float, float] = (0.06, 0.12)  # glyph size as a fraction of canvas height
    palette: str | list[str] | None = None
    min_contrast: float = 3.0
    align: str = "center"
    direction: str = "horizontal"
    max_chars: int = 10  # per line
    max_lines: int = 2
    separator: str = ""
    # STYLE_EFFECTS name -> probability
    effects: dict[str, float] = field(default_factory=dict)
    rotation: tuple[float, float] = (0.0, 0.0)
    curve: tuple[float, float, float] = (0.0, 0.0, 0.0)  # probability, low, high (sagitta / length)
    tilt: tuple[float, float] = (0.0, 0.0)  # probability, max angle in degrees
    char_spacing: tuple[float, float] = (0.0, 0.08)
    jitter: tuple[float, float] = (0.0, 0.0)  # hand-written wobble: per-character offset sd / size_px
    texture: tuple[float, float] = (0.0, 0.0)  # share of the surface detail showing through the ink
    overlap: bool = False  # may overlap other text (e.g. a watermark)
    fill_patterns: tuple[str, ...] = FILL_PATTERNS  # which textured fills `textured_fill` draws from


@dataclass
class DecorationSpec:
    kind: str
    region: tuple[float, float, float, float]
    p: float = 1.0
    color: str = "accent"  # a hex colour, or a palette role: accent, light, dark, any
    params: dict[str, Any] = field(default_factory=dict)
    # image_patch picture ids (from params.folder, resolved by sources.photos); empty = --backgrounds photos
    files: list[str] = field(default_factory=list)
    # with `layout: auto`: the roles of the slots this decoration sits behind (its region follows them)
    behind: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AutoLayout:
    """`layout: auto`: slots listed in reading order are placed per sample (textsynth.sampling.flow)."""

    arrangements: tuple[str, ...] = AUTO_ARRANGEMENTS  # the ones this template may use (aspect permitting)
    aligns: tuple[str, ...] = ALIGNS  # alignments a text block may take
    margin: tuple[float, float] = (0.05, 0.1)  # empty border on each side, as a fraction of the canvas
    gap: tuple[float, float] = (0.015, 0.04)  # space between blocks, as a fraction of the canvas


@dataclass(frozen=True)
class LayoutSpec:
    """How a template's composition varies per sample (see textsynth.sampling.arrangement)."""

    mirror: float = 0.0  # probability of the left-right mirrored composition
    flip: float = 0.0  # probability of the top-bottom flipped composition
    shift: float = 0.15  # the slot group moves up to this fraction of the canvas, where there is room
    scale: tuple[float, float] = (1.0, 1.0)  # and is scaled by a factor in this range (< 1 compacts it)
    calm: bool = False  # on a photo, move the group to the calmest area instead of a random shift
    auto: AutoLayout | None = None  # procedural placement instead of the slots' own regions


@dataclass
class Template:
    """A kind of image. A subclass may define `sample(rng, ctx, index) -> Scene` for full control."""

    name: str
    description: str = ""
    subject: dict[str, str] = field(default_factory=dict)
    aspects: list[float] = field(default_factory=list)  # width / height choices; empty = the config's size
    background_kinds: list[str] = field(default_factory=list)  # empty = all procedural kinds
    palette: str | list[str] | None = None
    photo: bool = True  # may use background photos (the shipped set and --backgrounds)
    photo_p: float | None = None  # share of samples on a photo; None = the config's photo_background_p
    slots: list[Slot] = field(default_factory=list)
    decorations: list[DecorationSpec] = field(default_factory=list)
    geometry: dict[str, float] = field(default_factory=dict)  # perspective / rotation -> probability
    effects: dict[str, float] = field(default_factory=dict)  # photometric effect -> probability override
    # All text on one plane seen at an angle (scene text): probability, max yaw/pitch in degrees.
    plane: tuple[float, float] = (0.0, 0.0)
    layout: LayoutSpec = field(default_factory=LayoutSpec)
    source: str = "<python>"

    def primary_slot(self) -> Slot:
        for slot in self.slots:
            if slot.primary:
                return slot
        return self.slots[0]
