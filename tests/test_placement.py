"""Placement: the whole design, smaller and anywhere it fits, so a fixed-layout genre's text moves."""

from __future__ import annotations

import statistics

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from textsynth.components.effects import EFFECT_KINDS
from textsynth.components.geometry import geometry_matrix, map_points
from textsynth.components.placement import MIN_TEXT_PX, keep_text_readable, sample_placement
from textsynth.config import RenderConfig
from textsynth.pipeline import build_context, make_sample
from textsynth.scene import Layer, TextItem
from textsynth.templates.registry import resolve_templates


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), width=st.integers(64, 1600), height=st.integers(64, 1600))
def test_the_whole_design_stays_inside_the_frame(seed, width, height):
    layer = Layer("placement", sample_placement(np.random.default_rng(seed), width, height))
    frame = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)
    quad = map_points(frame, geometry_matrix(layer, width, height))
    assert quad[:, 0].min() >= -1e-6 and quad[:, 0].max() <= width + 1e-6
    assert quad[:, 1].min() >= -1e-6 and quad[:, 1].max() <= height + 1e-6
    assert 0.3 < layer.params["scale"] <= 0.85 + 1e-9  # smaller than the canvas, never a speck


def test_the_scale_is_raised_so_small_text_stays_readable():
    rng = np.random.default_rng(0)
    layers = [Layer("placement", sample_placement(rng, 512, 512)) for _ in range(50)]
    small = TextItem(text="净含量", role="note", font="x", size_px=16, direction="ltr", box=(0, 0, 10, 10))
    keep_text_readable(layers, [small], 512, 512)
    for layer in layers:
        assert layer.params["scale"] * small.size_px >= MIN_TEXT_PX - 0.01
        quad = map_points(
            np.array([[0, 0], [512, 0], [512, 512], [0, 512]]), geometry_matrix(layer, 512, 512)
        )
        assert quad.min() >= -1e-6 and quad.max() <= 512 + 1e-6  # raised, and still inside the frame


def _primary_centres(p: float) -> list[tuple[float, float]]:
    config = RenderConfig(
        seed=5, count=60, width=256, height=256, effects=dict.fromkeys(EFFECT_KINDS, 0.0),
        geometry={"placement": p, "perspective": 0.0, "rotation": 0.0},
    )  # fmt: skip
    ctx = build_context(config, resolve_templates(["couplet"]))
    centres = []
    for index in range(30):
        sample = make_sample(ctx, index)
        primary = next(t for t, item in zip(sample.texts, sample.scene.texts, strict=True) if item.primary)
        centres.append(tuple(np.mean(primary.polygon, axis=0) / 256))
    return centres


def test_placement_moves_the_primary_text_of_a_fixed_layout():
    fixed, placed = _primary_centres(0.0), _primary_centres(1.0)
    spread = lambda pts, axis: statistics.pstdev(p[axis] for p in pts)  # noqa: E731
    assert spread(placed, 0) > spread(fixed, 0) + 0.02
    assert spread(placed, 1) > spread(fixed, 1) + 0.02
