"""Character sets that exposure is measured against: GB2312 and the 通用规范汉字表 (2013) levels.

GB2312 comes from Python's codec; the 通用规范汉字表 from `corpora/charsets/tgh2013.txt`, derived from
Unihan's kTGH field (sources and licence in corpora/charsets/README.md).
"""

from __future__ import annotations

import functools

from textsynth.errors import TextsynthError
from textsynth.resources import CORPORA_DIR

TGH_FILE = CORPORA_DIR / "charsets" / "tgh2013.txt"
TGH_LEVELS = ((1, 3500), (3501, 6500), (6501, 8105))  # table numbers of levels 1, 2, 3
CHARSETS = {
    "gb2312": "GB2312, levels 1 and 2 (6,763 hanzi)",
    "gb2312-1": "GB2312 level 1 (3,755 common hanzi)",
    "gb2312-2": "GB2312 level 2 (3,008 hanzi)",
    "tgh-1": "通用规范汉字表 level 1 (3,500 common characters)",
    "tgh-2": "通用规范汉字表 level 2 (3,000 characters)",
    "tgh-12": "通用规范汉字表 levels 1 and 2 (6,500 characters)",
    "tgh": "通用规范汉字表, all three levels (8,105 characters)",
}


def gb2312_rows(first: int, last: int) -> tuple[str, ...]:
    """The hanzi of GB2312's rows first..last (0xB0-0xD7 level 1, 0xD8-0xF7 level 2), in code order."""
    chars = []
    for hi in range(first, last + 1):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return tuple(chars)


@functools.cache
def _tgh() -> tuple[str, ...]:
    return tuple(line for line in TGH_FILE.read_text(encoding="utf-8").splitlines() if line)


@functools.cache
def charset(name: str) -> tuple[str, ...]:
    """The characters of a set (see CHARSETS), in the set's own order (code order, table order)."""
    if name == "gb2312":
        return charset("gb2312-1") + charset("gb2312-2")
    if name == "gb2312-1":
        return gb2312_rows(0xB0, 0xD7)
    if name == "gb2312-2":
        return gb2312_rows(0xD8, 0xF7)
    if name.startswith("tgh"):
        table = _tgh()
        levels = {"tgh-1": (0,), "tgh-2": (1,), "tgh-12": (0, 1), "tgh": (0, 1, 2)}.get(name)
        if levels is not None:
            return tuple(ch for i in levels for ch in table[TGH_LEVELS[i][0] - 1 : TGH_LEVELS[i][1]])
    valid = ", ".join(f"{k} ({v})" for k, v in CHARSETS.items())
    raise TextsynthError(f"character set must be one of {valid}; got {name!r}")
