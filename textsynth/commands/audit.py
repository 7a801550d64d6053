"""OCR-audit a rendered dataset: how much of its text reads back exactly, and where it does not.

Reads the shards in DIR, rectifies every text item from its character polygons and
reads it with rapidocr's PP-OCR model; prints the exact-match rate and mean normalised
edit distance overall and by template, font, direction, text size and effect, and writes
audit.json and a contact sheet of the worst failures (audit_failures.png).
"""

from __future__ import annotations

import argparse
import sys

NAME = "audit"
HELP = "OCR read-back audit of rendered shards: exact-match rates by template, font, size, effect"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dir", metavar="DIR", help="folder with shard-*.tar files (the --out of `textsynth render`)"
    )
    parser.add_argument("--samples", type=int, help="audit only the first N samples (default: all)")
    parser.add_argument(
        "--report-dir", help="where to write audit.json and audit_failures.png (default: DIR)"
    )
    parser.add_argument(
        "--failures", type=int, default=24, help="how many of the worst items the contact sheet shows"
    )
    parser.add_argument(
        "--min-size", type=int, default=0, help="break down only items with size_px of at least this"
    )
    parser.add_argument(
        "--below", type=float, default=0.9, help="mark groups whose exact-match rate is below this"
    )


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from textsynth.errors import TextsynthError
    from textsynth.qa.audit import format_table, run_audit

    if args.samples is not None and args.samples < 1:
        raise TextsynthError(f"--samples must be at least 1, got {args.samples}")
    out_dir = Path(args.report_dir or args.dir)
    summary = run_audit(args.dir, args.samples, out_dir, n_failures=args.failures, min_size=args.min_size)
    print(format_table(summary, below=args.below))
    print(f"wrote {out_dir / 'audit.json'} and {out_dir / 'audit_failures.png'}", file=sys.stderr)
    return 0
