"""Genre-aware secondary text: real places, dishes, products, couplets, idioms, poems, event dates.

Every public draw takes exactly one integer from the caller's Generator and works from a child
Generator seeded with it, so how much a kind draws inside never shifts the slots drawn after it.
The data are the files of corpora/text/ (sources and licences in its README), read once, lazily.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from textsynth.resources import CORPORA_DIR

TEXT_DIR = CORPORA_DIR / "text"
# CJK punctuation that signs use, besides ASCII; "·", "—" and "¥" are outside Python's GB2312 codec
# (it maps those code points elsewhere) but every face of the manifest draws them.
PUNCTUATION = frozenset("，。、；：？！“”‘’（）《》·—…～【】「」『』￥¥℃×")
ADDRESS_MAX_CHARS = 19  # business_card's address slot: 22 characters less "地址："
EVENT_DATETIME_FORMS = ("full", "date_time", "dot_full", "dot_range", "range", "until", "weekday")
ENGLISH_CATEGORIES = ("shop", "food", "event", "promo", "notice", "greeting", "product")
_WEEKDAYS = "一二三四五六日"
_FIRST_DAY, _N_DAYS = datetime.date(2024, 1, 1), 4 * 365  # event dates fall in 2024–2027
_CN_UNITS = {"ml": "毫升", "L": "升", "kg": "千克", "g": "克"}
_BRAND_SUFFIXES = ("Studio", "House", "Lab", "Club", "Market", "Kitchen", "Cafe", "Store", "Co.", "Home")


def settable(text: str) -> bool:
    """True if every character is printable ASCII, allowed punctuation or a GB2312 hanzi."""
    for ch in text:
        if " " <= ch <= "~" or ch in PUNCTUATION:
            continue
        try:
            lead = ch.encode("gb2312")[0]
        except UnicodeEncodeError:
            return False
        if not 0xB0 <= lead <= 0xF7:
            return False
    return True


# ---- data, read once ----------------------------------------------------------------------------


@functools.cache
def _lines(name: str) -> tuple[str, ...]:
    text = (TEXT_DIR / name).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


@functools.cache
def _table(name: str) -> tuple[tuple[str, ...], ...]:
    """A TSV's rows without its header line (a row may end in an empty field)."""
    lines = (TEXT_DIR / name).read_text(encoding="utf-8").splitlines()[1:]
    return tuple(tuple(line.split("\t")) for line in lines if line)


@dataclass(frozen=True)
class Place:
    """One county-level division with the city and province it belongs to."""

    code: str
    province: str
    city: str  # "" for county-level cities directly under a province (湖北省仙桃市)
    district: str  # "" for prefecture cities without districts (广东省东莞市)

    def full(self) -> str:
        city = "" if self.city == self.province else self.city
        return self.province + city + self.district

    def short(self) -> str:
        """Without the province, as most addresses are written: 广州市天河区."""
        return (self.city or self.province) + self.district if self.city else self.district


@functools.cache
def places() -> tuple[Place, ...]:
    return tuple(Place(*row) for row in _table("divisions.tsv"))


def _cdf(weights: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def _weighted(g: np.random.Generator, cdf: np.ndarray) -> int:
    return min(int(np.searchsorted(cdf, g.random(), side="right")), len(cdf) - 1)


@functools.cache
def _place_cdf() -> np.ndarray:
    # Addresses on cards and posters are mostly in urban districts rather than rural counties.
    return _cdf(np.array([3.0 if p.district.endswith("区") else 1.0 for p in places()]))


@functools.cache
def _dish_prices() -> dict[str, tuple[int, int, tuple[str, ...]]]:
    return {c: (int(lo), int(hi), tuple(u.split("|"))) for c, lo, hi, u in _table("dish_prices.tsv")}


@functools.cache
def _idiom_cdf() -> np.ndarray:
    return _cdf(np.sqrt(np.array([float(freq) for _, freq in _table("idioms.tsv")])))


@functools.cache
def _horizontals() -> tuple[str, ...]:
    return tuple(dict.fromkeys(row[2] for row in _table("couplets.tsv")))


# ---- helpers on the child Generator -------------------------------------------------------------


def _pick(g: np.random.Generator, items):
    return items[int(g.integers(len(items)))]


def _one_draw(make: Callable) -> Callable:
    """Run `make` on a child Generator seeded by one integer from the caller's."""

    @functools.wraps(make)
    def draw(rng: np.random.Generator, *args, **kwargs):
        return make(np.random.default_rng(int(rng.integers(0, 2**63 - 1))), *args, **kwargs)

    return draw


@functools.cache
def _faker():
    """One Faker generator per process, reseeded per draw from the Generator (as fillers.py does; its
    generator directly, not through the single-locale proxy, as there)."""
    from faker import Factory

    return Factory.create("zh_CN")


def _faker_name(g: np.random.Generator) -> str:
    fake = _faker()
    fake.seed_instance(int(g.integers(0, 2**31 - 1)))
    name = fake.name()
    while not settable(name):  # a rare given-name character outside GB2312
        name = fake.name()
    return name


# ---- places -------------------------------------------------------------------------------------


@_one_draw
def place(g: np.random.Generator) -> Place:
    """A real district with its own city and province (GB/T 2260 codes, 2023)."""
    return places()[_weighted(g, _place_cdf())]


def _road(g: np.random.Generator) -> str:
    road = _pick(g, _lines("roads.txt"))
    if road.endswith("路") and len(road) == 3 and g.random() < 0.25:
        road = road[:2] + _pick(g, "东西南北中") + "路"
    return road


@_one_draw
def road(g: np.random.Generator) -> str:
    """A common road name, as road signs and addresses carry it: 中山北路, 人民大道."""
    return _road(g)


def _unit_suffix(g: np.random.Generator) -> str:
    form = int(g.integers(5))
    if form == 0:
        return f"{g.integers(1, 30)}栋{g.integers(1, 33)}{g.integers(1, 9):02d}室"
    if form == 1:
        return f"{g.integers(2, 40)}楼"
    if form == 2:
        return f"{_pick(g, 'ABCD')}座{g.integers(2, 30)}层"
    if form == 3:
        return f"{g.integers(1, 12)}号楼{g.integers(1, 6)}单元"
    return f"{g.integers(101, 2999)}室"


def _address(g: np.random.Generator, max_chars: int = ADDRESS_MAX_CHARS) -> str:
    shortest = ""
    for _ in range(50):  # a long county name (…自治县) may not fit at all: draw another place
        where = place.__wrapped__(g)
        number = int(g.integers(1, 100)) if g.random() < 0.7 else int(g.integers(100, 1000))
        street = f"{_road(g)}{number}号"
        suffix = _unit_suffix(g) if g.random() < 0.35 else ""
        regions = [where.full(), where.short()] if g.random() < 0.4 else [where.short()]
        regions.append(where.district or where.short())
        for region in regions:
            for text in dict.fromkeys((region + street + suffix, region + street)):
                if len(text) <= max_chars:
                    return text
                shortest = min(shortest or text, text, key=len)
    return shortest


address = _one_draw(_address)
address.__doc__ = "A consistent address: province → city → district, road and number (≤ max_chars)."


@_one_draw
def city_district(g: np.random.Generator) -> str:
    """A city and one of its districts, e.g. 杭州市西湖区."""
    return place.__wrapped__(g).short()


def _city_short(g: np.random.Generator) -> str:
    """A prefecture-level city's name without 市, as venues are named (杭州大剧院)."""
    while True:
        city = place.__wrapped__(g).city
        if city.endswith("市") and len(city) >= 3:
            return city[:-1]


@_one_draw
def venue(g: np.random.Generator) -> str:
    """A venue in a real city: 杭州大剧院, 成都体育中心."""
    return _city_short(g) + _pick(g, _lines("venues.txt"))


# ---- menus, packaging, promotions ---------------------------------------------------------------


def _price_value(g: np.random.Generator, lo: int, hi: int) -> int:
    value = int(g.integers(lo, hi + 1))
    if value >= 10:  # menus end prices in 8, 6, 9 or 0, rarely anything else
        value = value // 10 * 10 + int(_pick(g, (8, 8, 8, 6, 9, 0, 5)))
        value = max(lo, min(hi, value))
    return value


@_one_draw
def dish_with_price(g: np.random.Generator) -> tuple[str, str]:
    """A dish and a price in its category's range, e.g. ("宫保鸡丁", "¥32")."""
    category, dish = _pick(g, _table("dishes.tsv"))
    lo, hi, units = _dish_prices()[category]
    value = _price_value(g, lo, hi)
    form = int(g.integers(6))
    if form == 0:
        price = f"¥{value}"
    elif form == 1:
        price = f"￥{value}"
    elif form == 2:
        price = f"{value}元"
    elif form == 3:
        price = f"{value}元/{_pick(g, units)}"
    elif form == 4:
        price = str(value)
    else:
        price = f"{value}.00"
    return dish, price


@_one_draw
def dish(g: np.random.Generator) -> str:
    """A dish name, e.g. 鱼香肉丝."""
    return _pick(g, _table("dishes.tsv"))[1]


def _spec_text(g: np.random.Generator, spec: str) -> str:
    if g.random() < 0.35:  # the same amount in Chinese units
        for latin, chinese in _CN_UNITS.items():
            head = spec.split("×")[0]
            if head.endswith(latin) and head[: -len(latin)].replace(".", "").isdigit():
                spec = head[: -len(latin)] + chinese + spec[len(head) :]
                break
    measured = spec[0].isdigit() and any(u in spec for u in (*_CN_UNITS, *_CN_UNITS.values()))
    label = "净含量" if measured and "×" not in spec else "规格"
    form = int(g.integers(3))
    return spec if form == 0 else f"{label}：{spec}" if form == 1 else f"{label} {spec}"


@_one_draw
def product_with_spec(g: np.random.Generator) -> tuple[str, str]:
    """A product and a spec that fits it, e.g. ("纯牛奶", "规格：250ml×12")."""
    _, name, specs = _pick(g, _table("products.tsv"))
    return name, _spec_text(g, _pick(g, specs.split("|")))


@_one_draw
def product(g: np.random.Generator) -> str:
    """A packaged product's name, e.g. 压榨花生油."""
    return _pick(g, _table("products.tsv"))[1]


@_one_draw
def product_spec(g: np.random.Generator) -> str:
    """A net content or spec line, e.g. 净含量：500ml."""
    return product_with_spec.__wrapped__(g)[1]


@_one_draw
def promotion(g: np.random.Generator) -> str:
    """A promotion phrase, e.g. 第二件半价, 满199减100."""
    if g.random() < 0.75:
        return _pick(g, _lines("promotions.txt"))
    form = int(g.integers(4))
    if form == 0:
        spend = int(_pick(g, (99, 199, 299, 399, 500, 1000)))
        return f"满{spend}减{spend // int(_pick(g, (2, 3, 4, 5, 10)))}"
    if form == 1:
        return f"全场{g.integers(3, 9)}折起"
    if form == 2:
        return f"第二件{g.integers(1, 9)}折"
    return f"新客立减{_pick(g, (5, 10, 15, 20, 30, 50))}元"


# ---- events -------------------------------------------------------------------------------------


def _event_time(g: np.random.Generator) -> str:
    return _pick(g, ("19:30", "19:30", "20:00", "19:00", "14:00", "14:30", "10:00", "09:30", "15:00"))


def _event_datetime(g: np.random.Generator, form: str | None = None, day: datetime.date | None = None) -> str:
    form = form or _pick(g, EVENT_DATETIME_FORMS)
    if form not in EVENT_DATETIME_FORMS:
        raise ValueError(f"event_datetime form {form!r}; valid: {', '.join(EVENT_DATETIME_FORMS)}")
    day = day or _FIRST_DAY + datetime.timedelta(days=int(g.integers(_N_DAYS)))
    end = day + datetime.timedelta(days=int(g.integers(1, 10)))
    week = _WEEKDAYS[day.weekday()]
    if form == "full":
        return f"{day.year}年{day.month}月{day.day}日 周{week} {_event_time(g)}"
    if form == "date_time":
        return f"{day.month}月{day.day}日 {_event_time(g)}"
    if form == "dot_full":
        return f"{day.year}.{day.month:02d}.{day.day:02d} {_event_time(g)}"
    if form == "dot_range":
        return f"{day.month}.{day.day}-{end.month}.{end.day}"
    if form == "range":
        tail = f"{end.day}日" if end.month == day.month else f"{end.month}月{end.day}日"
        return f"{day.month}月{day.day}日-{tail}"
    if form == "until":
        until = day + datetime.timedelta(days=int(g.integers(7, 60)))
        year = f"{until.year}年" if g.random() < 0.3 else ""
        return f"{_pick(g, ('即日起至', '即日起—', '活动时间：即日起至'))}{year}{until.month}月{until.day}日"
    return f"{day.month}月{day.day}日（周{week}）{_event_time(g)}"


event_datetime = _one_draw(_event_datetime)
event_datetime.__doc__ = "An event date in a form posters use; `form` is one of EVENT_DATETIME_FORMS."


@_one_draw
def event_kind(g: np.random.Generator) -> str:
    """A kind of event: 音乐节, 书画展, 招聘会…"""
    return _pick(g, _table("events.tsv"))[0]


def _event_title(g: np.random.Generator, city: str | None = None, year: int | None = None) -> str:
    kind, kind_type = _pick(g, _table("events.tsv"))
    form = int(g.integers(3))
    if kind_type == "performance" and form == 0:
        return f"{_faker_name(g)}{kind}"
    if form == 1:
        return f"第{g.integers(2, 31)}届{city or _city_short(g)}{kind}"
    return f"{year or _FIRST_DAY.year + int(g.integers(4))}{city or _city_short(g)}{kind}"


event_title = _one_draw(_event_title)
event_title.__doc__ = "An event's title: 第12届杭州美食节, 2026成都音乐节, 张伟个人演唱会."


_SHOWTIME_FORMS = ("full", "date_time", "weekday", "dot_full")  # one day and an hour: what a ticket prints


@_one_draw
def event(g: np.random.Generator) -> tuple[str, str, str, str]:
    """(title, datetime, venue, showtime) of one event in one city and year: 2026成都音乐节,
    5月20日-26日, 成都体育中心, 2026年5月20日 周三 19:30 (showtime: the start day, as tickets print it)."""
    city = _city_short(g)
    day = _FIRST_DAY + datetime.timedelta(days=int(g.integers(_N_DAYS)))
    title = _event_title(g, city, day.year)
    when = _event_datetime(g, day=day)
    showtime = _event_datetime(g, _pick(g, _SHOWTIME_FORMS), day=day)
    return title, when, city + _pick(g, _lines("venues.txt")), showtime


@_one_draw
def issue_date(g: np.random.Generator) -> str:
    """The date a notice is signed with: 2025年3月1日, 2025.03.01 or 2025-03-01."""
    day = _FIRST_DAY + datetime.timedelta(days=int(g.integers(_N_DAYS)))
    form = int(g.integers(4))
    if form <= 1:
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.year}.{day.month:02d}.{day.day:02d}" if form == 2 else day.isoformat()


# ---- people -------------------------------------------------------------------------------------


@_one_draw
def business_title(g: np.random.Generator) -> tuple[str, str]:
    """A Faker name and a job title that business cards print, e.g. ("王芳", "市场总监")."""
    return _faker_name(g), _pick(g, _lines("job_titles.txt"))


@_one_draw
def job_title(g: np.random.Generator) -> str:
    """A job title as printed on business cards."""
    return _pick(g, _lines("job_titles.txt"))


# ---- couplets, idioms, poems --------------------------------------------------------------------


def _couplet(g: np.random.Generator, source: str = "spring") -> tuple[str, str, str]:
    if source == "spring":
        upper, lower, horizontal = _pick(g, _table("couplets.tsv"))
        return upper, lower, horizontal
    if source == "classical":  # 声律启蒙 pairs carry no 横批: a calligraphy phrase stands above them
        upper, lower = _pick(g, _table("couplets_classical.tsv"))
        phrases = [p for p in _lines("calligraphy_phrases.txt") if len(p) == 4]
        return upper, lower, _pick(g, phrases)
    raise ValueError(f"couplet source {source!r}; valid: spring, classical")


couplet = _one_draw(_couplet)
couplet.__doc__ = (
    "(upper, lower, horizontal): a couplet of equal halves and its 横批; source spring or classical."
)


@_one_draw
def hengpi(g: np.random.Generator) -> str:
    """A horizontal scroll line (横批), e.g. 万象更新."""
    return _pick(g, _horizontals())


@_one_draw
def idiom(g: np.random.Generator) -> str:
    """A four-character idiom (成语), frequent ones more often."""
    return _table("idioms.tsv")[_weighted(g, _idiom_cdf())][0]


@_one_draw
def calligraphy_phrase(g: np.random.Generator) -> str:
    """A phrase hung as calligraphy: 宁静致远, 厚德载物, 福."""
    return _pick(g, _lines("calligraphy_phrases.txt"))


@_one_draw
def classical_line(g: np.random.Generator) -> str:
    """A couplet line of a Tang (or 千家诗) poem, e.g. 白日依山尽，黄河入海流."""
    return _pick(g, _table("classical_lines.tsv"))[0]


@_one_draw
def classical_half(g: np.random.Generator) -> str:
    """One half of a classical line, five or seven characters, e.g. 黄河入海流."""
    return _pick(g, _pick(g, _table("classical_lines.tsv"))[0].split("，"))


# ---- Latin text on Chinese signs ----------------------------------------------------------------


def _english(g: np.random.Generator, category: str | None = None) -> str:
    rows = _table("english_subtitles.tsv")
    if category is not None:
        if category not in ENGLISH_CATEGORIES:
            raise ValueError(f"english category {category!r}; valid: {', '.join(ENGLISH_CATEGORIES)}")
        rows = tuple(r for r in rows if r[0] == category)
    return _pick(g, rows)[1]


english_subtitle = _one_draw(_english)
english_subtitle.__doc__ = "An English subtitle as Chinese signs carry, optionally of one category."


def _brand(g: np.random.Generator) -> str:
    words = _lines("brand_words.txt")
    a, b = _pick(g, words), _pick(g, words)
    form = int(g.integers(7))
    if form == 0:
        return a.capitalize()
    if form == 1:
        return a.upper()
    if form == 2:
        return a.capitalize() + b
    if form == 3:
        return f"{a.capitalize()} {b.capitalize()}"
    if form == 4:
        return f"{a.capitalize()} & {b.capitalize()}"
    if form == 5:
        return f"The {a.capitalize()} {_pick(g, _BRAND_SUFFIXES)}"
    return f"{a.capitalize()} {_pick(g, _BRAND_SUFFIXES)}"


brand_latin = _one_draw(_brand)
brand_latin.__doc__ = "A brand-like Latin name built from plain English words: Sunleaf, GOLDEN, Maple & Co."


@_one_draw
def brand_mixed(g: np.random.Generator) -> str:
    """A Latin brand with a Chinese shop kind, as mixed signs read: MAPLE 咖啡."""
    brand = _brand(g)
    while len(brand) > 12:
        brand = _brand(g)
    return f"{brand} {_pick(g, _lines('shop_kinds.txt'))}"


# ---- registry -----------------------------------------------------------------------------------


def _joined(draw: Callable[[np.random.Generator], tuple[str, ...]], sep: str = " "):
    return lambda rng: sep.join(draw(rng))


GENRE_TEXT_KINDS: dict[str, Callable[[np.random.Generator], str]] = {
    "street_address": address,
    "city_district": city_district,
    "road": road,
    "venue": venue,
    "dish": dish,
    "dish_with_price": _joined(dish_with_price),
    "product": product,
    "product_spec": product_spec,
    "product_with_spec": _joined(product_with_spec),
    "promotion": promotion,
    "event_datetime": event_datetime,
    **{
        f"event_datetime_{form}": functools.partial(event_datetime, form=form)
        for form in EVENT_DATETIME_FORMS
    },
    "issue_date": issue_date,
    "event_kind": event_kind,
    "event_title": event_title,
    "job_title": job_title,
    "name_with_title": _joined(business_title),
    "hengpi": hengpi,
    "idiom": idiom,
    "calligraphy_phrase": calligraphy_phrase,
    "classical_line": classical_line,
    "classical_half": classical_half,
    "english_subtitle": english_subtitle,
    **{f"english_{c}": functools.partial(english_subtitle, category=c) for c in ENGLISH_CATEGORIES},
    "brand_latin": brand_latin,
    "brand_mixed": brand_mixed,
}
"""Kind name (usable as `KIND` in a template's `text:` source) → draw(rng) -> str."""

# Kinds whose parts fill several slots of one scene and must come from one draw (a couplet's two
# strips and 横批, a dish and its price): name → (draw(rng) -> tuple, part names).
GENRE_TEXT_GROUPS: dict[str, tuple[Callable[[np.random.Generator], tuple[str, ...]], tuple[str, ...]]] = {
    "couplet": (couplet, ("upper", "lower", "horizontal")),
    "couplet_classical": (functools.partial(couplet, source="classical"), ("upper", "lower", "horizontal")),
    "menu_item": (dish_with_price, ("dish", "price")),
    "event": (event, ("title", "datetime", "venue", "showtime")),
    "packaged_product": (product_with_spec, ("product", "spec")),
    "business_title": (business_title, ("name", "title")),
}
