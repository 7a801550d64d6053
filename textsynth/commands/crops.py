"""Cut every text of a render out as an upright crop with its label, for training text recognisers.

`--format lmdb` writes the LMDB that deep-text-recognition-benchmark, PaddleOCR (LMDBDataSet) and
MMOCR read: `num-samples`, `image-%09d`, `label-%09d`, numbered from 1. `--format folder` writes
images/ and labels.txt (`images/NAME.jpg<TAB>label`, PaddleOCR's SimpleDataSet). Each crop is the
text's quadrilateral warped to a rectangle `--height` pixels tall; vertical columns are `--height`
wide, or turned to read left to right with `--rotate-vertical`.
"""

from __future__ import annotations

import argparse
import sys

NAME = "crops"
HELP = "rectified text crops with labels for recognition training (LMDB or folder)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="the --out folder or fsspec URL of a render run")
    parser.add_argument(
        "--out", required=True, help="folder to write (an LMDB environment, or images/ + labels.txt)"
    )
    parser.add_argument("--format", choices=["lmdb", "folder"], default="lmdb", help="output layout")
    parser.add_argument(
        "--level", choices=["line", "word", "char"], default="line",
        help="one crop per line, per space-separated word, or per character",
    )  # fmt: skip
    parser.add_argument("--height", type=int, default=48, help="crop height in pixels")
    parser.add_argument(
        "--rotate-vertical", action="store_true",
        help="turn vertical columns a quarter anticlockwise, so every crop reads left to right",
    )  # fmt: skip
    parser.add_argument("--limit", type=int, help="only the first N samples")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (e.g. in logs)")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from textsynth.io.crops import write_crops

    with tqdm(unit="crop", disable=args.no_progress, dynamic_ncols=True, desc="crops") as bar:
        count = write_crops(
            args.dir,
            args.out,
            args.format,
            args.level,
            args.height,
            args.rotate_vertical,
            args.limit,
            bar.update,
        )
    print(f"wrote {count} {args.level} crops to {args.out} ({args.format})", file=sys.stderr)
    return 0
