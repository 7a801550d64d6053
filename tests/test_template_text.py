"""Text that fits its place: built-in templates draw genre text (genre:KIND, {KIND}, group:NAME.PART).

Every text a built-in template renders comes from the corpus or a named source, groups keep their
parts together (a couplet's halves, a dish and its price), and place names are real and consistent.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from textsynth.config import RenderConfig
from textsynth.errors import TextsynthError
from textsynth.pipeline import build_context, make_sample
from textsynth.sampling.sampler import _text_for
from textsynth.sources import genre_text as gt
from textsynth.templates import available_templates
from textsynth.templates.loader import load_template

N = 10


def _texts(ctx, name: str, n: int = N):
    local = replace(ctx, templates=[available_templates()[name]], template_weights=np.ones(1))
    for index in range(n):
        yield make_sample(local, index).scene.texts


def _by_role(texts, role):
    return [t.text for t in texts if t.role == role]


def test_couplet_strips_and_hengpi_are_one_couplet_and_the_cycle_word_still_appears(ctx):
    rows = set(gt._table("couplets.tsv"))
    for index, texts in enumerate(_texts(ctx, "couplet")):
        (upper,), (lower,), (horizontal,) = (
            _by_role(texts, r) for r in ("couplet_right", "couplet_left", "banner")
        )
        assert (upper, lower, horizontal) in rows
        primary = [t for t in texts if t.primary]
        assert len(primary) == 1 and primary[0].text == ctx.corpus.primary_word(ctx.config.seed, index)


def test_menu_rows_pair_a_dish_with_a_price_of_its_category(ctx):
    category_of = {dish: c for c, dish in gt._table("dishes.tsv")}
    for texts in _texts(ctx, "menu_board"):
        dishes, prices = _by_role(texts, "dish"), _by_role(texts, "price")
        assert len(dishes) == len(prices) == 3  # one draw per row: never a price without its dish
        for dish, price in zip(dishes, prices, strict=True):
            lo, hi, _ = gt._dish_prices()[category_of[dish]]
            value = float(re.search(r"\d+(\.\d+)?", price).group())
            assert lo <= value <= hi, (dish, price)


def _place_prefixes() -> set[str]:
    return {form for p in gt.places() for form in (p.full(), p.short(), p.district) if form}


def test_addresses_and_origins_name_real_places_consistently(ctx):
    prefixes = _place_prefixes()
    roads = set(gt._lines("roads.txt"))
    seen = 0
    for texts in _texts(ctx, "business_card"):
        for text in _by_role(texts, "address"):
            address = text.removeprefix("地址：")
            heads = [p for p in prefixes if address.startswith(p)]
            assert heads, address  # province, city and district belong together (no 甘肃省广州市)
            rest = address[len(max(heads, key=len)) :]
            road = re.match(r"(.+?[路街道巷])\d+号", rest)
            assert road and (road.group(1) in roads or road.group(1)[:2] + "路" in roads), address
            seen += 1
    for texts in _texts(ctx, "price_tag"):
        for text in _by_role(texts, "origin"):
            assert text.removeprefix("产地：") in {p.short() for p in gt.places()}, text
            seen += 1
    assert seen >= N


def test_every_text_comes_from_the_corpus_or_a_named_source(ctx):
    """Secondary text of the reworked templates: real items of the genre files, never corpus filler."""
    products = {row[1] for row in gt._table("products.tsv")}
    venues = gt._lines("venues.txt")
    events = {row[0] for row in gt._table("events.tsv")}
    english = {row[1] for row in gt._table("english_subtitles.tsv")}
    brand_words = {w.lower() for w in gt._lines("brand_words.txt")}
    checks = {
        ("price_tag", "product"): lambda t: t in products,
        ("product_packaging", "product"): lambda t: t in products,
        ("event_poster", "venue"): lambda t: any(t.endswith(v) for v in venues),
        ("event_poster", "event"): lambda t: any(t.endswith(k) for k in events),
        ("ticket", "event"): lambda t: any(t.endswith(k) for k in events),
        ("promo_poster", "promotion"): lambda t: t in gt._lines("promotions.txt") or re.search(r"\d", t),
        ("road_sign", "left"): lambda t: t.removeprefix("← ")[:2] in {r[:2] for r in gt._lines("roads.txt")},
        ("shop_sign", "subtitle"): lambda t: t in english or t.split()[0].lower().rstrip("&") in brand_words
        or any(w.lower() in brand_words for w in re.findall(r"[A-Za-z]+", t))
        or _two_brand_words(t.lower(), brand_words),
    }  # fmt: skip
    for (name, role), ok in checks.items():
        for texts in _texts(ctx, name, 6):
            for text in _by_role(texts, role):
                assert ok(text), (name, role, text)
    for texts in _texts(ctx, "calligraphy_scroll", 6):
        for text in _by_role(texts, "poem"):
            halves = {h for row in gt._table("classical_lines.tsv") for h in row[0].split("，")}
            idioms = {row[0] for row in gt._table("idioms.tsv")}
            assert text in halves | idioms | set(gt._lines("calligraphy_phrases.txt")), text


def test_no_builtin_template_uses_faker_addresses_or_shop_hours_on_events():
    for name, template in available_templates().items():
        for slot in getattr(template, "slots", []):
            source = slot.text if isinstance(slot.text, str) else ""
            assert "filler:address" not in source and "{address}" not in source, (name, source)
            if name in ("event_poster", "ticket"):
                assert "filler:time" not in source and "{time}" not in source, (name, source)


@pytest.mark.parametrize("name", ["shop_sign", "neon_sign", "scene_text_photo", "tshirt_print"])
def test_mixed_latin_text_never_needs_a_missing_glyph(ctx, name):
    for texts in _texts(ctx, name, 8):
        for item in texts:
            assert ctx.fonts.covers(item.font, item.text), (item.font, item.text)
            assert "".join(item.lines) == item.text


def _two_brand_words(text: str, brand_words: set[str]) -> bool:
    """A brand made of two words run together (Vista + daily = Vistadaily)."""
    return any(text.startswith(w) and text[len(w) :] in brand_words for w in brand_words)


def test_an_event_poster_names_one_city_and_one_year(ctx):
    venues = gt._lines("venues.txt")
    checked = 0
    for texts in _texts(ctx, "event_poster", 12):
        (title,), venue = _by_role(texts, "event"), _by_role(texts, "venue")
        if not venue:
            continue
        kind = max((v for v in venues if venue[0].endswith(v)), key=len)
        city = venue[0][: -len(kind)]
        if re.match(r"(第\d+届|\d{4})", title):  # titles of performers carry no city
            assert city in title, (title, venue)
            checked += 1
        year = re.match(r"(\d{4})", title)
        for date in _by_role(texts, "date"):
            if year and re.match(r"\d{4}", date):
                assert date.startswith(year.group(1)), (title, date)
    assert checked >= 3


def test_pattern_alternatives_draw_one_frame_each(tmp_path) -> None:
    """pattern:A|B fills one frame per sample, each frame shows up, and the primary slot needs {word} in all."""
    good = tmp_path / "banner.yaml"
    good.write_text(
        "name: banner\nslots:\n  - role: slogan\n    region: [0.05, 0.1, 0.95, 0.9]\n"
        '    text: "pattern:热烈庆祝{word}|{word}隆重开业"\n    primary: true\n',
        encoding="utf-8",
    )
    template = load_template(good)
    ctx = build_context(RenderConfig(seed=0, count=1, width=256, height=256))
    texts = [_text_for(template.slots[0], ctx, np.random.default_rng(i), "大豆") for i in range(40)]
    assert set(texts) == {"热烈庆祝大豆", "大豆隆重开业"}

    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text(encoding="utf-8").replace("|{word}隆重开业", "|隆重开业"), encoding="utf-8")
    with pytest.raises(TextsynthError, match=r"bad.yaml:\d+: slots.0.text: .*every alternative"):
        load_template(bad)
    empty = tmp_path / "empty.yaml"
    empty.write_text(good.read_text(encoding="utf-8").replace("|{word}隆重开业", "|"), encoding="utf-8")
    with pytest.raises(TextsynthError, match="alternatives must not be empty"):
        load_template(empty)
