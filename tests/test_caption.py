"""Captions say what the Scene holds: exact quoted text, in reading order, and nothing that isn't there."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textsynth.captions import CAPTION_LANGS, make_captions, position_name, reading_order
from textsynth.scene import Extrude, Fill, Glow, Layer, Scene, Shadow, TextItem, TextStyle

SEEDS = range(120)


def item(text, role="body", box=(100, 100, 400, 150), size=24, direction="ltr", font_style="sans", **style):
    return TextItem(
        text=text,
        role=role,
        font="noto-sans-sc-regular",
        size_px=size,
        direction=direction,
        box=box,
        font_style=font_style,
        style=TextStyle(**style),
    )


def scene(texts, geometry=(), effects=(), background=None, subject=None, width=512, height=768):
    return Scene(
        width=width,
        height=height,
        template="promo_poster",
        background=background or Layer("flat", {"color": "#f4f4f4", "base_color": "#f4f4f4"}),
        texts=list(texts),
        geometry=list(geometry),
        effects=list(effects),
        subject={"zh": "促销海报", "en": "promotional poster"} if subject is None else subject,
    )


def one_item():
    return scene([item("限时特惠", role="title", box=(60, 40, 450, 160), size=96)])


def several_items():
    return scene(
        [
            item("全场五折", box=(40, 400, 300, 440), size=30, font_style="serif"),
            item("限时特惠", role="title", box=(60, 40, 450, 160), size=96, fill=Fill(colors=["#e02020"])),
            item("仅限周末", box=(300, 700, 500, 730), size=18, font_style="kai"),
            item("新品上市", box=(320, 400, 500, 440), size=30),
        ]
    )


def vertical():
    return scene(
        [item("春风十里", role="title", box=(400, 100, 480, 600), size=72, direction="ttb", font_style="kai")]
    )


def with_effects():
    style = dict(fill=Fill(colors=["#ffd700"]), stroke_width=3, shadow=Shadow(3, 3, 4), glow=Glow(6))
    return scene(
        [
            item("夏日狂欢", role="title", box=(60, 300, 450, 420), size=90, **style),
            item("欢迎光临", size=20),
        ],
        geometry=[Layer("perspective", {"corners": [[0, 0], [500, 10], [490, 760], [5, 768]]})],
        effects=[Layer("vignette", {}), Layer("blur", {})],
    )


SCENES = {"one": one_item, "several": several_items, "vertical": vertical, "effects": with_effects}
PRIMARY = {"one": "限时特惠", "several": "限时特惠", "vertical": "春风十里", "effects": "夏日狂欢"}


def captions(sc, seed):
    return make_captions(sc, np.random.default_rng(seed))


@pytest.mark.parametrize("name", SCENES)
def test_primary_text_is_quoted_exactly_in_every_phrasing(name):
    text = PRIMARY[name]
    for seed in SEEDS:
        caps = captions(SCENES[name](), seed)
        assert set(CAPTION_LANGS) <= set(caps)
        assert f"“{text}”" in caps["zh"] and f"“{text}”" in caps["short_zh"], caps
        assert f'"{text}"' in caps["en"] and f'"{text}"' in caps["short_en"], caps


def test_the_title_is_primary_even_when_it_is_not_first():
    for seed in SEEDS:
        short = captions(several_items(), seed)["short_zh"]
        assert "“限时特惠”" in short and "全场五折" not in short


def test_every_item_is_quoted_in_reading_order():
    # Title first, then the rest top to bottom; the two items on one row left to right.
    for seed in SEEDS:
        caps = captions(several_items(), seed)
        for quote, lang in (("“{}”", "zh"), ('"{}"', "en")):
            at = [caps[lang].find(quote.format(t)) for t in ("限时特惠", "全场五折", "新品上市", "仅限周末")]
            assert -1 not in at and at == sorted(at), caps[lang]


def test_reading_order_groups_rows_despite_small_offsets():
    a = item("甲", box=(300, 102, 400, 140))
    b = item("乙", box=(10, 110, 120, 150))  # lower top edge but same row, further left
    c = item("丙", box=(10, 300, 120, 340))
    assert [t.text for t in reading_order([c, a, b])] == ["乙", "甲", "丙"]


@pytest.mark.parametrize(
    ("centre", "zh", "en"),
    [((50, 50), "左上角", "top-left"), ((256, 40), "上方", "top"), ((256, 384), "中间", "center"),
     ((500, 760), "右下角", "bottom-right"), ((20, 384), "左侧", "left")],
)  # fmt: skip
def test_position_name_from_box_centre(centre, zh, en):
    x, y = centre
    got = position_name((x - 10, y - 10, x + 10, y + 10), 512, 768)
    assert got[0] == zh and en in got[1]


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(
        st.text(
            alphabet=st.one_of(
                st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
                st.sampled_from("「」『』，。、！？“”\"'{}%()《》 ·…—abcXYZ0123456789"),
            ),
            min_size=1,
            max_size=14,
        ).filter(str.strip),
        min_size=1,
        max_size=5,
        unique=True,
    ),
    seed=st.integers(0, 2**32 - 1),
    title_at=st.integers(0, 4),
)
def test_any_text_is_quoted_exactly(texts, seed, title_at):
    items = [item(t, box=(20, 30 + 140 * i, 480, 100 + 140 * i)) for i, t in enumerate(texts)]
    primary = texts[min(title_at, len(texts) - 1)]
    items[min(title_at, len(texts) - 1)].role = "title"
    caps = captions(scene(items), seed)
    assert f"“{primary}”" in caps["short_zh"] and f'"{primary}"' in caps["short_en"]
    for t in texts:
        assert f"“{t}”" in caps["zh"] and f'"{t}"' in caps["en"], (t, caps)


@pytest.mark.parametrize("name", SCENES)
def test_same_seed_same_captions(name):
    assert captions(SCENES[name](), 7) == captions(SCENES[name](), 7)


@pytest.mark.parametrize("name", SCENES)
def test_seeds_vary_the_phrasing(name):
    caps = [captions(SCENES[name](), seed) for seed in range(20)]
    assert len({c["zh"] for c in caps}) >= 3 and len({c["en"] for c in caps}) >= 3


def test_captions_survive_the_json_round_trip():
    # A sample can be re-captioned from its KEY.json record alone.
    sc = with_effects()
    again = Scene.from_json(sc.to_json())
    assert all(captions(sc, s) == captions(again, s) for s in range(10))


def test_vertical_text_is_called_vertical():
    for seed in SEEDS:
        caps = captions(vertical(), seed)
        assert "竖排" in caps["zh"] and "vertical" in caps["en"]
    side = scene(
        [item("标题", role="title", size=80), item("竖排小字", direction="ttb", box=(450, 200, 490, 600))]
    )
    for seed in SEEDS:
        caps = captions(side, seed)
        assert "竖排" in caps["zh"] and "vertical" in caps["en"]


# zh word, lower-case en word, and whether a scene built from `flags` has it.
CLAIMS = [
    ("阴影", "drop shadow", lambda f: f["shadow"]),
    ("描边", "outline", lambda f: f["stroke"]),
    ("立体", "3d", lambda f: f["extrude"]),
    ("发光", "glow", lambda f: f["glow"]),
    ("渐变", "gradient", lambda f: f["gradient"]),
    ("竖排", "vertical", lambda f: f["ttb"]),
    ("透视", "angle", lambda f: f["perspective"]),
    ("暗角", "vignette", lambda f: f["vignette"]),
    ("模糊", "blur", lambda f: False),
    ("倾斜", "tilted", lambda f: False),
]


def flagged_scene(flags):
    style = dict(
        fill=Fill("gradient", ["#e02020", "#ffd700"]) if flags["gradient"] else Fill(colors=["#1f5fd6"]),
        stroke_width=3 if flags["stroke"] else 0,
        shadow=Shadow(2, 2, 3) if flags["shadow"] else None,
        extrude=Extrude(6, 1, 1) if flags["extrude"] else None,
        glow=Glow(5) if flags["glow"] else None,
    )
    direction = "ttb" if flags["ttb"] else "ltr"
    return scene(
        [item("开业大吉", role="title", size=80, direction=direction, **style), item("欢迎光临", size=16)],
        geometry=[Layer("perspective", {})] if flags["perspective"] else [],
        effects=[Layer("vignette", {})] if flags["vignette"] else [],
    )


FLAGS = ("shadow", "stroke", "extrude", "glow", "gradient", "ttb", "perspective", "vignette")


@settings(max_examples=80, deadline=None)
@given(flags=st.fixed_dictionaries({k: st.booleans() for k in FLAGS}), seed=st.integers(0, 2**32 - 1))
def test_nothing_is_mentioned_that_is_not_in_the_scene(flags, seed):
    caps = captions(flagged_scene(flags), seed)
    caps["en"] = caps["en"].lower()
    for zh, en, present in CLAIMS:
        if not present(flags):
            assert zh not in caps["zh"] and en not in caps["en"], (zh, flags, caps)
        # Both languages mention the same facts.
        assert (zh in caps["zh"]) == (en in caps["en"]), (zh, en, caps)


@pytest.mark.parametrize("claim", CLAIMS[:8], ids=[c[0] for c in CLAIMS[:8]])
def test_what_is_in_the_scene_is_usually_mentioned(claim):
    zh, en, _ = claim
    sc = flagged_scene(dict.fromkeys(FLAGS, True))
    caps = [captions(sc, seed) for seed in range(50)]
    said = sum(zh in c["zh"] and en in c["en"].lower() for c in caps)
    assert said >= 35, f"{zh}/{en} mentioned in only {said}/50 captions"


def test_colours_sizes_and_fonts_come_from_the_items():
    sc = scene([item("大字", role="title", size=100, font_style="serif", fill=Fill(colors=["#e02020"]))])
    zh = " ".join(captions(sc, s)["zh"] for s in range(60))
    en = " ".join(captions(sc, s)["en"] for s in range(60))
    assert "红色" in zh and "大号" in zh and "宋体" in zh and "red" in en and "serif" in en
    for other in ("蓝色", "黑色", "小号", "中号", "黑体", "楷体", "手写体", "艺术字"):
        assert other not in zh
    small = scene([item("小字", role="title", size=12, font_style="kai")])
    zh = " ".join(captions(small, s)["zh"] for s in range(60))
    assert "小号" in zh and "楷体" in zh and "大号" not in zh


def test_typical_chinese_caption_length():
    lengths = [len(captions(SCENES[n](), s)["zh"]) for n in ("several", "effects") for s in range(40)]
    assert min(lengths) >= 30 and max(lengths) <= 150, (min(lengths), max(lengths))
    # A lone four-character title on a plain background still gets a full sentence.
    assert min(len(captions(one_item(), s)["zh"]) for s in range(40)) >= 20


def test_short_caption_is_one_sentence_with_subject_and_primary():
    for seed in SEEDS:
        short = captions(several_items(), seed)["short_zh"]
        assert "促销海报" in short and short.count("。") == 1 and short.endswith("。")
        assert "全场五折" not in short and "仅限周末" not in short


def test_subject_falls_back_to_template_name():
    caps = captions(scene([item("你好", role="title")], subject={}), 0)
    assert "promo poster" in caps["en"] and "promo poster" in caps["zh"]


def test_scene_without_text_gets_captions_without_quotes():
    caps = captions(scene([item("   ")]), 0)
    assert "促销海报" in caps["zh"] and "“" not in caps["zh"] and '"' not in caps["en"]


def test_subject_articles_and_measure_words():
    couplet = scene(
        [item("春回大地", role="couplet_right", direction="ttb", box=(400, 100, 480, 700), size=70)],
        subject={"zh": "春联", "en": "a Spring Festival couplet"},
    )
    for seed in range(30):
        caps = captions(couplet, seed)
        assert "a a " not in caps["en"].lower() and "一张春联" not in caps["zh"] + caps["short_zh"]
        assert "Spring Festival couplet" in caps["en"] and "春联" in caps["zh"]


def test_effect_params_make_phrases_precise():
    warm = scene(
        [item("暖", role="title")], effects=[Layer("color_cast", {"tone": "warm", "gains": [1.1, 1, 0.9]})]
    )
    left = scene(
        [item("光", role="title")], effects=[Layer("directional_light", {"angle": 180.0, "strength": 0.2})]
    )
    warm_caps = [captions(warm, s) for s in range(40)]
    left_caps = [captions(left, s) for s in range(40)]
    assert any("偏暖" in c["zh"] and "warm" in c["en"] for c in warm_caps)
    assert not any("偏冷" in c["zh"] or "cool" in c["en"] for c in warm_caps)
    assert any("从左侧照来" in c["zh"] and "from the left" in c["en"] for c in left_caps)
    assert not any("右" in c["zh"].split("“光”")[1] for c in left_caps)


# --- captions that are true of the final rendered scene -------------------------------------------

from hypothesis import HealthCheck  # noqa: E402

from textsynth.captions import CAPTION_FORMS, polygon_position  # noqa: E402
from textsynth.pipeline import make_sample  # noqa: E402
from textsynth.qa.caption_claims import claims, wrong_claims  # noqa: E402


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(0, 10**6))
def test_position_words_agree_with_final_polygon_centroids(ctx, index):
    sample = make_sample(ctx, index)
    record = sample.record()
    where = {}
    for annotation in record["texts"]:
        where.setdefault(annotation["text"], set()).add(
            polygon_position(annotation["polygon"], record["width"], record["height"])
        )
    for form, lang in (("zh", "zh"), ("en", "en"), ("detailed_zh", "zh")):
        caption = sample.captions[form]
        for claim in claims(caption, lang):
            for word in claim.positions:
                assert word in {p[lang == "en"] for p in where[claim.text]}, (form, claim, caption)
        assert wrong_claims(caption, record, lang) == [], caption


def test_positions_follow_the_warp_not_the_layout_box():
    # The layout box is at the top left, the final polygon (after a warp) at the bottom right.
    sc = scene([item("标题", role="title", box=(10, 10, 150, 60), size=40)])
    polygon = [[400, 650], [500, 650], [500, 740], [400, 740]]
    for seed in range(30):
        caps = make_captions(sc, np.random.default_rng(seed), [polygon])
        assert "左上角" not in caps["zh"] + caps["detailed_zh"] and "top-left" not in caps["en"]
    assert "右下角" in make_captions(sc, np.random.default_rng(0), [polygon])["detailed_zh"]


def test_every_caption_form_is_there_and_quotes_every_text():
    for seed in range(20):
        caps = captions(several_items(), seed)
        assert set(caps) == set(CAPTION_FORMS)
        for text in ("限时特惠", "全场五折", "仅限周末", "新品上市"):
            assert f"“{text}”" in caps["detailed_zh"] and f'"{text}"' in caps["bilingual"]
        assert caps["bilingual"] == caps["zh"] + "\n" + caps["en"]
        # detailed: every text with its place, colour, size and font; the layout; the effects
        assert caps["detailed_zh"].count("为") >= 4 and "构图" in caps["detailed_zh"]


def test_style_words_match_the_face_class():
    for style, zh, en in (("kai", "楷体", "regular-script"), ("handwriting", "手写体", "handwritten")):
        sc = scene([item("字样", role="title", size=60, font_style=style)])
        caps = [captions(sc, s) for s in range(40)]
        assert all(zh in c["detailed_zh"] for c in caps)
        assert any(en in c["en"] for c in caps)
    kai = scene([item("字样", role="title", size=60, font_style="kai")])
    for seed in range(40):
        caps = captions(kai, seed)
        assert "手写" not in caps["zh"] + caps["detailed_zh"] and "handwritten" not in caps["en"]
    unknown = scene([item("字样", role="title", size=60, font_style="mystery")])
    assert "mystery" not in captions(unknown, 0)["en"]


def test_english_is_written_in_whole_sentences():
    import re

    fragments = re.compile(r"(^|\. )(Lit|Viewed|Slightly|With|Further text:)")
    for name in SCENES:
        for seed in range(40):
            en = captions(SCENES[name](), seed)["en"]
            assert not fragments.search(en), en
            assert "(" not in en.replace('"', "") and "kaishu" not in en, en
    lit = scene([item("光", role="title")], effects=[Layer("directional_light", {"angle": 135.0})])
    for seed in range(20):
        en = captions(lit, seed)["en"]
        assert "lit from the lower left" not in en or re.search(
            r"The (image|picture|whole scene) is lit", en
        ), en


def test_a_background_is_called_a_photo_only_when_it_is_one():
    photo = scene(
        [item("字", role="title")],
        background=Layer("photo", {"photo": "x", "caption_zh": "湖面", "caption_en": "a lake"}),
    )
    paper = scene([item("字", role="title")], background=Layer("paper", {}))
    assert any("照片" in captions(photo, s)["zh"] for s in range(20))
    for seed in range(20):
        caps = captions(paper, seed)
        assert "照片" not in caps["zh"] + caps["detailed_zh"] and "photo" not in caps["en"]


def test_no_builtin_subject_calls_a_drawn_background_a_photo():
    from textsynth.templates import available_templates

    for name, template in available_templates().items():
        subject = getattr(template, "subject", {})
        assert "照片" not in subject.get("zh", "") and "photo" not in subject.get("en", ""), name


def test_colour_words_name_colours_that_are_drawn(ctx):
    """With photometric effects off, a solid text's stated colour is the colour of its ink pixels."""
    from dataclasses import replace

    import cv2

    from textsynth.components.effects import EFFECT_KINDS
    from textsynth.render.colors import color_name

    # no photometric effects and no whole-image warp (resampling thins 2-px strokes below full ink;
    # placement shrinks a design to 0.45-0.85 of the frame, which does it too)
    config = replace(
        ctx.config,
        effects=dict.fromkeys(EFFECT_KINDS, 0.0),
        geometry={"perspective": 0, "rotation": 0, "placement": 0},
    )
    plain = replace(ctx, config=config)
    checked = 0
    for index in range(40):
        sample = make_sample(plain, index)
        for item, annotation in zip(sample.scene.texts, sample.texts, strict=True):
            style = item.style
            if (
                style.fill.kind != "solid"
                or style.stroke_width
                or style.shadow
                or style.glow
                or style.extrude
            ):
                continue
            said = [c for claim in claims(sample.captions["detailed_zh"], "zh") if claim.text == item.text
                    for c in claim.colors]  # fmt: skip
            if not said or item.size_px < 20 or plain.fonts.face(item.font).weight < 300:
                continue  # small or hairline (thin, extra-light) strokes never reach full ink
            mask = np.zeros(sample.image.shape[:2], np.uint8)
            for char in annotation.chars:
                cv2.fillPoly(mask, [np.int32(char["polygon"])], 1)
            pixels = sample.image[mask.astype(bool)]
            target = np.array([int(style.color[i : i + 2], 16) for i in (1, 3, 5)])
            ink = pixels[np.abs(pixels.astype(int) - target).max(axis=1) <= 24]
            assert len(ink) >= max(3, 0.01 * len(pixels)), (item.text, style.color)  # the fill is drawn
            assert said[0] == color_name(style.color)[0], (item.text, said)  # named from that drawn fill
            checked += 1
    assert checked >= 10


@given(
    st.lists(
        st.tuples(st.floats(-1e4, 1e4, allow_nan=False), st.floats(-1e4, 1e4, allow_nan=False)),
        min_size=1,
        max_size=8,
    )
)
def test_centroid_is_numpys_mean_of_the_corners(corners):
    """Position words come from centroid(); it sums in numpy's order so no word moves at a grid line."""
    from textsynth.captions import centroid

    polygon = [list(c) for c in corners]
    assert centroid(polygon) == tuple(np.asarray(polygon, np.float64).mean(axis=0).tolist())
