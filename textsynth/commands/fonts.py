"""List the font faces textsynth can use, how much of the word list each can set, and what is missing.

Missing files come with the `apt-get install` line that brings them back; `--check` also verifies
each file's sha256 against the manifest. `--scan DIR` prints manifest entries for your own fonts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from textsynth.errors import TextsynthError
from textsynth.resources import CORPORA_DIR, FONTS_MANIFEST

NAME = "fonts"
HELP = "list font faces, their coverage of the word list, and missing packages"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--manifest", type=Path, default=FONTS_MANIFEST, help="font manifest YAML listing the faces"
    )
    parser.add_argument(
        "--fonts-dir",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="extra folder of .ttf/.otf/.ttc fonts to include (repeatable)",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=CORPORA_DIR / "words_50k.tsv",
        help="word list (TSV: rank, word, freq) whose characters and words coverage is measured on; "
        "the coverage columns are left out when it does not exist",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="also verify each file's sha256 against the manifest; exit 1 if a face is missing or differs",
    )
    parser.add_argument(
        "--scan",
        type=Path,
        metavar="DIR",
        default=None,
        help="instead of the table, print manifest entries (YAML) for every font face found under DIR",
    )


def run(args: argparse.Namespace) -> int:
    from textsynth.sources.fonts import FontLibrary, manifest_yaml, scan_dir

    if args.scan is not None:
        faces = scan_dir(args.scan)
        if not faces:
            print(f"# no .ttf/.otf/.ttc/.otc fonts under {args.scan}", file=sys.stderr)
            return 1
        print(f"# {len(faces)} faces under {args.scan}; check style/script, then paste under `faces:`")
        print(manifest_yaml(faces), end="")
        return 0

    library = FontLibrary.load(args.manifest, extra_dirs=args.fonts_dir)
    words = _read_words(args.corpus) if args.corpus.is_file() else None
    mismatched = library.verify() if args.check else {}

    coverage = library.word_coverage(words) if words is not None else None
    header = [
        "id",
        "style",
        "weight",
        "script",
        *(["chars", "words"] if coverage is not None else []),
        "status",
    ]

    rows = []
    for face in library.faces:
        row = [face.id, face.style, str(face.weight), face.script]
        if coverage is not None:
            n, total = coverage.chars[face.id]
            row += [
                f"{n}/{total} ({100 * n / max(total, 1):.1f}%)",
                f"{coverage.words_by_face[face.id]}/{coverage.words}",
            ]
        status = "ok, sha256 verified" if args.check else "ok"
        row.append("sha256 differs" if face.id in mismatched else status)
        rows.append(row)
    for missing in library.missing:
        face = missing.face
        row = [face.id, face.style, str(face.weight), face.script]
        if coverage is not None:
            row += ["-", "-"]
        hint = f"missing: sudo apt-get install {face.package}" if face.package else "missing: file not found"
        row.append(hint)
        rows.append(row)
    _print_table(header, rows)

    styles = ", ".join(library.styles())
    print(f"\n{len(library.faces)} faces available ({styles}), {len(library.missing)} missing")
    if coverage is not None:
        print(
            f"{coverage.words - coverage.unset}/{coverage.words} words of {args.corpus} can be set in at least one face"
        )
    for missing in library.missing:
        print(f"note: {missing.reason}")
    for note in library.notes:
        print(f"note: {note}")
    if args.check and (library.missing or mismatched):
        return 1
    return 0


def _read_words(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise TextsynthError(f"{path}: cannot read word list ({err})") from None
    if not lines or lines[0].split("\t")[:2] != ["rank", "word"]:
        raise TextsynthError(f"{path}: word list must start with the header 'rank<TAB>word<TAB>freq'")
    words = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if len(cells) < 2 or not cells[1]:
            raise TextsynthError(f"{path}: line {number}: expected 'rank<TAB>word<TAB>freq', got {line!r}")
        words.append(cells[1])
    return words


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
