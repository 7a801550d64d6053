"""Backgrounds and colours: every kind renders the right array, from params alone, and photos fail clearly."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from textsynth.components import backgrounds as bg
from textsynth.errors import TextsynthError
from textsynth.render.colors import (
    PALETTES,
    color_name,
    contrast_ratio,
    hex_to_rgb,
    pick_text_color,
    rgb_to_hex,
)
from textsynth.scene import Layer
from textsynth.sources.photos import load_photos, register_photos, scan_photo_folder

PROCEDURAL = [k for k in bg.BACKGROUND_KINDS if k != "photo"]


@pytest.fixture
def photo_folder(tmp_path):
    """Two tiny real photos-like images (a PNG and a JPEG) with different content."""
    yy, xx = np.mgrid[0:48, 0:64]
    a = np.stack([xx * 4, yy * 5, (xx + yy) * 2], -1).astype(np.uint8)
    b = np.stack([255 - yy * 5, xx * 3, np.full_like(xx, 90)], -1).astype(np.uint8)
    cv2.imwrite(str(tmp_path / "a.png"), a)
    cv2.imwrite(str(tmp_path / "b.jpg"), b)
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path


@pytest.mark.parametrize("kind", PROCEDURAL)
def test_each_kind_renders_deterministically_from_json_params(kind):
    layer = bg.sample_background(np.random.default_rng(3), 200, 120, [kind])
    again = bg.sample_background(np.random.default_rng(3), 200, 120, [kind])
    assert layer == again, "same seed must give the same params"
    img = bg.render_background(layer, 200, 120)
    assert img.shape == (120, 200, 3) and img.dtype == np.uint8
    # The JSON record alone reproduces the pixels.
    restored = Layer(**json.loads(json.dumps(layer.__dict__)))
    assert np.array_equal(bg.render_background(restored, 200, 120), img)
    assert np.array_equal(bg.render_background(layer, 200, 120), img)


@pytest.mark.parametrize("kind", PROCEDURAL)
def test_different_seeds_give_different_images(kind):
    images = [
        bg.render_background(bg.sample_background(np.random.default_rng(s), 96, 96, [kind]), 96, 96)
        for s in range(4)
    ]
    assert len({img.tobytes() for img in images}) == 4


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(PROCEDURAL),
    width=st.integers(16, 1024),
    height=st.integers(16, 1024),
    seed=st.integers(0, 2**32 - 1),
    palette=st.none() | st.sampled_from(sorted(PALETTES)),
)
def test_any_size_any_seed(kind, width, height, seed, palette):
    pal = PALETTES[palette] if palette else None
    layer = bg.sample_background(np.random.default_rng(seed), width, height, [kind], palette=pal)
    json.dumps(layer.params)
    img = bg.render_background(layer, width, height)
    assert img.shape == (height, width, 3) and img.dtype == np.uint8


def test_textures_are_not_flat_and_have_their_character():
    def sample(kind, seed=0):
        layer = bg.sample_background(np.random.default_rng(seed), 256, 256, [kind])
        return layer, bg.render_background(layer, 256, 256).astype(np.float64)

    _, paper = sample("paper")
    assert paper.mean() > 200, "paper is a light off-white"
    assert 0.5 < paper.std() < 15, "paper has visible but gentle grain"
    layer, wood = sample("wood")
    r, g, b = wood.reshape(-1, 3).mean(0)
    assert r > g > b, "wood is brown"
    # Grain runs one way: much more variation across it than along it.
    across, along = (1, 0) if layer.params["vertical"] else (0, 1)
    assert np.abs(np.diff(wood, axis=across)).mean() > 1.5 * np.abs(np.diff(wood, axis=along)).mean()
    _, concrete = sample("concrete")
    assert np.abs(concrete[..., 0] - concrete[..., 2]).mean() < 12, "concrete is grey"
    layer, grad = sample("linear_gradient")
    assert grad.std() > 3


def test_palette_colours_are_used():
    palette = ["#c1121f", "#ffd700"]
    for seed in range(5):
        layer = bg.sample_background(np.random.default_rng(seed), 64, 64, ["flat"], palette=palette)
        assert layer.params["base_color"] in palette
        img = bg.render_background(layer, 64, 64)
        assert tuple(img[10, 10]) == hex_to_rgb(layer.params["base_color"])


def test_missing_params_are_named():
    with pytest.raises(TextsynthError, match="angle"):
        bg.render_background(Layer("linear_gradient", {"colors": ["#000000", "#ffffff"]}), 32, 32)
    white = Layer("flat", {"color": "#ffffff"})  # the spelling hand-written scenes use
    assert (bg.render_background(white, 8, 8) == 255).all()
    assert bg.describe_background(white) == ("白色纯色背景", "a white plain background")


def test_unknown_kind_lists_valid_ones():
    with pytest.raises(TextsynthError, match="wood"):
        bg.sample_background(np.random.default_rng(0), 64, 64, ["marble"])
    with pytest.raises(TextsynthError, match="paper"):
        bg.render_background(Layer("marble", {}), 64, 64)


def test_default_kinds_skip_photos_without_files_and_cover_the_rest():
    seen = {bg.sample_background(np.random.default_rng(s), 32, 32).name for s in range(200)}
    assert seen == set(PROCEDURAL)
    with pytest.raises(TextsynthError, match="photo"):
        bg.sample_background(np.random.default_rng(0), 32, 32, ["photo"])


def test_photo_backgrounds_from_a_folder(photo_folder):
    photos = scan_photo_folder(photo_folder)
    register_photos(photos)
    assert sorted(p.id for p in photos) == ["a", "b"]
    chosen = set()
    for seed in range(8):
        layer = bg.sample_background(np.random.default_rng(seed), 40, 30, ["photo"], photos=photos)
        text = json.dumps(layer.params)
        assert str(photo_folder) not in text, "no host paths in the scene"
        chosen.add(layer.params["photo"])
        img = bg.render_background(layer, 40, 30)
        assert img.shape == (30, 40, 3) and img.dtype == np.uint8
        assert img.std() > 5, "the photo's content shows, not a flat colour"
        assert np.array_equal(img, bg.render_background(layer, 40, 30))
    assert len(chosen) == 2
    assert bg.describe_background(layer) == ("一张照片", "a photograph")


def test_shipped_photos_are_described_by_their_subject():
    photos = load_photos().photos
    if not photos:
        pytest.skip("photo packages not installed")
    layer = bg.sample_background(np.random.default_rng(0), 64, 48, ["photo"], photos=photos)
    zh, en = bg.describe_background(layer)
    assert zh.endswith("的照片") and en.startswith("a photo of ") and layer.params["license"]


def test_corrupt_images_in_a_folder_are_named_before_rendering(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "ok.png")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    with pytest.raises(TextsynthError, match=r"broken\.jpg"):
        scan_photo_folder(tmp_path)


def test_register_background_uses_the_sample_then_apply_contract():
    name = "test_checker_custom"

    def sample(rng, width, height, palette):
        return {"value": int(rng.integers(0, 256)), "base_color": "#2060e0"}

    def apply(params, width, height):
        return np.full((height, width, 3), params["value"], np.uint8)

    bg.register_background(name, sample, apply)
    assert name in bg.BACKGROUND_KINDS
    layer = bg.sample_background(np.random.default_rng(1), 20, 10, [name])
    assert layer.name == name
    img = bg.render_background(layer, 20, 10)
    assert (img == layer.params["value"]).all()
    assert bg.describe_background(layer) == ("蓝色背景", "a blue background")
    with pytest.raises(TextsynthError, match="already registered"):
        bg.register_background(name, sample, apply)
    bg.register_background(name + "_bad", sample, lambda p, w, h: np.zeros((h, w), np.uint8))
    with pytest.raises(TextsynthError, match="_bad"):
        bg.render_background(Layer(name + "_bad", {"value": 1}), 20, 10)


def test_descriptions_name_the_kind_and_colour():
    layer = Layer(
        "linear_gradient", {"colors": ["#e02020", "#400000"], "angle": 90.0, "base_color": "#e02020"}
    )
    assert bg.describe_background(layer) == ("红色渐变背景", "a red gradient background")
    wood = bg.sample_background(np.random.default_rng(0), 64, 64, ["wood"])
    assert bg.describe_background(wood) == ("木纹背景", "a wood-grain background")
    orange = Layer("flat", {"base_color": "#ff8c00"})
    assert bg.describe_background(orange)[1] == "an orange plain background"
    for kind in PROCEDURAL:
        zh, en = bg.describe_background(bg.sample_background(np.random.default_rng(1), 64, 64, [kind]))
        assert zh.endswith("背景") and en.endswith("background")


# ---------------------------------------------------------------- colours


def test_hex_round_trip_and_bad_colours():
    assert hex_to_rgb("#f80") == (255, 136, 0)
    assert hex_to_rgb("1a2b3c") == (26, 43, 60)
    assert rgb_to_hex((26, 43, 60)) == "#1a2b3c"
    assert rgb_to_hex((300, -4, 12.6)) == "#ff000d"
    with pytest.raises(TextsynthError, match="#zzzzzz"):
        hex_to_rgb("#zzzzzz")


def test_contrast_ratio_follows_wcag():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the WCAG AA grey


@settings(max_examples=60, deadline=None)
@given(
    bg_rgb=st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
    palette=st.none() | st.sampled_from(sorted(PALETTES)),
    min_contrast=st.sampled_from([1.5, 3.0, 4.5, 7.0]),
    seed=st.integers(0, 1000),
)
def test_pick_text_color_is_readable(bg_rgb, palette, min_contrast, seed):
    color = pick_text_color(
        np.random.default_rng(seed), bg_rgb, PALETTES[palette] if palette else None, min_contrast
    )
    # Mid-tones cannot reach 7:1 with any colour; then the best of black and white is the answer.
    achievable = max(contrast_ratio("#000000", bg_rgb), contrast_ratio("#ffffff", bg_rgb))
    assert contrast_ratio(color, bg_rgb) >= min(min_contrast, achievable)
    if palette and color not in ("#141414", "#f8f8f8", "#000000", "#ffffff"):
        assert color in PALETTES[palette]


def test_pick_text_color_prefers_palette_colours_that_contrast():
    palette = ["#ffffff", "#fff1c1", "#8b0000"]
    picks = {pick_text_color(np.random.default_rng(s), (250, 250, 250), palette) for s in range(20)}
    assert picks == {"#8b0000"}
    assert pick_text_color(np.random.default_rng(0), (250, 250, 250), ["#ffffff"]) == "#141414"


@pytest.mark.parametrize(
    ("color", "zh", "en"),
    [
        ("#e02020", "红色", "red"),
        ("#050505", "黑色", "black"),
        ("#ffffff", "白色", "white"),
        ("#808080", "灰色", "gray"),
        ("#0000ff", "蓝色", "blue"),
        ("#000080", "深蓝色", "dark blue"),
        ("#ffd700", "黄色", "yellow"),
        ("#ffa500", "橙色", "orange"),
        ("#8b4513", "棕色", "brown"),
        ("#f5f5dc", "米色", "beige"),
        ("#ffc0cb", "粉色", "pink"),
        ("#006400", "深绿色", "dark green"),
        ("#800080", "紫色", "purple"),
        ("#eeeeee", "白色", "white"),
    ],
)
def test_color_names(color, zh, en):
    assert color_name(color) == (zh, en)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shape=st.sampled_from([(1, 1), (7, 5), (16, 9, 3), (3, 64, 3)]))
def test_add_centred_is_saturated_integer_addition(seed, shape):
    """Grain and noise add a map centred on 128: clip(a + b - 128) exactly, extremes included."""
    from textsynth.components.backgrounds import add_centred

    rng = np.random.default_rng(seed)
    a, b = (rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(2))
    a.flat[0], b.flat[0] = 255, 255  # both saturations occur
    a.flat[-1], b.flat[-1] = 0, 0
    expected = np.clip(a.astype(np.int16) + b - 128, 0, 255).astype(np.uint8)
    assert np.array_equal(add_centred(a, b), expected)


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (256, 256)])
def test_quantised_normal_noise_is_standard_normal_and_seeded(shape):
    """Concrete's octaves draw bytes through a quantile table: N(0, 1) to within its 256 levels, same
    seed same noise, and every level is reachable."""
    draw = bg._quantile_normal(np.random.default_rng(5), shape)
    assert draw.shape == shape and draw.dtype == np.float32
    assert np.array_equal(draw, bg._quantile_normal(np.random.default_rng(5), shape))
    big = bg._quantile_normal(np.random.default_rng(6), (512, 512))
    assert abs(float(big.mean())) < 0.01 and abs(float(big.std()) - 1) < 0.02
    assert len(np.unique(big)) == 256 and float(big.min()) < -2.6 and float(big.max()) > 2.6


@pytest.mark.parametrize("sigma", [0.5, 2.0, 5.37, 8.0, 16.0, 24.0])
@pytest.mark.parametrize("shape", [(512, 512), (1024, 3072), (2100, 2100)])  # pool, effects' RGB, fresh
def test_grain_has_its_sigma_is_seeded_and_signed_is_the_same_grain(sigma, shape):
    """Grain from the shared pool (or fresh bytes past it) is N(128, sigma) for any sigma, the same for
    the same seed, different for another, and the signed form is the same grain around 0."""
    h, w = shape
    grain = bg.gaussian_grain(np.random.default_rng(3), h, w, sigma)
    assert grain.dtype == np.uint8 and grain.shape == shape
    assert abs(float(grain.mean()) - 128) < 4 * sigma / np.sqrt(h * w) + 0.01  # 4 standard errors
    assert abs(float(grain.std()) - np.sqrt(sigma**2 + 1 / 12)) < 0.03 * sigma + 0.05  # whole levels: +1/12
    assert np.array_equal(grain, bg.gaussian_grain(np.random.default_rng(3), h, w, sigma))
    assert not np.array_equal(grain, bg.gaussian_grain(np.random.default_rng(4), h, w, sigma))
    signed = bg.gaussian_grain(np.random.default_rng(3), h, w, sigma, signed=True)
    assert signed.dtype == np.int8 and np.array_equal(signed.view(np.uint8) ^ np.uint8(0x80), grain)
    # no row of the grain comes back later in it (a pool window never wraps)
    assert len({row.tobytes() for row in grain[:, :64]}) == h


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    sigma=st.floats(0.3, 24.0),
    shape=st.sampled_from([(1, 1), (7, 13), (64, 48), (2100, 2100)]),  # the last one past the pool
)
def test_add_grain_adds_the_same_grain_as_add_centred_in_one_pass(seed, sigma, shape):
    """Textures add grain drawn by `draw_grain` with `add_grain`: the same draw and values as adding
    `gaussian_grain` with `add_centred` (round-half ties may differ by one level), saturated, and the
    same draws consumed; kept sign-flipped, coloured through the flipped table, the same colours."""
    image = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    image.flat[0], image.flat[-1] = 255, 0  # both saturations are in play
    fused_rng, split_rng = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
    fused = bg.add_grain(image.copy(), bg.draw_grain(fused_rng, *shape, sigma))
    split = bg.add_centred(image, bg.gaussian_grain(split_rng, *shape, sigma, signed=True))
    assert fused.dtype == np.uint8 and fused.shape == shape
    assert int(np.abs(fused.astype(np.int16) - split).max()) <= 1
    assert fused_rng.integers(1 << 62) == split_rng.integers(1 << 62)
    flipped = bg.add_grain(image.copy(), bg.draw_grain(np.random.default_rng(seed + 1), *shape, sigma), True)
    assert np.array_equal(flipped ^ np.uint8(0x80), fused)
    colours = bg._colorize(fused, "#8a6b4e", 0.7)
    assert np.array_equal(bg._colorize(flipped, "#8a6b4e", 0.7, flipped=True), colours)


@pytest.mark.parametrize("kind", ["paper", "concrete", "wood", "fabric"])
def test_textures_have_their_smooth_field_and_grain_at_full_size(kind):
    """The smooth part is built small and enlarged once, the grain drawn at full size: at 1024x768 the
    image still has per-pixel grain (neighbours differ) and a broad field (block means differ)."""
    layer = bg.sample_background(np.random.default_rng(8), 1024, 768, [kind])
    gray = bg.render_background(layer, 1024, 768).astype(np.float32).mean(axis=2)
    assert float(np.abs(np.diff(gray, axis=1)).mean()) > 1.0  # grain or weave between neighbours
    blocks = gray.reshape(12, 64, 16, 64).mean(axis=(1, 3))
    assert float(blocks.std()) > 0.5  # and a field across the canvas


@settings(max_examples=40, deadline=None)
@given(
    angle=st.floats(0, 360),
    width=st.integers(1, 300),
    height=st.integers(1, 300),
    colors=st.lists(
        st.sampled_from(["#000000", "#ffffff", "#c1121f", "#1d3557", "#f2c14e"]), min_size=2, max_size=3
    ),
)
def test_linear_gradient_rows_cut_from_one_line_match_the_exact_field(angle, width, height, colors):
    """Linear gradients gather each row from one coloured line (half a pixel off at most): every
    pixel stays within a few levels of the exact projection's colour, in a new array it may own."""
    params = {"colors": colors, "angle": angle, "base_color": colors[0]}
    got = bg.render_background(Layer("linear_gradient", params), width, height)
    a = np.radians(angle)
    dx, dy = np.cos(a), np.sin(a)
    ys, xs = np.mgrid[0:height, 0:width]
    proj = (xs - (width - 1) / 2) * dx + (ys - (height - 1) / 2) * dy
    half = max(abs(dx) * (width - 1) + abs(dy) * (height - 1), 1.0) / 2
    exact = bg._ramp(np.clip(proj / (2 * half) + 0.5, 0, 1), colors)
    step = 255 / max(half, 0.5)  # one pixel of the field moves a channel by at most this much
    assert int(np.abs(got.astype(np.int16) - exact).max()) <= max(3, int(step) + 2)
    assert got.flags.owndata and got.flags.c_contiguous


@settings(max_examples=30, deadline=None)
@given(
    angle=st.one_of(st.sampled_from([0.0, 45.0, 90.0, 135.0, 89.99, 0.01]), st.floats(0, 180)),
    size=st.integers(4, 60),
    ratio=st.floats(0.3, 0.6),
    width=st.integers(40, 260),
    height=st.integers(40, 260),
)
def test_stripes_cover_their_ratio_across_any_direction(angle, size, ratio, width, height):
    """Stripes are cut from one line (or solid rows when they lie flat): the foreground covers `ratio`
    of each period along the stripes' normal, pixels are the two colours or an edge blend between
    them, and stripes at 0 and 90 degrees are constant along their length."""
    params = {"variant": "stripes", "colors": ["#000000", "#ffffff"], "size": size, "angle": angle}
    params |= {"ratio": ratio, "base_color": "#000000"}
    img = bg.render_background(Layer("geometric", params), width, height)
    assert img.flags.owndata and np.array_equal(img[..., 0], img[..., 2])  # grey: fg share = value
    share = float(img[..., 0].mean()) / 255
    periods = (abs(np.cos(np.radians(angle))) * width + abs(np.sin(np.radians(angle))) * height) / size
    assert abs(share - ratio) <= 0.5 / max(periods, 1) + 0.03  # partial periods at the borders
    if angle == 0.0:
        assert (img == img[:1]).all()
    if angle == 90.0:
        assert (img == img[:, :1]).all()


@pytest.mark.parametrize("variant", ["checker", "dots", "triangles"])
def test_tiled_patterns_repeat_their_tile_exactly(variant):
    """Checker, dots and triangles repeat one tile: the image equals itself shifted by the period."""
    params = {"variant": variant, "colors": ["#102030", "#f0e0d0"], "size": 20, "angle": 0.0}
    img = bg.render_background(Layer("geometric", params | {"ratio": 0.5, "base_color": "#102030"}), 203, 157)
    px, py = {"checker": (40, 40), "dots": (20, 40), "triangles": (20, 2 * round(20 * 0.866))}[variant]
    assert np.array_equal(img[py:, px:], img[:-py, :-px]) and img.flags.owndata
    assert len(np.unique(img.reshape(-1, 3), axis=0)) >= 2


@pytest.mark.parametrize("seed", range(4))
def test_concrete_takes_a_templates_palette_but_stays_concrete(seed):
    """Concrete is grey without a palette; with one it is tinted by it (a dark neon-sign palette gives a
    dark wall, a teal one a greyish teal), desaturated, and still mottled."""

    def render(palette):
        layer = bg.sample_background(np.random.default_rng(seed), 256, 256, ["concrete"], palette)
        return bg.render_background(layer, 256, 256).astype(np.float32)

    grey = render(None).mean(axis=(0, 1))
    assert float(np.ptp(grey)) < 0.08 * 255 and grey.mean() > 0.4 * 255
    dark = render(["#0b0b1e", "#111111", "#16213e"])
    assert dark.mean() < 0.2 * 255 and dark.mean(axis=2).std() > 1.0
    teal = render(["#2a9d8f"]).mean(axis=(0, 1))
    assert teal[1] > teal[0] and teal[2] > teal[0]  # green and blue over red, as the palette
    assert float(np.ptp(teal)) < 0.3 * 255  # but far from the palette's own saturation


def test_builtin_kinds_hand_back_arrays_of_their_own():
    """The sampler draws decorations into a built-in kind's ground in place, so no render may share
    pixels with another or with a cache: drawing on one leaves the next render as it was."""
    photos = load_photos().photos
    for kind in sorted(bg.BACKGROUNDS.builtin):
        if kind == "photo" and not photos:
            continue
        layer = bg.sample_background(np.random.default_rng(3), 96, 64, [kind], photos=photos)
        first, second = bg.render_background(layer, 96, 64), bg.render_background(layer, 96, 64)
        assert first.flags.writeable and not np.shares_memory(first, second), kind
        first[:] = 255 - first
        assert np.array_equal(bg.render_background(layer, 96, 64), second), kind


def test_a_plugin_ground_that_is_shared_is_never_drawn_on(ctx):
    """A plug-in kind may hand back one cached picture for every sample: decorations and backing panels
    go on a copy of it."""
    from textsynth.sampling.sampler import sample_template
    from textsynth.templates import Slot, Template
    from textsynth.templates.schema import DecorationSpec

    shared = np.full((256, 256, 3), 90, np.uint8)  # the ctx fixture's canvas
    shared.setflags(write=False)  # drawing on it raises, wherever it happens
    name = "test_shared_picture"
    bg.register_background(
        name, lambda rng, width, height, palette: {"color": "#5a5a5a"}, lambda p, w, h: shared
    )
    template = Template(
        name="shared_ground", description="a bar on a plug-in ground", subject={"zh": "标签", "en": "a label"},
        background_kinds=[name], decorations=[DecorationSpec("rect", (0.0, 0.4, 1.0, 0.6), color="#c03020")],
        slots=[Slot(role="title", region=(0.1, 0.3, 0.9, 0.7), primary=True, size=(0.15, 0.25))],
    )  # fmt: skip
    sampled = sample_template(template, np.random.default_rng(0), ctx, 0)
    assert (shared == 90).all() and not np.shares_memory(sampled.base, shared)
    assert (sampled.base != 90).any()  # the bar is on the copy
