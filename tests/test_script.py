"""--script: simplified text only in SC faces; traditional text (OpenCC s2tw) only in TC faces."""

from __future__ import annotations

import pytest

from textsynth.config import RenderConfig
from textsynth.errors import TextsynthError
from textsynth.pipeline import build_context, make_sample
from textsynth.sources.script import convert

TEMPLATES = {"couplet": 1.0, "business_card": 1.0, "shop_sign": 1.0, "menu_board": 1.0}


def _items(script: str, n: int = 12):
    config = RenderConfig(seed=5, width=320, height=256, templates=TEMPLATES, script=script)
    ctx = build_context(config)
    for index in range(n):
        sample = make_sample(ctx, index)
        for item in sample.scene.texts:
            yield sample, item, ctx.fonts.face(item.font)


def test_simplified_text_is_never_set_in_a_traditional_face():
    items = list(_items("simplified"))
    assert items
    assert {face.script for _, item, face in items} == {"SC"}
    assert all(item.script == "SC" for _, item, _ in items)


def test_traditional_text_is_converted_and_set_in_traditional_faces_only():
    items = list(_items("traditional"))
    chinese = [(s, item, face) for s, item, face in items if not item.text.isascii()]
    assert chinese
    assert {face.script for _, _, face in chinese} == {"TC"}
    # the text is its own traditional form: converting again changes nothing
    assert all(convert(item.text, "traditional") == item.text for _, item, _ in chinese)
    samples = {s.key: s for s, _, _ in chinese}
    assert any("繁体" in s.captions["zh"] for s in samples.values())
    assert any("Traditional Chinese" in s.captions["en"] for s in samples.values())


def test_convert_uses_taiwan_forms_and_keeps_latin():
    assert convert("发展国家", "traditional") == "發展國家"
    assert convert("COFFEE 咖啡", "traditional") == "COFFEE 咖啡"
    assert convert("发展", "simplified") == "发展"


def test_unknown_script_is_refused_with_the_choices():
    with pytest.raises(TextsynthError, match=r"script:? must be one of simplified, traditional"):
        RenderConfig(script="cantonese").validate()
