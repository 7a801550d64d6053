"""Conditioning maps: glyph ink is the image's text, positions and character classes follow the polygons."""

from __future__ import annotations

import copy
import json

import cv2
import numpy as np
import pytest

from textsynth.render.charset import build_charset, run_charset
from textsynth.render.conditioning import KINDS, conditioning_maps, encode_maps, glyph_font_for

# indices whose scenes cover straight, vertical, rotated, tilted and perspective text
INDICES = range(24)


CURVED = "tshirt_print"  # a template that sometimes sets text on an arc


@pytest.fixture(scope="module")
def samples(ctx):
    from textsynth.pipeline import build_context, make_sample
    from textsynth.templates import resolve_templates

    curved_ctx = build_context(ctx.config, resolve_templates([CURVED]))
    curved = []
    for i in range(80):  # the first two samples with text on an arc
        sample = make_sample(curved_ctx, i)
        if any(item.curve for item in sample.scene.texts):
            curved.append(sample)
        if len(curved) == 2:
            break
    return [make_sample(ctx, i) for i in INDICES] + curved


@pytest.fixture(scope="module")
def charset(ctx):
    return run_charset(ctx.corpus, ctx.fonts)


def _strong_ink(glyph: np.ndarray) -> np.ndarray:
    return glyph < 128


def _grown(mask: np.ndarray, px: int = 1) -> np.ndarray:
    return cv2.dilate(mask.astype(np.uint8), np.ones((2 * px + 1, 2 * px + 1), np.uint8)) > 0


def _polygon_mask(shape, polygon) -> np.ndarray:
    out = np.zeros(shape, np.uint8)
    cv2.fillPoly(out, [np.round(np.asarray(polygon) * 16).astype(np.int32)], 1, shift=4)
    return out > 0


def test_samples_cover_the_warps(samples):
    styles = {s for sample in samples for t in sample.record()["texts"] for s in t["styles"]}
    assert {"curve", "rotation"} <= styles
    assert any(sample.scene.geometry for sample in samples)
    assert any(t.direction == "ttb" for sample in samples for t in sample.texts)


@pytest.mark.parametrize("glyph_font", ["own", "noto-sans-sc-regular"])
def test_glyph_ink_lies_inside_position_mask_and_text_polygons(ctx, samples, charset, glyph_font):
    font = glyph_font_for(ctx.fonts, glyph_font)
    for sample in samples:
        maps = conditioning_maps(sample.scene, ctx.load_font, KINDS, charset[1], font)
        ink = _strong_ink(maps["glyph"])
        assert ink.any(), sample.key
        assert not (ink & ~_grown(maps["position"] > 0)).any(), sample.key
        polygons = np.zeros(ink.shape, bool)
        for text in sample.texts:
            polygons |= _polygon_mask(ink.shape, text.polygon)
        assert not (ink & ~_grown(polygons)).any(), sample.key
        assert set(np.unique(maps["position"]).tolist()) <= set(range(len(sample.texts) + 1))


def test_glyph_ink_is_the_image_text_pixel_for_pixel(ctx, samples):
    """Black plain text on white, no effects: the rendered image is the glyph map (up to rounding)."""
    from textsynth.render.compose import render_scene
    from textsynth.scene import TextStyle

    for sample in samples:
        scene = copy.deepcopy(sample.scene)
        scene.effects = []
        for item in scene.texts:
            item.style = TextStyle()
        for layer in scene.geometry:
            layer.params["surround"] = "#ffffff"
        scene.backdrop = None  # what a warp uncovers is white too, not a photo
        white = np.full((scene.height, scene.width, 3), 255, np.uint8)
        image = render_scene(scene, ctx.load_font, base=white).image
        glyph = conditioning_maps(scene, ctx.load_font, ["glyph"])["glyph"]
        diff = np.abs(image[..., 0].astype(int) - glyph.astype(int))
        assert diff.max() <= 1, (sample.key, diff.max())


def test_charseg_classes_are_the_characters_of_each_text(ctx, samples, charset):
    table, index = charset
    for sample in samples:
        seg = conditioning_maps(sample.scene, ctx.load_font, ["charseg"], index)["charseg"]
        assert seg.dtype == np.uint16
        chars = {c["char"] for t in sample.texts for c in t.chars}
        assert {table[v] for v in np.unique(seg).tolist() if v} <= chars
        for text in sample.texts:
            for char in text.chars:
                labels = seg[_polygon_mask(seg.shape, char["polygon"])]
                labels = labels[labels > 0]
                if len(labels) > 20:  # visible ink (a later text may cover an earlier one)
                    values, counts = np.unique(labels, return_counts=True)
                    assert table[values[np.argmax(counts)]] == char["char"], (sample.key, char["char"])


def test_maps_are_the_same_bytes_twice(ctx, samples, charset):
    for sample in samples[:6]:
        first = encode_maps(conditioning_maps(sample.scene, ctx.load_font, KINDS, charset[1]))
        again = encode_maps(conditioning_maps(copy.deepcopy(sample.scene), ctx.load_font, KINDS, charset[1]))
        assert first == again


def test_charset_starts_with_background_then_corpus_order():
    table = build_charset(["你好", "好的"], [np.array([ord("a"), ord("好"), ord(" ")], np.uint32)])
    assert table == ["", "你", "好", "的", "a"]


def test_config_without_conditioning_keeps_its_fingerprint_fields():
    from textsynth.config import RenderConfig

    assert "conditioning" not in RenderConfig().to_json()
    assert "glyph_font" not in RenderConfig().to_json()
    assert RenderConfig(conditioning=["glyph"]).fingerprint() != RenderConfig().fingerprint()
    assert (
        RenderConfig(conditioning=["glyph"]).to_json()["glyph_font"] == "own"
    )  # the manifest says which face


def test_unknown_map_or_face_is_a_user_error(ctx):
    from textsynth.config import RenderConfig
    from textsynth.errors import TextsynthError

    with pytest.raises(TextsynthError, match=r"conditioning.*must be .*glyph, position, charseg"):
        RenderConfig(conditioning=["depth"]).validate()
    with pytest.raises(TextsynthError, match="unknown font face 'nope'"):
        glyph_font_for(ctx.fonts, "nope")


@pytest.fixture(scope="module")
def cond_run(tmp_path_factory):
    from textsynth.config import RenderConfig
    from textsynth.run.runner import run_render

    out = tmp_path_factory.mktemp("cond") / "out"
    config = RenderConfig(seed=3, count=6, shard_size=3, width=192, height=192, conditioning=list(KINDS))
    run_render(config, str(out))
    return out


def test_render_writes_maps_and_charset_that_verify_accepts(cond_run):
    from textsynth.io.reader import members_by_key
    from textsynth.qa.verify import verify_output

    report = verify_output(str(cond_run))
    assert report.ok, report.problems
    samples = members_by_key((cond_run / "shard-000000.tar").read_bytes())
    assert {"glyph.png", "position.png", "charseg.png"} <= set(samples["000000000"])
    assert json.loads((cond_run / "charset.json").read_text())["chars"][0] == ""


def test_verify_finds_broken_maps(cond_run):
    from PIL import Image

    from textsynth.io.reader import members_by_key
    from textsynth.qa.maps import check_maps

    table = json.loads((cond_run / "charset.json").read_text())["chars"]
    members = members_by_key((cond_run / "shard-000000.tar").read_bytes())["000000000"]
    record = json.loads(members["json"])
    assert check_maps("k", members, record, table, list(KINDS)) == []
    foreign = next(i for i, c in enumerate(table) if c and c not in record["captions"]["zh"])
    seg = np.full((record["height"], record["width"]), foreign, np.uint16)
    broken = {**encode_maps({"charseg": seg, "position": np.full_like(seg, 99, dtype=np.uint8)})}
    small = encode_maps({"glyph": np.zeros((8, 8), np.uint8)})
    problems = check_maps("k", {**members, **broken, **small}, record, table, list(KINDS))
    assert any("labels" in p and "which no text" in p for p in problems)
    assert any("position.png has value 99" in p for p in problems)
    assert any("glyph.png is 8x8" in p for p in problems)
    assert check_maps("k", {**members, "charseg.png": b"junk"}, record, table)[0].startswith(
        "k.charseg.png does not decode"
    )
    assert "missing member k.glyph.png" in check_maps("k", {}, record, table, ["glyph"])
    assert Image  # PIL decodes the real members above


def test_hf_features_name_the_maps():
    datasets = pytest.importorskip("datasets")
    import textsynth

    features = textsynth.hf_features(conditioning=["glyph", "charseg"])
    assert isinstance(features["glyph.png"], datasets.Image) and "position.png" not in features
    assert "glyph.png" not in textsynth.hf_features()
    both = textsynth.hf_features(conditioning=["glyph"], contours=True, pairs=True)
    assert {"pair.jpg", "pair.txt", "pair.json", "pair.glyph.png"} <= set(both)

    def text_fields(features):
        texts = features["json"]["texts"]
        return set(texts.feature if hasattr(texts, "feature") else texts[0])

    assert "contour" in text_fields(both) and "contour" not in text_fields(textsynth.hf_features())


def test_render_flags_set_the_config():
    from textsynth.cli import build_parser
    from textsynth.commands.render import config_from_args

    args = build_parser().parse_args(
        ["render", "--out", "x", "--conditioning", "glyph, charseg", "--glyph-font", "noto-sans-sc-regular"]
    )
    config = config_from_args(args)
    assert config.conditioning == ["glyph", "charseg"] and config.glyph_font == "noto-sans-sc-regular"


def test_arc_text_contour_has_16_points_and_holds_its_ink(ctx, samples):
    from textsynth.render.conditioning import place_texts, text_contours

    curved = 0
    for sample in samples:
        placed = place_texts(sample.scene, ctx.load_font)
        glyph = conditioning_maps(sample.scene, ctx.load_font, ["glyph"])["glyph"]
        for text, item, contour in zip(
            sample.texts, sample.scene.texts, text_contours(sample.scene, placed), strict=True
        ):
            if not (item.curve and item.direction == "ltr"):
                assert np.allclose(contour, text.polygon, atol=0.01)
                continue
            curved += 1
            assert contour.shape == (16, 2)
            quad, outline = _polygon_mask(glyph.shape, text.polygon), _polygon_mask(glyph.shape, contour)
            ink = _strong_ink(glyph) & quad
            assert ink.any() and not (ink & ~_grown(outline)).any(), sample.key
            assert outline.sum() < quad.sum()  # tighter than the quadrilateral
    assert curved >= 2


def test_contours_flag_adds_the_field_and_verify_accepts_it(tmp_path):
    from textsynth.config import RenderConfig
    from textsynth.io.reader import iter_records
    from textsynth.qa.verify import verify_output
    from textsynth.run.runner import run_render

    config = RenderConfig(seed=7, count=4, shard_size=4, width=256, height=256, contours=True,
                          templates={CURVED: 1.0})  # fmt: skip
    run_render(config, str(tmp_path / "run"))
    assert verify_output(str(tmp_path / "run")).ok
    texts = [t for r in iter_records(str(tmp_path / "run")) for t in r["texts"]]
    assert all(len(t["contour"]) in (4, 16) for t in texts)
    assert any(len(t["contour"]) == 16 for t in texts)


def test_hf_features_of_a_run_follow_its_manifest(cond_run):
    pytest.importorskip("datasets")
    import textsynth

    features = textsynth.hf_features(out=str(cond_run))
    assert {"glyph.png", "position.png", "charseg.png"} <= set(features) and "pair.jpg" not in features
