"""Build the shipped evaluation prompt set, deterministically: `python -m textsynth.train.build_benchmark`.

benchmark_v1 (200 prompts) = {single-line, two-line, vertical} × {seen, unseen}:

- **seen** lines are words of corpora/words_50k.tsv (the training list's primary cycle), ranks
  1,001–20,000;
- **unseen** lines are jieba dictionary words outside that list that contain at least one
  *held-out character*: a GB2312 hanzi that occurs in no word of the list, nor in the other text the
  renderer can draw (corpora/slogans.txt, templates/, Faker zh_CN's name/address/company/job/lorem
  data). Every other character of an unseen line is a seen one, so "unseen" is judged per character.
- No person names (jieba tags nr/nrt/nrfg), no numerals; no word is used twice.
- The wording is this module's own scene sentences, none of textsynth's caption phrasings
  (no 写着/印有/字样/画面中…), and vertical text is signage, not calligraphy.

The output is committed (train/prompts/benchmark_v1.jsonl + .meta.json); `--check` rebuilds and
compares byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

VERSION = 1
NAME = f"benchmark_v{VERSION}"
SEED = 0x62656E31  # "ben1"
COUNTS = {"single": 50, "multiline": 25, "vertical": 25}  # per split (seen, unseen)
CONTENT_POS = {"n", "v", "a", "i", "l", "vn", "nz", "an", "ad", "s", "t", "ns", "j", "b", "d"}
SEEN_RANKS = (1000, 20000)
UNSEEN_POOL = 600  # most frequent eligible unseen words to draw from (rarer ones are barely words)

SINGLE = (
    "老街上一家小店的木质门头招牌，金色大字“{a}”，傍晚暖光，街景照片",
    "一本平装书的封面设计，正中是书名“{a}”，大量留白，极简风格",
    "地铁站台上方的蓝色指示牌，白色字体显示“{a}”",
    "一只白色陶瓷马克杯放在木桌上，杯身印着黑色的“{a}”",
    "夜晚街头的霓虹灯招牌，粉色灯管拼出“{a}”，有轻微的光晕",
    "咖啡馆门口的小黑板，用白色粉笔工整地写下“{a}”",
    "一件平铺在浅灰色桌面上的T恤，胸前印着大号字“{a}”",
    "超市货架上的促销价签，醒目的红色标题“{a}”",
    "展览入口处的亚克力标识牌，标题“{a}”，现代简洁",
    "学校礼堂前挂着一条红色横幅，横幅上的标语是“{a}”",
    "牛皮纸购物袋的正面，居中印着品牌名“{a}”，产品摄影",
    "办公楼前台墙上的金属立体字“{a}”，柔和的室内灯光",
)
MULTILINE = (
    "一张音乐节海报，上方一行大标题“{a}”，下方一行副标题“{b}”",
    "餐厅门口的菜单立牌，分两行排列：第一行“{a}”，第二行“{b}”",
    "公园里的木质指路牌，两行文字，上面一行是“{a}”，下面一行是“{b}”",
    "一张白色名片的正面，中间两行黑字，第一行“{a}”，第二行“{b}”",
    "书店橱窗上贴着两行白色字贴，上行“{a}”，下行“{b}”",
    "一张深色调的电影宣传海报，底部两行字，第一行“{a}”，第二行“{b}”",
    "一个蛋糕盒的盒盖，上下两行烫金字，上面“{a}”，下面“{b}”",
    "社区公告栏里的一张通知，标题分两行：“{a}”在上，“{b}”在下",
)
VERTICAL = (
    "老城区墙上挂着一块竖向的店铺招牌，从上到下竖排着“{a}”",
    "一面竖长的红色宣传旗帜在风中展开，旗面竖排印着白字“{a}”",
    "商场外墙上竖排的发光立体字“{a}”，夜景",
    "书架上一本书的书脊特写，竖排书名“{a}”",
    "路边竖立的白色指示牌，文字竖排自上而下为“{a}”",
    "居酒屋门口的竖条灯箱，竖排黑字“{a}”",
    "一张竖版电影海报，右侧一列竖排标题“{a}”，现代平面设计",
    "医院走廊里竖向的科室门牌，竖排显示“{a}”",
)
PHRASINGS = {"single": SINGLE, "multiline": MULTILINE, "vertical": VERTICAL}
LENGTHS = {"single": (2, 4), "multiline": (2, 4), "vertical": (3, 4)}


def _chars_of_files(paths: list[Path]) -> set[str]:
    return {c for path in paths for c in path.read_text(encoding="utf-8")}


def _faker_chars() -> tuple[set[str], str]:
    """Characters in Faker zh_CN's data for the fillers the renderer uses (names, places, companies...)."""
    import importlib

    import faker

    def strings(value, depth=0):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict) and depth < 4:
            for k, v in value.items():
                yield from strings(k, depth + 1)
                yield from strings(v, depth + 1)
        elif isinstance(value, list | tuple | set | frozenset) and depth < 4:
            for v in value:
                yield from strings(v, depth + 1)

    chars: set[str] = set()
    for name in ("person", "address", "company", "job", "lorem", "phone_number", "date_time"):
        module = importlib.import_module(f"faker.providers.{name}.zh_CN")
        for cls in module.Provider.__mro__:
            if cls.__module__.startswith(f"faker.providers.{name}"):
                for value in vars(cls).values():
                    for text in strings(value):
                        chars.update(text)
    return chars, faker.VERSION


def held_out_characters() -> tuple[set[str], set[str], dict]:
    """(seen characters of the word list, held-out characters, provenance)."""
    from textsynth.resources import CORPORA_DIR, TEMPLATES_DIR
    from textsynth.sources.corpus import gb2312_hanzi
    from textsynth.train.tiny import read_words

    words_path = CORPORA_DIR / "words_50k.tsv"
    seen = set("".join(read_words(words_path)))
    faker_chars, faker_version = _faker_chars()
    # slogans, literal template text and Faker's data. The genre sources (corpora/text: idioms, poems,
    # place names) are not excluded, or under 200 GB2312 characters would be left to hold out; they
    # can show a held-out character in secondary text, which `textsynth stats --charset` counts.
    other = (
        _chars_of_files([CORPORA_DIR / "slogans.txt", *sorted(TEMPLATES_DIR.rglob("*.yaml"))]) | faker_chars
    )
    held_out = set(gb2312_hanzi()) - seen - other
    provenance = {
        "words_50k_sha256": hashlib.sha256(words_path.read_bytes()).hexdigest(),
        "faker": faker_version,
        "gb2312_hanzi_not_in_word_list": len(set(gb2312_hanzi()) - seen),
        "of_which_in_slogans_templates_or_faker": len((set(gb2312_hanzi()) - seen) & other),
    }
    return seen, held_out, provenance


def _jieba_entries() -> list[tuple[str, int, str]]:
    import importlib.resources

    entries = []
    with importlib.resources.files("jieba").joinpath("dict.txt").open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 3:
                entries.append((parts[0], int(parts[1]), parts[2]))
    return entries


def word_pools() -> tuple[list[str], list[str], dict]:
    """(seen pool, unseen pool, provenance), each ordered by frequency."""
    from textsynth.resources import CORPORA_DIR
    from textsynth.sources.corpus import keep_word
    from textsynth.train.tiny import read_words

    seen_chars, held_out, provenance = held_out_characters()
    words = read_words(CORPORA_DIR / "words_50k.tsv")
    pos = {}
    for word, _, tag in _jieba_entries():
        pos.setdefault(word, tag)
    lo, hi = SEEN_RANKS
    seen = [w for w in words[lo:hi] if 2 <= len(w) <= 4 and pos.get(w) in CONTENT_POS]
    listed = set(words)
    candidates = sorted(
        (
            (-freq, word)
            for word, freq, tag in _jieba_entries()
            if word not in listed
            and tag in CONTENT_POS
            and 2 <= len(word) <= 4
            and keep_word(word)
            and any(c in held_out for c in word)
            and all(c in held_out or c in seen_chars for c in word)
        )
    )
    unseen = list(dict.fromkeys(word for _, word in candidates))[:UNSEEN_POOL]
    provenance["held_out_characters"] = "".join(sorted(held_out))
    return seen, unseen, provenance


def build() -> tuple[list[dict], dict]:
    """The benchmark records and its meta data; a pure function of the shipped data and versions."""
    seen_pool, unseen_pool, provenance = word_pools()
    rng = np.random.default_rng(SEED)
    used: set[str] = set()

    def draw(pool: list[str], kind: str) -> str:
        lo, hi = LENGTHS[kind]
        choices = [w for w in pool if lo <= len(w) <= hi and w not in used]
        word = choices[int(rng.integers(len(choices)))]
        used.add(word)
        return word

    records = []
    for kind, count in COUNTS.items():
        for split, pool in (("seen", seen_pool), ("unseen", unseen_pool)):
            for index in range(count):
                lines = [draw(pool, kind) for _ in range(2 if kind == "multiline" else 1)]
                phrasing = PHRASINGS[kind][int(rng.integers(len(PHRASINGS[kind])))]
                prompt = phrasing.format(a=lines[0], b=lines[-1])
                records.append(
                    {
                        "id": f"{kind}-{split}-{index:03d}",
                        "kind": kind,
                        "split": split,
                        "prompt": prompt,
                        "lines": lines,
                        "vertical": kind == "vertical",
                    }
                )
    import jieba

    meta = {
        "name": NAME,
        "version": VERSION,
        "built_by": "python -m textsynth.train.build_benchmark",
        "seed": SEED,
        "counts": {f"{k}/{s}": v for k, v in COUNTS.items() for s in ("seen", "unseen")},
        "jieba": jieba.__version__,
        "seen_pool": {"source": "corpora/words_50k.tsv", "ranks": list(SEEN_RANKS), "size": len(seen_pool)},
        "unseen_pool": {"source": "jieba dict.txt outside the word list", "size": len(unseen_pool)},
        **provenance,
    }
    return records, meta


def render(records: list[dict], meta: dict) -> tuple[str, str]:
    jsonl = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    return jsonl, json.dumps(meta, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    from textsynth.train.prompt_sets import PROMPTS_DIR

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROMPTS_DIR, help="folder to write into")
    parser.add_argument("--check", action="store_true", help="rebuild and compare with the files in --out")
    args = parser.parse_args(argv)
    jsonl, meta = render(*build())
    targets = {args.out / f"{NAME}.jsonl": jsonl, args.out / f"{NAME}.meta.json": meta}
    if args.check:
        stale = [
            str(p) for p, text in targets.items() if not p.is_file() or p.read_text(encoding="utf-8") != text
        ]
        print("differs: " + ", ".join(stale) if stale else f"{NAME}: up to date")
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for path, text in targets.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
