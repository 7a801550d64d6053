"""Render a template many times into one contact-sheet image, to judge it by eye.

NAME_OR_PATH is a built-in template name (see `textsynth templates`) or a template YAML file.
`--boxes` draws each word polygon (green) and character polygon (magenta) as written to the shards.
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "preview"
HELP = "write a contact sheet of renders of one template"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("template", metavar="NAME_OR_PATH", help="template name or YAML path")
    parser.add_argument(
        "--out", type=Path, required=True,
        help="output image (.png, .jpg or .webp); a missing folder is created, one that cannot be is an error "
        "before anything is rendered",
    )  # fmt: skip
    parser.add_argument("--n", type=int, default=16, help="number of renders on the sheet")
    parser.add_argument("--seed", type=int, default=0, help="run seed; the same seed gives the same sheet")
    parser.add_argument("--size", default="512x512", help="render size WxH (templates keep its area)")
    parser.add_argument(
        "--aspects", default="template",
        help="canvas shapes, as for render: template, fixed, or e.g. portrait,square,landscape,banner",
    )  # fmt: skip
    parser.add_argument("--tile", type=int, default=256, help="pixel size of each square tile")
    parser.add_argument("--boxes", action="store_true", help="draw word and character polygons")
    parser.add_argument("--backgrounds", default=None, help="folder of photos to mix in as backgrounds")


def run(args: argparse.Namespace) -> int:
    from textsynth.config import parse_size
    from textsynth.qa.preview import check_output, preview_template, write_image

    check_output(args.out)  # before minutes of rendering, not after
    sheet = preview_template(
        args.template, n=args.n, seed=args.seed, size=parse_size(args.size), boxes=args.boxes,
        backgrounds=args.backgrounds, tile=args.tile, aspects=args.aspects,
    )  # fmt: skip
    path = write_image(sheet, args.out)
    print(f"wrote {path} ({args.n} renders of {args.template})")
    return 0
