"""Audit a rendered dataset with OCR: how much of the text reads back, and where it does not.

Reads shards from a folder, reads every text item back (`textsynth.qa.readback`), and breaks
exact-match rate and mean normalised edit distance down by template, font, direction,
text size and effect; draws a contact sheet of the worst failures so a person can see why.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SIZE_BUCKETS = (0, 16, 24, 32, 48, 64)  # lower edges of the text size buckets, px
GROUPS = ("template", "font", "direction", "size", "effect")


@dataclass
class ItemRow:
    """One text item of the audit: where it came from, what it looks like, how it read back."""

    key: str
    template: str
    font: str
    direction: str
    size_px: int
    effects: list[str]
    text: str
    ocr: str
    exact: bool
    distance: float  # normalised edit distance, 0 = read exactly
    confidence: float
    strip: np.ndarray | None = field(default=None, repr=False)  # the rectified crop, kept for failures

    def group_values(self, group: str) -> list[str]:
        if group == "effect":
            return self.effects or ["none"]
        if group == "size":
            return [size_bucket(self.size_px)]
        return [str(getattr(self, group))]


def size_bucket(size_px: int) -> str:
    lower = max(b for b in SIZE_BUCKETS if b <= size_px)
    i = SIZE_BUCKETS.index(lower)
    return f"{lower}+ px" if i == len(SIZE_BUCKETS) - 1 else f"{lower}-{SIZE_BUCKETS[i + 1] - 1} px"


def item_effects(text: dict[str, Any], record: dict[str, Any]) -> list[str]:
    """Names of what was done to one item: its own style and posture, then the scene's warps and lighting."""
    return [*text["styles"], *(f"scene:{name}" for name in (*record["geometry"], *record["effects"]))]


def iter_samples(folder: str | Path, limit: int | None = None) -> Iterator[tuple[np.ndarray, dict[str, Any]]]:
    """(RGB image, KEY.json record) for each sample in the folder's shards, in key order."""
    from textsynth.io.reader import iter_images

    return iter_images(str(folder), limit)


def audit_rows(folder: str | Path, samples: int | None = None, keep_strips: bool = True) -> list[ItemRow]:
    """Read back every text item of the first `samples` samples (all when None)."""
    from textsynth.qa.readback import item_strips, read_back_record

    rows = []
    for image, record in iter_samples(folder, samples):
        scores = read_back_record(image, record)
        for text, score in zip(record["texts"], scores, strict=True):
            row = ItemRow(
                key=record["key"], template=record["template"], font=text["font"], direction=text["direction"],
                size_px=int(text["size_px"]), effects=item_effects(text, record), text=text["text"], ocr=score.ocr,
                exact=score.exact, distance=score.distance, confidence=score.confidence,
            )  # fmt: skip
            if keep_strips and not score.exact:
                strips = item_strips(image, text, text["lines"])
                row.strip = _stack(strips)
            rows.append(row)
    return rows


def _stack(strips: list[np.ndarray]) -> np.ndarray:
    width = max(s.shape[1] for s in strips)
    padded = [np.pad(s, ((0, 2), (0, width - s.shape[1]), (0, 0)), constant_values=255) for s in strips]
    return np.concatenate(padded, axis=0)


def summarise(rows: list[ItemRow]) -> dict[str, Any]:
    """n, exact-match rate and mean NED of a set of items."""
    if not rows:
        return {"n": 0, "exact": None, "distance": None}
    return {
        "n": len(rows),
        "exact": round(float(np.mean([r.exact for r in rows])), 4),
        "distance": round(float(np.mean([r.distance for r in rows])), 4),
    }


def breakdown(rows: list[ItemRow], group: str) -> dict[str, dict[str, Any]]:
    """Summaries per value of one group (an item with several effects counts under each)."""
    by: dict[str, list[ItemRow]] = defaultdict(list)
    for row in rows:
        for value in row.group_values(group):
            by[value].append(row)
    return {value: summarise(items) for value, items in sorted(by.items())}


def report(rows: list[ItemRow], min_size: int = 0) -> dict[str, Any]:
    """The audit as JSON: overall, items of 24 px and more, and breakdowns of items >= min_size."""
    selected = [r for r in rows if r.size_px >= min_size]
    return {
        "overall": summarise(rows),
        "size_24_plus": summarise([r for r in rows if r.size_px >= 24]),
        "min_size": min_size,
        "breakdown": {group: breakdown(selected, group) for group in GROUPS},
        "failures": [
            {
                k: getattr(r, k)
                for k in ("key", "template", "font", "size_px", "text", "ocr", "distance", "confidence")
            }
            for r in worst(rows, 200)
        ],
    }


def worst(rows: list[ItemRow], n: int) -> list[ItemRow]:
    """The n worst read-backs: largest edit distance, then lowest confidence, largest text first."""
    failed = [r for r in rows if not r.exact]
    return sorted(failed, key=lambda r: (-r.distance, r.confidence, -r.size_px, r.key))[:n]


def format_table(summary: dict[str, Any], below: float = 0.9) -> str:
    """Plain-text tables of a report; groups under `below` exact match are marked with '<'."""
    lines = []
    for name in ("overall", "size_24_plus"):
        s = summary[name]
        if s["n"]:
            lines.append(
                f"{name:<14} n={s['n']:<6} exact={s['exact']:.3f}  mean edit distance={s['distance']:.3f}"
            )
    for group, table in summary["breakdown"].items():
        size_note = f" (items >= {summary['min_size']} px)" if summary["min_size"] else ""
        lines.append(f"\nby {group}{size_note}:")
        width = max((len(v) for v in table), default=5)
        for value, s in table.items():
            flag = " <" if s["exact"] is not None and s["exact"] < below else ""
            lines.append(
                f"  {value:<{width}}  n={s['n']:<6} exact={s['exact']:.3f}  distance={s['distance']:.3f}{flag}"
            )
    return "\n".join(lines)


def failure_sheet(rows: list[ItemRow], n: int = 24, width: int = 900) -> np.ndarray:
    """A tall RGB image: for each of the n worst items, its crop, the truth and what OCR read."""
    from PIL import Image, ImageDraw

    chosen = [r for r in worst(rows, n) if r.strip is not None]
    font = _label_font("".join(r.text + r.ocr for r in chosen))
    cells = []
    for r in chosen:
        strip = Image.fromarray(r.strip)
        scale = min(1.0, (width - 20) / strip.width)
        strip = strip.resize((max(1, int(strip.width * scale)), max(1, int(strip.height * scale))))
        cell = Image.new("RGB", (width, strip.height + 70), "white")
        cell.paste(strip, (10, 6))
        draw = ImageDraw.Draw(cell)
        y = strip.height + 10
        draw.text((10, y), f"truth: {r.text}", fill=(0, 110, 0), font=font)
        draw.text((10, y + 20), f"OCR:   {r.ocr or '(nothing)'}", fill=(190, 0, 0), font=font)
        meta = f"{r.key} {r.template} {r.font} {r.size_px}px {r.direction} distance={r.distance:.2f} conf={r.confidence:.2f}"
        draw.text(
            (10, y + 40),
            meta + (" " + ",".join(r.effects) if r.effects else ""),
            fill=(90, 90, 90),
            font=font,
        )
        draw.line([(0, cell.height - 1), (width, cell.height - 1)], fill=(200, 200, 200))
        cells.append(np.asarray(cell))
    if not cells:
        sheet = Image.new("RGB", (width, 40), "white")
        ImageDraw.Draw(sheet).text((10, 10), "no OCR failures", fill=(0, 110, 0), font=font)
        return np.asarray(sheet)
    return np.concatenate(cells, axis=0)


def _label_font(text: str):
    """A CJK face that covers the labels (sans when there is one), at a readable size."""
    from textsynth.sources.fonts import default_library, get_font

    library = default_library()
    faces = library.candidates(text, styles=["sans"]) or library.candidates(text) or list(library.faces)
    return get_font(faces[0], 16)


def run_audit(
    folder: str | Path, samples: int | None, out_dir: str | Path, n_failures: int = 24, min_size: int = 0
):
    """Audit a folder; write audit.json and audit_failures.png into out_dir; return the report."""
    from PIL import Image

    rows = audit_rows(folder, samples)
    summary = report(rows, min_size)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "audit.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    Image.fromarray(failure_sheet(rows, n_failures)).save(out_dir / "audit_failures.png")
    return summary
