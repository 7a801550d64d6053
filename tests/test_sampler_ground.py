"""The sampler's reading of the ground under a block: texture at glyph scale, mean colour."""

from __future__ import annotations

import cv2
import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from textsynth.render.colors import rgb_to_hex
from textsynth.sampling.sampler import (
    BUSY_TEXTURE,
    LOW_CONTRAST,
    _local_color,
    _low_contrast,
    _texture,
    _worst_contrast,
)


def _stripes(height: int, width: int, period: int, angle: int, contrast: int) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width]
    along = xx if angle == 0 else yy if angle == 90 else xx + yy
    tone = np.where((along // max(1, period // 2)) % 2 == 0, 128 - contrast // 2, 128 + contrast // 2)
    return np.repeat(tone[..., None], 3, axis=2).astype(np.uint8)


def _reference_texture(region: np.ndarray, size_px: int) -> float:
    """The measure as first written: the region resized so a glyph is exactly 16 px (fractional area)."""
    gray = cv2.cvtColor(np.ascontiguousarray(region), cv2.COLOR_RGB2GRAY)
    scale = 16.0 / size_px
    if scale < 1.0:
        size = (max(3, int(region.shape[1] * scale)), max(3, int(region.shape[0] * scale)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    return float(np.mean(np.abs(gx) + np.abs(gy))) / 8.0


def test_flat_ground_has_no_texture() -> None:
    flat = np.full((300, 400, 3), 90, np.uint8)
    for size in (12, 30, 64, 120):
        assert _texture(flat, (10.0, 20.0, 390.0, 280.0), size) == 0.0


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(12, 140),
    stroke=st.floats(0.3, 1.0),  # stripe period as a multiple of the glyph size
    angle=st.sampled_from([0, 45, 90]),
    contrast=st.integers(40, 200),
    lines=st.floats(1.0, 3.0),  # the block's bounds: at least one line tall and two glyphs wide
    glyphs=st.floats(2.0, 8.0),
)
# halved to 12 px, diagonal stripes of stroke width read 4.95 against the exact 10.9; shrunk 4x to 14 px, 8.6 vs 13.9
@example(size=24, stroke=0.3, angle=45, contrast=40, lines=1.0, glyphs=2.0)
@example(size=56, stroke=0.3, angle=90, contrast=40, lines=1.0, glyphs=2.0)
def test_texture_reads_stroke_scale_patterns_as_the_exact_16_px_measure_does(
    size: int, stroke: float, angle: int, contrast: int, lines: float, glyphs: float
) -> None:
    """Shrinking by a whole factor (a glyph of 11-21 px) instead of exactly to 16 px keeps the verdict on
    patterns as coarse as strokes: stripes a glyph wide are busy, and the value stays within the glyph
    scale's ratio (at most 16 / 10.7 = 1.5) of the exact one."""
    w, h = round(glyphs * size), round(lines * size)
    ground = _stripes(h + 20, w + 20, max(2, round(stroke * size)), angle, contrast)
    got = _texture(ground, (10.0, 10.0, 10.0 + w, 10.0 + h), size)
    want = _reference_texture(ground[10 : 10 + h, 10 : 10 + w], size)
    assert want / 1.5 - 0.5 <= got <= want * 1.5 + 0.5
    if contrast >= 120:
        assert got >= BUSY_TEXTURE, "stripes at stroke scale and strong contrast break up glyphs"


def test_fine_grain_averages_out_for_large_glyphs() -> None:
    rng = np.random.default_rng(3)
    grain = np.clip(128 + rng.normal(0, 25, (400, 600, 1)), 0, 255).astype(np.uint8).repeat(3, axis=2)
    assert _texture(grain, (0.0, 0.0, 600.0, 400.0), 96) < BUSY_TEXTURE
    assert _texture(grain, (0.0, 0.0, 600.0, 400.0), 12) > _texture(grain, (0.0, 0.0, 600.0, 400.0), 96)


@settings(max_examples=40, deadline=None)
@given(side=st.sampled_from([512, 768, 1024, 1536]), seed=st.integers(0, 1000))
def test_local_color_is_the_regions_mean_within_a_level(side: int, seed: int) -> None:
    """Large canvases read every n-th row; the mean colour must stay within a level or two of the true one."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    base = cv2.resize(small, (side, side), interpolation=cv2.INTER_LINEAR)
    base = np.clip(base.astype(np.int16) + rng.integers(-20, 21, base.shape), 0, 255).astype(np.uint8)
    x0, y0 = (float(v) for v in rng.uniform(0, side * 0.5, 2))
    box = (x0, y0, x0 + side * 0.4, y0 + side * 0.3)
    got = _local_color(base, box)
    true = base[int(y0) : int(np.ceil(box[3])), int(x0) : int(np.ceil(box[2]))].reshape(-1, 3).mean(axis=0)
    assert all(abs(g - t) <= 2.0 for g, t in zip(got, true, strict=True))


@settings(max_examples=150, deadline=None)
@given(
    side=st.sampled_from([300, 512, 1024]),
    seed=st.integers(0, 10_000),
    spread=st.integers(0, 120),
    text=st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
)
def test_low_contrast_gives_the_worst_contrast_verdict(
    side: int, seed: int, spread: int, text: tuple[int, int, int]
) -> None:
    """The min/max shortcut must never change the outline verdict the ranked tails give."""
    rng = np.random.default_rng(seed)
    tone = rng.integers(0, 256, 3)
    noise = rng.integers(-spread, spread + 1, (side, side, 3))
    base = np.clip(tone + noise, 0, 255).astype(np.uint8)
    x0, y0 = (float(v) for v in rng.uniform(-20, side * 0.7, 2))
    box = (x0, y0, x0 + float(rng.uniform(0, side * 0.5)), y0 + float(rng.uniform(0, side * 0.3)))
    color = rgb_to_hex(text)
    assert _low_contrast(base, box, color) == (_worst_contrast(base, box, color) < LOW_CONTRAST)
