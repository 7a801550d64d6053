"""A warped design seen in front of a photo: recorded, redrawn byte for byte, described truly, flat without photos."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textsynth.components.effects import EFFECT_KINDS
from textsynth.config import RenderConfig
from textsynth.pipeline import build_context, make_sample, rerender
from textsynth.qa.caption_claims import wrong_claims
from textsynth.render.backdrop import _drawn_size, _enlarged, _photo, place_on_backdrop, sample_backdrop
from textsynth.render.colors import hex_to_rgb
from textsynth.scene import Layer, Scene
from textsynth.sources.photos import load_photos
from textsynth.templates.registry import resolve_templates

NO_EFFECTS = dict.fromkeys(EFFECT_KINDS, 0.0)


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory):
    """A user photo (so the test needs no installed photo package): a brick-like wall of noise blocks."""
    folder = tmp_path_factory.mktemp("walls")
    blocks = np.random.default_rng(1).integers(60, 200, (24, 32, 3), dtype=np.uint8)
    cv2.imwrite(str(folder / "wall.jpg"), cv2.resize(blocks, (800, 600), interpolation=cv2.INTER_NEAREST))
    return folder


def _ctx(photo_folder, **overrides):
    config = RenderConfig(
        seed=3, count=50, width=256, height=256, effects=NO_EFFECTS, default_photos=False,
        backgrounds=str(photo_folder) if photo_folder else None, geometry={"placement": 1.0}, **overrides,
    )  # fmt: skip
    return build_context(config, resolve_templates(["couplet", "road_sign"]))


def test_backdrop_is_recorded_and_rerendered_byte_for_byte(photo_folder):
    ctx = _ctx(photo_folder)
    for index in range(4):
        sample = make_sample(ctx, index)
        record = sample.record()
        scene = json.loads(record["scene"])
        assert scene["backdrop"]["name"] == "photo" and scene["backdrop"]["params"]["photo"] == "wall"
        assert "placement" in record["geometry"]
        assert np.array_equal(rerender(record).image, sample.image)


def test_the_backdrop_shows_where_the_placed_design_does_not_reach(photo_folder):
    sample = make_sample(_ctx(photo_folder), 0)
    placement = next(g for g in sample.scene.geometry if g.name == "placement")
    assert placement.params["scale"] < 0.9
    # the photo's noise blocks show in the uncovered frame: far from one flat colour
    corners = [sample.image[:6, :6], sample.image[:6, -6:], sample.image[-6:, :6], sample.image[-6:, -6:]]
    uncovered = max(corners, key=lambda c: float(c.std()))
    assert uncovered.std() > 5


def test_without_photos_the_uncovered_area_is_the_flat_surround():
    ctx = _ctx(None)
    for index in range(3):
        sample = make_sample(ctx, index)
        assert sample.scene.backdrop is None
        placement = next(g for g in sample.scene.geometry if g.name == "placement")
        cx, cy = placement.params["center"]
        # the corner farthest from the design's centre is uncovered: exactly the surround colour
        corner = sample.image[-1 if cy < 128 else 0, -1 if cx < 128 else 0]
        assert tuple(int(v) for v in corner) == hex_to_rgb(placement.params["surround"])


def test_captions_name_the_backdrop_and_stay_true(photo_folder):
    ctx = _ctx(photo_folder)
    said = 0
    for index in range(12):
        sample = make_sample(ctx, index)
        record = sample.record()
        said += "背后是一张照片" in sample.captions["zh"] + sample.captions["detailed_zh"]
        for form, lang in (("zh", "zh"), ("en", "en"), ("detailed_zh", "zh")):
            assert wrong_claims(sample.captions[form], record, lang) == [], sample.captions[form]
    assert said >= 8  # kept with p = 0.9 in the short caption, always in the detailed one
    flat = make_sample(_ctx(None), 0)
    assert "照片" not in flat.captions["detailed_zh"]


def test_a_defocused_backdrop_is_a_window_at_the_size_it_is_drawn(tmp_path):
    """Out of focus, the photo is drawn `defocus` times smaller and enlarged: its crop is sampled for
    that size, so it is a window of a stored level there (a copy), and the enlarging is the blur."""
    photo = tmp_path / "big.png"
    y, x = np.mgrid[0:1200, 0:1800]
    cv2.imwrite(str(photo), np.stack([x % 256, y % 256, (x ^ y) % 256], -1).astype(np.uint8))
    photos = load_photos(folders=[tmp_path]).photos  # the shipped photos too, where installed
    rng = np.random.default_rng(4)
    seen = windows = 0
    for _ in range(60):
        params = sample_backdrop(rng, photos, 512, 384).params
        if not params["defocus"]:
            continue
        seen += 1
        drawn = _drawn_size(512, 384, params["defocus"])
        (level_w, level_h), (x0, y0, x1, y1) = params["level"], params["crop"]
        photo_w, photo_h = params["photo_size"]
        # the crop in the level's pixels (render_photo_crop maps it so) is the drawn size
        cols = round(x1 * level_w / photo_w) - round(x0 * level_w / photo_w)
        rows = round(y1 * level_h / photo_h) - round(y0 * level_h / photo_h)
        windows += (cols, rows) == drawn
        assert _photo(params, 512, 384).shape == (384, 512, 3)
    # the rest are zooms wider than the widest rung that holds the drawn size: resized, as before
    assert seen >= 20 and windows >= 0.8 * seen


def test_records_made_before_backdrops_still_load():
    data = Scene(width=8, height=8, template="t", background=Layer("flat")).to_json()
    del data["backdrop"]
    assert Scene.from_json(data).backdrop is None


def _full_canvas_backdrop(design, matrix, backdrop):
    """The composition done over the whole canvas in full-size passes, as it was first written."""
    height, width = design.shape[:2]
    rgba = cv2.warpPerspective(
        cv2.cvtColor(design, cv2.COLOR_RGB2RGBA), matrix, (width, height), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0),
    )  # fmt: skip
    alpha = np.ascontiguousarray(rgba[..., 3])
    shadow = backdrop.params["shadow"]
    k = 8 if shadow["blur"] >= 8 else 4
    small_size = (max(1, width // k), max(1, height // k))
    small = cv2.resize(alpha, small_size, interpolation=cv2.INTER_AREA)
    shift = np.float32([[1, 0, shadow["dx"] / k], [0, 1, shadow["dy"] / k]])
    small = cv2.warpAffine(small, shift, small_size, flags=cv2.INTER_LINEAR, borderValue=0)
    small = cv2.GaussianBlur(small, (0, 0), max(0.5, shadow["blur"] / k))
    shade = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    gain = cv2.convertScaleAbs(shade, alpha=-shadow["opacity"], beta=255)
    share = cv2.multiply(gain, cv2.bitwise_not(alpha), scale=1.0 / 255.0)
    out = cv2.multiply(_photo(backdrop.params, width, height), cv2.merge([share] * 3), scale=1.0 / 255.0)
    return cv2.add(out, cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB))


def _random_placement(photo_folder, seed, size, angle, scale, offset, tilt):
    """A random design, a backdrop from the photo folder, and a turned, scaled, moved and tilted matrix."""
    width, height = size
    photos = load_photos(folders=[photo_folder]).photos
    backdrop = sample_backdrop(np.random.default_rng(seed), photos, width, height)
    design = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    matrix = np.eye(3)
    matrix[:2] = cv2.getRotationMatrix2D((width / 2, height / 2), angle, scale)
    matrix[:2, 2] += offset[0] * width, offset[1] * height
    matrix[2, :2] = tilt[0] / width * 100, tilt[1] / height * 100
    return design, matrix, backdrop


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.tuples(st.integers(24, 300), st.integers(24, 300))
    | st.tuples(st.integers(3, 37), st.integers(3, 37)).map(lambda s: (8 * s[0], 8 * s[1])),  # whole blocks
    angle=st.floats(-30, 30),
    scale=st.floats(0.3, 1.2),
    offset=st.tuples(st.floats(-0.6, 0.6), st.floats(-0.6, 0.6)),
    tilt=st.tuples(st.floats(-2e-3, 2e-3), st.floats(-2e-3, 2e-3)),
)
def test_only_the_boxes_the_design_and_its_shadow_reach_change(
    photo_folder, seed, size, angle, scale, offset, tilt
):
    """Composing inside the design's and shadow's boxes gives the full-canvas result (to rounding: 2
    levels): no shadow is cut at a box edge, anywhere the design lands, even off the frame."""
    design, matrix, backdrop = _random_placement(photo_folder, seed, size, angle, scale, offset, tilt)
    got = place_on_backdrop(design, matrix, backdrop).astype(int)
    assert np.abs(got - _full_canvas_backdrop(design, matrix, backdrop)).max() <= 2


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    small_size=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    k=st.sampled_from([4, 8]) | st.integers(1, 9),
    partial=st.tuples(st.integers(0, 7), st.integers(0, 7)),  # frames that are not whole blocks
    corners=st.tuples(*[st.floats(0, 1, exclude_max=True)] * 4),
)
def test_an_enlarged_box_is_the_same_bytes_as_the_whole_enlarged_map(seed, small_size, k, partial, corners):
    """The shadow map is enlarged only over the box it is needed in: the very bytes of the whole frame's."""
    small_w, small_h = small_size
    width, height = small_w * k + partial[0] * (small_w > 1), small_h * k + partial[1] * (small_h > 1)
    small = np.random.default_rng(seed).integers(0, 256, (small_h, small_w), dtype=np.uint8)
    a, b, c, d = corners
    x0, x1 = sorted((int(a * width), int(b * width)))
    y0, y1 = sorted((int(c * height), int(d * height)))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    whole = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    assert np.array_equal(_enlarged(small, (x0, y0, x1, y1), width, height), whole[y0:y1, x0:x1])


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.tuples(st.integers(24, 260), st.integers(24, 260)),
    angle=st.floats(-180, 180),
    scale=st.floats(0.2, 1.3),
    offset=st.tuples(st.floats(-0.7, 0.7), st.floats(-0.7, 0.7)),
    tilt=st.tuples(st.floats(-4e-3, 4e-3), st.floats(-4e-3, 4e-3)),
    mirror=st.booleans(),
)
def test_writing_the_covered_box_directly_changes_no_pixel(
    photo_folder, seed, size, angle, scale, offset, tilt, mirror
):
    """Where the design covers the frame wholly, its colour is written without the photo's passes:
    the very bytes of composing there too, for any turn, mirror, tilt or place."""
    import textsynth.render.backdrop as backdrop_module

    design, matrix, backdrop = _random_placement(photo_folder, seed, size, angle, scale, offset, tilt)
    if mirror:
        matrix = matrix @ np.array([[-1, 0, size[0] - 1], [0, 1, 0], [0, 0, 1]], np.float64)
    got = place_on_backdrop(design, matrix, backdrop)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(backdrop_module, "_covered", lambda *args: None)
        assert np.array_equal(got, place_on_backdrop(design, matrix, backdrop))
