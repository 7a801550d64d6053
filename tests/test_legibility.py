"""Legibility check: legible renders pass, invisible or tiny text is caught, make_sample redraws."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_qa import BACKGROUND, make_scene, render
from textsynth.qa import legibility
from textsynth.qa.legibility import (
    MIN_CONTRAST,
    MIN_GLYPH_HEIGHT,
    check_image,
    is_legible,
    nominal_cell_height,
)


@pytest.mark.parametrize("color", ["#1a1a1a", "#b22222", "#2a4d8f", "#ffffff"])
def test_readable_colours_pass(fonts, color):
    bg = "#203040" if color == "#ffffff" else BACKGROUND
    scene = make_scene(fonts, [{"text": "欢迎光临", "box": (10, 10, 330, 90), "color": color}], bg=bg)
    image, texts, _ = render(fonts, scene)
    (result,) = check_image(image, texts)
    assert result.ok and result.contrast >= 2.0, result


def test_text_in_background_colour_is_caught(fonts):
    scene = make_scene(
        fonts,
        [
            {"text": "欢迎光临", "box": (10, 10, 330, 90)},
            {"text": "春节快乐", "box": (10, 150, 330, 230), "color": BACKGROUND},
        ],
    )
    image, texts, _ = render(fonts, scene)
    good, bad = check_image(image, texts)
    assert good.ok
    assert not bad.ok and bad.contrast < 1.1 and "contrast" in bad.reason
    assert not is_legible([good, bad])


def test_tiny_text_is_caught(fonts):
    scene = make_scene(fonts, [{"text": "欢迎光临", "box": (10, 10, 330, 90), "size": 7}])
    image, texts, _ = render(fonts, scene)
    heights = [nominal_cell_height(t["font"], t["size_px"], t["direction"]) for t in texts]
    (result,) = check_image(image, texts, heights)
    assert result.glyph_height < MIN_GLYPH_HEIGHT and not result.ok and "px" in result.reason


def test_contrast_is_measured_on_the_final_image(fonts):
    """A fog laid over the whole image after rendering washes the text out: the check must see it."""
    scene = make_scene(fonts, [{"text": "欢迎光临", "box": (10, 10, 330, 90), "color": "#a09680"}])
    image, texts, _ = render(fonts, scene)
    assert check_image(image, texts)[0].ok
    fogged = (image.astype(np.float32) * 0.15 + 0.85 * np.array([240, 230, 210])).astype(np.uint8)
    assert check_image(fogged, texts)[0].contrast < MIN_CONTRAST


def test_failed_check_redraws_from_the_next_stream(ctx, monkeypatch):
    from textsynth import pipeline as sample_module

    index = 5
    first = sample_module.make_sample(ctx, index)
    real = legibility.check_sample
    calls = []

    def fail_first(sample, load_font=None):
        calls.append(sample.index)
        results = real(sample, load_font)
        if len(calls) == 1:
            results[0].ok = False
        return results

    monkeypatch.setattr(legibility, "check_sample", fail_first)
    redrawn = sample_module.make_sample(ctx, index)
    assert first.resampled == 0
    assert redrawn.resampled == 1 and len(calls) == 2
    expected = sample_module._draw_sample(ctx, index, stream=1)
    assert np.array_equal(redrawn.image, expected.image)
    assert redrawn.record()["resampled"] == 1 and redrawn.key == first.key


@pytest.mark.slow
def test_default_samples_are_rarely_rejected():
    from textsynth.config import RenderConfig
    from textsynth.pipeline import _draw_sample, build_context

    ctx = build_context(RenderConfig(seed=11, width=512, height=512))
    rejected = sum(not is_legible(legibility.check_sample(_draw_sample(ctx, i, 0))) for i in range(120))
    assert rejected <= 6  # < 5%: measured 4/300 on the default config


def test_glyph_height_uses_the_runs_fonts():
    """A face only the run knows (a user's font folder) still gets its real cell height."""
    from PIL import ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 40)
    ascent, descent = font.getmetrics()
    height = nominal_cell_height("only-in-my-folder", 40, "ltr", lambda face_id, size: font)
    assert height == ascent + descent


def test_batched_check_gives_each_items_own_verdict(fonts):
    """check_image measures all items in one batch; each result must be what that item alone gives."""
    from textsynth.qa.legibility import check_item

    scene = make_scene(
        fonts,
        [
            {"text": "欢迎光临", "box": (10, 10, 330, 90), "color": "#1a1a1a"},
            {"text": "隐形", "box": (10, 100, 200, 150), "color": BACKGROUND},
            {"text": "小字", "box": (220, 120, 260, 130), "color": "#1a1a1a", "size": 6},
        ],
    )
    image, texts, _ = render(fonts, scene)
    texts.append({**texts[0], "text": "无字", "chars": []})  # no cells at all: not legible, and no crash
    batched = check_image(image, texts)
    assert batched == [check_item(image, t) for t in texts]
    assert [r.ok for r in batched] == [True, False, False, False]
