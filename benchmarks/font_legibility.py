"""OCR read-back rate per font face: can a reader (RapidOCR's PP-OCR recogniser) read each face at all?

    python benchmarks/font_legibility.py [--manifest manifests/fonts_npm.yaml ...] [--n 200] [--sizes 48 24]
                                         [--only ID,...] [--threshold 0.9] [--json OUT.json]

For every face, the same seeded draw of words from corpora/words_50k.tsv (only words whose every character
is in the face's cmap: some faces draw a missing character as silent blank space, so the cmap is the only
truth) is set black on white at each size, one word per image, and recognised without detection. The rate
is the share read back exactly. Prints a table; faces under --threshold at the first size are marked DROP.
`file:` paths may use ${TEXTSYNTH_FONT_DIR} (see scripts/fetch_fonts.py for its default).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import yaml
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent
from textsynth.resources import font_dir  # noqa: E402
from textsynth.sources.fonts import FONT_DIR_TOKEN  # noqa: E402


def load_faces(manifests: list[Path], fonts: Path) -> list[dict]:
    faces = []
    for manifest in manifests:
        for face in yaml.safe_load(manifest.read_text(encoding="utf-8"))["faces"]:
            file = str(face["file"])
            if file.startswith(FONT_DIR_TOKEN):
                file = str(fonts) + file[len(FONT_DIR_TOKEN) :]
            elif not os.path.isabs(file):
                file = str(manifest.parent / file)
            faces.append({**face, "file": file, "index": int(face.get("index", 0))})
    return faces


def read_words(path: Path, seed: int) -> list[str]:
    """All corpus words in one seeded order, so every face is tested on (nearly) the same words."""
    words = []
    with open(path, encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[1].strip():
                words.append(parts[1].strip())
    order = np.random.default_rng(seed).permutation(len(words))
    return [words[i] for i in order]


def render(word: str, font: ImageFont.FreeTypeFont, size: int) -> Image.Image:
    left, top, right, bottom = font.getbbox(word)
    pad = max(4, size // 4)
    image = Image.new("RGB", (right - left + 2 * pad, bottom - top + 2 * pad), "white")
    ImageDraw.Draw(image).text((pad - left, pad - top), word, font=font, fill="black")
    return image


def measure(face: dict, words: list[str], n: int, sizes: list[int], engine) -> dict:
    cmap = set(TTFont(face["file"], fontNumber=face["index"], lazy=True).getBestCmap())
    chosen = [w for w in words if all(ord(c) in cmap for c in w)][:n]
    result: dict = {
        "id": face["id"],
        "style": face.get("style"),
        "script": face.get("script"),
        "n": len(chosen),
    }
    for size in sizes:
        font = ImageFont.truetype(face["file"], size, index=face["index"])
        ok, misses, start = 0, [], time.perf_counter()
        for word in chosen:
            rec, _ = engine(np.asarray(render(word, font, size)), use_det=False, use_cls=False)
            text = str(rec[0][0]).replace(" ", "") if rec else ""
            if text == word:
                ok += 1
            elif len(misses) < 5:
                misses.append(f"{word}->{text}")
        result[f"rate@{size}"] = ok / max(1, len(chosen))
        result[f"ms@{size}"] = 1000 * (time.perf_counter() - start) / max(1, len(chosen))
        result[f"misses@{size}"] = misses
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--manifest", type=Path, action="append", help="font manifest(s); default manifests/fonts_npm.yaml"
    )
    parser.add_argument(
        "--font-dir", type=Path, default=None, help="value of ${TEXTSYNTH_FONT_DIR} in file: paths"
    )
    parser.add_argument(
        "--words", type=Path, default=REPO / "corpora" / "words_50k.tsv", help="rank<TAB>word<TAB>freq file"
    )
    parser.add_argument("--n", type=int, default=200, help="words per face")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[48, 24], help="font sizes in px; the first decides"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the word draw")
    parser.add_argument("--only", default="", help="comma-separated face ids (default: all)")
    parser.add_argument(
        "--threshold", type=float, default=0.9, help="keep faces whose rate at the first size is >= this"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the per-face results here")
    args = parser.parse_args()
    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR()
    faces = load_faces(args.manifest or [REPO / "manifests" / "fonts_npm.yaml"], args.font_dir or font_dir())
    only = {s for s in args.only.split(",") if s}
    words = read_words(args.words, args.seed)
    results = []
    header = f"{'face':<26} {'style':<12} {'scr':<3} {'n':>4} " + " ".join(
        f"{'@' + str(s) + 'px':>7}" for s in args.sizes
    )
    print(header + "  verdict  examples of misreads")
    for face in faces:
        if only and face["id"] not in only:
            continue
        if not os.path.exists(face["file"]):
            print(f"{face['id']:<26} missing {face['file']} (run scripts/fetch_fonts.py)")
            continue
        r = measure(face, words, args.n, args.sizes, engine)
        r["keep"] = r[f"rate@{args.sizes[0]}"] >= args.threshold
        results.append(r)
        rates = " ".join(f"{r[f'rate@{s}']:>7.1%}" for s in args.sizes)
        verdict = "keep" if r["keep"] else "DROP"
        print(
            f"{r['id']:<26} {r['style']!s:<12} {r['script']!s:<3} {r['n']:>4} {rates}  {verdict:<7}  {', '.join(r[f'misses@{args.sizes[0]}'][:3])}",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
