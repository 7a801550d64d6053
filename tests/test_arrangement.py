"""Per-sample arrangement: the slot group moves as one, stays on the canvas, and finds calm ground."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import textsynth
from textsynth.sampling.arrangement import EDGE_MARGIN, _calmest_offset, arrange
from textsynth.templates.schema import LayoutSpec

TEMPLATES = textsynth.available_templates()  # read once: each call loads every template file


def _busy_with_calm_patch(calm: tuple[int, int, int, int], size: int = 256) -> np.ndarray:
    """Noise everywhere except one flat rectangle (x0, y0, x1, y1) in pixels."""
    image = (np.random.default_rng(0).random((size, size, 3)) * 255).astype(np.uint8)
    x0, y0, x1, y1 = calm
    image[y0:y1, x0:x1] = 120
    return image


@settings(max_examples=20, deadline=None)
@given(cx=st.integers(40, 216), cy=st.integers(40, 216))
def test_the_group_moves_onto_the_calm_part_of_a_photo(cx: int, cy: int) -> None:
    base = _busy_with_calm_patch((cx - 40, cy - 40, cx + 40, cy + 40))
    group = (0.4, 0.4, 0.6, 0.6)  # 51 px square in the middle, free to travel 0.4 either way
    dx, dy = _calmest_offset(base, group, (0.4, 0.4), (0.4, 0.4))
    centre = np.array([(0.5 + dx) * 256, (0.5 + dy) * 256])
    reachable = np.clip([cx, cy], 0.1 * 256, 0.9 * 256)  # the group's centre can travel 0.4 each way
    # candidates are 0.1 (25.6 px) apart: one whose box lies inside the calm 80 px patch is within 16 px
    assert np.abs(centre - reachable).max() <= 16, (centre, reachable)


def test_a_flat_photo_leaves_the_group_where_the_first_candidate_is() -> None:
    flat = np.full((128, 128, 3), 90, np.uint8)
    assert _calmest_offset(flat, (0.3, 0.3, 0.7, 0.7), (0.1, 0.2), (0.3, 0.1)) == (-0.1, -0.3)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), name=st.sampled_from(sorted(TEMPLATES)))
def test_arranged_slots_stay_on_the_canvas_and_the_primary_keeps_its_size(seed: int, name: str) -> None:
    template = TEMPLATES[name]
    template = dataclasses.replace(
        template, layout=LayoutSpec(mirror=0.5, flip=0.5, shift=0.3, scale=(0.7, 1.0))
    )
    arranged = arrange(template, np.random.default_rng(seed))
    for slot in arranged.slots:
        x0, y0, x1, y1 = slot.region
        assert 0.0 <= x0 < x1 <= 1.0 and 0.0 <= y0 < y1 <= 1.0
    before, after = template.primary_slot().region, arranged.primary_slot().region
    if all(0.0 < v < 1.0 for v in after):  # not clipped at an edge
        assert np.allclose(
            [before[2] - before[0], before[3] - before[1]], [after[2] - after[0], after[3] - after[1]]
        )


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_a_moved_group_stays_inside_the_canvas_frame(seed: int) -> None:
    """menu_board's dishes and prices moved 0.1 and ran over its border frame (or past it)."""
    menu = TEMPLATES["menu_board"]
    wild = dataclasses.replace(menu, layout=dataclasses.replace(menu.layout, shift=0.5, mirror=0.5))
    placed = arrange(wild, np.random.default_rng(seed))
    frame = next(d for d in menu.decorations if d.kind == "frame")
    inside = (frame.region[0] + 0.05, frame.region[1] + 0.05, frame.region[2] - 0.05, frame.region[3] - 0.05)
    for before, after in zip(menu.slots, placed.slots, strict=True):
        # a slot never moves from inside the frame's band to outside it
        for i, (low, high) in enumerate(((inside[0], inside[2]), (inside[1], inside[3])) * 2):
            if low <= before.region[i] <= high:
                assert low - 1e-9 <= after.region[i] <= high + 1e-9, (
                    before.role,
                    before.region,
                    after.region,
                )


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    name=st.sampled_from(sorted(n for n, t in TEMPLATES.items() if t.layout.auto is None)),
)
def test_a_moved_group_keeps_off_the_canvas_edge(seed: int, name: str) -> None:
    """A business card's title moved flush against the left edge (x = 0): a moved group stops at the
    edge margin, and a slot the template puts inside the margin never ends up outside it (mirroring and
    flipping are symmetric about the centre, so they keep it; travel and scale are what is tested)."""
    template = TEMPLATES[name]
    wild = dataclasses.replace(
        template, layout=dataclasses.replace(template.layout, shift=0.5, mirror=0.0, flip=0.0)
    )
    placed = arrange(wild, np.random.default_rng(seed))
    low, high = EDGE_MARGIN, 1.0 - EDGE_MARGIN
    for before, after in zip(template.slots, placed.slots, strict=True):
        for i in range(4):
            if low <= before.region[i] <= high:
                assert low - 1e-9 <= after.region[i] <= high + 1e-9, (
                    name,
                    before.role,
                    before.region,
                    after.region,
                )
