"""Pixels and polygons move together: every character polygon covers its ink, under every warp."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from textsynth.components.geometry import GEOMETRY, tilt_matrix
from textsynth.render.backdrop import sample_backdrop
from textsynth.render.compose import render_scene, round_points
from textsynth.render.layout import VERTICAL_FORMS, layout_block
from textsynth.scene import Layer, Scene, TextItem

WORDS = ["限时优惠", "中华人民共和国", "你好", "春节快乐2025", "Hello世界", "天，地。人"]


def _scene(item: TextItem, geometry=()) -> Scene:
    return Scene(width=320, height=320, template="test", background=Layer("flat", {"color": "#ffffff"}),
                 texts=[item], geometry=list(geometry))  # fmt: skip


def _ink(scene: Scene, load_font) -> np.ndarray:
    """Ink = where the render with text differs from the same scene without it."""
    with_text = render_scene(scene, load_font)
    empty = Scene.from_json(scene.to_json())
    empty.texts = []
    without = render_scene(empty, load_font).image
    diff = np.abs(with_text.image.astype(int) - without.astype(int)).max(axis=2)
    return with_text, diff > 60


def _polygon_mask(polys, shape, grow: int = 2) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    for poly in polys:
        cv2.fillPoly(mask, [np.round(np.array(poly)).astype(np.int32)], 1)
    return cv2.dilate(mask, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)).astype(bool)


@pytest.fixture(scope="module")
def load_font(fonts):
    from textsynth.sources.fonts import get_font

    return lambda face_id, size: get_font(fonts.face(face_id), size)


@pytest.fixture(scope="module")
def backdrop_photo(tmp_path_factory):
    """A small photo of a busy surface, so text over it cannot be mistaken for the backdrop."""
    from textsynth.sources.photos import register_photos, scan_photo_folder

    folder = tmp_path_factory.mktemp("backdrop")
    noise = np.random.default_rng(0).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    cv2.imwrite(str(folder / "wall.png"), cv2.resize(noise, (640, 480), interpolation=cv2.INTER_NEAREST))
    photos = scan_photo_folder(folder)
    register_photos(photos)
    return photos[0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    word=st.sampled_from(WORDS),
    direction=st.sampled_from(["ltr", "ttb"]),
    rotation=st.floats(-30, 30),
    tilt=st.one_of(st.none(), st.tuples(st.floats(-35, 35), st.floats(-35, 35))),
    curve=st.sampled_from([0.0, 0.12, -0.15]),
    # both steps at once are composed into one warp: the polygons must follow the product
    warp=st.sampled_from([None, "perspective", "rotation", "placement", "perspective+rotation"]),
    backdrop=st.booleans(),
    jitter=st.sampled_from([0.0, 0.15]),  # large enough that cells left behind would be caught
    seed=st.integers(0, 1000),
)
def test_char_polygons_cover_ink_under_every_warp(
    fonts, load_font, backdrop_photo, word, direction, rotation, tilt, curve, warp, jitter, seed, backdrop
):
    face = fonts.choose(word, np.random.default_rng(seed))
    item = TextItem(text=word, role="title", font=face.id, size_px=34, direction=direction,
                    box=(40, 40, 280, 280), rotation=rotation, curve=curve if direction == "ltr" else 0.0,
                    jitter=jitter, jitter_seed=seed)  # fmt: skip
    font = load_font(face.id, item.size_px)
    if tilt is not None:
        layout = layout_block(item, font)
        item.tilt = tilt_matrix(layout.width, layout.height, *tilt).tolist()
    rng = np.random.default_rng(seed)
    steps = [] if warp is None else warp.split("+")
    geometry = [Layer(step, GEOMETRY.get(step).sample(rng, 320, 320)) for step in steps]
    scene = _scene(item, geometry)
    if backdrop:  # the design laid over a photo: the same matrices move pixels and polygons
        scene.backdrop = sample_backdrop(rng, [backdrop_photo], 320, 320)
    rendered, ink = _ink(scene, load_font)
    annotation = rendered.texts[0]
    chars = [c["polygon"] for c in annotation.chars]
    assert [c["char"] for c in annotation.chars] == [c for c in word if not c.isspace()]
    covered = _polygon_mask(chars, ink.shape)
    assert ink.sum() > 50, "nothing was drawn"
    assert (ink & ~covered).sum() <= 0.01 * ink.sum(), "ink outside the character polygons"
    for poly in chars:  # every character polygon has ink of its own
        assert (ink & _polygon_mask([poly], ink.shape, grow=0)).sum() > 0
    word_mask = _polygon_mask([annotation.polygon], ink.shape, grow=3)
    assert (ink & ~word_mask).sum() <= 0.01 * ink.sum(), "ink outside the word polygon"


def test_vertical_text_uses_vertical_punctuation(fonts, load_font):
    face = fonts.choose("天，地。︐︒", np.random.default_rng(0), styles=["sans"])  # a face with the forms
    item = TextItem(
        text="天，地。", role="title", font=face.id, size_px=30, direction="ttb", box=(0, 0, 100, 300)
    )
    layout = layout_block(item, load_font(face.id, 30))
    assert [g.draw for g in layout.glyphs] == ["天", VERTICAL_FORMS["，"], "地", VERTICAL_FORMS["。"]]
    ys = [g.cell[0, 1] for g in layout.glyphs]
    assert ys == sorted(ys), "vertical text must run top to bottom"
    assert len({round(g.cell[0, 0]) for g in layout.glyphs}) == 1, "one column"


def test_vertical_punctuation_falls_back_when_the_face_lacks_the_form(fonts, load_font):
    """A face without U+FE10 would draw .notdef (tofu): the horizontal comma is set instead, with ink."""
    lacking = [f for f in fonts.faces if fonts.covers(f.id, "天，地") and not fonts.covers(f.id, "︐")]
    if not lacking:
        pytest.skip("every installed face has the vertical forms")
    face = lacking[0]
    item = TextItem(
        text="天，地", role="title", font=face.id, size_px=30, direction="ttb", box=(0, 0, 60, 200)
    )
    font = load_font(face.id, 30)
    layout = layout_block(item, font)
    assert [g.draw for g in layout.glyphs] == ["天", "，", "地"]
    rendered, ink = _ink(_scene(item), load_font)
    comma = _polygon_mask([rendered.texts[0].chars[1]["polygon"]], ink.shape, grow=0)
    assert 0 < (ink & comma).sum() < 0.2 * comma.sum(), "a small comma, not a tofu box"


def test_multiline_vertical_columns_run_right_to_left(fonts, load_font):
    face = fonts.choose("春夏秋冬", np.random.default_rng(0))
    item = TextItem(
        text="春夏秋冬",
        lines=["春夏", "秋冬"],
        role="title",
        font=face.id,
        size_px=30,
        direction="ttb",
        box=(0, 0, 200, 200),
    )
    layout = layout_block(item, load_font(face.id, 30))
    first_col_x = layout.glyphs[0].cell[0, 0]
    second_col_x = layout.glyphs[2].cell[0, 0]
    assert first_col_x > second_col_x


def test_scene_json_round_trip_renders_identically(ctx, load_font):
    from textsynth.pipeline import make_sample

    sample = make_sample(ctx, 5)
    again = render_scene(Scene.from_json(sample.scene.to_json()), load_font)
    assert np.array_equal(again.image, sample.image)


def test_textured_ink_shows_the_surface_detail_under_it():
    """Paint on a wall: with `texture` the wall's grain shows inside the letters; without, ink is flat."""
    import cv2

    from textsynth.render.compose import paste_layer
    from textsynth.render.text import TextLayer

    rng = np.random.default_rng(0)
    wall = cv2.GaussianBlur(rng.integers(60, 200, (64, 64, 3), dtype=np.uint8), (0, 0), 0.8)
    alpha = np.zeros((64, 64), np.uint8)
    alpha[16:48, 16:48] = 255
    ink = np.zeros((64, 64, 3), np.uint8)
    ink[16:48, 16:48] = (30, 30, 30)  # premultiplied: opaque dark ink
    layer = TextLayer.of(ink, alpha, origin=(0, 0))
    flat, painted = wall.copy(), wall.copy()
    paste_layer(flat, layer, np.eye(3))
    paste_layer(painted, layer, np.eye(3), texture=0.6)
    inside = (slice(20, 44), slice(20, 44))
    assert flat[inside].std() < 1.0  # printed on top: one colour
    grain = wall[inside].astype(float) - cv2.GaussianBlur(wall, (0, 0), 2.0)[inside].astype(float)
    shown = painted[inside].astype(float) - flat[inside].astype(float)
    assert painted[inside].std() > 5.0
    assert np.corrcoef(grain.ravel(), shown.ravel())[0, 1] > 0.9  # the detail under the ink is the wall's
    assert np.array_equal(painted[:12], wall[:12])  # outside the ink nothing changes


@pytest.mark.parametrize("curve", [0.12, -0.15])
def test_arc_cells_cover_a_face_with_a_wrong_signed_descender(fonts, load_font, curve):
    """Fandol Song Regular's descender has the wrong sign: its line box was 0.65 em, so arc glyphs were
    clipped at the bottom of their tiles and hung outside their cells (found by the warp property test)."""
    if "fandol-song-regular" not in {f.id for f in fonts.faces}:
        pytest.skip("Fandol Song not installed")
    word = "天，地。人"
    item = TextItem(text=word, role="title", font="fandol-song-regular", size_px=34, direction="ltr",
                    box=(40, 40, 280, 280), curve=curve)  # fmt: skip
    rendered, ink = _ink(_scene(item), load_font)
    chars = [c["polygon"] for c in rendered.texts[0].chars]
    assert (ink & ~_polygon_mask(chars, ink.shape)).sum() <= 0.01 * ink.sum()
    for poly in chars:
        assert (ink & _polygon_mask([poly], ink.shape, grow=0)).sum() > 0


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(-5000, 5000, allow_nan=False),
            # near-ties such as 436.095 (not exact in binary) are where x * 100 could tip the other way
            st.integers(-500_000, 500_000).map(lambda k: k / 1000 + 0.005),
            st.integers(-40_000, 40_000).map(lambda k: k / 64),
        ),
        min_size=2,
        max_size=40,
    ).filter(lambda xs: len(xs) % 2 == 0)
)
def test_annotation_rounding_is_pythons_round(values):
    """Polygons are the floats round(x, 2) gives, so records stay byte-identical to the per-point path."""
    points = np.array(values, dtype=np.float64).reshape(-1, 2)
    expected = [[round(float(x), 2), round(float(y), 2)] for x, y in points]
    assert round_points(points) == expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.sampled_from(WORDS),
    direction=st.sampled_from(["ltr", "ttb"]),
    curve=st.sampled_from([0.0, 0.12]),
    jitter=st.sampled_from([0.0, 0.04]),
    rotation=st.floats(-20, 20),
)
def test_cached_layout_shortcuts_match_the_general_path(
    fonts, load_font, text, direction, curve, jitter, rotation
):
    """A cached layout's cell box (BlockLayout.extent) gives the same layer, masks and annotation as
    a hand-made layout of the same glyphs without one (which reduces the cells itself)."""
    from textsynth.render.compose import _annotate, item_matrix
    from textsynth.render.layout import BlockLayout
    from textsynth.render.text import draw_text_layer

    face = fonts.choose(text, np.random.default_rng(0), styles=["sans"])
    item = TextItem(
        text=text, role="title", font=face.id, size_px=40, direction=direction, box=(20, 20, 300, 300),
        curve=curve if direction == "ltr" else 0.0, jitter=jitter, jitter_seed=3, rotation=rotation,
    )  # fmt: skip
    font = load_font(item.font, item.size_px)
    cached = layout_block(item, font)
    assert cached.extent is not None
    plain = BlockLayout(cached.width, cached.height, cached.glyphs, cached.margin)
    matrix = item_matrix(item, cached)
    assert _annotate(item, cached, matrix).to_json() == _annotate(item, plain, matrix).to_json()
    a, b = draw_text_layer(item, cached, font), draw_text_layer(item, plain, font)
    assert a.origin == b.origin and np.array_equal(a.rgba, b.rgba)
