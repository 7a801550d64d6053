"""The Scene: plain data describing one sample, fully sampled before any pixel moves.

Rendering is a pure function of a Scene, so the JSON record of a sample is enough
to render it again. Every field here is JSON-friendly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Point = tuple[float, float]
Polygon = list[Point]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in canvas pixels
Direction = Literal["ltr", "ttb"]


@dataclass
class Fill:
    """Glyph fill: one colour, a linear gradient across the text block, or a texture (`pattern`)."""

    kind: Literal["solid", "gradient", "texture"] = "solid"
    colors: list[str] = field(default_factory=lambda: ["#000000"])
    angle: float = 90.0  # gradient direction in degrees, 90 = top to bottom
    # texture fills: "metal" (foil with a horizon band), "stripes" (two colours), "grain" (worn print)
    pattern: str = ""
    scale: float = 0.0  # stripe period or grain size in pixels
    seed: int = 0  # the grain is drawn from this, so applying stays a pure function


@dataclass
class Shadow:
    dx: float
    dy: float
    blur: float
    color: str = "#000000"
    opacity: float = 0.6


@dataclass
class Extrude:
    """A 3D block look: the glyphs repeated `depth` times along (dx, dy).

    With `light` (the direction light comes from, degrees, 0 = from the right, 90 = from below),
    each side face is shaded by how squarely it faces the light; None keeps the flat depth ramp.
    """

    depth: int
    dx: float
    dy: float
    color: str = "#333333"
    light: float | None = None


@dataclass
class Outline:
    """One more ring outside the stroke (multiple strokes): `width` pixels beyond the ring inside it."""

    width: float
    color: str


@dataclass
class LongShadow:
    """A flat shadow swept from the glyphs `length` pixels along `angle` (degrees, 45 = down-right);
    `fade` is how much of its opacity it loses by the far end (0 = flat to the end)."""

    length: float
    angle: float = 45.0
    color: str = "#000000"
    opacity: float = 1.0
    fade: float = 0.0


@dataclass
class Glow:
    radius: float
    color: str = "#ffffff"
    opacity: float = 0.8


@dataclass
class TextStyle:
    fill: Fill = field(default_factory=Fill)
    stroke_width: int = 0
    stroke_color: str = "#ffffff"
    shadow: Shadow | None = None
    extrude: Extrude | None = None
    glow: Glow | None = None
    # rings outside the stroke, innermost first (double and triple outlines of promo titles)
    outlines: list[Outline] = field(default_factory=list)
    inner_glow: Glow | None = None  # light (or dark) seeping in from the glyph edges, inside the fill
    long_shadow: LongShadow | None = None
    # share of the surface's fine detail (brick, plaster, wood grain) that shows through the ink, as
    # paint on a wall does; 0 = printed flat on top
    texture: float = 0.0

    @property
    def color(self) -> str:
        return self.fill.colors[0]


@dataclass
class TextItem:
    """One block of text: already wrapped into lines, with its font and place chosen.

    `box` is where the block is laid out (canvas pixels, before rotation/tilt/global
    geometry); `align` places the block inside it.
    """

    text: str  # the full text, lines joined without separators
    role: str
    font: str  # font face id from the manifest
    size_px: int
    direction: Direction
    box: Box
    lines: list[str] = field(default_factory=list)
    align: Literal["start", "center", "end"] = "center"
    style: TextStyle = field(default_factory=TextStyle)
    rotation: float = 0.0  # degrees, counter-clockwise, about the block centre
    tilt: list[list[float]] | None = None  # 3x3 homography about the block (text on a tilted plane)
    curve: float = 0.0  # arc bend: sagitta as a fraction of line length, 0 = straight
    char_spacing: float = 0.0  # extra space between characters, fraction of size_px
    line_spacing: float = 1.2
    font_style: str = ""  # the face's style class, kept for captions
    font_family: str = ""
    primary: bool = False  # holds the run's cycle word (the one the 50k coverage counts)
    jitter: float = 0.0  # hand-written wobble: per-character offset sd, as a fraction of size_px
    jitter_seed: int = 0  # the offsets are drawn from this, so applying stays a pure function
    script: str = ""  # the face's glyph forms, SC or TC ("" in records made before it was kept)
    # per character of `text`, its size over size_px (a larger first character or key word, on the
    # same baseline); empty = all 1. Horizontal straight text only.
    char_scales: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.lines:
            self.lines = [self.text]


@dataclass
class Decoration:
    """A shape drawn between background and text: panel, line, frame, badge, stripes, patch."""

    kind: str
    box: Box
    color: str = "#ffffff"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Layer:
    """A sampled effect or background: a name and the parameters that were applied."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scene:
    width: int
    height: int
    template: str
    background: Layer
    texts: list[TextItem] = field(default_factory=list)
    decorations: list[Decoration] = field(default_factory=list)
    geometry: list[Layer] = field(default_factory=list)  # global warps, applied in order
    effects: list[Layer] = field(default_factory=list)  # photometric: lighting, noise, blur
    jpeg_quality: int = 90
    subject: dict[str, str] = field(default_factory=dict)  # {"zh": "促销海报", "en": "promotional poster"}
    # the photo shown where geometry uncovers canvas (render/backdrop.py); None = each step's flat surround
    backdrop: Layer | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scene:
        data = dict(data)
        data["background"] = Layer(**data["background"])
        data["texts"] = [_text_from_json(t) for t in data.get("texts", [])]
        data["decorations"] = [_decoration_from_json(d) for d in data.get("decorations", [])]
        data["geometry"] = [Layer(**g) for g in data.get("geometry", [])]
        data["effects"] = [Layer(**e) for e in data.get("effects", [])]
        if data.get("backdrop") is not None:
            data["backdrop"] = Layer(**data["backdrop"])
        return cls(**data)


def _decoration_from_json(data: dict[str, Any]) -> Decoration:
    data = dict(data)
    data["box"] = tuple(data["box"])
    return Decoration(**data)


def _text_from_json(data: dict[str, Any]) -> TextItem:
    data = dict(data)
    style = dict(data.pop("style"))
    style["fill"] = Fill(**style["fill"])
    for key, kind in (
        ("shadow", Shadow), ("extrude", Extrude), ("glow", Glow), ("inner_glow", Glow), ("long_shadow", LongShadow),
    ):  # fmt: skip
        if style.get(key) is not None:
            style[key] = kind(**style[key])
    style["outlines"] = [Outline(**o) for o in style.get("outlines", [])]
    data["box"] = tuple(data["box"])
    return TextItem(style=TextStyle(**style), **data)
