"""Backgrounds: procedural textures and user photos, each sampled into JSON params and rendered from them.

Every kind is a pair `sample(rng, width, height, palette) -> params` and a pure
`apply(params, width, height) -> HxWx3 uint8 RGB`. Noise comes from a `seed` recorded in the params,
so a Layer's JSON is enough to render the same pixels again. Textures are built at low resolution or
from small tiles and upscaled with OpenCV, which keeps a 1024x1024 background within a few milliseconds;
per-pixel grain is a seeded window of one fixed noise pool (see GRAIN_POOL_BYTES).
"""

from __future__ import annotations

import colorsys
import functools
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from statistics import NormalDist

import cv2
import numpy as np

from textsynth.components.registry import Component, DescribeFn, Registry
from textsynth.errors import TextsynthError
from textsynth.render.colors import color_name, hex_to_rgb, pick_color, rgb_to_hex, shade
from textsynth.rng import child_seed
from textsynth.scene import Layer
from textsynth.sources.photos import Photo, render_photo_crop, sample_photo_crop

SampleFn = Callable[[np.random.Generator, int, int, "list[str] | None"], dict]
ApplyFn = Callable[[dict, int, int], np.ndarray]
PhrasesFn = Callable[[dict], "tuple[str, str]"]  # the built-ins' (zh, en) phrases

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")


BACKGROUNDS = Registry("background")
# Names of all registered kinds, in registration order; `register_background` appends to it.
BACKGROUND_KINDS: list[str] = BACKGROUNDS.names


def register_background(
    name: str, sample_fn: SampleFn, apply_fn: ApplyFn, describe_fn: DescribeFn | None = None
) -> None:
    """Add a background kind that templates and `sample_background` can then choose by name.

    Contract: `sample_fn(rng, width, height, palette) -> dict` makes every random choice and returns
    JSON-friendly params (draw a `seed` with `textsynth.rng.child_seed(rng)` for any noise);
    `apply_fn(params, width, height) -> np.ndarray` is pure and returns HxWx3 uint8 RGB. Put a
    `base_color` ("#rrggbb") in the params to get the colour into captions, or pass
    `describe_fn(params, lang) -> str | None` for your own caption phrase. Registered as a `Registry`
    component (registry.py); `apply_fn` keeps its documented (params, width, height) form.
    """

    def sample(
        rng: np.random.Generator, width: int, height: int, palette: list[str] | None = None, **_
    ) -> dict:
        return sample_fn(rng, width, height, palette)

    def apply(canvas: np.ndarray, params: dict) -> np.ndarray:
        return apply_fn(params, canvas.shape[1], canvas.shape[0])

    def describe(params: dict, lang: str) -> str:
        phrase = describe_fn(params, lang) if describe_fn is not None else None
        if phrase is None:
            zh, en = _describe_by_color(name, params)
            phrase = zh if lang == "zh" else en
        return phrase

    BACKGROUNDS.register(name, sample, apply, describe)


def _check_kind(name: str) -> Component:
    if name not in BACKGROUNDS:
        raise TextsynthError(f"background kind must be one of {', '.join(BACKGROUND_KINDS)}, got {name!r}")
    return BACKGROUNDS.get(name)


def sample_background(
    rng: np.random.Generator,
    width: int,
    height: int,
    kinds: Sequence[str] | None = None,
    palette: list[str] | None = None,
    photos: Sequence[Photo] = (),
) -> Layer:
    """Choose a kind uniformly from `kinds` and sample it; by default the built-in procedural kinds."""
    if kinds is None:
        names = [k for k in BUILTIN_BACKGROUND_KINDS if k != "photo"]
    else:
        names = list(kinds)
        if not names:
            raise TextsynthError(f"background kinds must name at least one of {', '.join(BACKGROUND_KINDS)}")
        for name in names:
            _check_kind(name)
        if "photo" in names and not photos:
            raise TextsynthError(
                "background kind 'photo' needs photos: install the photo set or pass --backgrounds"
            )
    name = names[int(rng.integers(len(names)))]
    if name == "photo":
        return Layer(name="photo", params=_sample_photo(rng, width, height, photos))
    return Layer(name=name, params=BACKGROUNDS.get(name).sample(rng, width, height, palette=palette))


def render_background(layer: Layer, width: int, height: int) -> np.ndarray:
    """Render a sampled background Layer to an HxWx3 uint8 RGB array."""
    try:
        # the canvas only gives the size: np.empty touches no memory
        out = _check_kind(layer.name).apply(np.empty((height, width, 3), np.uint8), layer.params)
    except KeyError as e:
        raise TextsynthError(
            f"background {layer.name!r}: params lack {e.args[0]!r}, got {layer.params}"
        ) from None
    if not isinstance(out, np.ndarray) or out.shape != (height, width, 3) or out.dtype != np.uint8:
        got = getattr(out, "shape", type(out).__name__), getattr(out, "dtype", "")
        raise TextsynthError(
            f"background kind {layer.name!r} must return a ({height}, {width}, 3) uint8 array, got {got}"
        )
    return out


def describe_background(layer: Layer) -> tuple[str, str]:
    """Caption phrase (zh, en) for the background, e.g. ("红色渐变背景", "a red gradient background")."""
    _check_kind(layer.name)
    return BACKGROUNDS.describe_both(layer.name, layer.params)


def _describe_by_color(name: str, params: dict) -> tuple[str, str]:
    base = params.get("base_color") or params.get("color")
    if base:
        zh, en = color_name(base)
        return f"{zh}背景", _a(f"{en} background")
    return "背景", _a(f"{name.replace('_', ' ')} background")


def _a(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def _colored(zh_noun: str, en_noun: str) -> PhrasesFn:
    def describe(params: dict) -> tuple[str, str]:
        zh, en = color_name(params.get("base_color") or params["color"])
        return f"{zh}{zh_noun}", _a(f"{en} {en_noun}")

    return describe


# ---------------------------------------------------------------- shared helpers


def _solid(height: int, width: int, rgb: Sequence[int]) -> np.ndarray:
    # Row-wise broadcast: numpy's fill over a trailing axis of 3 is ~20x slower. The array returned
    # owns its memory, so render_scene may draw on it in place instead of copying it (see `own_base`).
    out = np.empty((height, width, 3), np.uint8)
    out.reshape(height, width * 3)[:] = np.tile(np.asarray(rgb, np.uint8), width)
    return out


def _small_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    s = min(1.0, long_side / max(width, height))
    return max(2, round(width * s)), max(2, round(height * s))


def _centres(n_small: int, n_full: int) -> np.ndarray:
    """Full-resolution coordinate of each low-res pixel centre, as cv2.resize maps them."""
    return (np.arange(n_small) + 0.5) * (n_full / n_small) - 0.5


def _ramp(t: np.ndarray, colors: Sequence[str]) -> np.ndarray:
    """Colour a [0, 1] map with evenly spaced colour stops."""
    cols = np.array([hex_to_rgb(c) for c in colors], np.float64)
    stops = np.linspace(0.0, 1.0, len(cols))
    out = np.stack([np.interp(t, stops, cols[:, k]) for k in range(3)], axis=-1)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _resize(img: np.ndarray, width: int, height: int, interp: int = cv2.INTER_LINEAR) -> np.ndarray:
    if img.shape[1] == width and img.shape[0] == height:
        return img.copy()
    return cv2.resize(img, (width, height), interpolation=interp)


# the 256 equal-probability quantiles of N(0, 1), computed once: sigmas are drawn per sample (two
# decimals, hundreds of values), so the table per sigma, built from 256 inv_cdf calls, missed its cache
# nearly every time
_NORMAL_QUANTILES = np.array([NormalDist().inv_cdf((i + 0.5) / 256) for i in range(256)])


@functools.lru_cache(maxsize=32)
def _gauss_table(sigma: float) -> np.ndarray:
    """256 equal-probability Gaussian quantiles around 128: uniform bytes through it are N(128, sigma)."""
    return np.clip(np.round(_NORMAL_QUANTILES * sigma + 128), 0, 255).astype(np.uint8)


# Grain is a window of one fixed pool of N(0, POOL_SIGMA) int8 noise (the same bytes in every process),
# at an offset drawn from the sample's generator, scaled to the sample's sigma: drawing and tabling a
# canvas of fresh bytes per sample was ~0.6 ms at 1024², the window and its one scaling pass ~0.15.
# A window never repeats within an image; canvases larger than the pool draw fresh bytes as before.
GRAIN_POOL_BYTES = 8 << 20  # 3 channels of a 1024x1024 canvas, with room for offsets
GRAIN_POOL_SIGMA = 16.0  # the largest sigma scaled down from the pool; a larger one draws fresh bytes


@functools.cache
def _grain_pool() -> np.ndarray:
    raw = np.random.default_rng(0x6A61).bit_generator.random_raw(GRAIN_POOL_BYTES // 8)
    table = np.clip(np.round(_NORMAL_QUANTILES * GRAIN_POOL_SIGMA), -128, 127).astype(np.int8)
    pool = cv2.LUT(raw.astype("<u8", copy=False).view(np.uint8), table.view(np.uint8)).view(np.int8).ravel()
    pool.flags.writeable = False
    return pool


def gaussian_grain(
    g: np.random.Generator, height: int, width: int, sigma: float, signed: bool = False
) -> np.ndarray:
    """Per-pixel Gaussian grain around 128 (uint8), or around 0 as int8 with `signed` (saves add_centred
    a pass); see GRAIN_POOL_BYTES for where it comes from."""
    window = _pool_window(g, height, width, sigma)
    if window is None:
        return _fresh_grain(g, height, width, sigma, signed)
    grain = cv2.addWeighted(window, sigma / GRAIN_POOL_SIGMA, window, 0.0, 0.0)  # rounds, stays int8
    if signed:
        return grain
    view = grain.view(np.uint8)
    view ^= np.uint8(0x80)
    return view


def _pool_window(g: np.random.Generator, height: int, width: int, sigma: float) -> np.ndarray | None:
    """A window of the pool at an offset drawn from `g` (read-only), or None (nothing drawn) when the
    canvas is too large for the pool or sigma above its own."""
    n = height * width
    if n > GRAIN_POOL_BYTES // 2 or sigma > GRAIN_POOL_SIGMA:
        return None
    start = int(g.integers(GRAIN_POOL_BYTES - n + 1))
    return _grain_pool()[start : start + n].reshape(height, width)


def _fresh_grain(g: np.random.Generator, height: int, width: int, sigma: float, signed: bool) -> np.ndarray:
    """Grain from the generator's own bytes (little-endian raw words, 3x faster than `integers`) through
    a quantile table, for canvases the pool cannot cover."""
    n = height * width
    raw = g.bit_generator.random_raw(-(-n // 8)).astype("<u8", copy=False).view(np.uint8)
    table = _gauss_table(round(sigma, 2))
    if signed:
        return cv2.LUT(raw[:n].reshape(height, width), table ^ np.uint8(0x80)).view(np.int8)
    return cv2.LUT(raw[:n].reshape(height, width), table)


def add_centred(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """a + b - 128, saturated to uint8: add a map centred on 128 (noise, grain) to an image or map.

    `b` may also be int8 centred on 0 (`gaussian_grain(..., signed=True)`), which saves a pass; `out`
    (may be `a` itself) receives the result instead of a new array.

    Flipping the top bit maps uint8 v to int8 v - 128, where OpenCV's saturating int8 add is exactly
    clip(a + b - 128) once flipped back: three integer SIMD passes, ~3x faster than addWeighted's floats.
    """
    signed_b = b if b.dtype == np.int8 else (b ^ np.uint8(0x80)).view(np.int8)  # int8 b: already centred
    flipped = np.bitwise_xor(a, np.uint8(0x80), out=out)
    cv2.add(flipped.view(np.int8), signed_b, dst=flipped.view(np.int8))
    flipped ^= np.uint8(0x80)
    return flipped


def draw_grain(g: np.random.Generator, height: int, width: int, sigma: float) -> tuple[np.ndarray, float]:
    """Grain for `add_grain` as (int8 noise around 0, scale): a window of the shared pool to scale by
    `scale` (the draw `gaussian_grain` makes), or fresh grain already at sigma with scale 1."""
    window = _pool_window(g, height, width, sigma)
    if window is None:
        return _fresh_grain(g, height, width, sigma, True), 1.0
    return window, sigma / GRAIN_POOL_SIGMA


def add_grain(image: np.ndarray, grain: tuple[np.ndarray, float], flipped: bool = False) -> np.ndarray:
    """image + grain (from `draw_grain`), saturated, in place: what `add_centred(image, gaussian_grain(
    ..., signed=True))` gives (but for round-half ties), the scaling and the add in one pass.

    With `flipped` the result keeps its top bit flipped (uint8 v stored as v ^ 0x80), for a caller that
    folds the flip back into a colour table (`_colour_table(..., flipped=True)`): a full pass saved.
    """
    noise, scale = grain
    signed = np.bitwise_xor(image, np.uint8(0x80), out=image).view(np.int8)
    cv2.addWeighted(noise, scale, signed, 1.0, 0.0, dst=signed)
    return image if flipped else np.bitwise_xor(image, np.uint8(0x80), out=image)


def _colorize(gray: np.ndarray, base: str, strength: float, flipped: bool = False) -> np.ndarray:
    """Map a uint8 map centred on 128 to colour: base colour at 128, scaled darker/lighter around it.
    `flipped`: the map's top bit is flipped (as `add_grain(..., flipped=True)` leaves it)."""
    v = (np.arange(256, dtype=np.float64) - 128) / 128 * strength
    rgb = np.array(hex_to_rgb(base), np.float64)
    lut = np.where(v[:, None] < 0, rgb * (1 + v[:, None]), rgb + (255 - rgb) * v[:, None])
    table = np.clip(lut + 0.5, 0, 255).astype(np.uint8)
    return lut_rgb(gray, table[np.arange(256) ^ 0x80] if flipped else table)


def lut_rgb(gray: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Map a uint8 HxW map through a 256x3 uint8 colour table to HxWx3 RGB.

    Packing each RGB entry into one int32 makes this a single-channel cv2.LUT, ~6x faster than a
    three-channel LUT over a grey image expanded to RGB.
    """
    packed = np.zeros((256, 4), np.uint8)
    packed[:, :3] = table
    out = cv2.LUT(gray, packed.view(np.int32).ravel())
    return cv2.cvtColor(out.view(np.uint8).reshape(*gray.shape, 4), cv2.COLOR_RGBA2RGB)


def _smooth_noise(g: np.random.Generator, width: int, height: int, cells: int) -> np.ndarray:
    """Smooth float32 noise (std ~1) with about `cells` blobs along the long side."""
    sw, sh = _small_size(width, height, cells)
    small = g.standard_normal((sh, sw)).astype(np.float32)
    # Cubic to quarter size, then linear: as smooth as cubic all the way, at a third of the cost.
    mid = cv2.resize(small, (max(sw, width // 4), max(sh, height // 4)), interpolation=cv2.INTER_CUBIC)
    return cv2.resize(mid, (width, height), interpolation=cv2.INTER_LINEAR)


def _smooth_map(g: np.random.Generator, width: int, height: int, cells: int, scale: float) -> np.ndarray:
    """uint8 smooth noise around 128 (std ~`scale` levels) with about `cells` blobs along the long side.

    The same draws and shape as `_smooth_noise`, but quantised at an eighth of the size and enlarged
    once as uint8 (linear over 8 px of a blob ~100 px wide is within a tenth of a level of cubic): a
    full-size float map and its conversion cost ~4x the bytes for no visible difference."""
    sw, sh = _small_size(width, height, cells)
    small = g.standard_normal((sh, sw)).astype(np.float32)
    mid = cv2.resize(small, (max(sw, width // 8), max(sh, height // 8)), interpolation=cv2.INTER_CUBIC)
    return cv2.resize(_to_u8(mid, scale), (width, height), interpolation=cv2.INTER_LINEAR)


@functools.cache
def _normal_lut() -> np.ndarray:
    return _NORMAL_QUANTILES.astype(np.float32)


def _quantile_normal(g: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """float32 N(0, 1) noise quantised to 256 equal-probability levels: random bytes through a table,
    ~30x faster than standard_normal, and as good once octaves are smoothed and summed."""
    n = shape[0] * shape[1]
    raw = g.bit_generator.random_raw(-(-n // 8)).astype("<u8", copy=False).view(np.uint8)
    return cv2.LUT(raw[:n].reshape(shape), _normal_lut())


def _to_u8(values: np.ndarray, scale: float, offset: float = 128.0) -> np.ndarray:
    """Saturating float -> uint8 of values * scale + offset; callers keep that above 0 (cv2 takes abs)."""
    return cv2.convertScaleAbs(values, alpha=scale, beta=offset)


# ---------------------------------------------------------------- flat and gradients


def _sample_flat(rng: np.random.Generator, width: int, height: int, palette: list[str] | None) -> dict:
    return {"base_color": pick_color(rng, palette)}


def _apply_flat(params: dict, width: int, height: int) -> np.ndarray:
    # "color" is accepted too, as hand-written scenes tend to say it.
    return _solid(height, width, hex_to_rgb(params.get("base_color") or params["color"]))


def _gradient_colors(rng: np.random.Generator, palette: list[str] | None) -> list[str]:
    first = pick_color(rng, palette)
    if palette and len(set(palette)) > 1 and rng.random() < 0.6:
        second = pick_color(rng, palette, avoid=first)
    else:
        second = shade(first, float(rng.choice([rng.uniform(0.35, 0.75), rng.uniform(1.6, 4.0)])))
    colors = [first, second]
    if rng.random() < 0.25:
        colors.append(shade(first, float(rng.uniform(0.6, 1.6))))
    return colors


def _sample_linear(rng: np.random.Generator, width: int, height: int, palette: list[str] | None) -> dict:
    colors = _gradient_colors(rng, palette)
    return {"colors": colors, "angle": round(float(rng.uniform(0, 360)), 2), "base_color": colors[0]}


def _line_field(
    width: int,
    height: int,
    dx: float,
    dy: float,
    colour_line: Callable[[np.ndarray], np.ndarray],
    period: float = 0.0,
    phases: int = 1,
) -> np.ndarray:
    """HxWx3 image whose pixel (x, y) is the colour of u = x dx + y dy, for fields that vary along one
    direction (gradients, stripes), at the cost of one full-size write.

    Along a row u moves by dx per pixel, so every row is a window of one line sampled at that step,
    shifted by y dy / dx: `colour_line(u)` colours the line's points (n x 3 uint8) and the rows are
    gathered as contiguous copies. The shift is rounded to 1/`phases` of a pixel (one line per
    fraction): half a pixel is invisible on a gradient, not on a sharp edge. A field with a `period`
    along u needs the line only one period (plus a row) long. Needs dx != 0.
    """
    r = dy / dx
    along = np.arange(height) * r
    step = abs(period / dx) if period else math.inf
    if step < abs(r) * (height - 1):
        along = np.mod(along, step)  # whole periods later along the line look the same
    ticks = np.round(along * phases).astype(np.intp)  # the shift in 1/phases of a pixel
    shifts, fractions = np.divmod(ticks, phases)
    first = int(shifts.min())
    shifts -= first
    n = width + int(shifts.max())
    u = (np.arange(n) + first + np.arange(phases)[:, None] / phases) * dx  # one line per fraction
    line = np.ascontiguousarray(colour_line(u.ravel()), np.uint8)
    rows = np.lib.stride_tricks.as_strided(
        line, shape=(len(line) - width + 1, width, 3), strides=(3, 3, 1), writeable=False
    )
    return rows[fractions * n + shifts]  # windows never cross from one line into the next


# Steeper than this many pixels of shift per row, a linear gradient is tilted to it: its line stays a
# few hundred KB, and the tilt (under 0.25 degrees) is invisible on a gradient.
MAX_ROW_SHIFT = 256


def _apply_linear(params: dict, width: int, height: int) -> np.ndarray:
    a = math.radians(params["angle"])  # 90 = first colour at the top, like Fill.angle
    dx, dy = math.cos(a), math.sin(a)
    half = max(abs(dx) * (width - 1) + abs(dy) * (height - 1), 1.0) / 2
    if abs(dx) * MAX_ROW_SHIFT < abs(dy):
        dx = math.copysign(abs(dy) / MAX_ROW_SHIFT, dx)
    offset = ((width - 1) * dx + (height - 1) * dy) / 2  # u of the centre

    def colour_line(u: np.ndarray) -> np.ndarray:
        # exact colour stops on at most 1024 points, enlarged linearly (a stop's kink blurs < 2 px)
        m = min(len(u), 1024)
        at = np.interp(_centres(m, len(u)), np.arange(len(u)), u)
        coarse = _ramp(np.clip((at - offset) / (2 * half) + 0.5, 0, 1), params["colors"])
        return (
            coarse
            if m == len(u)
            else cv2.resize(coarse[None], (len(u), 1), interpolation=cv2.INTER_LINEAR)[0]
        )

    return _line_field(width, height, dx, dy, colour_line)


def _sample_radial(rng: np.random.Generator, width: int, height: int, palette: list[str] | None) -> dict:
    colors = _gradient_colors(rng, palette)
    return {
        "colors": colors,
        "center": [round(float(rng.uniform(0.2, 0.8)), 3), round(float(rng.uniform(0.2, 0.8)), 3)],
        "radius": round(float(rng.uniform(0.5, 1.3)), 3),  # fraction of the half-diagonal
        "base_color": colors[0],
    }


def _apply_radial(params: dict, width: int, height: int) -> np.ndarray:
    sw, sh = _small_size(width, height, 96)
    cx, cy = params["center"][0] * (width - 1), params["center"][1] * (height - 1)
    xs, ys = _centres(sw, width) - cx, _centres(sh, height) - cy
    dist = np.sqrt(xs[None, :] ** 2 + ys[:, None] ** 2)
    t = np.clip(dist / max(params["radius"] * math.hypot(width, height) / 2, 1.0), 0, 1)
    return _resize(_ramp(t, params["colors"]), width, height)


# ---------------------------------------------------------------- material textures


def _sample_paper(rng: np.random.Generator, width: int, height: int, palette: list[str] | None) -> dict:
    r, g, b = colorsys.hsv_to_rgb(
        float(rng.uniform(0.07, 0.14)), float(rng.uniform(0.03, 0.16)), float(rng.uniform(0.88, 0.98))
    )
    return {
        "base_color": rgb_to_hex((r * 255, g * 255, b * 255)),
        "grain": round(float(rng.uniform(2.0, 6.0)), 2),
        "mottle": round(float(rng.uniform(2.0, 8.0)), 2),
        "fibres": round(float(rng.uniform(0.3, 1.5)), 3),  # per 100x100 pixels
        "seed": child_seed(rng),
    }


def _polyline_fibres(g: np.random.Generator, width: int, height: int, count: int) -> list[np.ndarray]:
    start = g.uniform((0, 0), (width, height), size=(count, 2))
    angle = g.uniform(0, np.pi, count)
    length = g.uniform(0.01, 0.05, count) * min(width, height) + 3
    bend = g.normal(0, 0.15, count) * length
    d = np.stack([np.cos(angle), np.sin(angle)], 1)
    n = np.stack([-d[:, 1], d[:, 0]], 1)
    mid = start + d * (length / 2)[:, None] + n * bend[:, None]
    end = start + d * length[:, None]
    pts = np.stack([start, mid, end], 1)
    return list(np.round(pts).astype(np.int32))


def _apply_paper(params: dict, width: int, height: int) -> np.ndarray:
    g = np.random.default_rng(params["seed"])
    gray = _smooth_map(g, width, height, 10, params["mottle"])
    grain = draw_grain(g, height, width, params["grain"])  # drawn before the fibres, as always
    count = int(params["fibres"] * width * height / 1e4)
    if count:
        fibres = _polyline_fibres(g, width, height, count)
        half = count // 2
        cv2.polylines(gray, fibres[:half], False, 128 - 12, 1, cv2.LINE_AA)
        cv2.polylines(gray, fibres[half:], False, 128 + 10, 1, cv2.LINE_AA)
    # the grain lies over the fibres; its sign flip is undone by the colour table
    return _colorize(add_grain(gray, grain, flipped=True), params["base_color"], 0.5, flipped=True)


def _sample_fabric(rng: np.random.Generator, width: int, height: int, palette: list[str] | None) -> dict:
    return {
        "base_color": pick_color(rng, palette),
        "period": int(rng.integers(3, 8) * max(1, round(min(width, height) / 768))),
        "contrast": round(float(rng.uniform(20, 45)), 2),
        "slub": round(float(rng.uniform(2, 8)), 2),  # thread-to-thread irregularity
        "seed": child_seed(rng),
    }


def _apply_fabric(params: dict, width: int, height: int) -> np.ndarray:
    g = np.random.default_rng(params["seed"])
    p = max(2, int(params["period"]))
    i = np.arange(2 * p)
    shade = np.sin(np.pi * ((i % p) + 0.5) / p)  # a thread's round cross-section
    warp_on_top = ((i[:, None] // p) + (i[None, :] // p)) % 2 == 0
    tile = np.where(warp_on_top, shade[None, :], shade[:, None])
    tile = np.round(params["contrast"] * (tile - 0.65)).astype(np.int16)
    rows = np.repeat(np.round(g.normal(0, params["slub"], height // p + 1)).astype(np.int16), p)[:height]
    cols = np.repeat(np.round(g.normal(0, params["slub"], width // p + 1)).astype(np.int16), p)[:width]
    # The weave with its column slubs is one band of 2p rows; the row slubs and the soft shading vary
    # only along y at full rate, so they are one map of quarter width enlarged along x. Both are
    # clipped so that their sum stays in 1..255 and a wrapping uint8 add of the band is exact.
    band = np.tile(tile, (1, -(-width // (2 * p))))[:, :width] + cols[None, :]
    band = np.clip(band, -63, 63).astype(np.int8).view(np.uint8)
    sw, sh = _small_size(width, height, 6)
    small = g.standard_normal((sh, sw)).astype(np.float32)
    narrow = max(sw, width // 4)
    mid = cv2.resize(small, (narrow, max(sh, height // 4)), interpolation=cv2.INTER_CUBIC)
    # built turned (x down the rows): OpenCV enlarges along y ~2.5x faster than along x, and turning
    # the full-size single-channel map back costs ~0.07 ms
    tall = cv2.resize(np.ascontiguousarray(mid.T), (height, narrow), interpolation=cv2.INTER_LINEAR)
    tall *= np.float32(5)
    tall += rows[None, :].astype(np.float32)
    shading = np.clip(_to_u8(tall, 1.0), 64, 192)
    gray = cv2.transpose(cv2.resize(shading, (height, width), interpolation=cv2.INTER_LINEAR))
    whole = height - height % (2 * p)
    blocks = gray[:whole].reshape(-1, 2 * p, width)
    np.add(blocks, band, out=blocks)
    np.add(gray[whole:], band[: height - whole], out=gray[whole:])
    return _colorize(gray, params["base_color"], 0.6)


def _sample_concrete(rng: np.random.Generator, width: int, height: int, palette: list[str] | None) -> dict:
    v = float(rng.uniform(0.45, 0.8))
    tint = rng.uniform(-0.03, 0.03)
    base = rgb_to_hex((255 * (v + tint), 255 * v, 255 * (v - tint)))
    if palette:  # a template's palette tints the wall: dark for neon signs, warm for shop fronts
        h, s, v = colorsys.rgb_to_hsv(*(c / 255 for c in hex_to_rgb(pick_color(rng, palette))))
        v = min(max(v, 0.12), 0.8)
        r, g, b = colorsys.hsv_to_rgb(h, s * float(rng.uniform(0.15, 0.45)), v)  # painted or lit, never vivid
        base = rgb_to_hex((r * 255, g * 255, b * 255))
    params = {
        "base_color": base,
        "roughness": round(float(rng.uniform(0.45, 0.65)), 3),
        # a dark wall's mottle is lightened against (255 - base): a lower contrast keeps it concrete
        "contrast": round(float(rng.uniform(10, 24)) * min(1.0, v / 0.45), 2),
        "grain": round(float(rng.uniform(3, 8)), 2),
        "pits": round(float(rng.uniform(0, 0.6)), 3),  # per 100x100 pixels
        "seed": child_seed(rng),
    }
    return params


def _apply_concrete(params: dict, width: int, height: int) -> np.ndarray:
    g = np.random.default_rng(params["seed"])
    long = max(width, height)
    sw, sh = _small_size(width, height, 4)
    acc = _quantile_normal(g, (sh, sw))
    amp, var, cells = 1.0, 1.0, 4
    # octaves down to 8-pixel features; the grain does the rest (a 4-pixel octave, at most 0.65^6 of
    # the first, was ~1 grey level under 3-8 levels of grain)
    while cells * 2 <= long / 8:
        cells *= 2
        amp *= params["roughness"]
        var += amp * amp
        sw, sh = _small_size(width, height, cells)
        acc = cv2.resize(acc, (sw, sh), interpolation=cv2.INTER_CUBIC)
        noise = _quantile_normal(g, (sh, sw))
        noise *= amp
        acc += noise
    if cells * 2 <= long / 4:  # skip the 4-pixel octave's bytes: the grain and pits land where they did
        sw, sh = _small_size(width, height, cells * 2)
        g.bit_generator.advance(-(-sw * sh // 8))
    # quantised at the last octave's size and enlarged once as uint8: no full-size float map
    small = _to_u8(acc, params["contrast"] / math.sqrt(var))
    gray = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    grain = draw_grain(g, height, width, params["grain"])  # drawn before the pits, as always
    count = int(params["pits"] * width * height / 1e4)
    centres = np.round(g.uniform((0, 0), (width, height), size=(count, 2))).astype(int)
    radii = np.round(g.uniform(0.5, 2.5, count) * max(1.0, long / 512)).astype(int)
    for (x, y), r in zip(centres.tolist(), radii.tolist(), strict=True):
        cv2.circle(gray, (x, y), max(r, 1), 70, -1, cv2.LINE_AA)
    # the grain lies over the pits; its sign flip is undone by the colour table
    return _colorize(add_grain(gray, grain, flipped=True), params["base_color"], 0.8, flipped=True)


def _sample_wood(rng: np.random.Generator, width: int, height: int, palette: list[str] | None) -> dict:
    r, g, b = colorsys.hsv_to_rgb(
        float(rng.uniform(0.05, 0.1)), float(rng.uniform(0.4, 0.75)), float(rng.uniform(0.35, 0.85))
    )
    return {
        "base_color": rgb_to_hex((r * 255, g * 255, b * 255)),
        "rings": round(float(rng.uniform(5, 18)), 2),  # ring bands across the image
        "warp": round(float(rng.uniform(0.5, 2.5)), 3),
        "sharpness": round(float(rng.uniform(1.0, 3.0)), 3),
        "contrast": round(float(rng.uniform(30, 60)), 2),
        "vertical": bool(rng.random() < 0.5),
        "seed": child_seed(rng),
    }


def _ring_table(sharpness: float) -> np.ndarray:
    """float32 ring profile minus 0.5 at 256 phases of one ring: `cv2.LUT` over the coarse phase map
    replaces a cos and a fractional power per point (most of wood's cost); 1/256 of a ring moves a
    value by under one grey level."""
    phase = np.arange(256) / 256
    return ((0.5 + 0.5 * np.cos(2 * np.pi * phase)) ** sharpness - 0.5).astype(np.float32)


@functools.cache
def _streak_kernel() -> np.ndarray:
    return (cv2.getGaussianKernel(7, 0.7, cv2.CV_32F).ravel() * 0.12).astype(np.float32)


def _streaks(noise: np.ndarray) -> np.ndarray:
    """Per-line brightness streaks: the noise blurred with sigma 0.7 (reflected at the ends, as
    GaussianBlur does), times 0.12; np.convolve on one column skips GaussianBlur's ~0.07 ms setup."""
    if len(noise) < 4:
        return cv2.GaussianBlur(noise[:, None], (1, 0), 0.7).ravel() * np.float32(0.12)
    return np.convolve(np.pad(noise, 3, mode="reflect"), _streak_kernel(), mode="valid")


def _apply_wood(params: dict, width: int, height: int) -> np.ndarray:
    g = np.random.default_rng(params["seed"])
    along, across = (height, width) if params["vertical"] else (width, height)
    n_along = max(2, along // 8)  # the grain changes slowly along its length: compute it coarse there
    warp = _smooth_noise(g, n_along, across, 5)
    # the ring phase in 1/256 of a ring, offset to stay positive (v > -32 always) so truncating rounds
    v = warp * np.float32(params["warp"] * 256)
    v += np.linspace(32 * 256 + 0.5, (32 + params["rings"]) * 256 + 0.5, across, dtype=np.float32)[:, None]
    v += np.linspace(0, float(g.uniform(-1, 1)) * 256, n_along, dtype=np.float32)[None, :]
    phase = v.astype(np.int32).astype(np.uint8)  # wraps modulo one ring
    rings = cv2.LUT(phase, _ring_table(params["sharpness"]))
    rings += _streaks(g.standard_normal(across).astype(np.float32))[:, None]
    # Stretch the coarse map along its rows (OpenCV enlarges 8x along y ~2.5x faster than along x),
    # then turn the full-size single-channel map if the grain runs along x (a transpose is ~0.07 ms).
    small = np.ascontiguousarray(_to_u8(rings, params["contrast"]).T)
    if params["vertical"]:
        gray = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    else:
        gray = cv2.transpose(cv2.resize(small, (height, width), interpolation=cv2.INTER_LINEAR))
    grain = draw_grain(g, height, width, 3.0)
    return _colorize(add_grain(gray, grain, flipped=True), params["base_color"], 0.7, flipped=True)


# ---------------------------------------------------------------- patterns and lights

GEOMETRIC_VARIANTS = ("stripes", "checker", "dots", "triangles")


def _sample_geometric(rng: np.random.Generator, width: int, height: int, palette: list[str] | None) -> dict:
    bg = pick_color(rng, palette)
    if palette and len(set(palette)) > 1:
        fg = pick_color(rng, palette, avoid=bg)
    else:
        fg = shade(bg, float(rng.choice([rng.uniform(0.5, 0.8), rng.uniform(1.3, 2.5)])))
    return {
        "variant": GEOMETRIC_VARIANTS[int(rng.integers(len(GEOMETRIC_VARIANTS)))],
        "colors": [bg, fg],
        "size": int(max(4, round(rng.uniform(0.03, 0.12) * min(width, height)))),
        "angle": round(float(rng.choice([0.0, 45.0, 90.0, 135.0, rng.uniform(0, 180)])), 2),
        "ratio": round(float(rng.uniform(0.3, 0.6)), 3),  # stripe duty or dot diameter / spacing
        "base_color": bg,
    }


def _tiled(tile: np.ndarray, width: int, height: int) -> np.ndarray:
    """Repeat an RGB tile over a new HxWx3 array: one band of tile rows across the width, then copied
    band by band (one full-size write, no oversized temporary to crop)."""
    th, tw = tile.shape[:2]
    band = np.tile(tile, (1, -(-width // tw), 1))[:, :width]
    out = np.empty((height, width, 3), np.uint8)
    whole = height - height % th
    out[:whole].reshape(-1, th, width, 3)[:] = band
    out[whole:] = band[: height - whole]
    return out


def _stripes(params: dict, bg: Sequence[int], fg: Sequence[int], width: int, height: int) -> np.ndarray:
    """Stripes `ratio` of each `size` wide, across direction `angle`, centred on the image, edges
    antialiased by the pixel's width along the stripes' normal; a field along one direction, so cut
    from lines at 1/8-pixel shifts (see `_line_field`), or solid rows when the stripes lie flat."""
    s = max(2, int(params["size"]))
    duty = params["ratio"] * s
    a = math.radians(params["angle"])
    dx, dy = math.cos(a), math.sin(a)
    offset = width / 2 * dx + height / 2 * dy  # stripes start at the centre, as drawn before
    # the blend from background to foreground at 256 coverages (an (n, 3) float blend costs ~10x more)
    mix = np.linspace(0, 1, 256)[:, None]
    table = np.round(np.array(bg) * (1 - mix) + np.array(fg) * mix).astype(np.uint8)
    foot = abs(dx) + abs(dy)  # a pixel square's extent along the normal

    def colour_line(u: np.ndarray) -> np.ndarray:
        v = u - offset
        phase = v - s * np.floor(v / s)  # np.mod is ~9x slower
        cover = np.clip(np.minimum(phase + foot / 2, duty) - np.maximum(phase - foot / 2, 0), 0, foot)
        cover += np.clip(phase + foot / 2 - s, 0, foot)  # the next stripe's start
        return np.take(table, (cover * (255 / foot) + 0.5).astype(np.uint8), axis=0)

    if abs(dx) * width >= 0.5:
        return _line_field(width, height, dx, dy, colour_line, period=s, phases=8)
    # flat stripes (u barely changes along a row): each row one colour, gathered from its distinct rows
    row_colours = colour_line(np.arange(height) * dy)
    distinct, which = np.unique(row_colours, axis=0, return_inverse=True)
    return np.repeat(distinct[:, None, :], width, axis=1)[which.ravel()]


def _apply_geometric(params: dict, width: int, height: int) -> np.ndarray:
    bg, fg = (hex_to_rgb(c) for c in params["colors"])
    s = max(2, int(params["size"]))
    variant = params["variant"]
    if variant == "stripes":
        return _stripes(params, bg, fg, width, height)
    if variant == "checker":
        tile = _solid(2 * s, 2 * s, bg)
        tile[:s, s:] = tile[s:, :s] = fg
        return _tiled(tile, width, height)
    if variant == "dots":
        tile = _solid(2 * s, s, bg)
        r = max(1.0, params["ratio"] * s / 2)
        for cx, cy in ((s / 2, s / 2), (0, 1.5 * s), (s, 1.5 * s)):  # staggered rows
            cv2.circle(tile, (round(cx * 16), round(cy * 16)), round(r * 16), fg, -1, cv2.LINE_AA, shift=4)
        return _tiled(tile, width, height)
    if variant == "triangles":
        h = max(2, round(s * 0.866))
        tile = _solid(2 * h, s, bg)
        tris = [[(s / 2, 0), (0, h), (s, h)], [(0, h), (-s / 2, 2 * h), (s / 2, 2 * h)]]
        tris.append([(s, h), (s / 2, 2 * h), (1.5 * s, 2 * h)])
        polys = [np.round(np.array(t) * 16).astype(np.int32) for t in tris]
        cv2.fillPoly(tile, polys, fg, cv2.LINE_AA, shift=4)
        return _tiled(tile, width, height)
    raise TextsynthError(
        f"geometric background variant must be one of {', '.join(GEOMETRIC_VARIANTS)}, got {variant!r}"
    )


def _describe_geometric(params: dict) -> tuple[str, str]:
    zh, en = color_name(params["base_color"])
    names = {
        "stripes": ("条纹背景", "striped background"),
        "checker": ("格子背景", "checkered background"),
        "dots": ("波点背景", "polka-dot background"),
        "triangles": ("三角形图案背景", "triangle-pattern background"),
    }
    zh_noun, en_noun = names.get(params["variant"], ("几何图案背景", "geometric-pattern background"))
    return f"{zh}{zh_noun}", _a(f"{en} {en_noun}")


def _sample_bokeh(rng: np.random.Generator, width: int, height: int, palette: list[str] | None) -> dict:
    base = shade(pick_color(rng, palette), float(rng.uniform(0.15, 0.45)))
    lights = [pick_color(rng, palette) for _ in range(int(rng.integers(2, 5)))]
    return {
        "colors": [base, shade(base, float(rng.uniform(0.4, 0.8)))],
        "lights": [shade(c, float(rng.uniform(1.0, 1.8))) for c in lights],
        "count": int(rng.integers(12, 45)),
        "blur": round(float(rng.uniform(0.004, 0.015)), 4),  # fraction of the long side
        "seed": child_seed(rng),
        "base_color": base,
    }


def _apply_bokeh(params: dict, width: int, height: int) -> np.ndarray:
    g = np.random.default_rng(params["seed"])
    sw, sh = _small_size(width, height, 256)
    # the vertical ramp coloured once per row, not per pixel
    column = _ramp(np.linspace(0, 1, sh)[:, None], params["colors"]).astype(np.float32)
    canvas = np.repeat(column, sw, axis=1)
    lights = np.array([hex_to_rgb(c) for c in params["lights"]], np.float32)
    long = max(sw, sh)
    for _ in range(params["count"]):
        cx, cy = g.uniform(0, sw), g.uniform(0, sh)
        r = g.uniform(0.03, 0.12) * long
        color, alpha = lights[g.integers(len(lights))], g.uniform(0.15, 0.55)
        x0, y0 = max(0, int(cx - r) - 1), max(0, int(cy - r) - 1)
        x1, y1 = min(sw, int(cx + r) + 2), min(sh, int(cy + r) + 2)
        if x1 <= x0 or y1 <= y0:
            continue
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.circle(
            mask, (round((cx - x0) * 16), round((cy - y0) * 16)), round(r * 16), 255, -1, cv2.LINE_AA, 4
        )
        a = mask.astype(np.float32)[..., None] * (alpha / 255)
        roi = canvas[y0:y1, x0:x1]
        roi += (color - roi) * a
    # to bytes first (convertScaleAbs rounds and saturates in one pass; the canvas is never negative):
    # OpenCV blurs uint8 with fixed-point SIMD, ~2x faster than float, at half a level of extra rounding
    small = cv2.GaussianBlur(cv2.convertScaleAbs(canvas), (0, 0), max(0.5, params["blur"] * long))
    return _resize(small, width, height)


# ---------------------------------------------------------------- photographs and pasted pictures


def read_image(path: str | Path) -> np.ndarray:
    """Decode an image file to read-only uint8 RGB, or RGBA when it has alpha; cached per file version."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as e:
        raise TextsynthError(f"image file {str(p)!r} cannot be read: {e.strerror}") from None
    return _decode(str(p), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=16)
def _decode(path: str, mtime_ns: int, size: int) -> np.ndarray:
    # JPEGs honour their EXIF orientation; other formats keep their alpha channel.
    flags = cv2.IMREAD_COLOR if path.lower().endswith((".jpg", ".jpeg")) else cv2.IMREAD_UNCHANGED
    try:
        img = cv2.imdecode(np.fromfile(path, np.uint8), flags)
    except (OSError, cv2.error):
        img = None
    if img is None or img.size == 0:
        raise TextsynthError(f"image file {path!r} is not a readable image (corrupt or unsupported format)")
    if img.dtype != np.uint8:
        img = (img / (np.iinfo(img.dtype).max / 255) if img.dtype.kind in "ui" else img * 255).clip(0, 255)
        img = img.astype(np.uint8)
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    elif img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2RGBA)
    else:
        img = cv2.cvtColor(img[:, :, :3], cv2.COLOR_BGR2RGB)
    img.flags.writeable = False
    return img


def _sample_photo(rng: np.random.Generator, width: int, height: int, photos: Sequence[Photo]) -> dict:
    return sample_photo_crop(rng, photos[int(rng.integers(len(photos)))], width, height)


def _describe_photo(params: dict) -> tuple[str, str]:
    zh, en = params.get("caption_zh"), params.get("caption_en")
    return (f"{zh}的照片", f"a photo of {en}") if zh and en else ("一张照片", "a photograph")


def _in_lang(phrases: PhrasesFn) -> DescribeFn:
    return lambda params, lang: phrases(params)[0 if lang == "zh" else 1]


def _no_palette_sampler(rng: np.random.Generator, width: int, height: int, palette: list[str] | None) -> dict:
    raise TextsynthError("background kind 'photo' needs photos: use sample_background(..., photos=...)")


for _name, _sample, _apply, _describe in (
    ("flat", _sample_flat, _apply_flat, _colored("纯色背景", "plain background")),
    ("linear_gradient", _sample_linear, _apply_linear, _colored("渐变背景", "gradient background")),
    (
        "radial_gradient",
        _sample_radial,
        _apply_radial,
        _colored("径向渐变背景", "radial gradient background"),
    ),
    ("paper", _sample_paper, _apply_paper, lambda p: ("纸张纹理背景", "a paper-texture background")),
    ("fabric", _sample_fabric, _apply_fabric, _colored("布纹背景", "fabric background")),
    ("concrete", _sample_concrete, _apply_concrete, lambda p: ("水泥墙背景", "a concrete-wall background")),
    ("wood", _sample_wood, _apply_wood, lambda p: ("木纹背景", "a wood-grain background")),
    ("geometric", _sample_geometric, _apply_geometric, _describe_geometric),
    ("bokeh", _sample_bokeh, _apply_bokeh, _colored("光斑虚化背景", "bokeh background")),
    ("photo", _no_palette_sampler, render_photo_crop, _describe_photo),
):
    register_background(_name, _sample, _apply, _in_lang(_describe))

# The default choice is the built-in kinds only: registering a kind elsewhere must not
# change what an existing config renders (name custom kinds in a template to use them).
BACKGROUNDS.seal_builtins()
BUILTIN_BACKGROUND_KINDS: tuple[str, ...] = tuple(BACKGROUND_KINDS)
