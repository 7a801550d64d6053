"""Build the word list (the shipped modern 50k, or one from your own texts or list), or describe one.

`build` with no input rebuilds corpora/words_50k.tsv byte for byte from wordfreq's Chinese data
(compare the printed sha256 with corpora/README.md); `--from-text` ranks the words of your own
UTF-8 texts (segmented with jieba), `--words` takes a ready list. Every build drops words on the
blocklist (corpora/blocklist.txt, or `--blocklist FILE`; `--no-blocklist` to keep everything) and
says how many each rule removed. `info` prints counts by word length and character coverage.
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
        help="rebuild the shipped list, or build one from your texts (--from-text) or list (--words)",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    build.add_argument(
        "--out", type=Path, default=CORPORA_DIR / "words_50k.tsv", help="TSV to write (rank, word, freq)"
    )
    build.add_argument("--n", type=int, default=50000, help="how many of the most frequent words to keep")
    source = build.add_mutually_exclusive_group()
    source.add_argument(
        "--from-text", type=Path, nargs="+", metavar="FILE",
        help="rank the words of these UTF-8 text files (segmented with jieba) instead of wordfreq's",
    )  # fmt: skip
    source.add_argument(
        "--words", type=Path, metavar="FILE",
        help="a ready list: one word per line, or a TSV with a 'word' column (order kept)",
    )  # fmt: skip
    blocks = build.add_mutually_exclusive_group()
    blocks.add_argument(
        "--blocklist", type=Path, metavar="FILE", help="blocklist to apply instead of corpora/blocklist.txt"
    )
    blocks.add_argument("--no-blocklist", action="store_true", help="apply no blocklist")
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
    if args.corpus_command == "build":
        return _build(args)
    from textsynth.sources import corpus

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


def _build(args: argparse.Namespace) -> int:
    from textsynth.sources import wordlist
    from textsynth.sources.blocklist import load_blocklist

    blocklist = frozenset() if args.no_blocklist else load_blocklist(args.blocklist)
    if args.words:
        kept, removed = wordlist.apply_blocklist(wordlist.read_word_file(args.words), blocklist)
        entries = [(word, 0) for word in kept[: args.n]]
        summary = {"blocklist": len(removed)}
    elif args.from_text:
        selection = wordlist.select_text_words(args.from_text, args.n, blocklist)
        entries, summary = selection.entries, selection.removed
    else:
        selection = wordlist.select_words(args.n, blocklist)
        entries, summary = selection.entries, selection.removed
    digest = wordlist.write_word_list(entries, args.out)
    print(f"wrote {len(entries)} words to {args.out}")
    if summary:
        print("removed: " + ", ".join(f"{rule} {count}" for rule, count in summary.items()))
    print(f"sha256 {digest}")
    return 0
