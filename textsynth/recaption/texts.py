"""OCR lines → text items: polygon, text, score, direction, size; filtered by score, size and count.

Direction comes from the box and the text: a box much taller than wide holding two or more
CJK characters is a vertical (ttb) line; anything else reads left to right. The size is the
character size: a horizontal line's height, a vertical line's width.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

QUOTE_CHARS = '“”"「」『』‘’'  # removed from OCR text: in captions, quote marks delimit the text itself
VERTICAL_ASPECT = 1.5  # height / width of a box above which a CJK line is a column


@dataclass(frozen=True)
class Filters:
    min_ocr_score: float = 0.8
    min_text_height: float = 10.0
    max_lines: int = 20


@dataclass
class FoundText:
    text: str
    score: float
    polygon: list[list[float]]  # 4 points, clockwise from top-left, image pixels
    direction: str  # "ltr" or "ttb"
    size_px: int  # character size
    reason: str = ""  # why it was dropped ("" when kept)

    def bbox(self) -> tuple[float, float, float, float]:
        xs, ys = [p[0] for p in self.polygon], [p[1] for p in self.polygon]
        return min(xs), min(ys), max(xs), max(ys)

    def to_json(self, primary: bool = False) -> dict[str, Any]:
        return {
            "text": self.text, "role": "ocr", "direction": self.direction, "polygon": self.polygon,
            "score": self.score, "size_px": self.size_px, "primary": primary, "lines": [self.text],
        }  # fmt: skip


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0002ffff"


def measure(box: Any, text: str) -> tuple[str, float]:
    """(direction, character size in pixels) of one OCR box (4 points, clockwise from top-left)."""
    p = np.asarray(box, dtype=np.float64)
    width = (np.linalg.norm(p[1] - p[0]) + np.linalg.norm(p[2] - p[3])) / 2
    height = (np.linalg.norm(p[3] - p[0]) + np.linalg.norm(p[2] - p[1])) / 2
    cjk = sum(_is_cjk(c) for c in text)
    if height > VERTICAL_ASPECT * width and len(text) >= 2 and cjk * 2 >= len(text):
        return "ttb", float(width)
    return "ltr", float(min(width, height) if len(text) <= 1 else height)


def from_ocr(lines: list[Any]) -> list[FoundText]:
    """OcrLine (textsynth.qa.ocr) → FoundText, coordinates rounded so records are stable across machines."""
    found = []
    for line in lines:
        text = " ".join("".join(c for c in line.text if c not in QUOTE_CHARS).split())
        if not text:
            continue
        direction, size = measure(line.box, text)
        polygon = [[round(float(x), 1), round(float(y), 1)] for x, y in line.box]
        found.append(FoundText(text, round(float(line.score), 4), polygon, direction, round(size)))
    return found


def select(found: list[FoundText], filters: Filters) -> tuple[list[FoundText], list[FoundText]]:
    """(kept in reading order, dropped with a reason): low score, too small, then beyond the largest max_lines."""
    kept, dropped = [], []
    for item in found:
        if item.score < filters.min_ocr_score:
            item.reason = "low_score"
        elif item.size_px < filters.min_text_height:
            item.reason = "too_small"
        (dropped if item.reason else kept).append(item)
    if len(kept) > filters.max_lines:
        by_size = sorted(kept, key=lambda t: (-t.size_px, *t.bbox()[1::-1]))
        for item in by_size[filters.max_lines :]:
            item.reason = "over_max_lines"
        dropped += by_size[filters.max_lines :]
        kept = by_size[: filters.max_lines]
    return reading_order(kept), dropped


def reading_order(items: list[FoundText]) -> list[FoundText]:
    """Rows top to bottom (an item whose centre lies inside a row's first box joins it), left to right."""
    rows: list[list[FoundText]] = []
    for item in sorted(items, key=lambda t: (t.bbox()[1], t.bbox()[0])):
        _, y0, _, y1 = item.bbox()
        centre = (y0 + y1) / 2
        if rows and rows[-1][0].bbox()[1] <= centre <= rows[-1][0].bbox()[3]:
            rows[-1].append(item)
        else:
            rows.append([item])
    return [item for row in rows for item in sorted(row, key=lambda t: t.bbox()[0])]


def primary_index(items: list[FoundText]) -> int:
    """The most prominent line: the largest characters, then the earliest in reading order."""
    return max(range(len(items)), key=lambda i: (items[i].size_px, -i)) if items else -1


def drop_counts(dropped: list[FoundText]) -> dict[str, int]:
    return dict(Counter(item.reason for item in dropped))
