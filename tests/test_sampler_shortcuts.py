"""The sampler's shortcuts must give the very numbers of the calls they stand in for."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from textsynth.components.geometry import map_points
from textsynth.render.compose import item_matrix
from textsynth.render.layout import BlockLayout
from textsynth.sampling.sampler import _between, _block_quad
from textsynth.scene import TextItem

coords = st.floats(-300.0, 3000.0, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(
    extent=st.tuples(coords, coords, coords, coords),
    box=st.tuples(coords, coords, coords, coords),
    size=st.tuples(st.floats(0.0, 2000.0), st.floats(0.0, 2000.0)),
    direction=st.sampled_from(["ltr", "ttb"]),
    align=st.sampled_from(["start", "center", "end"]),
)
def test_unturned_block_quad_equals_the_matrix_path(extent, box, size, direction, align) -> None:
    item = TextItem(
        text="文字", role="title", font="f", size_px=40, direction=direction, box=box, align=align
    )
    layout = BlockLayout(width=size[0], height=size[1], glyphs=[], margin=0, extent=extent)
    x0, y0, x1, y1 = extent
    want = map_points(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]), item_matrix(item, layout))
    assert _block_quad(item, layout) == want.tolist()  # exact, not close: bounds and panels are recorded


def test_turned_block_quad_still_goes_through_the_matrix() -> None:
    item = TextItem(text="文字", role="title", font="f", size_px=40, direction="ltr", box=(10, 10, 200, 80))
    item.rotation = 12.0
    layout = BlockLayout(width=120.0, height=40.0, glyphs=[], margin=0, extent=(0.0, 0.0, 120.0, 40.0))
    want = map_points(np.array([[0, 0], [120, 0], [120, 40], [0, 40]], float), item_matrix(item, layout))
    assert _block_quad(item, layout) == want.tolist()
    assert want[0][1] != want[1][1]  # turned: the top edge is no longer level


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    low=st.floats(-1000.0, 1000.0),
    width=st.one_of(st.just(0.0), st.floats(0.0, 500.0), st.integers(0, 90)),
)
def test_between_draws_what_uniform_draws(seed: int, low: float, width: float) -> None:
    high = low + width
    ours, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
    for _ in range(20):
        assert _between(ours, low, high) == numpys.uniform(low, high)  # same stream, same floats
    assert ours.random() == numpys.random()  # and it used one draw per number, as uniform does
