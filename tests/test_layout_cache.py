"""The layout cache: a repeated layout equals a fresh one, and editing any placing field (as pairs
do after sampling) lays the block out anew."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from textsynth.render import layout as layout_mod
from textsynth.render.layout import layout_block
from textsynth.scene import TextItem, TextStyle

TEXTS = ["限时特惠", "全场5折起", "新店开业大吉", "春节快乐2025"]


@pytest.fixture(scope="module")
def font_of(fonts):
    from textsynth.sources.fonts import get_font

    face = fonts.choose("".join(TEXTS), np.random.default_rng(0), styles=["sans"])
    return face, (lambda size: get_font(face, size))


def _fresh(item: TextItem, font) -> layout_mod.BlockLayout:
    saved = dict(layout_mod._LAYOUTS)
    layout_mod._LAYOUTS.clear()
    try:
        return layout_block(item, font)
    finally:
        layout_mod._LAYOUTS.clear()
        layout_mod._LAYOUTS.update(saved)


def _same(a: layout_mod.BlockLayout, b: layout_mod.BlockLayout) -> bool:
    return (
        (a.width, a.height, a.margin) == (b.width, b.height, b.margin)
        and [(g.draw, g.x, g.y, g.angle) for g in a.glyphs] == [(g.draw, g.x, g.y, g.angle) for g in b.glyphs]
        and all(np.array_equal(g.cell, h.cell) for g, h in zip(a.glyphs, b.glyphs, strict=True))
    )


edits = st.sampled_from(
    ["text", "size_px", "direction", "align", "char_spacing", "curve", "jitter", "stroke"]
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edit=edits, text=st.sampled_from(TEXTS))
def test_an_edited_item_is_laid_out_as_if_fresh(font_of, edit, text):
    face, font = font_of
    item = TextItem(text=text, role="title", font=face.id, size_px=48, direction="ltr", box=(0, 0, 400, 200))
    first = layout_block(item, font(item.size_px))
    assert _same(first, layout_block(item, font(item.size_px)))  # a hit equals the first layout
    if edit == "text":
        item.text, item.lines = text + "店", [text + "店"]
    elif edit == "size_px":
        item.size_px = 60
    elif edit == "direction":
        item.direction = "ttb"
    elif edit == "align":
        item.lines, item.align = [text[:2], text[2:]], "end"
    elif edit == "char_spacing":
        item.char_spacing = 0.2
    elif edit == "curve":
        item.curve = 0.15
    elif edit == "jitter":
        item.jitter, item.jitter_seed = 0.05, 7
    else:
        item.style = TextStyle(stroke_width=4)  # the margin follows the style, not the cache
    again = layout_block(item, font(item.size_px))
    assert _same(again, _fresh(item, font(item.size_px)))
    assert not _same(again, first)


def test_cached_cells_are_read_only(font_of):
    face, font = font_of
    item = TextItem(
        text="限时特惠", role="title", font=face.id, size_px=40, direction="ltr", box=(0, 0, 400, 200)
    )
    with pytest.raises(ValueError):
        layout_block(item, font(40)).glyphs[0].cell[0, 0] = 5.0
