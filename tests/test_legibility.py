"""Legibility check: legible renders pass, invisible or tiny text is caught, make_sample redraws."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _fancy_index_contrasts(image: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """cell_contrasts as first written, with numpy's fancy indexing: the reference for the cv2.remap read.

    Cells past cv2.remap's 32767-row limit are read in chunks; `test_a_page_of_40000_cells_reads_as_fancy_indexing_does` covers them."""
    height, width = image.shape[:2]
    points = legibility._grid(cells, legibility.GRID)
    xs = np.clip(points[..., 0].astype(np.int32), 0, width - 1)
    ys = np.clip(points[..., 1].astype(np.int32), 0, height - 1)
    pixels = image[ys, xs]
    lin = legibility._LINEAR
    lum = lin[pixels[..., 0]] * 0.2126 + lin[pixels[..., 1]] * 0.7152 + lin[pixels[..., 2]] * 0.0722
    lo, mid, hi = (p + 0.05 for p in legibility._percentiles(lum, (3, 50, 97)))
    return np.maximum(hi / mid, mid / lo)


@settings(max_examples=40)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(8, 90),
    st.integers(8, 90),
    st.lists(st.floats(-60.0, 150.0, allow_nan=False), min_size=8, max_size=8 * 6),
)
def test_cells_read_the_pixels_fancy_indexing_reads(seed, height, width, coords):
    """Cells anywhere (inside, across the edge, wholly off the image, at fractional corners) get exactly
    the contrasts numpy's indexing of the pixel under each point, clamped to the edge, gives."""
    image = np.random.default_rng(seed).integers(0, 256, (height, width, 3), np.uint8)
    cells = np.asarray(coords[: len(coords) // 8 * 8], np.float64).reshape(-1, 4, 2)
    np.testing.assert_array_equal(
        legibility.cell_contrasts(image, cells), _fancy_index_contrasts(image, cells)
    )


def test_batched_medians_are_each_items_own_on_rendered_samples(ctx):
    """check_image's one-sort medians and minima give every item of real samples check_item's figures."""
    from textsynth.pipeline import make_sample
    from textsynth.qa.legibility import check_item

    for index in range(15):
        sample = make_sample(ctx, index)
        texts = [t.to_json() for t in sample.texts]
        assert check_image(sample.image, texts) == [check_item(sample.image, t) for t in texts]
        # check_sample reads the annotations themselves, not their records: the same verdicts
        heights = [nominal_cell_height(t["font"], t["size_px"], t["direction"], ctx.load_font) for t in texts]
        assert legibility.check_sample(sample, ctx.load_font) == check_image(sample.image, texts, heights)


@settings(max_examples=80)
@given(st.lists(st.floats(1.0, 30.0, width=32), min_size=1, max_size=12))
def test_an_items_median_is_numpys_float32_median(values):
    """Contrasts are float32: the median of an even count is their float32 mean, as np.median gives it."""
    contrasts = np.array(values, np.float32)
    assert legibility._median(contrasts.tolist()) == float(np.median(contrasts))


def test_a_page_of_40000_cells_reads_as_fancy_indexing_does():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (64, 64, 3), np.uint8)
    cells = rng.uniform(-10, 74, (40_000, 4, 2))
    np.testing.assert_array_equal(
        legibility.cell_contrasts(image, cells), _fancy_index_contrasts(image, cells)
    )
