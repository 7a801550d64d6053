"""Rebuild the shipped 50k word list from jieba's dictionary, or describe a word list.

`build` writes the same bytes every time for the same jieba version (compare the printed sha256
with corpora/README.md); `info` prints counts by word length, unique characters and GB2312 coverage.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from textsynth.resources import CORPORA_DIR

NAME = "corpus"
HELP = "build or describe the word list (corpora/words_50k.tsv)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="corpus_command", metavar="ACTION")
    sub.required = True
    build = sub.add_parser(
        "build",
        help="regenerate the word list from jieba's bundled dictionary",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    build.add_argument(
        "--out",
        type=Path,
        default=CORPORA_DIR / "words_50k.tsv",
        help="TSV to write (rank, word, freq)",
    )
    build.add_argument("--n", type=int, default=50000, help="how many of the most frequent words to keep")
    info = sub.add_parser(
        "info",
        help="counts by word length, unique characters and GB2312 coverage",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    info.add_argument(
        "--corpus",
        type=Path,
        default=None,
        help="word list to describe: a TSV with a 'word' column, or one word per line (default: shipped)",
    )


def run(args: argparse.Namespace) -> int:
    from textsynth.sources import corpus

    if args.corpus_command == "build":
        entries = corpus.build_word_list(args.n)
        digest = corpus.write_word_list(entries, args.out)
        print(f"wrote {len(entries)} words to {args.out}")
        print(f"sha256 {digest}")
        return 0
    loaded = corpus.Corpus.load(args.corpus)
    stats = corpus.corpus_stats(loaded.words)
    print(f"corpus        {loaded.source}")
    print(f"words         {stats['words']}")
    for length, count in stats["by_length"].items():
        print(f"  {length:>2} chars    {count}")
    print(f"unique chars  {stats['unique_chars']}")
    share = stats["gb2312_covered"] / stats["gb2312_total"]
    print(f"GB2312 hanzi  {stats['gb2312_covered']} of {stats['gb2312_total']} ({share:.1%})")
    if stats["non_cjk_words"]:
        print(f"non-CJK words {stats['non_cjk_words']} (contain a character outside CJK ideographs)")
    return 0
