"""Objects that carry text: each template's text sits on its object, on ink, and captions say what was drawn."""

from __future__ import annotations

import unicodedata

import cv2
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from textsynth.components.decorations import DECORATIONS, OBJECT_KINDS, draw_decorations, sample_decoration
from textsynth.components.effects import EFFECT_KINDS
from textsynth.config import RenderConfig
from textsynth.errors import TextsynthError
from textsynth.pipeline import build_context, make_sample, rerender
from textsynth.qa.caption_claims import wrong_claims
from textsynth.render.compose import render_base
from textsynth.scene import Decoration
from textsynth.templates import load_template
from textsynth.templates.registry import resolve_templates

OBJECT_TEMPLATES = {
    "tshirt_print": "shirt",
    "product_packaging": "package",
    "neon_sign": "neon_board",
    "shop_sign": "board",
    "road_sign": "board",
    "public_notice": "paper_sheet",
    "handwritten_note": "paper_sheet",
}


@pytest.fixture(scope="module")
def flat_ctx():
    """The object templates at 320x320, with no photometric effects and no whole-image warps."""
    config = RenderConfig(
        seed=11, count=100, width=320, height=320, effects=dict.fromkeys(EFFECT_KINDS, 0.0),
        geometry={"perspective": 0.0, "rotation": 0.0},
    )  # fmt: skip
    return build_context(config, resolve_templates(list(OBJECT_TEMPLATES)))


def _samples(ctx, template: str, n: int = 6):
    """n samples of one template: the run's template for an index is fixed, so pick the indices that have it."""
    found, index = [], 0
    while len(found) < n and index < 400:
        sample = make_sample(ctx, index)
        if sample.scene.template == template:
            found.append(sample)
        index += 1
    assert found, template
    return found


def _object(scene) -> Decoration:
    objects = [d for d in scene.decorations if d.kind in OBJECT_KINDS]
    assert len(objects) == 1, [d.kind for d in scene.decorations]
    return objects[0]


@pytest.mark.parametrize("template", sorted(OBJECT_TEMPLATES))
def test_text_sits_on_the_object_and_on_ink(flat_ctx, template):
    for sample in _samples(flat_ctx, template):
        obj = _object(sample.scene)
        assert obj.kind == OBJECT_TEMPLATES[template] and obj.kind in sample.record()["decorations"]
        x0, y0, x1, y1 = obj.box
        mx, my = 0.1 * (x1 - x0), 0.1 * (y1 - y0)  # the primary slot keeps its size when the design shrinks
        base = render_base(sample.scene).astype(np.int16)
        changed = np.abs(sample.image.astype(np.int16) - base).max(axis=2) > 24  # the text's ink alone
        for annotation in sample.texts:
            poly = np.array(annotation.polygon)
            assert (poly[:, 0] >= x0 - mx).all() and (poly[:, 0] <= x1 + mx).all(), annotation.text
            assert (poly[:, 1] >= y0 - my).all() and (poly[:, 1] <= y1 + my).all(), annotation.text
            for char in annotation.chars:
                if char["char"].isspace() or annotation.size_px < 14:
                    continue
                mask = np.zeros(changed.shape, np.uint8)
                cv2.fillPoly(mask, [np.round(np.array(char["polygon"])).astype(np.int32)], 1)
                least = (
                    0.005 if unicodedata.category(char["char"]).startswith("P") else 0.03
                )  # a comma is small
                assert changed[mask.astype(bool)].mean() > least, (annotation.text, char["char"])


@pytest.mark.parametrize("template", sorted(OBJECT_TEMPLATES))
def test_rerender_draws_the_same_object(flat_ctx, template):
    sample = _samples(flat_ctx, template, n=1)[0]
    again = make_sample(flat_ctx, sample.index)
    assert np.array_equal(again.image, sample.image)
    assert np.array_equal(rerender(sample.record(), flat_ctx.fonts).image, sample.image)


def test_packages_come_in_every_shape_the_template_lists(flat_ctx):
    shapes = {_object(s.scene).params["shape"] for s in _samples(flat_ctx, "product_packaging", n=12)}
    assert shapes == {"box", "bottle", "bag"}


@pytest.mark.parametrize("template", sorted(OBJECT_TEMPLATES))
def test_captions_name_the_object_truthfully(flat_ctx, template):
    for sample in _samples(flat_ctx, template, n=4):
        obj = _object(sample.scene)
        zh, _en = (DECORATIONS.describe(obj.kind, obj.params, lang) for lang in ("zh", "en"))
        assert zh in sample.captions["detailed_zh"]  # the detailed caption states every fact
        for key in ("face", "body"):  # a colour said is a colour painted
            if key in obj.params:
                from textsynth.render.colors import color_name

                said = color_name(obj.params[key])
                assert said[0] in zh or (key == "face" and obj.kind != "package"), (zh, said)
        assert "The text sits on" not in sample.captions["en"]  # it sits on the object, before the background
        record = sample.record()
        for lang, caption in (("zh", sample.captions["zh"]), ("en", sample.captions["en"])):
            assert wrong_claims(caption, record, lang) == [], caption
        assert wrong_claims(sample.captions["detailed_zh"], record, "zh") == []


def test_the_object_is_painted_where_its_colour_says(flat_ctx):
    """The shirt's recorded colour is the colour of the chest around the print."""
    for sample in _samples(flat_ctx, "tshirt_print", n=4):
        obj = _object(sample.scene)
        x0, y0, x1, _ = obj.box
        base = render_base(sample.scene)
        patch = base[round(y0) - 4 : round(y0) + 2, round((x0 + x1) / 2) - 30 : round((x0 + x1) / 2) + 30]
        want = np.array([int(obj.params["body"][i : i + 2], 16) for i in (1, 3, 5)])
        assert np.abs(np.median(patch.reshape(-1, 3), axis=0) - want).max() < 60


@settings(max_examples=25, deadline=None)
@given(
    kind=st.sampled_from(OBJECT_KINDS),
    seed=st.integers(0, 2**31 - 1),
    box=st.tuples(st.floats(0.2, 0.35), st.floats(0.25, 0.4), st.floats(0.65, 0.8), st.floats(0.6, 0.8)),
)
def test_any_face_is_covered_by_its_object(kind, seed, box):
    """Wherever the face lands, the object covers it: on two backdrops the face looks the same."""
    w, h = 200, 160
    face = (box[0] * w, box[1] * h, box[2] * w, box[3] * h)
    deco = sample_decoration(np.random.default_rng(seed), kind, face, None)
    inner = (slice(round(face[1]) + 2, round(face[3]) - 2), slice(round(face[0]) + 2, round(face[2]) - 2))
    faces = []
    for backdrop_rgb in ((255, 0, 255), (0, 90, 0)):
        backdrop = np.zeros((h, w, 3), np.uint8)
        backdrop[:] = backdrop_rgb
        out = draw_decorations(backdrop, [deco])
        assert np.array_equal(draw_decorations(backdrop, [deco]), out)  # a pure function of its params
        faces.append(out[inner].astype(int))
    assert np.abs(faces[0] - faces[1]).max() <= 2


@settings(max_examples=30, deadline=None)
@given(
    kind=st.sampled_from(OBJECT_KINDS),
    seed=st.integers(0, 2**31 - 1),
    box=st.tuples(st.floats(0.05, 0.4), st.floats(0.05, 0.4), st.floats(0.6, 0.95), st.floats(0.6, 0.95)),
    size=st.sampled_from([(200, 160), (160, 240), (420, 300)]),
)
def test_skipping_an_objects_solid_inside_changes_no_pixel(kind, seed, box, size):
    """Blends and shadows skip the rectangle an object covers fully: with nothing skipped, the same bytes."""
    from textsynth.components import objects

    w, h = size
    face = (box[0] * w, box[1] * h, box[2] * w, box[3] * h)
    deco = sample_decoration(np.random.default_rng(seed), kind, face, None)
    backdrop = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    skipped = draw_decorations(backdrop, [deco])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(objects, "solid_rect", lambda *args: (0, 0, 0, 0))
        patch.setattr(objects, "_board_solid", lambda *args: (0, 0, 0, 0))
        whole = draw_decorations(backdrop, [deco])
    assert np.array_equal(skipped, whole)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            "{shapes: [box, tube]}",
            "decorations.0.params.shapes: must be a non-empty list of box, bottle, bag, got ['box', 'tube']",
        ),
        ("{colors: [red]}", "decorations.0.params.colors: must be a non-empty list of #rrggbb colours"),
        ("{shapes: []}", "decorations.0.params.shapes: must be a non-empty list of box, bottle, bag"),
        ("{finish: matte}", "decorations.0.params"),
    ],
)
def test_bad_object_params_fail_at_load_with_one_line(tmp_path, params, message):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\nslots:\n  - {role: title, region: [0.3, 0.3, 0.7, 0.6], primary: true}\n"
        f"decorations:\n  - kind: package\n    region: [0.3, 0.3, 0.7, 0.6]\n    params: {params}\n"
    )
    with pytest.raises(TextsynthError) as err:
        load_template(path)
    text = str(err.value)
    assert text.startswith(f"{path}:") and message in text and "\n" not in text


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("board", "{materials: [glass]}", "params.materials: must be a non-empty list of wood, stone, metal"),
        ("board", "{mounts: [glue]}", "params.mounts: must be a non-empty list of screws, posts, chains"),
        ("paper_sheet", "{max_folds: 9}", "params.max_folds"),
        (
            "paper_sheet",
            "{fasteners: [staples]}",
            "params.fasteners: must be a non-empty list of tape, pins, none",
        ),
        (
            "neon_board",
            "{backings: [paper]}",
            "params.backings: must be a non-empty list of metal, wood, acrylic",
        ),
        ("shirt", "{colors: '#ffffff'}", "params.colors: must be a non-empty list of #rrggbb colours"),
    ],
)
def test_every_object_checks_its_params(tmp_path, kind, params, message):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\nslots:\n  - {role: title, region: [0.3, 0.3, 0.7, 0.6], primary: true}\n"
        f"decorations:\n  - kind: {kind}\n    region: [0.3, 0.3, 0.7, 0.6]\n    params: {params}\n"
    )
    with pytest.raises(
        TextsynthError, match=r"bad\.yaml:\d+: decorations\.0\." + message.split(":")[0].replace(".", r"\.")
    ):
        load_template(path)


def test_the_neon_effect_draws_lit_tubes(flat_ctx):
    """A pale core of the tube's colour, rimmed and haloed in that colour."""
    for sample in _samples(flat_ctx, "neon_sign", n=4):
        for item in sample.scene.texts:
            style = item.style
            if style.glow is None or not style.stroke_width:
                continue
            assert style.glow.color == style.stroke_color
            core, rim = (
                np.array([int(c[i : i + 2], 16) for i in (1, 3, 5)])
                for c in (style.color, style.stroke_color)
            )
            assert core.sum() > rim.sum()  # the core is the lighter


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), column=st.booleans(), size=st.sampled_from([(40, 60), (90, 70)]))
def test_a_shade_row_or_column_paints_as_its_whole_field(seed, column, size):
    """paint quantises a row or a column alone and spreads it in uint8: the same bytes as the field made whole."""
    from textsynth.components.object_paint import noise_grain, paint

    h, w = size
    rng = np.random.default_rng(seed)
    line = rng.uniform(0.3, 1.7, (h, 1) if column else (1, w)).astype(np.float32)
    mask = np.zeros((h, w), np.uint8)
    cv2.circle(mask, (w // 2, h // 2), min(h, w) // 3, 255, -1, cv2.LINE_AA)
    backdrop = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    grain = noise_grain(seed, h, w, 40, 0.05)
    spread, whole = backdrop.copy(), backdrop.copy()
    paint(spread, mask, np.float32([200, 90, 30]), line, grain=grain)
    paint(
        whole,
        mask,
        np.float32([200, 90, 30]),
        np.ascontiguousarray(np.broadcast_to(line, (h, w))),
        grain=grain,
    )
    assert np.array_equal(spread, whole)
    assert not np.array_equal(spread, backdrop)


def test_grain_in_shading_steps_is_as_strong_as_the_float_grain_it_replaced():
    """Objects' grain is int8 steps of paint's shading index; its spread is sigma/128 * amount of shade."""
    from textsynth.components.object_paint import STEPS_PER_SHADE, noise_grain

    for sigma, amount in ((20, 0.02), (40, 0.03), (60, 0.07)):
        grain = noise_grain(7, 300, 400, sigma, amount).astype(np.float64)
        want = sigma / 128 * amount * STEPS_PER_SHADE
        assert abs(grain.mean()) < 0.1 and abs(grain.std() - want) < 0.15 * want + 0.2


def test_rows_and_columns_added_to_grain_saturate_rather_than_wrap():
    from textsynth.components.object_paint import row_col_steps

    grain = np.full((3, 4), 120, np.int8)
    out = row_col_steps(grain, np.full((1, 4), 0.3, np.float32), np.full((3, 1), 0.3, np.float32))
    assert out.dtype == np.int8 and (out == 127).all()
    out = row_col_steps(-grain, np.full((1, 4), -0.3, np.float32), None)
    assert (out == -128).all()


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    width=st.floats(1, 6),
    closed=st.booleans(),
    window=st.tuples(st.integers(-20, 60), st.integers(-20, 60), st.integers(80, 200), st.integers(80, 200)),
)
def test_a_line_drawn_in_its_part_of_a_window_is_the_windows_line(seed, width, closed, window):
    """Window.part: a line or polygon drawn in its own part gives the window's bytes there and leaves none outside."""
    from textsynth.components.object_paint import Window

    rng = np.random.default_rng(seed)
    canvas = (150, 170)
    win = Window(canvas, *window)
    pts = rng.uniform(-30, 200, (int(rng.integers(2, 5)), 2))
    part, sl = win.part([pts], width + 2)
    whole = win.line(pts, width, closed)
    if part.empty:
        assert not whole.any()
        return
    assert np.array_equal(part.line(pts, width, closed), whole[sl])
    rest = whole.copy()
    rest[sl] = 0
    assert not rest.any()
    assert np.array_equal(part.poly([pts]), win.poly([pts])[sl])


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    sigma=st.floats(0.5, 4),
    size=st.tuples(st.integers(3, 120), st.integers(3, 120)),
)
@example(seed=0, sigma=4.0, size=(3, 3))  # a map narrower than the kernel: 3 levels off before the fallback
@example(seed=797, sigma=3.0, size=(4, 4))  # 4 levels off
def test_shadow_blur_is_within_two_levels_of_gaussian_blur(seed, sigma, size):
    from textsynth.components.object_paint import gaussian_blur_u8

    image = np.zeros(size, np.uint8)
    rng = np.random.default_rng(seed)
    image[rng.integers(0, size[0]) :, rng.integers(0, size[1]) :] = rng.integers(1, 256)
    want = cv2.GaussianBlur(image, (0, 0), sigma)
    assert np.abs(gaussian_blur_u8(image, sigma).astype(int) - want).max() <= 2


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    box=st.tuples(st.floats(-20, 60), st.floats(-20, 60), st.floats(20, 140), st.floats(20, 140)),
    width=st.floats(0.2, 30),
    light=st.floats(-1, 1),
)
def test_a_bevel_added_on_its_rim_is_the_whole_bevel_added(seed, box, width, light):
    from textsynth.components.object_paint import add_detail
    from textsynth.components.objects import _add_bevel, _bevel_shade

    detail = np.random.default_rng(seed).integers(-128, 128, (90, 110)).astype(np.int8)
    want = add_detail(detail, _bevel_shade(detail.shape, box, width, light, 2.0))
    _add_bevel(detail, box, width, light, 2.0)
    assert np.array_equal(detail, want)
