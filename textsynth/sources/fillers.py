"""Filler text for secondary lines (names, prices, dates, slogans) from Faker zh_CN.

Each call takes exactly one integer from the sample's Generator and seeds the process's single
Faker with it, so the text depends only on that Generator, never on call order across samples.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable

import numpy as np

from textsynth.errors import expected
from textsynth.resources import CORPORA_DIR

SLOGANS_PATH = CORPORA_DIR / "slogans.txt"
MAX_SHORT_CHARS = 16
_WEEKDAYS = "一二三四五六日"
_FIRST_DAY, _LAST_DAY = datetime.date(1990, 1, 1), datetime.date(2035, 12, 31)


@functools.cache
def _faker():
    """One Faker generator per process: building it costs ~0.1 s, reseeding it ~4 µs.

    Factory.create is what Faker("zh_CN") wraps for a single locale; calling its generator directly
    skips the proxy's attribute forwarding on every call (a filler 26.6 -> 16.5 us), same texts."""
    from faker import Factory

    return Factory.create("zh_CN")


@functools.cache
def slogans() -> tuple[str, ...]:
    """The shipped short slogans and sign texts (corpora/slogans.txt), one per line."""
    lines = SLOGANS_PATH.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip())


def _seeded(rng: np.random.Generator):
    fake = _faker()
    fake.seed_instance(int(rng.integers(0, 2**31 - 1)))
    return fake


def _name(fake) -> str:
    return fake.name()


def _company(fake) -> str:
    return fake.company()


def _job(fake) -> str:
    return fake.job()


def _city(fake) -> str:
    return fake.city_name() + fake.random_element(("", "市"))


def _address(fake) -> str:
    # Faker's own format ends in a postcode and uses "X座"; signs usually read "...路123号".
    prefix = fake.random_element(("", fake.province()))
    number = fake.random_int(1, 999)
    return f"{prefix}{fake.city_name()}市{fake.district()}区{fake.street_name()}{number}号"


def _date(fake) -> str:
    day: datetime.date = fake.date_between(
        start_date=datetime.date(1990, 1, 1), end_date=datetime.date(2035, 12, 31)
    )
    style = fake.random_int(0, 5)
    if style == 0:
        return f"{day.year}年{day.month}月{day.day}日"
    if style == 1:
        return day.isoformat()
    if style == 2:
        return f"{day.year}.{day.month:02d}.{day.day:02d}"
    if style == 3:
        return f"{day.month}月{day.day}日"
    if style == 4:
        return f"{day.month}月{day.day}日 星期{_WEEKDAYS[day.weekday()]}"
    return f"{day.year}/{day.month}/{day.day}"


def _time(fake) -> str:
    start_h, start_m = fake.random_int(6, 12), fake.random_element((0, 0, 30, 15, 45))
    end_h = fake.random_int(17, 23)
    style = fake.random_int(0, 3)
    if style == 0:
        return f"{start_h:02d}:{start_m:02d}"
    if style == 1:
        return f"{start_h}:{start_m:02d}-{end_h}:00"
    if style == 2:
        return f"{'上午' if start_h < 12 else '中午'}{start_h}:{start_m:02d}"
    return f"营业时间 {start_h:02d}:{start_m:02d}-{end_h}:00"


def _phone(fake) -> str:
    mobile = fake.phone_number()
    style = fake.random_int(0, 4)
    if style == 0:
        return mobile
    if style == 1:
        return f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
    if style == 2:
        return f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    if style == 3:
        area = fake.random_element(("010", "021", "020", "0755", "028", "027", "0571", "025"))
        return f"{area}-{fake.random_int(2000_0000, 8999_9999)}"
    return f"400-{fake.random_int(100, 999)}-{fake.random_int(1000, 9999)}"


def _price(fake) -> str:
    digits = fake.random_element((1, 2, 2, 2, 3, 3, 4))
    amount = fake.random_int(10 ** (digits - 1), 10**digits - 1)
    cents = fake.random_element(("", "", "", ".9", ".99", ".8", ".5", ".00"))
    value = f"{amount:,}{cents}" if amount >= 1000 and fake.random_int(0, 1) else f"{amount}{cents}"
    pattern = fake.random_element(
        ("¥{v}", "￥{v}", "{v}元", "¥{v}起", "仅售{v}元", "{v}元/件", "特价 ¥{v}", "原价{v}元")
    )
    return pattern.format(v=value)


def _percent(fake) -> str:
    tenth = fake.random_int(1, 9)
    style = fake.random_int(0, 5)
    if style == 0:
        return f"{tenth}折"
    if style == 1:
        return f"{tenth}.{fake.random_int(1, 9)}折"
    if style == 2:
        return f"低至{tenth}折"
    if style == 3:
        return f"{tenth * 10}%OFF"
    if style == 4:
        return f"-{fake.random_element((5, 10, 15, 20, 30, 40, 50, 70))}%"
    spend = fake.random_element((99, 199, 299, 399, 500, 1000))
    return f"满{spend}减{spend // fake.random_element((2, 3, 4, 5, 10))}"


def _number(fake) -> str:
    style = fake.random_int(0, 4)
    if style == 0:
        return str(fake.random_int(1, 9999))
    if style == 1:
        return f"No.{fake.random_int(1, 9999):04d}"
    if style == 2:
        return f"第{fake.random_int(1, 99)}期"
    if style == 3:
        return f"{fake.random_int(1, 999)}号"
    return f"{fake.random_int(1000, 999_999):,}"


def _slogan(fake) -> str:
    return fake.random_element(slogans())


def _sentence(fake) -> str:
    # Faker's zh_CN lorem words are real, frequent Chinese words; their order is random.
    words = fake.words(fake.random_int(2, 6))
    if len(words) > 3 and fake.random_int(0, 1):
        words.insert(len(words) // 2, "，")
    text = "".join(words)[: MAX_SHORT_CHARS - 1].rstrip("，")
    return text + fake.random_element(("", "。", "！"))


_MAKERS: dict[str, Callable[..., str]] = {
    "address": _address,
    "city": _city,
    "company": _company,
    "date": _date,
    "job": _job,
    "name": _name,
    "number": _number,
    "percent": _percent,
    "phone": _phone,
    "price": _price,
    "sentence": _sentence,
    "slogan": _slogan,
    "time": _time,
}
FILLER_KINDS: list[str] = list(_MAKERS)  # live: grows with register_filler
_REGISTERED: dict[str, Callable[[np.random.Generator], str]] = {}


def register_filler(kind: str, make: Callable[[np.random.Generator], str]) -> None:
    """Add a text source that slots name as `filler:KIND` or `{KIND}` in a pattern.

    `make(rng) -> str` makes every random choice with `rng` and returns the text to render.
    """
    if kind in FILLER_KINDS or kind in ("word", "primary"):
        raise expected("new filler kind", kind, "a name other than word, primary, " + ", ".join(FILLER_KINDS))
    _REGISTERED[kind] = make
    FILLER_KINDS.append(kind)


def filler(kind: str, rng: np.random.Generator) -> str:
    """One filler text of `kind` (see FILLER_KINDS); a built-in kind draws exactly one integer from `rng`."""
    if kind in _REGISTERED:
        return _REGISTERED[kind](rng)
    make = _MAKERS.get(kind)
    if make is None:
        raise expected("filler kind", kind, "one of " + ", ".join(FILLER_KINDS))
    return make(_seeded(rng))
