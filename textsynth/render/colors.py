"""Colour helpers shared by backgrounds, styles and captions: hex parsing, WCAG contrast, palettes, names.

Colours travel through the Scene as "#rrggbb" strings; these helpers turn them into RGB tuples,
pick readable text colours and name a colour in Chinese and English for captions.
"""

from __future__ import annotations

import colorsys
import functools
from collections.abc import Sequence

import numpy as np

from textsynth.errors import TextsynthError

RGB = tuple[int, int, int]

# Named palettes that suit poster kinds; each colour is "#rrggbb".
PALETTES: dict[str, list[str]] = {
    "warm": ["#f94144", "#f3722c", "#f8961e", "#f9c74f", "#fff3e0", "#7f2704"],
    "cool": ["#03045e", "#0077b6", "#00b4d8", "#90e0ef", "#caf0f8", "#1b263b"],
    "festive": ["#c1121f", "#8b0000", "#d4af37", "#ffd700", "#fff1c1", "#2b0a0a"],
    "pastel": ["#ffd6e0", "#ffefcf", "#d7f9f1", "#cde7ff", "#e8dcff", "#5c4b6b"],
    "dark": ["#0d1b2a", "#1b263b", "#222222", "#2d2d2d", "#e0e1dd", "#ffb703"],
    "neon": ["#0b0b1e", "#ff2e88", "#00f5d4", "#fee440", "#9b5de5", "#f15bb5"],
    "earth": ["#6b4226", "#a0522d", "#c9a66b", "#556b2f", "#e9dcc9", "#2f2a24"],
    "mono": ["#000000", "#333333", "#777777", "#bbbbbb", "#eeeeee", "#ffffff"],
    "paper": ["#f5efe0", "#ede3cc", "#fbf8f1", "#3b3024", "#8a6d4b", "#b23a2e"],
    "chalkboard": ["#1f3b2d", "#2b2b2b", "#f4f4f4", "#ffe66d", "#ff8fa3", "#9bf6ff"],
    "ocean": ["#023e8a", "#0096c7", "#48cae4", "#ade8f4", "#ffffff", "#ff7b00"],
    "forest": ["#1b4332", "#2d6a4f", "#52b788", "#d8f3dc", "#fefae0", "#bc6c25"],
    "vintage": ["#264653", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#f1e8d8"],
}

# (zh, en, reference colours) for caption colour names; the nearest reference in OKLab wins.
# Several references per name shape each region where one point would not (blues, yellows).
_NAMED: list[tuple[str, str, tuple[str, ...]]] = [
    ("红色", "red", ("#dc2020", "#ff0000", "#c0392b", "#e53935")),
    ("深红色", "dark red", ("#8b0a0a", "#6d0f14", "#9b111e")),
    ("玫红色", "magenta", ("#d81b7a", "#ff00ff", "#e91e63", "#ff1493")),
    ("橙色", "orange", ("#f5841f", "#ff8c00", "#ff6a13", "#ffa500")),
    ("金色", "gold", ("#d4a82c", "#b8860b", "#c9a227", "#daa520")),
    ("黄色", "yellow", ("#f7e01a", "#ffff00", "#ffd700", "#fff176", "#ffff99")),
    ("浅绿色", "light green", ("#9be28f", "#90ee90", "#b9f6ca")),
    ("绿色", "green", ("#2fa84f", "#00c000", "#00ff00", "#4caf50", "#7cb342", "#2e8b57")),
    ("深绿色", "dark green", ("#0f4d25", "#006400", "#1b4332", "#556b2f")),
    ("青色", "cyan", ("#1cc4c4", "#00ffff", "#40e0d0", "#00b4d8", "#008b8b")),
    ("天蓝色", "sky blue", ("#78c3ee", "#87ceeb", "#90e0ef", "#add8e6")),
    ("蓝色", "blue", ("#1f5fd6", "#0000ff", "#4169e1", "#1e88e5", "#0077b6", "#4682b4")),
    ("深蓝色", "dark blue", ("#0c1f5e", "#000080", "#03045e", "#1b263b", "#191970")),
    ("紫色", "purple", ("#7a3fb0", "#800080", "#8e44ad", "#9b5de5", "#b39ddb", "#4b0082")),
    ("粉色", "pink", ("#f5a3c2", "#ffc0cb", "#ffb6c1", "#ffd6e0", "#f48fb1")),
    ("棕色", "brown", ("#7a4a24", "#8b4513", "#a0522d", "#6b4226", "#3e2716", "#a52a2a")),
    ("米色", "beige", ("#eee1c2", "#f5f5dc", "#d2b48c", "#deb887", "#ede3cc", "#f5efe0")),
    ("白色", "white", ("#ffffff", "#f8f8f8", "#fbf8f1")),
    ("浅灰色", "light gray", ("#c8c8c8", "#d3d3d3", "#b0b0b0")),
    ("灰色", "gray", ("#8a8a8a", "#808080", "#9e9e9e", "#6e6e6e")),
    ("深灰色", "dark gray", ("#454545", "#333333", "#2b2b2b", "#555555")),
    ("黑色", "black", ("#000000", "#0d0d0d", "#1a1a1a")),
]

COLOR_NAMES: tuple[tuple[str, str], ...] = tuple(
    (zh, en) for zh, en, _ in _NAMED
)  # every name color_name gives

NEAR_BLACK = "#141414"
NEAR_WHITE = "#f8f8f8"


def hex_to_rgb(s: str) -> RGB:
    """Parse "#rgb" or "#rrggbb" (the "#" is optional) into an (r, g, b) tuple."""
    if not isinstance(s, str):
        raise TextsynthError(f"colour must be a hex string like '#ff8800', got {s!r}")
    return _parse_hex(s)


@functools.lru_cache(maxsize=4096)  # a run uses a few hundred colours, parsed ~60 times per sample
def _parse_hex(s: str) -> RGB:
    h = s.strip().lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    try:
        if len(h) != 6:
            raise ValueError
        value = int(h, 16)
    except ValueError:
        raise TextsynthError(f"colour must be a hex string like '#ff8800' or '#f80', got {s!r}") from None
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


def rgb_to_hex(rgb: Sequence[float]) -> str:
    """Format an (r, g, b) triple (0..255, clipped and rounded) as "#rrggbb"."""
    r, g, b = (min(255, max(0, round(float(c)))) for c in rgb[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def _as_rgb(color: str | Sequence[float]) -> RGB:
    if isinstance(color, str):
        return hex_to_rgb(color)
    r, g, b = (min(255, max(0, round(float(c)))) for c in color[:3])
    return r, g, b


def relative_luminance(rgb: str | Sequence[float]) -> float:
    """WCAG 2 relative luminance of an sRGB colour (hex or 0..255 triple), 0 = black, 1 = white."""
    if isinstance(rgb, str):
        return _hex_luminance(rgb)
    return _luminance(*_as_rgb(rgb))


@functools.lru_cache(maxsize=4096)  # palette colours, rated ~45 times a sample: one lookup, not three
def _hex_luminance(color: str) -> float:
    return _luminance(*hex_to_rgb(color))


@functools.lru_cache(maxsize=4096)
def _canonical_hex(color: str) -> str:
    """A hex colour as "#rrggbb" (lower case, six digits), as rgb_to_hex(hex_to_rgb(color)) gives it."""
    return rgb_to_hex(hex_to_rgb(color))


@functools.lru_cache(maxsize=1 << 16)  # ~60 calls per sample, mostly the same palette colours
def _luminance(r: int, g: int, b: int) -> float:
    channels = []
    for c in (r, g, b):
        v = c / 255.0
        channels.append(v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4)
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def mean_luminance(levels: Sequence[float]) -> float:
    """relative_luminance of a mean colour (three floats within 0..255, as a region's mean is): rounded
    only, without _as_rgb's clipping and conversions; the sampler asks this twice per placed block."""
    r, g, b = levels
    return _luminance(min(255, round(r)), min(255, round(g)), min(255, round(b)))


def luminance_ratio(la: float, lb: float) -> float:
    """contrast_ratio of two colours from their relative luminances (for one colour against several)."""
    return _ratio(la, lb)


def contrast_ratio(a: str | Sequence[float], b: str | Sequence[float]) -> float:
    """WCAG contrast ratio between two colours, from 1 (same) to 21 (black on white)."""
    return _ratio(relative_luminance(a), relative_luminance(b))


def _ratio(la: float, lb: float) -> float:
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def pick_color(rng: np.random.Generator, palette: Sequence[str] | None, avoid: str | None = None) -> str:
    """A palette colour (other than `avoid` when there is a choice), or a random pleasant colour."""
    if palette:
        choices = [c for c in palette if c != avoid] or list(palette)
        return _canonical_hex(choices[int(rng.integers(len(choices)))])
    r, g, b = colorsys.hsv_to_rgb(
        float(rng.random()), float(rng.uniform(0.25, 0.9)), float(rng.uniform(0.3, 0.97))
    )
    return rgb_to_hex((r * 255, g * 255, b * 255))


def shade(color: str, factor: float) -> str:
    """A lighter (factor > 1, towards white) or darker (factor < 1, towards black) version of a colour."""
    rgb = np.array(hex_to_rgb(color), dtype=np.float64)
    rgb = rgb * factor if factor <= 1 else 255 - (255 - rgb) / factor
    return rgb_to_hex(rgb)


def pick_text_color(
    rng: np.random.Generator,
    background_rgb: str | Sequence[float],
    palette: Sequence[str] | None,
    min_contrast: float = 3.0,
) -> str:
    """Choose a palette colour readable on the background; else near-black or near-white.

    If even those miss `min_contrast`, pure black or white, whichever contrasts more (mid-tones cannot
    reach 7:1 with any colour).
    """
    background = relative_luminance(background_rgb)  # once, not once per palette colour

    def contrast(color: str) -> float:
        return _ratio(relative_luminance(color), background)

    if palette:
        ok = [c for c in palette if contrast(c) >= min_contrast]
        if ok:
            return _canonical_hex(ok[int(rng.integers(len(ok)))])
    best = max((NEAR_BLACK, NEAR_WHITE), key=contrast)
    if contrast(best) >= min_contrast:
        return best
    return max(("#000000", "#ffffff"), key=contrast)


def _oklab(rgb: RGB) -> np.ndarray:
    """OKLab coordinates of an sRGB colour: perceptually even, and blue stays blue (unlike CIE Lab)."""
    v = np.asarray(rgb, dtype=np.float64) / 255.0
    lin = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    m1 = np.array(
        [
            [0.4122214708, 0.5363325363, 0.0514459929],
            [0.2119034982, 0.6806995451, 0.1073969566],
            [0.0883024619, 0.2817188376, 0.6299787005],
        ]
    )
    m2 = np.array(
        [
            [0.2104542553, 0.7936177850, -0.0040720468],
            [1.9779984951, -2.4285922050, 0.4505937099],
            [0.0259040371, 0.7827717662, -0.8086757660],
        ]
    )
    return m2 @ np.cbrt(m1 @ lin)


_NAMED_REFS = [(i, _oklab(hex_to_rgb(h))) for i, (_, _, refs) in enumerate(_NAMED) for h in refs]
_NAMED_INDEX = np.array([i for i, _ in _NAMED_REFS])
_NAMED_LAB = np.stack([lab for _, lab in _NAMED_REFS])
_ACHROMATIC = [
    i for i, (_, en, _) in enumerate(_NAMED) if en in ("white", "light gray", "gray", "dark gray", "black")
]
_GREY_CHROMA = 0.02
_TINT_CHROMA = 0.06


_NAMED_ACHROMATIC = np.isin(_NAMED_INDEX, _ACHROMATIC)  # which references are greys


def color_name(color: str | Sequence[float]) -> tuple[str, str]:
    """Nearest everyday colour name (Chinese, English) for captions, e.g. ("红色", "red").

    Memoised for hex strings: a run names a few thousand colours (grounds, objects, text), each once
    per caption language."""
    return _hex_color_name(color) if isinstance(color, str) else _nearest_name(color)


@functools.lru_cache(maxsize=4096)
def _hex_color_name(hex_color: str) -> tuple[str, str]:
    return _nearest_name(hex_color)


def _nearest_name(color: str | Sequence[float]) -> tuple[str, str]:
    lab = _oklab(_as_rgb(color))
    dist = ((_NAMED_LAB - lab) ** 2).sum(axis=1)
    chroma = np.hypot(lab[1], lab[2])
    # A neutral colour gets a neutral name (#eeeeee is white, not beige); a clearly tinted one never does.
    if chroma < _GREY_CHROMA:
        dist = np.where(_NAMED_ACHROMATIC, dist, np.inf)
    elif chroma > _TINT_CHROMA:
        dist = np.where(_NAMED_ACHROMATIC, np.inf, dist)
    zh, en, _ = _NAMED[int(_NAMED_INDEX[int(np.argmin(dist))])]
    return zh, en
