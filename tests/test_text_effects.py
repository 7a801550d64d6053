"""Designed-title effects: multiple outlines, inner glow, long shadow, lit extrude, textured fills and
characters of mixed size. Each renders, is recorded, draws again from its record, keeps polygons on ink."""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import textsynth
from textsynth.errors import TextsynthError
from textsynth.render.colors import contrast_ratio, hex_to_rgb
from textsynth.render.compose import render_scene
from textsynth.render.layout import font_metrics, layout_block
from textsynth.sampling.text_effects import either
from textsynth.scene import (
    Extrude,
    Fill,
    Glow,
    Layer,
    LongShadow,
    Outline,
    Scene,
    Shadow,
    TextItem,
    TextStyle,
)

GROUND = "#f4e3c0"
WORDS = ["限时特惠", "全场5折起", "新店开业大吉", "春节快乐2025"]


@pytest.fixture(scope="module")
def load_font(fonts):
    from textsynth.sources.fonts import get_font

    return lambda face_id, size: get_font(fonts.face(face_id), size)


@pytest.fixture(scope="module")
def face(fonts):
    return fonts.choose("".join(WORDS), np.random.default_rng(0), styles=["sans"])


def _item(face, style: TextStyle, text: str = "限时特惠", size_px: int = 60, **kw) -> TextItem:
    return TextItem(text=text, role="title", font=face.id, size_px=size_px, direction="ltr", box=(40, 60, 440, 260),
                    style=style, **kw)  # fmt: skip


def _scene_of(item: TextItem, ground: str = GROUND) -> Scene:
    return Scene(
        width=480, height=320, template="t", background=Layer("flat", {"color": ground}), texts=[item]
    )


def _render(item: TextItem, load_font, ground: str = GROUND):
    scene = Scene(
        width=480, height=320, template="t", background=Layer("flat", {"color": ground}), texts=[item]
    )
    return render_scene(scene, load_font)


def _mask(polys, shape, grow: int = 0) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    for poly in polys:
        cv2.fillPoly(mask, [np.round(np.array(poly)).astype(np.int32)], 1)
    return (
        cv2.dilate(mask, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)).astype(bool) if grow else mask > 0
    )


def _near(image: np.ndarray, color: str, tol: int = 40) -> np.ndarray:
    return np.abs(image.astype(int) - np.array(hex_to_rgb(color))).max(axis=2) <= tol


# --- each effect draws what it says ---------------------------------------------------------------


def test_outlines_ring_the_stroke_in_their_own_colours(face, load_font):
    style = TextStyle(fill=Fill("solid", ["#ffd700"]), stroke_width=3, stroke_color="#c1121f",
                      outlines=[Outline(4, "#ffffff"), Outline(3, "#1a1a1a")])  # fmt: skip
    out = _render(_item(face, style), load_font)
    chars = [c["polygon"] for c in out.texts[0].chars]
    inside, near = _mask(chars, out.image.shape[:2]), _mask(chars, out.image.shape[:2], grow=14)
    for color in ("#ffd700", "#c1121f", "#ffffff", "#1a1a1a"):
        assert (_near(out.image, color, 30) & near).sum() > 200, f"{color} is not drawn"
    # the outermost ring is what meets the ground: it lies around the glyphs, not far from them
    dark = _near(out.image, "#1a1a1a", 30)
    assert (dark & ~near).sum() == 0
    plain = _render(_item(face, TextStyle(fill=Fill("solid", ["#ffd700"]))), load_font)
    assert plain.texts[0].chars == out.texts[0].chars  # rings add ink around the glyphs, polygons stay
    assert (_near(out.image, "#ffd700", 30) & inside).sum() > 0.8 * (_near(plain.image, "#ffd700", 30)).sum()


def test_long_shadow_runs_along_its_angle_and_fades(face, load_font):
    for angle, fade in ((45.0, 0.0), (135.0, 0.9)):
        style = TextStyle(
            fill=Fill("solid", ["#ffffff"]), long_shadow=LongShadow(50, angle, "#5a0000", 1.0, fade)
        )
        out = _render(_item(face, style), load_font)
        shadow = np.abs(out.image.astype(int) - np.array(hex_to_rgb(GROUND))).max(axis=2) > 12
        ys, xs = np.nonzero(shadow)
        poly = np.array(out.texts[0].polygon)
        assert ys.max() > poly[:, 1].max() + 20, "the shadow runs down past the glyphs"
        if angle == 45.0:
            assert xs.max() > poly[:, 0].max() + 20, "45° runs to the right"
        else:
            assert xs.min() < poly[:, 0].min() - 20, "135° runs to the left"
    # fade: the far end is lighter than the part next to the glyphs
    ground = np.array(hex_to_rgb(GROUND), float)
    darkness = np.abs(out.image.astype(float) - ground).sum(axis=2)
    bottom = int(poly[:, 1].max())
    assert darkness[bottom + 2 : bottom + 8].max() > darkness[bottom + 30 : bottom + 38].max() + 40


def test_inner_glow_lights_the_rim_inside_the_fill(face, load_font):
    fill = TextStyle(fill=Fill("solid", ["#8b0000"]))
    glow = TextStyle(fill=Fill("solid", ["#8b0000"]), inner_glow=Glow(3.0, "#ffd0a0", 0.9))
    plain, lit = _render(_item(face, fill), load_font), _render(_item(face, glow), load_font)
    ink = _near(plain.image, "#8b0000", 10)
    changed = np.abs(lit.image.astype(int) - plain.image.astype(int)).max(axis=2) > 30
    assert changed.sum() > 100
    assert (changed & ~_mask([c["polygon"] for c in plain.texts[0].chars], ink.shape, grow=1)).sum() == 0
    core = cv2.erode(ink.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    assert (changed & core).sum() < 0.2 * core.sum() + 1, "the middle of thick strokes keeps the fill colour"


@pytest.mark.parametrize("light, bright", [(315.0, "right"), (135.0, "bottom")])
def test_lit_extrude_lights_the_side_facing_the_light(light, bright):
    """A block extruded down-right shows a right face and a bottom face; the one facing the light is lighter."""
    from textsynth.render.text import _ByteCoats, _lit_extrude

    body = np.zeros((80, 80), np.uint8)
    body[20:50, 20:50] = 255
    coats = _ByteCoats((80, 80))
    _lit_extrude(coats, Extrude(8, 1.5, 1.5, "#808080", light=light), body)
    rgba = coats.rgba().astype(np.float64)
    alpha = rgba[..., 3] / 255
    tone = rgba[..., 0] / np.maximum(rgba[..., 3], 1)
    right = tone[30:45, 51:58][alpha[30:45, 51:58] > 0.9].mean()
    bottom = tone[51:58, 30:45][alpha[51:58, 30:45] > 0.9].mean()
    lit, dark = (right, bottom) if bright == "right" else (bottom, right)
    assert lit > dark + 0.15


def test_records_made_before_these_fields_draw_as_before(face, load_font):
    """A scene written before the new fields (no outlines, inner_glow, long_shadow, char_scales, fill
    pattern, extrude light) loads with them off and draws the flat depth ramp it always drew."""
    style = TextStyle(fill=Fill("solid", ["#ffd700"]), extrude=Extrude(5, 1.0, 1.0, "#333333"))
    item = _item(face, style)
    scene = Scene(
        width=480, height=320, template="t", background=Layer("flat", {"color": GROUND}), texts=[item]
    )
    old = scene.to_json()
    text = old["texts"][0]
    del text["char_scales"]
    for key in ("outlines", "inner_glow", "long_shadow"):
        del text["style"][key]
    for key in ("pattern", "scale", "seed"):
        del text["style"]["fill"][key]
    del text["style"]["extrude"]["light"]
    again = Scene.from_json(old)
    assert again.texts[0].style.extrude.light is None and again.texts[0].style.outlines == []
    assert np.array_equal(render_scene(again, load_font).image, render_scene(scene, load_font).image)


@pytest.mark.parametrize("pattern", ["metal", "stripes", "grain"])
def test_textured_fills_vary_inside_the_glyphs(face, load_font, pattern):
    fill = Fill("texture", ["#c9a227", "#fff6c8"], angle=45.0 if pattern == "stripes" else 90.0,
                pattern=pattern, scale=3.0 if pattern == "grain" else 9.0, seed=3)  # fmt: skip
    out = _render(_item(face, TextStyle(fill=fill)), load_font)
    solid = _render(_item(face, TextStyle(fill=Fill("solid", ["#c9a227"]))), load_font)
    ink = np.abs(solid.image.astype(int) - np.array(hex_to_rgb(GROUND))).max(axis=2) > 60
    core = cv2.erode(ink.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    tones = out.image[core].astype(float).sum(axis=1)
    assert tones.std() > 12, f"{pattern} fill is flat"
    assert solid.image[core].astype(float).sum(axis=1).std() < 3
    assert out.texts[0].chars == solid.texts[0].chars


# --- mixed sizes ------------------------------------------------------------------------------------


def test_mixed_size_characters_share_a_baseline_and_grow(face, load_font):
    item = _item(
        face, TextStyle(fill=Fill("solid", ["#111111"])), text="全场5折起", char_scales=[1, 1, 1.5, 1, 1]
    )
    font = load_font(face.id, item.size_px)
    layout = layout_block(item, font)
    baselines = [g.y + font_metrics(g.font or font)[0] for g in layout.glyphs]
    assert max(baselines) - min(baselines) < 0.51
    heights = [g.cell[2, 1] - g.cell[0, 1] for g in layout.glyphs]
    assert heights[2] > 1.3 * heights[0]
    assert layout.glyphs[2].font.size > font.size


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    word=st.sampled_from(WORDS),
    start=st.integers(0, 3),
    length=st.integers(1, 3),
    scale=st.floats(1.1, 1.8),
    lines=st.sampled_from([1, 2]),
    align=st.sampled_from(["start", "center", "end"]),
    rotation=st.floats(-20, 20),
    jitter=st.sampled_from([0.0, 0.08]),
)
def test_mixed_size_polygons_cover_their_ink(face, load_font, word, start, length, scale, lines, align,
                                             rotation, jitter):  # fmt: skip
    scales = [round(scale, 2) if start <= i < start + length else 1.0 for i in range(len(word))]
    half = len(word) // 2
    # 44 px: eight characters, three of them 1.8x, stay on the 480 px canvas (at 60 px they ran off it)
    item = _item(face, TextStyle(fill=Fill("solid", ["#111111"])), text=word, size_px=44, char_scales=scales,
                 lines=[word] if lines == 1 else [word[:half], word[half:]], align=align, rotation=rotation,
                 jitter=jitter, jitter_seed=7)  # fmt: skip
    out = _render(item, load_font, ground="#ffffff")
    ink = np.abs(out.image.astype(int) - 255).max(axis=2) > 60
    chars = [c["polygon"] for c in out.texts[0].chars]
    assert [c["char"] for c in out.texts[0].chars] == list(word)
    assert ink.sum() > 100
    assert (ink & ~_mask(chars, ink.shape, grow=2)).sum() <= 0.01 * ink.sum(), "ink outside the char polygons"
    for poly in chars:
        assert (ink & _mask([poly], ink.shape)).sum() > 0, "a char polygon without ink"
    word_mask = _mask([out.texts[0].polygon], ink.shape, grow=3)
    assert (ink & ~word_mask).sum() <= 0.01 * ink.sum()


# --- any parameters: polygons stay on the glyphs, effects only add ink around them ------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rings=st.lists(
        st.tuples(st.floats(1, 8), st.sampled_from(["#ffffff", "#111111", "#c1121f"])), max_size=3
    ),
    stroke=st.integers(0, 5),
    long_shadow=st.one_of(st.none(), st.tuples(st.floats(5, 80), st.floats(0, 360), st.floats(0, 1))),
    inner=st.one_of(st.none(), st.floats(0.5, 6)),
    pattern=st.sampled_from(["", "metal", "stripes", "grain"]),
    light=st.one_of(st.none(), st.floats(0, 360)),
    seed=st.integers(0, 1000),
)
def test_any_effect_parameters_keep_polygons_on_ink(face, load_font, rings, stroke, long_shadow, inner, pattern,
                                                    light, seed):  # fmt: skip
    fill = (
        Fill("texture", ["#2060c0", "#a0c0ff"], 45.0, pattern, 6.0, seed)
        if pattern
        else Fill("solid", ["#2060c0"])
    )
    style = TextStyle(
        fill=fill, stroke_width=stroke, stroke_color="#ffd700",
        outlines=[Outline(w, c) for w, c in rings],
        long_shadow=LongShadow(long_shadow[0], long_shadow[1], "#404040", 1.0, long_shadow[2]) if long_shadow else None,
        inner_glow=Glow(inner, "#ffffff", 0.7) if inner else None,
        extrude=Extrude(4, 1.0, 1.0, "#333333", light=light) if light is not None else None,
    )  # fmt: skip
    item = _item(face, style, text="新店开业", char_scales=[1.4, 1, 1, 1] if seed % 2 else [])
    styled = _render(item, load_font, ground="#ffffff")
    plain = _render(_item(face, TextStyle(fill=Fill("solid", ["#2060c0"])), text="新店开业",
                          char_scales=item.char_scales), load_font, ground="#ffffff")  # fmt: skip
    assert styled.texts[0].chars == plain.texts[0].chars
    fill_ink = np.abs(plain.image.astype(int) - 255).max(axis=2) > 100
    chars = [c["polygon"] for c in plain.texts[0].chars]
    assert (fill_ink & ~_mask(chars, fill_ink.shape, grow=2)).sum() <= 0.01 * fill_ink.sum()
    # where the glyphs are, the styled image is not the ground: the fill stays on top of every effect
    painted = np.abs(styled.image.astype(int) - 255).max(axis=2) > 20
    assert (fill_ink & ~painted).sum() <= 0.01 * fill_ink.sum()


# --- recorded, drawn again, sampled from templates ---------------------------------------------------


FX_TEMPLATE = """\
name: fx_test
subject: {zh: 促销海报, en: a promotional poster}
background: {kinds: [flat, linear_gradient]}
slots:
  - role: title
    region: [0.05, 0.05, 0.95, 0.55]
    text: pattern:{word}大促
    primary: true
    font: {styles: [sans]}
    size: [0.12, 0.18]
    max_chars: 8
    max_lines: 1
    effects: {outlines: 0.6, inner_glow: 0.4, long_shadow: 0.5, textured_fill: 0.6, mixed_size: 0.6, extrude: 0.2}
  - role: promotion
    region: [0.05, 0.6, 0.95, 0.95]
    text: genre:promotion
    max_chars: 10
    max_lines: 1
    size: [0.07, 0.1]
    effects: {mixed_size: 0.9}
"""


@pytest.fixture(scope="module")
def fx_samples(tmp_path_factory):
    path = tmp_path_factory.mktemp("fx") / "fx_test.yaml"
    path.write_text(FX_TEMPLATE)
    ctx = textsynth.build_context(
        textsynth.RenderConfig(seed=3, width=320, height=320), [textsynth.load_template(path)]
    )
    return ctx, [textsynth.make_sample(ctx, i) for i in range(24)]


def test_effects_are_sampled_recorded_and_drawn_again(fx_samples):
    _, samples = fx_samples
    seen = set()
    for sample in samples:
        record = sample.record()
        scene = json.loads(record["scene"])
        for text, item in zip(record["texts"], scene["texts"], strict=True):
            seen.update(text["styles"])
            style = item["style"]
            assert ("outlines" in text["styles"]) == bool(style["outlines"])
            assert ("long_shadow" in text["styles"]) == (style["long_shadow"] is not None)
            assert ("textured_fill" in text["styles"]) == (style["fill"]["kind"] == "texture")
        again = textsynth.rerender(record)
        assert np.array_equal(again.image, sample.image)
    assert {"outlines", "inner_glow", "long_shadow", "textured_fill", "mixed_size", "extrude"} <= seen


def test_same_seed_same_effects(fx_samples):
    ctx, samples = fx_samples
    assert textsynth.make_sample(ctx, 5).record() == samples[5].record()


def test_captions_stay_true_and_text_legible(fx_samples):
    from textsynth.qa.caption_claims import wrong_claims
    from textsynth.qa.legibility import check_sample

    ctx, samples = fx_samples
    for sample in samples:
        record = sample.record()
        for lang in ("zh", "en"):
            assert not wrong_claims(record["captions"][lang], record, lang)
        assert all(r.ok for r in check_sample(sample, ctx.load_font))


@settings(max_examples=60, deadline=None)
@given(
    ground=st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
    fill=st.sampled_from(["#ffffff", "#111111", "#ffd700", "#c1121f", "#0077b6", "#e9c46a"]),
    stroke=st.sampled_from([0, 3]),
    seed=st.integers(0, 10_000),
)
def test_outlines_stand_off_the_fill_and_the_ground(ground, fill, stroke, seed):
    """A stroke colour must not vanish: the stroke against the fill, each ring against the one inside
    it, and the outermost against the ground under the text."""
    from textsynth.sampling.text_effects import sample_design_effects

    assume(contrast_ratio(fill, ground) >= 3.0)  # the sampler's fills reach min_contrast on their ground

    style = TextStyle(
        fill=Fill("solid", [fill]),
        stroke_width=stroke,
        stroke_color="#ffffff" if fill != "#ffffff" else "#111111",
    )
    sample_design_effects(style, {"outlines": 1.0}, ("metal",), np.random.default_rng(seed), ground, 60, None)
    assert style.outlines and style.stroke_width > 0
    assert contrast_ratio(style.stroke_color, fill) >= 2.0
    inner = style.stroke_color
    for outline in style.outlines:
        assert contrast_ratio(outline.color, inner) >= 2.0
        inner = outline.color
    assert contrast_ratio(style.outlines[-1].color, ground) >= 2.5


def test_captions_name_the_effects(fx_samples):
    _, samples = fx_samples
    said = " ".join(s.record()["captions"]["detailed_zh"] for s in samples)
    for phrase in ("描边", "内发光", "长投影", "放大"):
        assert phrase in said


def test_unknown_effect_is_one_clear_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(FX_TEMPLATE.replace("mixed_size: 0.9", "sparkles: 0.9"))
    with pytest.raises(TextsynthError) as err:
        textsynth.load_template(bad)
    message = str(err.value)
    assert (
        "\n" not in message and "bad.yaml" in message and "sparkles" in message and "long_shadow" in message
    )


def test_bad_fill_pattern_is_one_clear_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(FX_TEMPLATE.replace("    effects: {mixed_size: 0.9}", "    fill_patterns: [metal, plaid]"))
    with pytest.raises(TextsynthError) as err:
        textsynth.load_template(bad)
    message = str(err.value)
    assert "\n" not in message and "fill_patterns" in message and "plaid" in message and "grain" in message


@pytest.mark.parametrize("spacing, said", [(0.4, True), (0.05, False)])
def test_wide_letter_spacing_is_said_only_when_drawn(face, spacing, said):
    from textsynth.captions import make_captions

    item = _item(face, TextStyle(fill=Fill("solid", ["#111111"])), text="开业大吉", char_spacing=spacing)
    caption = make_captions(_scene_of(item), np.random.default_rng(0))["detailed_zh"]
    assert ("字距较宽" in caption) == said


def test_one_treatment_inside_the_glyphs_and_only_with_room():
    """A texture and an inner glow both work inside the strokes: never together, never on small text."""
    from textsynth.sampling.text_effects import MIN_INSIDE_EFFECT_PX, sample_design_effects

    both = {"textured_fill": 1.0, "inner_glow": 1.0}
    for seed in range(20):
        big = TextStyle(fill=Fill("solid", ["#c1121f"]))
        sample_design_effects(
            big, both, ("metal", "grain"), np.random.default_rng(seed), (255, 255, 255), 64, None
        )
        assert big.fill.kind == "texture" and big.inner_glow is None
        small = TextStyle(fill=Fill("solid", ["#c1121f"]))
        size = MIN_INSIDE_EFFECT_PX - 1
        sample_design_effects(
            small, both, ("metal",), np.random.default_rng(seed), (255, 255, 255), size, None
        )
        assert small.fill.kind == "solid" and small.inner_glow is None
    glow_only = TextStyle(fill=Fill("gradient", ["#c1121f", "#ffd700"]))
    sample_design_effects(glow_only, both, ("metal",), np.random.default_rng(0), (255, 255, 255), 64, None)
    assert glow_only.fill.kind == "gradient" and glow_only.inner_glow is None


def test_a_pair_word_of_another_length_keeps_sizes_per_character(face, corpus, fonts, monkeypatch):
    from textsynth.sampling import pairs

    word = corpus.primary_word(3, 0)
    item = _item(
        face, TextStyle(), text=word + "大促", char_scales=[1.5] * len(word) + [1.0, 1.0], primary=True
    )
    monkeypatch.setattr(pairs, "_other_word", lambda *a: "新" * (len(word) + 1))
    edit = pairs.pair_scene(_scene_of(item), corpus, fonts, 3, 0)
    edited = edit.scene.texts[0]
    assert edited.text == "新" * (len(word) + 1) + "大促"
    assert edited.char_scales == [1.5] * (len(word) + 1) + [1.0, 1.0]


@settings(max_examples=40, deadline=None)
@given(
    ground=st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
    fill=st.sampled_from(["#ffffff", "#111111", "#ffd700", "#c1121f", "#0077b6"]),
    seed=st.integers(0, 10_000),
)
def test_a_long_shadow_stands_off_the_glyph_edge_it_runs_from(ground, fill, seed):
    from textsynth.sampling.text_effects import LONG_SHADOW_CONTRAST, sample_design_effects

    style = TextStyle(fill=Fill("solid", [fill]))
    sample_design_effects(
        style, {"long_shadow": 1.0}, ("metal",), np.random.default_rng(seed), ground, 60, None
    )
    if style.long_shadow is not None:
        assert contrast_ratio(fill, style.long_shadow.color) >= LONG_SHADOW_CONTRAST
        assert style.shadow is None


def test_white_title_on_red_gets_its_long_shadow():
    from textsynth.sampling.text_effects import sample_design_effects

    style = TextStyle(fill=Fill("solid", ["#ffffff"]), shadow=None)
    sample_design_effects(
        style, {"long_shadow": 1.0}, ("metal",), np.random.default_rng(0), (193, 18, 31), 60, None
    )
    assert style.long_shadow is not None and style.long_shadow.angle in (45.0, 135.0)


def _float_over(planes: np.ndarray, color, mask: np.ndarray) -> None:
    """Premultiplied "over" in float64 (RGB + alpha planes, 0..1): the exact composite to compare with."""
    mask = mask / 255.0 if mask.dtype == np.uint8 else mask.astype(np.float64)
    for i, c in enumerate([*color, 1.0]):
        planes[i] = planes[i] * (1 - mask) + np.asarray(c, np.float64) * mask


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 8))
def test_coats_compose_in_bytes_as_in_float(seed, n):
    """Coats (shadows, glows, outlines, stroke, fill; solid or with colour maps, as gradient and texture
    fills) compose in uint8; the result is the exact composite's to within 3 levels (a rounding a coat,
    which do not pile up), for any masks."""
    from textsynth.render.text import _ByteCoats

    rng = np.random.default_rng(seed)
    byte, exact = _ByteCoats((48, 64)), np.zeros((4, 48, 64))
    for _ in range(n):
        if rng.random() < 0.5:
            color = [float(c) for c in rng.uniform(0, 1, 3)]
        else:  # a colour ramp across the layer, as a gradient fill
            ramp = np.linspace(0, 1, 64, dtype=np.float32)[None, :]
            ends = rng.uniform(0, 1, (3, 2)).astype(np.float32)
            color = [np.broadcast_to(a + (b - a) * ramp, (48, 64)).copy() for a, b in ends]
        hard = rng.integers(0, 256, (48, 64)).astype(np.uint8)
        soft = cv2.GaussianBlur(hard.astype(np.float32) / 255, (0, 0), float(rng.uniform(0.5, 4)))
        mask = hard if rng.random() < 0.5 else soft * np.float32(rng.uniform(0.2, 1))
        byte.over(color, mask)
        _float_over(exact, color, mask)
    want = np.rint(np.moveaxis(exact, 0, -1) * 255)
    assert np.abs(byte.rgba().astype(int) - want).max() <= 3


@pytest.mark.parametrize("style", ["sans", "serif", "kai"])
def test_stroke_grown_from_coverage_is_freetypes_stroke(fonts, style):
    """The stroke is grown from the block's coverage (not stroked glyph by glyph); it is FreeType's
    round-joined outline stroke to within a rim of antialiasing, hairlines (serif) included."""
    from textsynth.render.text import stamp, stroked
    from textsynth.sources.fonts import get_font
    from textsynth.sources.glyphs import as_sized

    face = fonts.choose("".join(WORDS), np.random.default_rng(1), styles=[style])
    for size, width in ((24, 1), (40, 2), (60, 3), (90, 5), (130, 9)):
        font = as_sized(get_font(fonts.face(face.id), size))
        for char in "限时特惠5":
            pad = width + 4
            fill = np.zeros((2 * size + 2 * pad, 2 * size + 2 * pad), np.uint8)
            freetype = np.zeros_like(fill)
            stamp(fill, font.glyph(char), pad, pad)
            stamp(freetype, font.glyph(char, width), pad, pad)
            grown = stroked(fill, width)
            diff = np.abs(grown.astype(int) - freetype.astype(int))
            inked = max(int((freetype > 0).sum()), 1)
            assert (diff > 96).sum() < 0.05 * inked, (style, size, width, char)  # a rim: 1-4%
            assert (grown[freetype == 255] < 128).sum() < 0.01 * inked, "the stroke's solid body is solid"
            solid = np.where(grown >= 250, 255, 0).astype(np.uint8)
            ring = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]], np.uint8)
            assert not ((grown < 250) & (cv2.erode(solid, ring) == 255)).any(), "no pin-holes"


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**63), n=st.integers(1, 6), skip=st.integers(0, 3))
def test_either_draws_what_generator_choice_draws(seed: int, n: int, skip: int) -> None:
    """either() replaces rng.choice(list) on the sampling path: the same option, and the Generator left
    in the same state (the next draw agrees), so every later choice of the sample stays put."""
    options = tuple(float(i) * 15.0 for i in range(n))
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    a.random(skip)
    b.random(skip)
    assert either(a, options) == float(b.choice(list(options)))
    assert a.random() == b.random()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    depth=st.integers(1, 9),
    dx=st.floats(-2.5, 2.5),
    dy=st.floats(-2.5, 2.5),
    light=st.one_of(st.none(), st.floats(0, 360)),
    first=st.booleans(),
)
def test_extrusion_painted_in_its_window_is_the_whole_layers(face, load_font, depth, dx, dy, light, first):
    """Extrusion steps paint only the body's box grown by the deepest move: the same bytes as painting
    every step over the whole layer, first coat or not, lit or flat, any direction."""
    from unittest import mock

    from textsynth.render import text as text_mod
    from textsynth.render.layout import layout_block

    style = TextStyle(
        fill=Fill("solid", ["#ffd700"]), extrude=Extrude(depth, dx, dy, "#336699", light=light),
        shadow=None if first else Shadow(2.0, 2.0, 1.5, "#000000", 0.6),
    )  # fmt: skip
    item = _item(face, style, size_px=40)
    font = load_font(item.font, item.size_px)
    layout = layout_block(item, font)
    windowed = text_mod.draw_text_layer(item, layout, font)
    whole = (slice(None), slice(None))
    with mock.patch.object(text_mod, "_extrude_window", lambda body8, ex: whole):
        reference = text_mod.draw_text_layer(item, layout, font)
    assert windowed.origin == reference.origin and np.array_equal(windowed.rgba, reference.rgba)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), width=st.integers(1, 16))
def test_stroke_rim_from_its_ring_is_the_whole_discs(seed, width):
    """The rim is grown with only the ring of its disc beyond the core's: outside the opaque core no
    ink lies within the core's disc, so the result is the whole disc's, byte for byte, any coverage."""
    from textsynth.render.text import _RIM_GAIN, _RING, _disc, _disc_steps, _grown_point, stroked

    rng = np.random.default_rng(seed)
    fill = np.zeros((48 + 2 * width, 64 + 2 * width), np.uint8)
    for _ in range(rng.integers(1, 6)):  # strokes and dots, with antialiased edges
        x, y = rng.integers(width, 64 + width, 2), rng.integers(width, 48 + width, 2)
        cv2.line(
            fill, (int(x[0]), int(y[0])), (int(x[1]), int(y[1])), 255, int(rng.integers(1, 6)), cv2.LINE_AA
        )
    core = cv2.dilate(
        np.where(fill > 0, 255, 0).astype(np.uint8),
        _grown_point(width - 1, _disc_steps(width - 1)).astype(np.uint8),
    )
    whole = cv2.max(cv2.dilate(cv2.LUT(fill, _RIM_GAIN), _disc(width)), core)
    assert np.array_equal(stroked(fill, width), cv2.max(whole, cv2.erode(whole, _RING)))


@pytest.mark.parametrize("radius", range(1, 25))
def test_chained_discs_are_round(radius):
    """The core's disc is a chain of small dilations: the Euclidean disc itself up to radius 9 (the
    widths text gets), a few boundary pixels off beyond (OpenCV's ellipse kernel: 4-32), and as
    wide across as it is tall."""
    from textsynth.render.text import _disc_steps, _grown, _grown_point

    y, x = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    euclid = x * x + y * y <= (radius + 0.3) ** 2
    chained = _grown_point(radius, _disc_steps(radius))
    assert (chained != euclid).sum() <= (0 if radius <= 9 else radius + 8)
    assert np.array_equal(chained, chained.T) and np.array_equal(chained, chained[::-1])
    point = np.zeros((2 * radius + 1, 2 * radius + 1), np.uint8)
    point[radius, radius] = 255
    assert np.array_equal(_grown(point, radius) > 0, chained), "the chain grows a pixel into its disc"


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    sigma=st.floats(0.5, 40),
    gain=st.sampled_from([1.0, 1.6]),
    opacity=st.floats(0.2, 1),
    shape=st.tuples(st.integers(20, 160), st.integers(20, 160)),
)
def test_soft_coats_are_the_full_size_blur(seed, sigma, gain, opacity, shape):
    """Shadows and glows are blurred on a smaller map and enlarged as bytes: within a few levels of
    blurring the whole mask in float (the old shrink, by a factor that was not whole, was up to 15
    off), any size and any blur, with the margin a layer keeps around its ink."""
    from textsynth.render.text import _soft_cover

    rng = np.random.default_rng(seed)
    margin = math.ceil(3 * sigma) + 6  # a layer's: 3 sigma + 2 beyond the ink (lines here reach 6 out)
    mask = np.zeros((shape[0] + 2 * margin, shape[1] + 2 * margin), np.uint8)
    for _ in range(4):
        x, y = rng.integers(margin, margin + shape[1], 2), rng.integers(margin, margin + shape[0], 2)
        cv2.line(
            mask, (int(x[0]), int(y[0])), (int(x[1]), int(y[1])), 255, int(rng.integers(1, 12)), cv2.LINE_AA
        )
    exact = np.minimum(cv2.GaussianBlur(mask / 255.0, (0, 0), sigma) * gain, 1) * opacity * 255
    cover = _soft_cover(mask, sigma, gain, opacity)
    assert cover.shape == mask.shape and cover.dtype == np.uint8
    assert np.abs(cover - exact).max() <= 10


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    width=st.integers(1, 9),
    size=st.integers(16, 90),
    glow=st.booleans(),
    colors=st.tuples(*[st.sampled_from(["#ffd700", "#c1121f", "#111111", "#ffffff", "#2a9d8f"])] * 2),
)
def test_solid_fill_on_its_stroke_is_the_stroke_then_the_fill(face, load_font, width, size, glow, colors):
    """A solid fill is laid on its stroke by one blend lookup where it has ink (the stroke is opaque
    there): the same layer, to a level, as painting the stroke and then the fill over it."""
    from textsynth.render.layout import layout_block
    from textsynth.render.text import _ByteCoats, _rgb, block_masks, draw_text_layer

    style = TextStyle(
        fill=Fill("solid", [colors[0]]), stroke_width=width, stroke_color=colors[1],
        glow=Glow(4.0, "#ffffff", 0.8) if glow else None,
    )  # fmt: skip
    item = _item(face, style, size_px=size)
    font = load_font(item.font, item.size_px)
    layout = layout_block(item, font)
    fill8, stroke8, _ = block_masks(item, layout, font)
    coats = _ByteCoats(fill8.shape)
    if glow:
        coats.over([1.0, 1.0, 1.0], np.zeros_like(fill8))  # a first coat, so the stroke is laid over one
    coats.over(_rgb(colors[1]), stroke8)
    coats.over(_rgb(colors[0]), fill8)
    drawn = draw_text_layer(item, layout, font).rgba.astype(int)
    painted = coats.rgba().astype(int)
    inked = fill8 > 0
    assert np.abs(drawn[inked] - painted[inked]).max() <= 1
    assert (drawn[inked][:, 3] == 255).all(), "the fill's ink sits on opaque stroke"
