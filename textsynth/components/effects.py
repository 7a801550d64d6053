"""Photometric effects (light, shadow, tint, blur, sensor noise) that change pixel values but never move them.

Each effect is `sample(rng, width, height) -> params` plus a pure `apply(image, params) -> image` on
HxWx3 uint8 RGB. Spatial params are fractions of the image, so a record applies at any size. Light
and shadow maps are computed at low resolution and applied with one saturating cv2.multiply (a colour
cast alone with one cv2.transform); noise and blur are uint8 OpenCV passes too, no float image.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping

import cv2
import numpy as np

from textsynth.components.backgrounds import add_centred, draw_grain
from textsynth.components.registry import DescribeFn, Registry
from textsynth.errors import TextsynthError
from textsynth.rng import child_seed
from textsynth.scene import Layer

SampleFn = Callable[[np.random.Generator, int, int], dict]
ApplyFn = Callable[[np.ndarray, dict], np.ndarray]


EFFECTS = Registry("effect")
# Application order: light falls on the poster, the camera blurs it, the sensor adds noise.
EFFECT_KINDS: list[str] = EFFECTS.names
DEFAULT_EFFECT_PROBS: dict[str, float] = {}

_MAP_SIZE = 64  # long side of the low-resolution light maps


def register_effect(
    name: str, sample_fn: SampleFn, apply_fn: ApplyFn, describe_fn: DescribeFn | None = None
) -> None:
    """Add a photometric effect, applied after the built-in ones.

    It fires only where a template or the config gives it a probability (`effects: {name: p}`):
    registering alone changes no run, so output always follows from the config.

    Contract: `sample_fn(rng, width, height) -> dict` makes every random choice and returns JSON-friendly
    params (draw a `seed` with `textsynth.rng.child_seed(rng)` for noise); `apply_fn(image, params)` is
    pure, must not modify `image`, and returns an array of the same shape and dtype (HxWx3 uint8);
    `describe_fn(params, lang) -> str | None` gives its caption phrase ("zh" or "en"; None leaves it out).
    """
    EFFECTS.register(name, sample_fn, apply_fn, describe_fn)


def sample_effects(
    rng: np.random.Generator, width: int, height: int, probs: Mapping[str, float] | None = None
) -> list[Layer]:
    """Decide each effect with its probability (defaults overridden by `probs`) and sample those that fire.

    Every kind draws one uniform and one child seed whatever the probabilities, so turning one effect
    on or off never changes another effect's parameters.
    """
    chosen = dict(DEFAULT_EFFECT_PROBS)
    for name, p in (probs or {}).items():
        if name not in EFFECTS:
            raise TextsynthError(
                f"effect probability key must be one of {', '.join(EFFECT_KINDS)}, got {name!r}"
            )
        if not isinstance(p, (int, float)) or not 0.0 <= float(p) <= 1.0:
            raise TextsynthError(f"probability of effect {name!r} must be a number in [0, 1], got {p!r}")
        chosen[name] = float(p)
    layers = []
    for name in EFFECT_KINDS:
        if name not in EFFECTS.builtin and chosen.get(name, 0.0) <= 0.0:
            continue
        u, seed = rng.random(), child_seed(rng)
        if u < chosen[name]:
            layers.append(
                Layer(name=name, params=EFFECTS.get(name).sample(np.random.default_rng(seed), width, height))
            )
    return layers


def apply_effects(image: np.ndarray, effects: list[Layer]) -> np.ndarray:
    """Apply sampled effects in list order; returns a new array, `image` is left as it was.

    Consecutive built-in light effects touch the full image once: gains (light, shadow, vignette,
    colour cast) multiply their low-res maps, and a highlight (a screen blend, x(1 - a) + 255a) folds
    in as a gain plus a lift, so the pending step is always x * gain + lift.
    """
    h, w = image.shape[:2]
    out = image
    gain = lift = None  # pending x * gain + lift, low-res maps (lift None: no lift)
    for layer in effects:
        if layer.name not in EFFECTS:
            raise TextsynthError(f"effect must be one of {', '.join(EFFECT_KINDS)}, got {layer.name!r}")
        light = _LIGHT_MAPS.get(layer.name)
        if light is not None:
            layer_gain, layer_lift = light(layer.params, w, h)
            layer_gain = np.atleast_3d(layer_gain)
            if layer_lift is not None:
                layer_lift = np.atleast_3d(layer_lift)
            if lift is not None:
                lift = lift * layer_gain
            if layer_lift is not None:
                lift = layer_lift if lift is None else lift + layer_lift
            gain = layer_gain if gain is None else gain * layer_gain
            continue
        if gain is not None:
            out, gain, lift = _apply_affine(out, gain, lift, in_place=out is not image), None, None
        if layer.name == "noise":  # built-in: may add into an array this call made
            out = _apply_noise(out, layer.params, owned=out is not image)
            continue
        result = EFFECTS.get(layer.name).apply(out, layer.params)
        if not isinstance(result, np.ndarray) or result.shape != image.shape or result.dtype != np.uint8:
            raise TextsynthError(f"effect {layer.name!r} must return a {image.shape} uint8 array")
        out = result
    if gain is not None:
        out = _apply_affine(out, gain, lift, in_place=out is not image)
    return out.copy() if out is image else out


# ---------------------------------------------------------------- helpers


def _grid_shape(width: int, height: int) -> tuple[int, int]:
    s = min(1.0, _MAP_SIZE / max(width, height))
    return max(2, round(height * s)), max(2, round(width * s))


@functools.lru_cache(maxsize=16)
def _grid(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Low-res pixel-centre coordinates in units of the full image: x in [0, 1] across (a 1 x W row),
    y likewise (an H x 1 column). Cached (read-only): a run has a handful of sizes.

    The maps below do their arithmetic on this row and column and meet in one broadcast, so a map is
    a few numpy calls on the 64 x 64 grid: their Python overhead was a tenth of apply_effects at 512².
    """
    sh, sw = _grid_shape(width, height)
    xs = ((np.arange(sw) + 0.5) * (width / sw) - 0.5) / max(width - 1, 1)
    ys = ((np.arange(sh) + 0.5) * (height / sh) - 0.5) / max(height - 1, 1)
    xs.flags.writeable = ys.flags.writeable = False
    return xs[None, :], ys[:, None]


def _apply_gain(image: np.ndarray, gain: np.ndarray, in_place: bool = False) -> np.ndarray:
    """Multiply by a low-res gain map (0..1.99), upscaled smoothly; saturating.

    `gain` is HxW or HxWx1 (all channels alike), HxWx3, or 1x1x3 (one gain per channel).
    """
    h, w = image.shape[:2]
    gain = np.atleast_3d(gain)
    if gain.shape[:2] == (1, 1):
        # One gain per channel (a colour cast alone): a diagonal colour matrix, one pass with no
        # full-size gain image to build (0.37 vs 0.57 ms at 1024²), saturating like the multiply.
        return cv2.transform(image, np.diag(np.clip(gain[0, 0], 0.0, 255 / 128)))
    g3 = _full_size(cv2.convertScaleAbs(gain, alpha=128), w, h)  # rounded, saturated; gain >= 0
    return cv2.multiply(image, g3, dst=image if in_place else None, scale=1 / 128)


def _full_size(small: np.ndarray, w: int, h: int) -> np.ndarray:
    """A low-res map (HxW or HxWx1, HxWx3, or 1x1x3) as a full-size HxWx3 uint8 image, upscaled smoothly."""
    small = np.atleast_3d(small)
    small = small[..., 0] if small.shape[2] == 1 else np.broadcast_to(small, (*_grid_shape(w, h), 3))
    g = cv2.resize(np.ascontiguousarray(small), (w, h), interpolation=cv2.INTER_LINEAR)
    return g if g.ndim == 3 else cv2.merge([g, g, g])


def _apply_affine(
    image: np.ndarray, gain: np.ndarray, lift: np.ndarray | None, in_place: bool = False
) -> np.ndarray:
    """image * gain + lift with low-res maps (lift 0..255), saturating: the gain, then one add."""
    out = _apply_gain(image, gain, in_place=in_place)
    if lift is None:
        return out
    h, w = image.shape[:2]
    return cv2.add(out, _full_size(cv2.convertScaleAbs(lift), w, h), dst=out)


def _smoothstep(t: np.ndarray) -> np.ndarray:
    """3t² - 2t³ of t clipped to [0, 1]; overwrites `t` (always a fresh grid here)."""
    np.clip(t, 0.0, 1.0, out=t)
    s = t * t
    t *= -2
    t += 3
    s *= t
    return s


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


# ---------------------------------------------------------------- light and shadow


def _sample_light(rng: np.random.Generator, width: int, height: int) -> dict:
    return {"angle": _r(rng.uniform(0, 360), 2), "strength": _r(rng.uniform(0.08, 0.3))}


def _light_gain(params: dict, w: int, h: int) -> np.ndarray:
    """Brighter towards `angle` (degrees, 0 = right, 90 = down), darker opposite: a linear ramp."""
    xs, ys = _grid(w, h)
    a = math.radians(params["angle"])
    c, s = math.cos(a), math.sin(a)
    k = params["strength"] / max(abs(c) / 2 + abs(s) / 2, 1e-6)  # the ramp runs -1 .. 1 corner to corner
    return (1 + (xs - 0.5) * (k * c)) + (ys - 0.5) * (k * s)


def _sample_vignette(rng: np.random.Generator, width: int, height: int) -> dict:
    return {
        "strength": _r(rng.uniform(0.15, 0.45)),
        "radius": _r(rng.uniform(0.45, 0.8)),  # where darkening starts, fraction of the half-diagonal
        "center": [_r(rng.uniform(0.4, 0.6)), _r(rng.uniform(0.4, 0.6))],
    }


def _vignette_gain(params: dict, w: int, h: int) -> np.ndarray:
    xs, ys = _grid(w, h)
    cx, cy = params["center"]
    aspect = w / max(h, 1)
    # Distance in units of the half-diagonal, so the corners sit near 1 whatever the aspect ratio.
    r0 = params["radius"]
    width = max(1.2 - r0, 1e-3)  # of the darkening ramp, from r0 outwards
    t = np.sqrt(((xs - cx) * aspect) ** 2 + (ys - cy) ** 2)
    t *= 1 / (math.hypot(aspect / 2, 0.5) * width)
    t -= r0 / width
    ramp = _smoothstep(t)
    ramp *= -params["strength"]
    ramp += 1
    return ramp


def _sample_highlight(rng: np.random.Generator, width: int, height: int) -> dict:
    return {
        "center": [_r(rng.uniform(0.1, 0.9)), _r(rng.uniform(0.1, 0.9))],
        "radius": _r(rng.uniform(0.08, 0.3)),  # fraction of the short side
        "aspect": _r(rng.uniform(1.0, 2.5)),  # elongated like a reflection of a window or lamp
        "angle": _r(rng.uniform(0, 180), 2),
        "strength": _r(rng.uniform(0.15, 0.45)),
    }


def _highlight_light(params: dict, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Screen-blend a soft white blob: out = 255 - (255 - img) * (1 - a) = img (1 - a) + 255 a,
    a gain and a lift."""
    blob = _highlight_blob(params, w, h)
    return 1 - blob, 255 * blob


def _highlight_blob(params: dict, w: int, h: int) -> np.ndarray:
    """The highlight's low-res opacity `a`: an elongated Gaussian spot; dark text under it stays darker."""
    xs, ys = _grid(w, h)
    short = min(w, h)
    dx, dy = (xs - params["center"][0]) * (w / short), (ys - params["center"][1]) * (h / short)
    a = math.radians(params["angle"])
    c, s = math.cos(a), math.sin(a)
    r = max(params["radius"], 1e-3)
    ru = r * params["aspect"]
    u = dx * (c / ru) + dy * (s / ru)  # along the spot, in units of its half-length
    v = dx * (-s / r) + dy * (c / r)
    u *= u
    v *= v
    u += v
    u *= -2
    blob = np.exp(u, out=u)
    blob *= params["strength"]
    return blob


def _sample_shadow(rng: np.random.Generator, width: int, height: int) -> dict:
    return {
        "angle": _r(rng.uniform(0, 360), 2),  # direction from lit into shadowed side
        "offset": _r(rng.uniform(0.15, 0.6)),  # where the shadow edge crosses, 0 = lit corner, 1 = far corner
        "softness": _r(rng.uniform(0.03, 0.2)),
        "strength": _r(rng.uniform(0.2, 0.45)),
        "band": _r(rng.uniform(0.15, 0.4)) if rng.random() < 0.4 else 0.0,  # >0: a band this wide
    }


def _shadow_gain(params: dict, w: int, h: int) -> np.ndarray:
    """A soft-edged darker half-plane (or band), like the shadow of a pole or awning across the poster."""
    xs, ys = _grid(w, h)
    a = math.radians(params["angle"])
    c, s = math.cos(a), math.sin(a)
    soft = max(params["softness"], 1e-3)
    k = 1 / (max(abs(c) + abs(s), 1e-6) * soft)  # t runs 0 .. 1 corner to corner; edges are `soft` wide
    # (t - offset) / soft + 0.5, with t = 0.5 + the projection: the edge's smoothstep argument
    edge = (xs - 0.5) * (k * c) + ((ys - 0.5) * (k * s) + ((0.5 - params["offset"]) / soft + 0.5))
    band = params.get("band")
    far = edge - band / soft if band else None
    shade = _smoothstep(edge)
    if far is not None:
        shade *= 1 - _smoothstep(far)
    shade *= -params["strength"]
    shade += 1
    return shade


# ---------------------------------------------------------------- colour, blur, noise


def _sample_cast(rng: np.random.Generator, width: int, height: int) -> dict:
    warm = bool(rng.random() < 0.5)
    k = float(rng.uniform(0.02, 0.07))
    gains = [1 + k, 1 + k / 4, 1 - k] if warm else [1 - k, 1 + k / 4, 1 + k]
    return {"tone": "warm" if warm else "cool", "gains": [_r(g) for g in gains]}


def _cast_gain(params: dict, w: int, h: int) -> np.ndarray:
    return np.array(params["gains"], dtype=np.float64).reshape(1, 1, 3)


def _sample_noise(rng: np.random.Generator, width: int, height: int) -> dict:
    return {"sigma": _r(rng.uniform(2.0, 8.0), 2), "mono": bool(rng.random() < 0.3), "seed": child_seed(rng)}


def _apply_noise(image: np.ndarray, params: dict, owned: bool = False) -> np.ndarray:
    """Gaussian sensor noise, per channel or (mono) the same on all three; `owned`: `image` may be written.

    Colour noise is one grain window of 3·H·W independent values (the grain pool makes it cheap); its
    channels are never shifted copies of one run, which would stamp a fixed offset a model could learn.
    The add is saturating int8 arithmetic on the image with its top bit flipped (x - 128), so the
    image is flipped, added to and flipped back in place: three integer passes.
    """
    g = np.random.default_rng(params["seed"])
    h, w = image.shape[:2]
    if params.get("mono"):
        n = _signed_grain(g, h, w, params["sigma"])
        noise = cv2.merge([n, n, n])
    else:
        noise = _signed_grain(g, h, w * 3, params["sigma"]).reshape(h, w, 3)
    return add_centred(image, noise, out=image if owned else None)


def _signed_grain(g: np.random.Generator, h: int, w: int, sigma: float) -> np.ndarray:
    """Signed grain as `gaussian_grain(g, h, w, sigma, signed=True)` draws it (the same window of the pool),
    scaled by convertScaleAbs instead of addWeighted: 3/4 of its time (0.34 vs 0.45 ms at 1024² colour).

    With an offset of 128 every value stays positive, so the absolute value is a no-op; flipping the top
    bit makes it signed again. The two round a product that lands exactly on a half apart (x * sigma / 16
    = k + 0.5 in float32) to neighbouring levels, so for some sigmas a few pool values differ by 1.
    """
    noise, scale = draw_grain(g, h, w, sigma)
    if scale == 1.0:  # fresh grain is drawn at sigma already; the pool at its own sigma is itself
        return noise
    grain = cv2.convertScaleAbs(noise, alpha=scale, beta=128.0)
    grain ^= np.uint8(0x80)
    return grain.view(np.int8)


def _sample_blur(rng: np.random.Generator, width: int, height: int) -> dict:
    # As readable at 1024 as at 512; small previews still get a visible (if lighter) blur.
    scale = min(max(min(width, height) / 512, 0.6), 2.0)
    if rng.random() < 0.7:
        return {"kind": "gaussian", "sigma": _r(rng.uniform(0.4, 1.2) * scale)}
    return {
        "kind": "motion",
        "length": _r(rng.uniform(2.0, 5.0) * scale, 2),
        "angle": _r(rng.uniform(0, 180), 2),
    }


def _apply_blur(image: np.ndarray, params: dict) -> np.ndarray:
    if params["kind"] == "gaussian":
        sigma = max(float(params["sigma"]), 0.01)
        k = _gaussian_ksize(sigma)
        return cv2.GaussianBlur(image, (k, k), sigma)
    if params["kind"] == "motion":
        length = max(float(params["length"]), 1.0)
        size = 2 * math.ceil(length / 2) + 1
        kernel = np.zeros((size * 4, size * 4), np.float32)
        a = math.radians(params["angle"])
        c = (size * 4 - 1) / 2
        dx, dy = math.cos(a) * length * 2, math.sin(a) * length * 2
        # Drawn at 4x and downsampled: a sub-pixel accurate line segment kernel.
        cv2.line(
            kernel,
            (round((c - dx) * 16), round((c - dy) * 16)),
            (round((c + dx) * 16), round((c + dy) * 16)),
            1.0,
            4,
            cv2.LINE_AA,
            4,
        )
        kernel = cv2.resize(kernel, (size, size), interpolation=cv2.INTER_AREA)
        return cv2.filter2D(image, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REFLECT)
    raise TextsynthError(f"blur kind must be 'gaussian' or 'motion', got {params['kind']!r}")


def _gaussian_ksize(sigma: float) -> int:
    """Kernel width out to ±2.5 sigma: OpenCV's own for uint8 reaches ±3 sigma, but the taps past 2.5
    carry ~1% of the weight (within 3 levels of it on real 1024² renders, 0.06 mean) and each tap pair
    is ~0.27 ms of a 1024² blur, ~15% of it."""
    return min(2 * max(1, math.ceil(2.5 * sigma - 0.5)) + 1, round(6 * sigma + 1) | 1)


GainFn = Callable[[dict, int, int], np.ndarray]
LightFn = Callable[[dict, int, int], tuple[np.ndarray, np.ndarray | None]]


def _gain_only(gain_fn: GainFn) -> LightFn:
    return lambda params, w, h: (gain_fn(params, w, h), None)


# Built-in effects that are x * gain + lift with low-res maps (gain HxW or 1x1x3 per channel; lift
# HxW or none): apply_effects folds runs of them into one full-size pass.
_LIGHT_MAPS: dict[str, LightFn] = {
    "directional_light": _gain_only(_light_gain),
    "cast_shadow": _gain_only(_shadow_gain),
    "highlight": _highlight_light,
    "vignette": _gain_only(_vignette_gain),
    "color_cast": _gain_only(_cast_gain),
}


def _light_effect(name: str) -> ApplyFn:
    """The effect alone (a plug-in pipeline may call it directly): one x * gain + lift pass."""

    def apply(image: np.ndarray, params: dict) -> np.ndarray:
        gain, lift = _LIGHT_MAPS[name](params, image.shape[1], image.shape[0])
        return _apply_affine(image, gain, lift)

    return apply


# ---------------------------------------------------------------- caption phrases

_SIDES = (
    ("右侧", "right"), ("右下方", "lower right"), ("下方", "bottom"), ("左下方", "lower left"),
    ("左侧", "left"), ("左上方", "upper left"), ("上方", "top"), ("右上方", "upper right"),
)  # fmt: skip


def _phrase(zh: str, en: str) -> DescribeFn:
    """A fixed phrase. English phrases starting with "with " get merged into one "with A, B and C"."""
    return lambda params, lang: zh if lang == "zh" else en


def _describe_light(params: dict, lang: str) -> str:
    # The light ramp is brightest towards `angle` (0 = right, 90 = down, image coordinates).
    if not isinstance(params.get("angle"), (int, float)):
        return "光线从一侧照射" if lang == "zh" else "lit from one side"
    zh, en = _SIDES[round(params["angle"] % 360 / 45) % 8]
    return f"光线从{zh}照来" if lang == "zh" else f"lit from the {en}"


def _describe_cast(params: dict, lang: str) -> str:
    tone = params.get("tone")
    zh, en = {
        "warm": ("色调偏暖", "with a warm color cast"),
        "cool": ("色调偏冷", "with a cool color cast"),
    }.get(tone, ("带有色偏", "with a color cast"))
    return zh if lang == "zh" else en


def _describe_blur(params: dict, lang: str) -> str:
    if params.get("kind") == "motion":
        return "带有轻微的运动模糊" if lang == "zh" else "slightly motion-blurred"
    return "略微模糊" if lang == "zh" else "slightly blurred"


for _name, _sample, _apply, _describe, _prob in (  # built-ins, with their default probabilities
    ("directional_light", _sample_light, _light_effect("directional_light"), _describe_light, 0.4),
    ("cast_shadow", _sample_shadow, _light_effect("cast_shadow"), _phrase("有一道投影落在上面", "with a shadow cast across it"), 0.15),
    ("highlight", _sample_highlight, _light_effect("highlight"), _phrase("有一处高光反光", "with a specular highlight"), 0.15),
    ("vignette", _sample_vignette, _light_effect("vignette"), _phrase("四周带暗角", "with a dark vignette"), 0.3),
    ("color_cast", _sample_cast, _light_effect("color_cast"), _describe_cast, 0.2),
    ("blur", _sample_blur, _apply_blur, _describe_blur, 0.15),
    ("noise", _sample_noise, _apply_noise, _phrase("有轻微噪点", "with slight noise"), 0.3),
):  # fmt: skip
    register_effect(_name, _sample, _apply, _describe)
    DEFAULT_EFFECT_PROBS[_name] = _prob

# Built-in kinds always draw their numbers (stable streams); registered kinds only when enabled,
# so registering an effect never changes the bytes of a run that does not use it.
EFFECTS.seal_builtins()
BUILTIN_EFFECT_KINDS: frozenset[str] = EFFECTS.builtin
