"""Check a render output: every shard opens as a tar, matches the manifest's count, bytes and sha256,
every sample has all its members, KEY.json follows the shard contract, and images decode at their stated size.

Exit code 0 when all is well; 1 with a list of problems otherwise.
"""

from __future__ import annotations

import argparse
import sys

NAME = "verify"
HELP = "check shards against manifest.json and the shard contract"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="the --out folder or fsspec URL of a render run")
    parser.add_argument(
        "--no-images", action="store_true", help="skip decoding images (much faster on big runs)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (e.g. in logs)")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from textsynth.qa.verify import verify_output

    with tqdm(unit="shard", disable=args.no_progress, dynamic_ncols=True, desc="verify") as bar:
        report = verify_output(args.dir, decode_images=not args.no_images, progress=bar.update)
    if report.ok:
        print(f"ok: {report.shards_checked} shards, {report.samples_checked} samples in {report.out}")
        return 0
    for problem in report.problems:
        print(problem)
    print(
        f"{len(report.problems)} problems in {report.out} "
        f"({report.shards_checked} of {report.shards} shards checked, {report.samples_checked} samples)",
        file=sys.stderr,
    )
    return 1
