"""Decorations: each shape draws its colour inside its box and nowhere else."""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textsynth.components.backgrounds import render_background, sample_background
from textsynth.components.decorations import (
    DECORATION_KINDS,
    OBJECT_KINDS,
    draw_decorations,
    draw_decorations_into,
    sample_decoration,
)
from textsynth.errors import TextsynthError
from textsynth.render.colors import PALETTES, hex_to_rgb
from textsynth.scene import Decoration

MASKED = [k for k in DECORATION_KINDS if k != "image_patch" and k not in OBJECT_KINDS]


def canvas(width: int = 120, height: int = 90) -> np.ndarray:
    layer = sample_background(np.random.default_rng(0), width, height, ["concrete"])
    return render_background(layer, width, height)


def outside(img: np.ndarray, box) -> np.ndarray:
    """Mask of pixels not touched by the box (pixels the box only partly covers count as touched)."""
    x0, y0, x1, y1 = box
    mask = np.ones(img.shape[:2], bool)
    mask[max(0, math.floor(y0)) : max(0, math.ceil(y1)), max(0, math.floor(x0)) : max(0, math.ceil(x1))] = (
        False
    )
    return mask


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(MASKED),
    x0=st.floats(-20, 110),
    y0=st.floats(-20, 80),
    w=st.floats(2, 90),
    h=st.floats(2, 70),
    seed=st.integers(0, 2**32 - 1),
)
def test_shapes_only_touch_their_box(kind, x0, y0, w, h, seed):
    img = canvas()
    box = (x0, y0, x0 + w, y0 + h)
    deco = sample_decoration(np.random.default_rng(seed), kind, box, PALETTES["neon"])
    out = draw_decorations(img, [deco])
    assert out.shape == img.shape and out.dtype == np.uint8
    keep = outside(img, box)
    assert np.array_equal(out[keep], img[keep])


@settings(max_examples=40, deadline=None)
@given(
    x0=st.floats(-20, 110),
    y0=st.floats(-20, 80),
    w=st.floats(2, 90),
    h=st.floats(2, 70),
    width=st.floats(0.3, 12),
    double=st.booleans(),
    opacity=st.floats(0.0, 1.0),
)
def test_a_frames_skipped_inside_changes_no_pixel(x0, y0, w, h, width, double, opacity):
    """The blend skips the inside a frame's mask does not reach: with nothing skipped, the same bytes."""
    from textsynth.components import decorations

    img = canvas()
    deco = Decoration(
        kind="frame", box=(x0, y0, x0 + w, y0 + h), color="#e0402a",
        params={"width": width, "double": double, "opacity": opacity},
    )  # fmt: skip
    skipped = draw_decorations(img, [deco])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(decorations, "_hollow", lambda *args: None)
        whole = draw_decorations(img, [deco])
    assert np.array_equal(skipped, whole)


@pytest.mark.parametrize("kind", MASKED)
def test_each_kind_draws_its_colour_inside(kind):
    img = canvas()
    box = (20.0, 15.0, 100.0, 75.0)
    deco = sample_decoration(np.random.default_rng(1), kind, box, ["#ff00ff"])
    deco.params["opacity"] = 1.0
    out = draw_decorations(img, [deco])
    inside = out[15:75, 20:100].reshape(-1, 3)
    magenta = np.all(inside == (255, 0, 255), axis=1)
    assert magenta.sum() >= 20, "the shape is drawn in its colour"
    # Sampled params are JSON and redraw the same pixels.
    restored = Decoration(**json.loads(json.dumps(deco.__dict__)))
    restored.box = tuple(restored.box)
    assert np.array_equal(draw_decorations(img, [restored]), out)


def test_filled_shapes_cover_what_they_should():
    img = np.zeros((100, 100, 3), np.uint8)
    box = (10.0, 20.0, 90.0, 80.0)
    rect = draw_decorations(img, [Decoration("rect", box, "#ffffff")])
    assert (rect[20:80, 10:90] == 255).all() and rect.sum() == 255 * 3 * 80 * 60
    panel = draw_decorations(img, [Decoration("rounded_panel", box, "#ffffff", {"radius": 15})])
    assert (panel[50, 10:90] == 255).all(), "straight sides are full"
    assert panel[20, 10].max() == 0 and panel[79, 89].max() == 0, "corners are rounded off"
    circle = draw_decorations(img, [Decoration("circle", box, "#ffffff")])
    assert circle[50, 50].min() == 255 and circle[20, 10].max() == 0
    coverage = circle[..., 0].astype(float).sum() / 255
    assert coverage == pytest.approx(math.pi * 30**2, rel=0.03)
    frame = draw_decorations(img, [Decoration("frame", box, "#ffffff", {"width": 4})])
    assert (frame[20:24, 10:90] == 255).all() and frame[50, 50].max() == 0
    line = draw_decorations(
        img, [Decoration("line", box, "#ffffff", {"width": 4, "orientation": "vertical"})]
    )
    assert (line[20:80, 48:52] == 255).all() and line[:, :40].max() == 0


def test_opacity_blends_and_drawing_does_not_modify_input():
    img = np.full((40, 40, 3), 100, np.uint8)
    before = img.copy()
    out = draw_decorations(img, [Decoration("rect", (0, 0, 40, 40), "#ffffff", {"opacity": 0.5})])
    assert np.array_equal(img, before)
    assert abs(int(out[20, 20, 0]) - 178) <= 1


def test_badge_ring_uses_its_own_colour():
    img = np.zeros((100, 100, 3), np.uint8)
    deco = Decoration(
        "badge", (0, 0, 100, 100), "#ff0000", {"points": 16, "ring": True, "ring_color": "#00ff00"}
    )
    out = draw_decorations(img, [deco])
    assert (out.reshape(-1, 3) == (0, 255, 0)).all(axis=1).sum() > 50
    assert tuple(out[50, 50]) == (255, 0, 0)


def test_image_patch_pastes_a_real_image(tmp_path):
    patch = np.zeros((20, 30, 4), np.uint8)
    patch[..., 2] = 255  # red in BGR order, so red in RGB after reading
    patch[..., 3] = 255
    patch[:, :15, 3] = 0  # left half transparent
    cv2.imwrite(str(tmp_path / "sticker.png"), patch)
    img = np.full((60, 80, 3), 50, np.uint8)
    from textsynth.sources.photos import register_picture

    register_picture("test/sticker.png", str(tmp_path / "sticker.png"))  # pictures are named by id
    deco = sample_decoration(
        np.random.default_rng(0), "image_patch", (10, 10, 70, 50), None, ["test/sticker.png"]
    )
    assert deco.params["picture"] == "test/sticker.png"
    deco.params["opacity"] = 1.0
    out = draw_decorations(img, [deco])
    assert tuple(out[30, 60]) == (255, 0, 0), "opaque half pasted"
    assert tuple(out[30, 15]) == (50, 50, 50), "transparent half shows what was under it"
    keep = outside(img, deco.box)
    assert np.array_equal(out[keep], img[keep])
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG not really")
    with pytest.raises(TextsynthError, match=r"bad\.png"):
        draw_decorations(img, [Decoration("image_patch", (0, 0, 10, 10), params={"file": str(bad)})])
    with pytest.raises(TextsynthError, match="file"):
        draw_decorations(
            img, [sample_decoration(np.random.default_rng(0), "image_patch", (0, 0, 9, 9), None)]
        )


def test_user_errors_name_valid_choices():
    img = np.zeros((10, 10, 3), np.uint8)
    with pytest.raises(TextsynthError, match="rounded_panel"):
        draw_decorations(img, [Decoration("hexagon", (0, 0, 5, 5))])
    with pytest.raises(TextsynthError, match="rounded_panel"):
        sample_decoration(np.random.default_rng(0), "hexagon", (0, 0, 5, 5), None)
    with pytest.raises(TextsynthError, match="x0 < x1"):
        draw_decorations(img, [Decoration("rect", (5, 0, 2, 5))])
    with pytest.raises(TextsynthError, match="#12345"):
        draw_decorations(img, [Decoration("rect", (0, 0, 5, 5), "#12345")])


def test_sampled_colours_come_from_the_palette():
    palette = PALETTES["festive"]
    for seed in range(10):
        deco = sample_decoration(np.random.default_rng(seed), "rect", (0, 0, 10, 10), palette)
        assert hex_to_rgb(deco.color) in {hex_to_rgb(c) for c in palette}


def test_the_tint_table_cache_changes_no_pixel_and_stays_bounded():
    """Blends take rgb * a / 255 from a per-colour cache: a cold and a warm cache draw the same bytes."""
    from textsynth.components import decorations

    img = canvas()
    decos = [
        sample_decoration(np.random.default_rng(seed), kind, (10.3, 8.6, 100.2, 70.9), PALETTES["neon"])
        for seed, kind in enumerate(MASKED)
    ]
    decorations._tint_table.cache_clear()
    cold = draw_decorations(img, decos)
    assert decorations._tint_table.cache_info().currsize > 0
    warm = draw_decorations(img, decos)
    assert np.array_equal(cold, warm)
    table = decorations._tint_table((200, 30, 60))
    assert not table.flags.writeable  # shared between calls: nobody may change it
    assert decorations._tint_table.cache_info().maxsize == 512


@settings(max_examples=30, deadline=None)
@given(kinds=st.lists(st.sampled_from([k for k in DECORATION_KINDS if k != "image_patch"]), min_size=1, max_size=3),
       seed=st.integers(0, 2**31 - 1))  # fmt: skip
def test_drawing_in_place_gives_the_same_image(kinds, seed):
    """draw_decorations_into paints the caller's own image with the very bytes draw_decorations returns."""
    rng = np.random.default_rng(seed)
    img = canvas(160, 120)
    decos = [sample_decoration(rng, kind, (20.5, 15.0, 130.0, 100.5), PALETTES["warm"]) for kind in kinds]
    want = draw_decorations(img, decos)
    draw_decorations_into(img, decos)
    assert np.array_equal(img, want)


@settings(max_examples=200, deadline=None)
@given(
    box=st.tuples(st.floats(-30, 90), st.floats(-30, 90), st.floats(-30, 90), st.floats(-30, 90)),
    shape=st.tuples(st.integers(1, 70), st.integers(1, 70)),
)
def test_rect_coverage_is_each_pixels_area_inside_the_box(box, shape):
    """The ends-only coverage gives the bytes of the per-pixel area formula (float32), everywhere."""
    from textsynth.components.decorations import _rect_coverage

    x0, y0, x1, y1 = box
    jx, jy = np.arange(shape[1], dtype=np.float32), np.arange(shape[0], dtype=np.float32)
    cx = np.clip(np.minimum(jx + 1, x1) - np.maximum(jx, x0), 0, 1)
    cy = np.clip(np.minimum(jy + 1, y1) - np.maximum(jy, y0), 0, 1)
    want = cv2.convertScaleAbs(np.outer(cy, cx), alpha=255)
    assert np.array_equal(_rect_coverage(shape, box), want)
