"""Describe a render output: samples and shards, how many of the corpus words appeared as primary text,
character coverage and per-character exposure against a set (GB2312 or 通用规范汉字表 levels), and the distribution over templates, fonts, directions, effects and caption length.
"""

from __future__ import annotations

import argparse
import json

NAME = "stats"
HELP = "coverage and distributions of a render output (table, or JSON with --json)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="the --out folder or fsspec URL of a render run")
    parser.add_argument("--json", action="store_true", help="print the statistics as JSON instead of tables")
    parser.add_argument("--top", type=int, default=12, help="rows shown per table before '(N more)'")
    parser.add_argument(
        "--charset", default="gb2312",
        help="character set for the exposure figures: gb2312 (default), gb2312-1, gb2312-2, tgh-1, tgh-2, "
        "tgh-12 or tgh (通用规范汉字表 levels)",
    )  # fmt: skip
    parser.add_argument(
        "--k",
        type=int,
        default=5,
        help="exposure: also count the characters seen at least K times (default 5)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (e.g. in logs)")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from textsynth.qa.stats import collect_stats, format_table

    with tqdm(unit="shard", disable=args.no_progress or args.json, dynamic_ncols=True, desc="stats") as bar:
        stats = collect_stats(args.dir, progress=bar.update, charset=args.charset, k=max(1, args.k))
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=1))
    else:
        print(format_table(stats, top=max(1, args.top)))
    return 0
