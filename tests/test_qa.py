"""OCR read-back: clean renders read back exactly, unreadable ones are caught, scores behave."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textsynth.qa.readback import edit_distance, passes_ocr, read_back, score_item
from textsynth.render.compose import render_scene
from textsynth.scene import Fill, Layer, Scene, TextItem, TextStyle

BACKGROUND = "#f0e6d2"


def make_scene(fonts, items: list[dict], bg: str = BACKGROUND, geometry: list[Layer] | None = None) -> Scene:
    """A flat-background scene with the given text items, each set in a sans face that covers it."""
    texts = []
    for spec in items:
        text = spec["text"]
        face = (fonts.candidates(text, styles=["sans"]) or fonts.candidates(text))[0]
        texts.append(
            TextItem(
                text=text,
                role="title",
                font=face.id,
                size_px=spec.get("size", 44),
                box=spec["box"],
                direction=spec.get("direction", "ltr"),
                lines=spec.get("lines", []),
                style=TextStyle(fill=Fill("solid", [spec.get("color", "#1a1a1a")])),
                rotation=spec.get("rotation", 0.0),
                curve=spec.get("curve", 0.0),
            )
        )
    return Scene(
        width=512, height=384, template="test", background=Layer("flat", {"base_color": bg}),
        texts=texts, geometry=geometry or [],
    )  # fmt: skip


def render(fonts, scene: Scene):
    from textsynth.sources.fonts import get_font

    rendered = render_scene(scene, lambda face_id, size: get_font(fonts.face(face_id), size))
    return rendered.image, [t.to_json() for t in rendered.texts], [t.lines for t in scene.texts]


@pytest.fixture(scope="module")
def clean(fonts):
    """Horizontal, vertical, rotated, curved and two-line items on one image."""
    scene = make_scene(
        fonts,
        [
            {"text": "春节快乐", "box": (10, 10, 330, 80)},
            {"text": "欢迎光临", "box": (440, 10, 500, 370), "direction": "ttb", "size": 48},
            {"text": "限时优惠", "box": (20, 110, 330, 190), "rotation": 12.0, "color": "#b22222"},
            {"text": "新品上市促销", "box": (20, 200, 400, 290), "curve": 0.12, "size": 40},
            {
                "text": "全场五折买一送一",
                "lines": ["全场五折", "买一送一"],
                "box": (20, 290, 330, 380),
                "size": 36,
            },
        ],
    )
    return render(fonts, scene)


def test_clean_renders_read_back_exactly(clean):
    image, texts, lines = clean
    scores = read_back(image, texts, lines)
    assert [s.ocr for s in scores] == [t["text"] for t in texts]
    assert all(s.exact and s.distance == 0.0 and s.confidence > 0.8 for s in scores)
    assert passes_ocr(scores, min_score=1.0)


def test_text_in_background_colour_fails_the_gate(fonts):
    scene = make_scene(fonts, [{"text": "春节快乐", "box": (10, 10, 330, 80), "color": BACKGROUND}])
    image, texts, lines = render(fonts, scene)
    (score,) = read_back(image, texts, lines)
    assert not score.exact and score.distance > 0.5
    assert not passes_ocr([score], min_score=0.5)


def test_rotation_and_perspective_are_undone_by_the_char_polygons(fonts):
    from textsynth.components.geometry import sample_perspective
    from textsynth.scene import Layer

    scene = make_scene(
        fonts, [{"text": "高铁站台", "box": (100, 120, 420, 240), "size": 60, "rotation": -15.0}]
    )
    scene.geometry = [
        Layer("perspective", sample_perspective(np.random.default_rng(3), 512, 384, strength=0.25))
    ]
    image, texts, lines = render(fonts, scene)
    polygon = np.array(texts[0]["polygon"])
    assert not np.allclose(polygon[0, 1], polygon[1, 1], atol=1.0)  # the line really is slanted
    assert read_back(image, texts, lines)[0].exact


def test_scores():
    assert score_item("２０２４年", "2024年").exact  # full and half width are the same to a reader
    assert score_item("王楠 著", "王楠著").exact  # spaces are layout, not text
    assert score_item("—— 吕云", "—一吕云").exact  # a dash and the stroke 一 look the same
    assert score_item("一秒钟", "—秒钟").exact
    assert not score_item("—— 吕云", "———吕云").exact  # but a third stroke is a misreading
    s = score_item("春节快乐", "春节快")
    assert not s.exact and s.distance == pytest.approx(0.25)
    assert score_item("春节", "").distance == 1.0


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="春节快乐新品abc12", max_size=8), st.text(alphabet="春节快乐新品abc12", max_size=8))
def test_edit_distance_is_a_metric_bounded_by_length(a, b):
    d = edit_distance(a, b)
    assert d == edit_distance(b, a)
    assert (d == 0) == (a == b)
    assert abs(len(a) - len(b)) <= d <= max(len(a), len(b))
    assert 0.0 <= score_item(a, b).distance <= 1.0
