"""Genre text: consistent places, paired couplets, settable characters, same seed → same text."""

from __future__ import annotations

import csv
import datetime
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textsynth.sources import genre_text as gt
from textsynth.sources.genre_text import GENRE_TEXT_GROUPS, GENRE_TEXT_KINDS, TEXT_DIR, settable

SEEDS = st.integers(0, 2**63)


def _divisions() -> list[dict[str, str]]:
    with open(TEXT_DIR / "divisions.tsv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _valid_regions() -> set[str]:
    """Every way an address may name its place, written out here from the table's rows."""
    regions = set()
    for row in _divisions():
        province, city, district = row["province"], row["city"], row["district"]
        middle = "" if city == province else city
        regions |= {province + middle + district, (city + district) if city else district}
        regions.add(district or city or province)
    return regions


def test_division_codes_nest() -> None:
    """A district's code starts with its city's, and that with its province's."""
    city_of, province_of = {}, {}
    for row in _divisions():
        code = row["code"]
        assert re.fullmatch(r"\d{6}", code)
        assert city_of.setdefault(code[:4], row["city"]) == row["city"], code
        assert province_of.setdefault(code[:2], row["province"]) == row["province"], code
    assert len(province_of) == 31


def test_known_places_sit_where_they_belong() -> None:
    rows = {(r["province"], r["city"], r["district"]) for r in _divisions()}
    assert ("广东省", "广州市", "天河区") in rows
    assert ("北京市", "北京市", "朝阳区") in rows
    assert ("吉林省", "长春市", "朝阳区") in rows  # one name, two cities
    assert ("湖北省", "", "仙桃市") in rows  # directly under the province
    assert ("广东省", "东莞市", "") in rows  # a city without districts
    assert not any(p == "甘肃省" and c == "广州市" for p, c, _ in rows)


def _roads() -> set[str]:
    roads = set((TEXT_DIR / "roads.txt").read_text(encoding="utf-8").split())
    return roads | {r[:2] + d + "路" for r in roads if len(r) == 3 and r.endswith("路") for d in "东西南北中"}


@settings(max_examples=200, deadline=None)
@given(seed=SEEDS)
def test_address_names_one_real_chain_then_a_road(seed: int) -> None:
    text = gt.address(np.random.default_rng(seed))
    assert len(text) <= gt.ADDRESS_MAX_CHARS, text
    roads = _roads()
    chains = [
        region
        for region in _valid_regions()
        if text.startswith(region)
        and (m := re.match(r"(\w+?)\d+号", text[len(region) :])) is not None
        and m.group(1) in roads
    ]
    assert chains, text


@settings(max_examples=100, deadline=None)
@given(seed=SEEDS)
def test_place_city_and_district_belong_together(seed: int) -> None:
    place = gt.place(np.random.default_rng(seed))
    row = next(r for r in _divisions() if r["code"] == place.code)
    assert (place.province, place.city, place.district) == (row["province"], row["city"], row["district"])
    assert gt.address(np.random.default_rng(seed))  # the address of the same seed draws fine too


@settings(max_examples=100, deadline=None)
@given(seed=SEEDS, source=st.sampled_from(["spring", "classical"]))
def test_couplet_halves_have_equal_length(seed: int, source: str) -> None:
    upper, lower, horizontal = gt.couplet(np.random.default_rng(seed), source=source)
    assert len(upper) == len(lower) >= 3
    assert upper != lower
    assert 2 <= len(horizontal) <= 5


def test_every_shipped_couplet_is_balanced() -> None:
    for name in ("couplets.tsv", "couplets_classical.tsv"):
        for row in gt._table(name):
            assert len(row[0]) == len(row[1]), (name, row)


@pytest.mark.parametrize("kind", sorted(GENRE_TEXT_KINDS))
def test_every_kind_is_settable_varied_and_trimmed(kind: str) -> None:
    rng = np.random.default_rng(7)
    texts = [GENRE_TEXT_KINDS[kind](rng) for _ in range(80)]
    for text in texts:
        assert text and text == text.strip(), (kind, text)
        assert settable(text), (kind, text)
    assert len(set(texts)) >= 10, (kind, sorted(set(texts)))


@pytest.mark.parametrize("group", sorted(GENRE_TEXT_GROUPS))
def test_every_group_part_is_settable(group: str) -> None:
    draw, parts = GENRE_TEXT_GROUPS[group]
    rng = np.random.default_rng(8)
    for _ in range(80):
        values = draw(rng)
        assert len(values) == len(parts)
        assert all(v and settable(v) for v in values), (group, values)


def test_every_data_file_is_settable() -> None:
    for path in sorted(TEXT_DIR.iterdir()):
        if path.suffix in (".txt", ".tsv"):
            text = path.read_text(encoding="utf-8").replace("\t", "").replace("\n", "")
            bad = sorted({ch for ch in text if not settable(ch)})
            assert not bad, (path.name, bad)
            assert path.stat().st_size < 1_000_000, path.name


def test_settable_draws_the_line_at_gb2312() -> None:
    assert settable("广州市天河区体育西路1号 ¥28 500ml×12，“好”！")
    assert not settable("硚口区")  # 硚 is outside GB2312
    assert not settable("購物")  # traditional form
    assert not settable("カフェ")  # kana sit in GB2312's non-hanzi rows


@settings(max_examples=30, deadline=None)
@given(
    seed=SEEDS,
    kind=st.sampled_from(sorted(GENRE_TEXT_KINDS)),
    other=st.sampled_from(sorted(GENRE_TEXT_KINDS)),
)
def test_same_seed_same_text_whatever_ran_before(seed: int, kind: str, other: str) -> None:
    first = GENRE_TEXT_KINDS[kind](np.random.default_rng(seed))
    GENRE_TEXT_KINDS[other](np.random.default_rng(seed + 1))  # the shared Faker was reseeded in between
    assert GENRE_TEXT_KINDS[kind](np.random.default_rng(seed)) == first


@pytest.mark.parametrize("kind", sorted(GENRE_TEXT_KINDS))
def test_each_draw_takes_exactly_one_integer(kind: str) -> None:
    """So a kind's inner draws never shift the text of the slots drawn after it."""
    used, reference = np.random.default_rng(5), np.random.default_rng(5)
    GENRE_TEXT_KINDS[kind](used)
    reference.integers(0, 2**63 - 1)
    assert used.random() == reference.random()


def test_kind_names_fit_template_placeholders_and_leave_fillers_alone() -> None:
    try:
        from textsynth.sources.fillers import FILLER_KINDS
    except ImportError:  # before the sources/ restructure
        from textsynth.fillers import FILLER_KINDS
    assert all(re.fullmatch(r"\w+", name) for name in GENRE_TEXT_KINDS)
    assert not set(GENRE_TEXT_KINDS) & set(FILLER_KINDS)
    assert not set(GENRE_TEXT_GROUPS) & set(FILLER_KINDS)


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_full_event_dates_name_the_right_weekday(seed: int) -> None:
    text = gt.event_datetime(np.random.default_rng(seed), "full")
    match = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日 周(.) (\d{2}):(\d{2})", text)
    assert match, text
    day = datetime.date(*(int(match.group(i)) for i in (1, 2, 3)))
    assert "一二三四五六日"[day.weekday()] == match.group(4)


def test_event_forms_look_like_posters() -> None:
    rng = np.random.default_rng(3)
    patterns = {
        "dot_range": r"\d{1,2}\.\d{1,2}-\d{1,2}\.\d{1,2}",
        "until": r".*即日起(至|—)(\d{4}年)?\d{1,2}月\d{1,2}日",
        "range": r"\d{1,2}月\d{1,2}日-(\d{1,2}月)?\d{1,2}日",
        "dot_full": r"\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}",
    }
    for form, pattern in patterns.items():
        for _ in range(30):
            text = gt.event_datetime(rng, form)
            assert re.fullmatch(pattern, text), (form, text)
    with pytest.raises(ValueError, match="dot_range"):
        gt.event_datetime(rng, "nonsense")


def test_dish_prices_stay_in_their_category_range() -> None:
    dishes = {}
    for category, dish in gt._table("dishes.tsv"):
        dishes.setdefault(dish, set()).add(category)
    ranges = {c: (int(lo), int(hi)) for c, lo, hi, _ in gt._table("dish_prices.tsv")}
    rng = np.random.default_rng(4)
    for _ in range(300):
        dish, price = gt.dish_with_price(rng)
        value = int(re.search(r"\d+", price).group())
        assert any(ranges[c][0] <= value <= ranges[c][1] for c in dishes[dish]), (dish, price)


def test_product_specs_carry_a_unit() -> None:
    rng = np.random.default_rng(6)
    for _ in range(200):
        name, spec = gt.product_with_spec(rng)
        assert re.search(r"\d", spec), (name, spec)
        assert re.search(r"ml|L|g|kg|毫升|升|克|千克|枚|片|斤|个|支|节|抽|卷|包|W|m|mAh|蓝牙", spec), (
            name,
            spec,
        )


def test_business_card_names_are_short_chinese_names() -> None:
    rng = np.random.default_rng(9)
    for _ in range(100):
        name, title = gt.business_title(rng)
        assert 2 <= len(name) <= 4 and settable(name), name
        assert title in gt._lines("job_titles.txt")
