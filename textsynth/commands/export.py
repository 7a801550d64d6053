"""Export a render into another project's dataset layout.

`textsynth export anyword DIR --out OUT` writes AnyWord-3M (AnyText's training set): OUT/imgs/KEY.jpg
and OUT/data.json with `data_root`, and per image `img_name`, `caption` (quoted texts replaced by
the `*` slot) and one annotation per text line (`polygon` in integer pixels, `text`, `language`,
`pos` on a 3x3 grid, `valid`). Point AnyText's `json_path` at OUT/data.json.
"""

from __future__ import annotations

import argparse
import sys

NAME = "export"
HELP = "write a render in another dataset layout (anyword: AnyText's AnyWord-3M)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "layout", choices=["anyword"], help="anyword: AnyWord-3M, read by AnyText's T3DataSet"
    )
    parser.add_argument("dir", metavar="DIR", help="the --out folder or fsspec URL of a render run")
    parser.add_argument("--out", required=True, help="folder for imgs/ and data.json")
    parser.add_argument(
        "--size", type=int, default=512,
        help="images are written SIZExSIZE and polygons scaled to match (AnyText resizes images to 512, not polygons)",
    )  # fmt: skip
    parser.add_argument(
        "--caption-language", choices=["en", "zh"], default="en", help="which caption to export"
    )
    parser.add_argument("--limit", type=int, help="export only the first N samples")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (e.g. in logs)")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from textsynth.errors import TextsynthError
    from textsynth.io.anyword import DATA_JSON, export_anyword

    if args.size < 64:
        raise TextsynthError(f"--size must be at least 64 pixels, got {args.size}")
    with tqdm(unit="img", disable=args.no_progress, dynamic_ncols=True, desc="export") as bar:
        content = export_anyword(args.dir, args.out, args.size, args.caption_language, args.limit, bar.update)
    lines = sum(len(item["annotations"]) for item in content["data_list"])
    print(
        f"wrote {len(content['data_list'])} images, {lines} text lines, to {args.out}/{DATA_JSON}",
        file=sys.stderr,
    )
    return 0
