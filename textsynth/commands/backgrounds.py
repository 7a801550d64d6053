"""List the photographs textsynth can use as backgrounds, their subject, size, licence and package.

Missing files come with the `apt-get install` line that brings them back; `--check` also verifies
each file's sha256 against the manifest. `--scan DIR` prints manifest entries for your own photos.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from textsynth.resources import PHOTOS_MANIFEST

NAME = "backgrounds"
HELP = "list background photos, their licences, and missing packages"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--manifest",
        type=Path,
        default=PHOTOS_MANIFEST,
        help="photo manifest YAML listing the photographs",
    )
    parser.add_argument(
        "--backgrounds",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="extra folder of jpg/png/webp photos to include (repeatable); every file's header is checked",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="also verify each file's sha256 against the manifest; exit 1 if a photo is missing or differs",
    )
    parser.add_argument(
        "--scan",
        type=Path,
        metavar="DIR",
        default=None,
        help="instead of the table, print manifest entries (YAML) for every photo found under DIR",
    )


def run(args: argparse.Namespace) -> int:
    from textsynth.sources.photos import load_photos, manifest_yaml, scan_photo_folder, verify_photos

    if args.scan is not None:
        photos = scan_photo_folder(args.scan)
        print(
            f"# {len(photos)} photos under {args.scan}; fill in subject, license and author, then paste under `photos:`"
        )
        print(manifest_yaml(photos), end="")
        return 0

    found = load_photos(args.manifest, folders=args.backgrounds)
    differs = verify_photos(found.photos) if args.check else {}
    header = ["id", "subject", "size", "license", "package", "status"]
    rows = []
    for photo in found.photos:
        status = "sha256 differs" if photo.id in differs else "ok, sha256 verified" if args.check else "ok"
        rows.append(_row(photo, status))
    for missing in found.missing:
        photo = missing.photo
        hint = (
            f"missing: sudo apt-get install {photo.package}" if photo.package else "missing: file not found"
        )
        rows.append(_row(photo, hint))
    _print_table(header, rows)

    subjects = Counter(p.subject or "unsorted" for p in found.photos)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(subjects.items(), key=lambda kv: (-kv[1], kv[0])))
    print(f"\n{len(found.photos)} photos available ({summary}), {len(found.missing)} missing")
    packages = sorted({m.photo.package for m in found.missing if m.photo.package})
    if packages:
        print(f"note: install the missing ones with `sudo apt-get install {' '.join(packages)}`")
    for missing in found.missing:
        if not missing.photo.package:
            print(f"note: {missing.reason}")
    if args.check and (found.missing or differs):
        return 1
    if not found.photos:
        print("note: no photo is available; backgrounds will all be procedural", file=sys.stderr)
    return 0


def _row(photo, status: str) -> list[str]:
    return [
        photo.id,
        photo.subject or "-",
        f"{photo.width}x{photo.height}",
        photo.license,
        photo.package or "-",
        status,
    ]


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
