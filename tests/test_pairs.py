"""--pairs: the same scene with another primary word differs from the first only where that text is."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from textsynth.sampling.pairs import pair_scene


def _fill(shape, polygons) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    for polygon in polygons:
        cv2.fillPoly(mask, [np.round(np.asarray(polygon) * 16).astype(np.int32)], 1, shift=4)
    return mask


@pytest.mark.parametrize("index", range(0, 24, 3))
def test_pair_images_differ_only_at_the_primary_text(ctx, index):
    from textsynth.pipeline import make_sample
    from textsynth.render.compose import render_scene
    from textsynth.render.layout import layout_block

    sample = make_sample(ctx, index)
    edit = pair_scene(sample.scene, ctx.corpus, ctx.fonts, ctx.config.seed, index)
    other = render_scene(edit.scene, ctx.load_font)
    k = next(i for i, item in enumerate(sample.scene.texts) if item.primary)
    item = edit.scene.texts[k]
    assert edit.new_text != edit.old_text and len(edit.new_text) == len(edit.old_text)
    assert item.text == edit.new_text and "".join(item.lines) == item.text
    assert ctx.fonts.covers(item.font, item.text)
    assert [t.text for i, t in enumerate(other.texts) if i != k] == [
        t.text for i, t in enumerate(sample.texts) if i != k
    ]
    text_area = _fill(sample.image.shape[:2], [sample.texts[k].polygon, other.texts[k].polygon])
    margin = layout_block(item, ctx.load_font(item.font, item.size_px)).margin  # stroke, shadow, glow
    styled_area = cv2.dilate(text_area, np.ones((2 * margin + 1, 2 * margin + 1), np.uint8))
    changed = np.abs(sample.image.astype(int) - other.image.astype(int)).max(axis=2) > 0
    assert not (changed & (styled_area == 0)).any()
    assert (changed & (text_area > 0)).any()  # between the polygon and the margin: stroke, shadow, glow


def test_pair_members_line_up_and_repeat(tmp_path):
    from textsynth.config import RenderConfig
    from textsynth.io.reader import members_by_key
    from textsynth.qa.verify import verify_output
    from textsynth.run.runner import run_render

    config = RenderConfig(
        seed=2, count=4, shard_size=4, width=256, height=256, pairs=True, conditioning=["position"]
    )
    run_render(config, str(tmp_path / "a"))
    run_render(config, str(tmp_path / "b"))
    assert verify_output(str(tmp_path / "a")).ok
    data = (tmp_path / "a" / "shard-000000.tar").read_bytes()
    assert data == (tmp_path / "b" / "shard-000000.tar").read_bytes()
    for key, members in members_by_key(data).items():
        assert {"position.png", "pair.position.png"} <= set(members)
        first, second = json.loads(members["json"]), json.loads(members["pair.json"])
        assert second["key"] == first["key"] == key
        changed = [
            (a["text"], b["text"])
            for a, b in zip(first["texts"], second["texts"], strict=True)
            if a["text"] != b["text"]
        ]
        assert len(changed) == 1
        old, new = changed[0]
        assert f"“{new}”" in members["pair.txt"].decode() and f"“{old}”" in members["txt"].decode()
