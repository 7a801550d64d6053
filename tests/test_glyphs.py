"""Glyphs from one FreeType face per file: metrics that scale exactly, bitmaps cached within a bound."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textsynth.sources import glyphs
from textsynth.sources.fonts import FontLibrary, get_font
from textsynth.sources.glyphs import as_sized, get_face

FACES = ["noto-sans-sc-regular", "ar-pl-ukai-cn", "wqy-microhei", "lxgw-wenkai-regular"]


@pytest.fixture(scope="module")
def library() -> FontLibrary:
    return FontLibrary.load()


def _installed(library: FontLibrary) -> list[str]:
    ids = {face.id for face in library.faces}
    return [face_id for face_id in FACES if face_id in ids] or [library.faces[0].id]


def test_one_face_per_file_serves_every_size(library: FontLibrary) -> None:
    face = library.face(_installed(library)[0])
    small, large = get_face(face, 20), get_face(face, 77)
    assert small is get_face(face.id, 20), "sized faces are cached"
    assert small._face is large._face, "a size is a scale, not another FreeType face"


def test_metrics_match_pillow_and_advances_scale_exactly(library: FontLibrary) -> None:
    for face_id in _installed(library):
        face = library.face(face_id)
        for size in (12, 31, 96):
            sized = get_face(face, size)
            assert sized.getmetrics() == get_font(face, size).getmetrics()
            # unhinted advances are linear in the size: a block measured at one size predicts any other
            assert sized.getlength("中文字") == pytest.approx(
                get_face(face, 2 * size).getlength("中文字") / 2
            )
            assert sized.getlength("中文字") == pytest.approx(get_font(face, size).getlength("中文字"), abs=3)


def test_a_pillow_font_stands_for_its_sized_face(library: FontLibrary) -> None:
    face = library.face(_installed(library)[0])
    assert as_sized(get_font(face, 40)) is get_face(face, 40)


def test_missing_characters_are_known_not_drawn_as_tofu(library: FontLibrary) -> None:
    sized = get_face(library.face(_installed(library)[0]), 24)
    assert not sized.has_glyph("\U0010fffd")  # plane-16 private use: in no shipped font
    assert sized.has_glyph("中") and sized.glyph("中").inked


@settings(max_examples=30, deadline=None)
@given(char=st.sampled_from("永国，。A9g中"), size=st.integers(12, 120), stroke=st.integers(1, 6))
def test_glyph_ink_sits_where_pillow_puts_it_and_the_stroke_surrounds_it(library, char, size, stroke) -> None:
    face = library.face(_installed(library)[0])
    sized = get_face(face, size)
    left, top, mask = sized.glyph(char)
    _, pil_top, _, pil_bottom = get_font(face, size).getbbox(char)  # Pillow's box is ink-tight vertically
    assert abs(top - pil_top) <= 1 and abs(top + mask.shape[0] - pil_bottom) <= 1
    s_left, s_top, s_mask = sized.glyph(char, stroke)
    h, w = mask.shape
    grown = (
        left - s_left,
        top - s_top,
        s_left + s_mask.shape[1] - left - w,
        s_top + s_mask.shape[0] - top - h,
    )
    assert all(stroke - 1 <= g <= stroke + 1 for g in grown), "the outline is `stroke` wide on every side"
    inner = s_mask[top - s_top : top - s_top + h, left - s_left : left - s_left + w]
    assert (inner >= mask).all(), "the stroke covers the whole glyph"


def test_glyph_cache_stays_within_its_bound(library: FontLibrary, monkeypatch) -> None:
    monkeypatch.setattr(glyphs, "GLYPH_CACHE_BYTES", 200_000)
    sized = get_face(library.face(_installed(library)[0]), 90)
    for char in "春夏秋冬东南西北上下左右前后中外天地人和山水火木金土日月风云":
        sized.glyph(char)
        assert glyphs.glyph_cache_bytes() <= 200_000
    again = sized.glyph("土")
    assert np.array_equal(again.mask, get_face(library.face(_installed(library)[0]), 90)._render("土").mask)


def _rss_file_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("RssFile:"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_released_font_pages_leave_the_resident_set_and_glyphs_unchanged(library: FontLibrary) -> None:
    """Faces stay open, so touched font-file pages would pile up in a worker's RSS; release drops them."""
    faces = [library.face(face_id) for face_id in _installed(library)]
    text = "永和九年岁在癸丑暮春之初会于会稽山阴之兰亭修禊事也群贤毕至少长咸集此地有崇山峻岭茂林修竹"
    before = {}
    for face in faces:
        sized = get_face(face, 211)
        for char in text:
            before[face.id, char] = sized._render(char).mask.copy()
    assert all(get_face(face, 211)._face.mapping is not None for face in faces), "FreeType mapped the files"
    resident = _rss_file_kb()
    glyphs.release_font_pages()
    assert _rss_file_kb() < resident
    for face in faces:
        sized = get_face(face, 211)
        for char in text:
            assert np.array_equal(sized._render(char).mask, before[face.id, char])


def test_every_face_has_a_line_box_near_its_em(fonts) -> None:
    """Ascent and descent below and above the baseline add up to about an em in every shipped face
    (Fandol Song Regular's descender has the wrong sign in the font: taken by magnitude)."""
    from textsynth.sources.glyphs import get_face

    for face in fonts.faces:
        ascent, descent = get_face(face, 100).getmetrics()
        assert descent > 0 and 80 <= ascent + descent <= 160, (face.id, ascent, descent)


@settings(max_examples=40, deadline=None)
@given(
    char=st.sampled_from("中文字，。A g一丨"), size=st.integers(12, 120), which=st.integers(0, len(FACES) - 1)
)
def test_ink_box_is_the_bitmaps_box(library: FontLibrary, char: str, size: int, which: int) -> None:
    """Layout grows cells to `ink` instead of the bitmap: the two must agree, blank glyphs included."""
    faces = _installed(library)
    sized = get_face(library.face(faces[which % len(faces)]), size)
    left, top, mask = sized.glyph(char)
    want = (left, top, left + mask.shape[1], top + mask.shape[0]) if mask.size else None
    assert sized.ink(char) == want
    assert sized.ink(char) == want, "a second look (from the ink cache) agrees too"
    if char == " ":
        assert want is None


def test_ink_boxes_stay_within_their_bound(library: FontLibrary, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ink boxes are kept apart from the bitmap LRU: a long run must not grow them without end."""
    monkeypatch.setattr(glyphs, "INK_CACHE_ENTRIES", 50)
    sized = get_face(library.face(_installed(library)[0]), 33)
    chars = [chr(cp) for cp in range(0x4E00, 0x4E00 + 400)]
    for char in chars:
        sized.ink(char)
    held = sum(len(face._inks) for face in glyphs._SIZED.values())
    assert held <= 50
    left, top, mask = sized.glyph(chars[0])
    assert sized.ink(chars[0]) == (left, top, left + mask.shape[1], top + mask.shape[0]), (
        "recomputed after a clear"
    )
