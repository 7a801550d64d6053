"""OCR read-back: does each rendered text item read as its ground truth?

Every item is rectified from its character polygons (final image pixels, after all
geometry) into one horizontal strip, recognised with rapidocr's PP-OCR model
(`textsynth.qa.ocr.recognize`) and scored by exact match and normalised edit distance.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from textsynth.qa.text_metrics import edit_distance  # one Levenshtein for QA and training metrics

STRIP_HEIGHT = 48  # recogniser input height; PP-OCR rescales to 48 anyway
_PAD = 0.08  # fraction of the char height added around each cell, so ink edges survive


@dataclass
class ItemScore:
    """One text item read back: ground truth, OCR output, and how close they are."""

    text: str
    ocr: str
    exact: bool
    distance: float  # normalised edit distance: 0 = identical, 1 = nothing in common
    confidence: float  # the recogniser's own score

    @property
    def similarity(self) -> float:
        return 1.0 - self.distance

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# Glyphs no reader can tell apart out of context: a horizontal stroke is 一 (one), — (dash) or ー
# (the katakana long mark) only by meaning, and a handwritten dash *is* the brush's 一 stroke. Folding them
# keeps the audit judging the rendering, not the recogniser's guess at which code point was meant.
_LOOKALIKES = str.maketrans({"一": "-", "—": "-", "―": "-", "ー": "-", "─": "-", "‐": "-", "–": "-"})


def normalise(text: str) -> str:
    """Compare what a reader sees: NFKC (full/half width), no whitespace, upper-case Latin, look-alike
    horizontal strokes folded to one."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper().translate(_LOOKALIKES)


def score_item(truth: str, ocr: str, confidence: float = 0.0) -> ItemScore:
    """How a reading of one text item compares with its truth, as a reader sees them (normalise)."""
    t, o = normalise(truth), normalise(ocr)
    distance = edit_distance(t, o) / max(len(t), len(o), 1)
    return ItemScore(
        text=truth, ocr=ocr, exact=t == o, distance=round(distance, 4), confidence=round(confidence, 4)
    )


def _cell_size(poly: np.ndarray) -> tuple[float, float]:
    """Width and height of a 4-point cell (TL, TR, BR, BL), averaged over opposite edges."""
    width = (np.linalg.norm(poly[1] - poly[0]) + np.linalg.norm(poly[2] - poly[3])) / 2
    height = (np.linalg.norm(poly[3] - poly[0]) + np.linalg.norm(poly[2] - poly[1])) / 2
    return float(width), float(height)


def _padded(poly: np.ndarray, pad: float) -> np.ndarray:
    """Grow a cell about its centre along its own axes by `pad` (pixels)."""
    ux = (poly[1] - poly[0] + poly[2] - poly[3]) / 2
    uy = (poly[3] - poly[0] + poly[2] - poly[1]) / 2
    ux = ux / max(np.linalg.norm(ux), 1e-6)
    uy = uy / max(np.linalg.norm(uy), 1e-6)
    grow = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float64)
    return poly + pad * (grow[:, :1] * ux + grow[:, 1:] * uy)


def char_lines(
    texts_chars: list[dict[str, Any]], lines: list[str] | None, text: str
) -> list[list[np.ndarray]]:
    """Split an item's char polygons into its lines (columns), in layout order.

    The layout emits characters line by line and skips spaces, so the line lengths
    (without spaces) cut the list; without `lines` the whole item is one line.
    """
    polys = [np.asarray(c["polygon"], dtype=np.float64) for c in texts_chars]
    lengths = [len("".join(line.split())) for line in (lines or [text])]
    if sum(lengths) != len(polys):
        return [polys]
    out, start = [], 0
    for n in lengths:
        if n:
            out.append(polys[start : start + n])
        start += n
    return out


def _straight(cells: list[np.ndarray]) -> bool:
    """Cells along one straight line (no arc): their top edges point the same way."""
    angles = [np.arctan2(*(c[1] - c[0])[::-1]) for c in cells]
    return len(cells) > 0 and float(np.ptp(np.unwrap(angles))) < np.radians(2.0)


def _warp(image: np.ndarray, quad: np.ndarray, height: int) -> np.ndarray:
    import cv2

    w, h = _cell_size(quad)
    out_w = max(4, round(height * w / max(h, 1e-6)))
    dst = np.float32([[0, 0], [out_w, 0], [out_w, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    return cv2.warpPerspective(
        image, matrix, (out_w, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def _border_colour(piece: np.ndarray) -> np.ndarray:
    border = np.concatenate([piece[0], piece[-1], piece[:, 0], piece[:, -1]])
    return np.median(border, axis=0).astype(np.uint8)


def rectify_line(
    image: np.ndarray, cells: list[np.ndarray], vertical: bool = False, height: int = STRIP_HEIGHT
) -> np.ndarray:
    """One upright strip `height` px tall for a line (or column) of char cells.

    A straight horizontal line is warped as one quad (exact under perspective); columns
    and arcs are warped cell by cell and joined left to right, so the recogniser reads them.
    """
    cells = [c for c in cells if min(_cell_size(c)) >= 1]
    if not cells:
        return np.zeros((height, height, 3), dtype=np.uint8)
    if not vertical and _straight(cells):
        first, last = cells[0], cells[-1]
        quad = np.array([first[0], last[1], last[2], first[3]])
        strip = _warp(image, _padded(quad, _PAD * _cell_size(first)[1]), height)
    else:
        pieces = [_warp(image, _padded(c, _PAD * _cell_size(c)[1]), height) for c in cells]
        fill = _border_colour(np.concatenate(pieces, axis=1))
        gap = np.broadcast_to(fill, (height, max(2, height // 12), 3))
        joined = [p for piece in pieces for p in (piece, gap)][:-1]
        strip = np.concatenate(joined, axis=1)
    fill = _border_colour(strip)
    margin = np.broadcast_to(fill, (height, height // 4, 3))
    return np.ascontiguousarray(np.concatenate([margin, strip, margin], axis=1))


def item_strips(image: np.ndarray, text: dict[str, Any], lines: list[str] | None = None) -> list[np.ndarray]:
    """The rectified strips of one item (one per line or column), from its shard `texts` entry."""
    vertical = text.get("direction") == "ttb"
    return [
        rectify_line(image, cells, vertical)
        for cells in char_lines(text.get("chars", []), lines, text["text"])
    ]


def read_item(image: np.ndarray, text: dict[str, Any], lines: list[str] | None = None) -> ItemScore:
    """Recognise one item line by line and score the joined result against its text."""
    from textsynth.qa.ocr import recognize

    parts, scores = [], []
    for strip in item_strips(image, text, lines):
        ocr, confidence = recognize(strip)
        parts.append(ocr)
        scores.append(confidence)
    return score_item(text["text"], "".join(parts), float(np.mean(scores)) if scores else 0.0)


def read_back(
    image: np.ndarray, texts: list[dict[str, Any]], lines: list[list[str]] | None = None
) -> list[ItemScore]:
    """Score every item of a sample; `lines` (from the scene) splits multi-line items."""
    lines = lines or [None] * len(texts)  # type: ignore[list-item]
    return [read_item(image, text, item_lines) for text, item_lines in zip(texts, lines, strict=True)]


def read_back_sample(sample: Any) -> list[ItemScore]:
    """Read back a freshly rendered `textsynth.pipeline.Sample`."""
    texts = [t.to_json() for t in sample.texts]
    return read_back(sample.image, texts, [item.lines for item in sample.scene.texts])


def read_back_record(image: np.ndarray, record: dict[str, Any]) -> list[ItemScore]:
    """Read back a sample from a shard: its decoded image and KEY.json record."""
    return read_back(image, record["texts"], [t["lines"] for t in record["texts"]])


def passes_ocr(scores: list[ItemScore], min_score: float) -> bool:
    """The OCR gate: every item must read back with similarity (1 - NED) of at least `min_score`."""
    return all(s.similarity >= min_score for s in scores)
