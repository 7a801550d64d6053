"""Photometric effects: pure, shape-preserving, moderate, and they light or darken where they say."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textsynth.components import effects as lighting
from textsynth.components.backgrounds import add_centred, gaussian_grain, render_background, sample_background
from textsynth.errors import TextsynthError
from textsynth.scene import Layer

BUILTIN = ["directional_light", "cast_shadow", "highlight", "vignette", "color_cast", "blur", "noise"]


# Other tests register effects in this process; switch on only the built-in ones by name.
BUILTINS = sorted(lighting.BUILTIN_EFFECT_KINDS)


def only(kind: str) -> dict[str, float]:
    return {k: (1.0 if k == kind else 0.0) for k in {*BUILTINS, kind}}


def poster(width: int = 160, height: int = 120, seed: int = 0) -> np.ndarray:
    """A real textured background with a dark bar standing in for text."""
    img = render_background(
        sample_background(np.random.default_rng(seed), width, height, ["paper"]), width, height
    )
    img[height // 3 : height // 2, width // 5 : 4 * width // 5] = 30
    return img


def test_builtin_kinds_and_probabilities():
    assert lighting.EFFECT_KINDS[: len(BUILTIN)] == BUILTIN
    assert lighting.DEFAULT_EFFECT_PROBS["directional_light"] == 0.4
    assert lighting.DEFAULT_EFFECT_PROBS["blur"] == 0.15
    assert all(0 <= p <= 1 for p in lighting.DEFAULT_EFFECT_PROBS.values())


@pytest.mark.parametrize("kind", BUILTIN)
def test_each_effect_is_pure_and_keeps_shape(kind):
    img = poster()
    before = img.copy()
    effects = lighting.sample_effects(np.random.default_rng(1), 160, 120, only(kind))
    assert [e.name for e in effects] == [kind]
    out = lighting.apply_effects(img, effects)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert np.array_equal(img, before), "the input image is not modified"
    assert not np.array_equal(out, img), "the effect does something"
    # The JSON record alone gives the same pixels.
    restored = [Layer(**json.loads(json.dumps(e.__dict__))) for e in effects]
    assert np.array_equal(lighting.apply_effects(img, restored), out)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), width=st.integers(64, 400), height=st.integers(64, 400))
def test_sampled_effects_keep_text_readable(seed, width, height):
    """64 px is the smallest image a render can have (RenderConfig), and where this must hold."""
    img = poster(width, height)
    everything = dict.fromkeys(BUILTINS, 1.0)
    effects = lighting.sample_effects(np.random.default_rng(seed), width, height, everything)
    out = lighting.apply_effects(img, effects)
    assert out.shape == img.shape and out.dtype == np.uint8
    x0, x1 = width // 5 + 3, 4 * width // 5 - 3
    ink = out[height // 3 + 3 : height // 2 - 3, x0:x1]
    # the paper right above and below the bar: a shadow or a highlight falls on both alike, as on a page
    # (the bottom quarter, used before, could sit in a cast shadow while a highlight lit the bar)
    margin = max(4, height // 12)
    paper = np.concatenate(
        [
            out[height // 3 - margin : height // 3 - 1, x0:x1],
            out[height // 2 + 1 : height // 2 + margin, x0:x1],
        ]
    )
    if ink.size:
        # Even with every effect at once, the "text" stays far darker than the paper around it.
        assert paper.mean() - ink.mean() > 60


def test_sampling_is_deterministic_and_stable_across_probabilities():
    a = lighting.sample_effects(np.random.default_rng(9), 256, 256, dict.fromkeys(BUILTINS, 1.0))
    b = lighting.sample_effects(np.random.default_rng(9), 256, 256, dict.fromkeys(BUILTINS, 1.0))
    assert a == b
    # Switching one effect off leaves the others' parameters exactly as they were.
    c = lighting.sample_effects(
        np.random.default_rng(9), 256, 256, {**dict.fromkeys(BUILTINS, 1.0), "highlight": 0.0}
    )
    assert [e for e in a if e.name != "highlight"] == c
    # And the generator ends in the same state, so later draws in the sample do not shift.
    r1, r2 = np.random.default_rng(4), np.random.default_rng(4)
    lighting.sample_effects(r1, 64, 64, dict.fromkeys(BUILTINS, 0.0))
    lighting.sample_effects(r2, 64, 64, dict.fromkeys(BUILTINS, 1.0))
    assert r1.random() == r2.random()


def test_probabilities_are_respected():
    rng = np.random.default_rng(0)
    counts = dict.fromkeys(lighting.EFFECT_KINDS, 0)
    for _ in range(400):
        for e in lighting.sample_effects(rng, 64, 64):
            counts[e.name] += 1
    for name in BUILTIN:
        assert abs(counts[name] / 400 - lighting.DEFAULT_EFFECT_PROBS[name]) < 0.08, name


def test_bad_probabilities_and_names_are_user_errors():
    with pytest.raises(TextsynthError, match="vignette"):
        lighting.sample_effects(np.random.default_rng(0), 64, 64, {"lens_flare": 0.5})
    with pytest.raises(TextsynthError, match=r"\[0, 1\]"):
        lighting.sample_effects(np.random.default_rng(0), 64, 64, {"blur": 1.5})
    with pytest.raises(TextsynthError, match="noise"):
        lighting.apply_effects(np.zeros((8, 8, 3), np.uint8), [Layer("lens_flare", {})])


def test_directional_light_brightens_towards_its_angle():
    img = np.full((100, 200, 3), 128, np.uint8)
    out = lighting.apply_effects(img, [Layer("directional_light", {"angle": 0.0, "strength": 0.3})])
    left, right = out[:, :20].mean(), out[:, -20:].mean()
    assert right > 128 + 25 and left < 128 - 25
    down = lighting.apply_effects(img, [Layer("directional_light", {"angle": 90.0, "strength": 0.3})])
    assert down[-10:].mean() > down[:10].mean() + 50


def test_vignette_darkens_corners_not_centre():
    img = np.full((120, 160, 3), 200, np.uint8)
    out = lighting.apply_effects(
        img, [Layer("vignette", {"strength": 0.4, "radius": 0.5, "center": [0.5, 0.5]})]
    )
    assert abs(int(out[60, 80, 0]) - 200) <= 1
    assert out[:8, :8].mean() < 200 * 0.75


def test_cast_shadow_darkens_one_side_and_highlight_brightens_a_spot():
    img = np.full((100, 100, 3), 180, np.uint8)
    shadow = {"angle": 0.0, "offset": 0.5, "softness": 0.05, "strength": 0.4, "band": 0.0}
    out = lighting.apply_effects(img, [Layer("cast_shadow", shadow)])
    assert out[:, :30].mean() == pytest.approx(180, abs=1)
    assert out[:, -30:].mean() < 180 * 0.65
    spot = {"center": [0.3, 0.3], "radius": 0.15, "aspect": 1.0, "angle": 0.0, "strength": 0.5}
    lit = lighting.apply_effects(img, [Layer("highlight", spot)])
    assert lit[30, 30].mean() > 210 and lit[90, 90].mean() == pytest.approx(180, abs=1)


def _smooth(t):
    t = np.clip(t, 0, 1)
    return t * t * (3 - 2 * t)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([(64, 48), (48, 64), (64, 64)]))
def test_light_maps_are_what_their_params_say(seed, size):
    """Each light map, at a size where its grid is the image itself (no upscaling), is the closed form its
    params describe (fractions of the image, written into records): gains within a rounding step."""
    w, h = size
    rng = np.random.default_rng(seed)
    x = (np.arange(w) / (w - 1))[None, :]
    y = (np.arange(h) / (h - 1))[:, None]
    img = np.full((h, w, 3), 160, np.uint8)
    for kind in ("directional_light", "vignette", "cast_shadow", "highlight"):
        p = lighting.EFFECTS.get(kind).sample(rng, w, h)
        if kind == "cast_shadow" and rng.random() < 0.5:
            p["band"] = 0.25
        a = np.radians(p.get("angle", 0.0))
        if kind == "directional_light":
            t = ((x - 0.5) * np.cos(a) + (y - 0.5) * np.sin(a)) / (abs(np.cos(a)) / 2 + abs(np.sin(a)) / 2)
            want = 160 * (1 + p["strength"] * t)
        elif kind == "vignette":
            aspect = w / h
            d = np.hypot((x - p["center"][0]) * aspect, y - p["center"][1]) / np.hypot(aspect / 2, 0.5)
            want = 160 * (1 - p["strength"] * _smooth((d - p["radius"]) / (1.2 - p["radius"])))
        elif kind == "cast_shadow":
            t = ((x - 0.5) * np.cos(a) + (y - 0.5) * np.sin(a)) / (abs(np.cos(a)) + abs(np.sin(a))) + 0.5
            shade = _smooth((t - p["offset"]) / p["softness"] + 0.5)
            if p["band"]:
                shade = shade * (1 - _smooth((t - p["offset"] - p["band"]) / p["softness"] + 0.5))
            want = 160 * (1 - p["strength"] * shade)
        else:
            short = min(w, h)
            dx, dy = (x - p["center"][0]) * w / short, (y - p["center"][1]) * h / short
            u, v = dx * np.cos(a) + dy * np.sin(a), -dx * np.sin(a) + dy * np.cos(a)
            blob = p["strength"] * np.exp(
                -2 * ((u / (p["radius"] * p["aspect"])) ** 2 + (v / p["radius"]) ** 2)
            )
            want = 160 * (1 - blob) + 255 * blob
        got = lighting.apply_effects(img, [Layer(kind, p)]).astype(float)
        assert np.abs(got - np.atleast_3d(want)).max() <= 2.0, (kind, p)


def test_colour_cast_alone_scales_each_channel_by_its_gain():
    img = np.random.default_rng(0).integers(0, 256, (40, 50, 3), np.uint8)
    gains = [1.07, 1.0175, 0.93]
    out = lighting.apply_effects(img, [Layer("color_cast", {"tone": "warm", "gains": gains})])
    want = np.clip(img * np.array(gains), 0, 255)
    assert np.abs(out - want).max() <= 0.5 + 1e-9  # rounded, and saturated at white


def test_color_cast_tints_and_noise_is_moderate():
    img = np.full((64, 64, 3), 150, np.uint8)
    warm = lighting.apply_effects(img, [Layer("color_cast", {"tone": "warm", "gains": [1.06, 1.0, 0.94]})])
    r, g, b = warm.reshape(-1, 3).mean(0)
    assert r > g > b
    noisy = lighting.apply_effects(img, [Layer("noise", {"sigma": 6.0, "mono": False, "seed": 3})])
    assert 4.5 < noisy.astype(float).std() < 7.5
    assert abs(noisy.mean() - 150) < 1


@pytest.mark.parametrize("shape", [(64, 64), (97, 131), (512, 384)])
def test_colour_noise_is_independent_per_channel_and_pixel(shape):
    """Colour noise is not grey noise: each channel's noise is its own at every pixel and next to it."""
    img = np.full((*shape, 3), 128, np.uint8)
    noisy = lighting.apply_effects(img, [Layer("noise", {"sigma": 6.0, "mono": False, "seed": 11})])
    n = noisy.astype(np.float64) - 128
    chans = n.reshape(-1, 3).T
    assert np.abs(np.corrcoef(chans)[np.triu_indices(3, 1)]).max() < 0.1
    for c in range(3):
        assert abs(np.corrcoef(n[:, 1:, c].ravel(), n[:, :-1, c].ravel())[0, 1]) < 0.1
        assert abs(np.corrcoef(n[1:, :, c].ravel(), n[:-1, :, c].ravel())[0, 1]) < 0.1
        assert 4.5 < n[..., c].std() < 7.5
    # no channel is another shifted: a fixed offset between channels is a fingerprint a model can learn
    h, w = shape
    for dy, dx in ((h // 16, w // 3), (0, 1), (1, 0), (h // 8, 0), (0, w // 4)):
        for c in range(3):
            for d in (1, 2):  # channel c + d at (y, x) against channel c at (y + dy, x + dx)
                a, b = n[dy:, dx:, c], n[: h - dy, : w - dx, (c + d) % 3]
                assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.1, (dy, dx, c, d)
    mono = lighting.apply_effects(img, [Layer("noise", {"sigma": 6.0, "mono": True, "seed": 11})])
    assert (mono[..., 0] == mono[..., 1]).all() and (mono[..., 1] == mono[..., 2]).all()
    assert mono.std() > 4.5


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 2**32 - 1), st.floats(0.5, 17.0), st.booleans(), st.integers(1, 300), st.integers(1, 300)
)
def test_noise_draws_the_same_grain_as_the_backgrounds(seed, sigma, mono, width, height):
    """Sensor noise scales the grain pool its own (faster) way: same generator draws, same bytes, so
    records written before still rerender to the same noise (sigma above the pool's draws fresh bytes)."""
    sigma = round(sigma, 2)
    img = np.random.default_rng(seed).integers(0, 256, (height, width, 3), np.uint8)
    params = {"sigma": sigma, "mono": mono, "seed": seed}
    n = gaussian_grain(np.random.default_rng(seed), height, width * (1 if mono else 3), sigma, signed=True)
    expected = add_centred(img, cv2.merge([n, n, n]) if mono else n.reshape(height, width, 3))
    out = lighting.apply_effects(img, [Layer("noise", params)])
    assert np.array_equal(out, expected)
    assert np.array_equal(
        lighting.apply_effects(img, [Layer("color_cast", {"gains": [1, 1, 1]}), Layer("noise", params)]),
        expected,
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(48, 200), st.integers(48, 200))
def test_light_effects_in_one_pass_look_as_one_after_another(seed, width, height):
    """Light, shadow, highlight, vignette and cast touch the image once (gain and lift folded together);
    the result is what applying them one at a time gives, to within a few levels of rounding.
    (Mid tones: one at a time clips at 255 between steps, which the single pass rightly does not.)"""
    rng = np.random.default_rng(seed)
    img = np.clip(poster(width, height, seed=seed % 7), 40, 170)
    kinds = ["directional_light", "cast_shadow", "highlight", "vignette", "color_cast"]
    layers = [
        Layer(k, lighting.EFFECTS.get(k).sample(np.random.default_rng(seed + i), width, height))
        for i, k in enumerate(kinds)
        if rng.random() < 0.7
    ]
    together = lighting.apply_effects(img, layers)
    apart = img
    for layer in layers:
        apart = lighting.apply_effects(apart, [layer])
    diff = np.abs(together.astype(int) - apart.astype(int))
    assert diff.max() <= 6 and diff.mean() < 1.0


def test_blur_softens_edges_within_limits():
    img = np.zeros((64, 64, 3), np.uint8)
    img[:, 32:] = 255
    for params in ({"kind": "gaussian", "sigma": 1.0}, {"kind": "motion", "length": 4.0, "angle": 0.0}):
        out = lighting.apply_effects(img, [Layer("blur", params)])
        edge = out[32, 28:37, 0].astype(int)
        assert 0 < edge[3] < 255 or 0 < edge[4] < 255, "the edge is softened"
        assert edge[0] < 10 and edge[-1] > 245, "but only by a few pixels"
    for seed in range(30):
        (layer,) = lighting.sample_effects(np.random.default_rng(seed), 512, 512, only("blur"))
        assert layer.params.get("sigma", 0) <= 1.2 and layer.params.get("length", 0) <= 5


@pytest.mark.parametrize("sigma", [0.4, 0.75, 1.2, 1.65, 2.4, 3.3])
def test_gaussian_blur_matches_a_full_gaussian(sigma):
    """The blur's kernel stops at ±2.5 sigma (cheaper than OpenCV's ±3): text edges stay within a few
    levels of the full Gaussian's, so a blurred record looks as it did."""
    img = poster(256, 192, seed=3)
    img[60:70, 40:200] = 250  # a light bar beside the dark one: hard edges both ways
    out = lighting.apply_effects(img, [Layer("blur", {"kind": "gaussian", "sigma": sigma})])
    full = cv2.GaussianBlur(img, (0, 0), sigma, borderType=cv2.BORDER_DEFAULT)
    diff = np.abs(out.astype(int) - full)
    assert diff.max() <= 3 and diff.mean() < 0.1


def test_register_effect():
    name = "test_invert_custom"
    lighting.register_effect(name, lambda rng, w, h: {"k": int(rng.integers(1, 5))}, lambda img, p: 255 - img)
    assert name in lighting.EFFECT_KINDS and name not in lighting.DEFAULT_EFFECT_PROBS  # off until named
    assert name not in [e.name for e in lighting.sample_effects(np.random.default_rng(0), 32, 32)]
    effects = lighting.sample_effects(np.random.default_rng(0), 32, 32, only(name))
    assert [e.name for e in effects] == [name]
    img = np.full((32, 32, 3), 10, np.uint8)
    assert (lighting.apply_effects(img, effects) == 245).all()
    with pytest.raises(TextsynthError, match="already registered"):
        lighting.register_effect(name, lambda rng, w, h: {}, lambda img, p: img)
