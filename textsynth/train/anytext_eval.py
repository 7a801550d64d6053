"""AnyText's line protocol: each target line is cropped from the image, turned upright and recognised
alone; Sen.ACC (the line read back exactly) and NED are per line.

AnyText (Tuo et al., arXiv:2311.03054, eval/eval_dgocr.py + cldm/recognizer.py) crops every line by
its ground-truth position (minimum-area rectangle, warped upright), rotates crops taller than 1.2×
their width by 90° counter-clockwise, recognises each crop alone and averages over lines and over
4 images per prompt. Two honest differences here:

- Text-to-image prompts carry no positions, so when none are given each target line is *located*:
  PP-OCR detection boxes (and runs of adjacent boxes in one row or column, since detection often
  splits a vertical line into characters) are read alone, and each target takes the candidate whose
  reading is closest to it (greedy, each box used once). Choosing the best candidate is optimistic;
  a line no candidate reads scores 0. With known positions (`boxes=`) it is AnyText's crop exactly.
- The recogniser is PP-OCRv4 (rapidocr, offline) instead of AnyText's DuGuang ConvNeXt-Tiny.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from textsynth.qa import ocr
from textsynth.qa import text_metrics as metrics

Quad = tuple[tuple[float, float], ...]
ROTATE_RATIO = 1.2  # AnyText rotates a crop whose height exceeds 1.2 × its width
MAX_RUN = 8  # longest run of adjacent detection boxes tried as one line


@dataclass(frozen=True)
class LineReading:
    """One target line: what was read for it, where, and its scores."""

    target: str
    pred: str
    box: Quad | None  # None when nothing in the image was matched to the line
    sentence_correct: bool
    ned: float

    def to_json(self) -> dict:
        box = [[round(x, 1), round(y, 1)] for x, y in self.box] if self.box else None
        return {
            "target": self.target,
            "pred": self.pred,
            "box": box,
            "sentence_correct": self.sentence_correct,
            "ned": self.ned,
        }


def _rgb(image: Any) -> np.ndarray:
    """HxWx3 uint8 RGB from a PIL image or an array."""
    array = np.asarray(image.convert("RGB") if hasattr(image, "convert") else image)
    return np.ascontiguousarray(np.stack([array] * 3, axis=-1) if array.ndim == 2 else array[..., :3])


def order_quad(points: Any) -> Quad:
    """Corners as (top-left, top-right, bottom-right, bottom-left), the order AnyText's crop uses."""
    pts = sorted((float(x), float(y)) for x, y in np.asarray(points).reshape(-1, 2))
    left, right = sorted(pts[:2], key=lambda p: p[1]), sorted(pts[2:], key=lambda p: p[1])
    return (left[0], right[0], right[1], left[1])


def min_area_quad(points: Any) -> Quad:
    """The minimum-area rectangle around points (cv2.minAreaRect), as an ordered quad."""
    import cv2

    rect = cv2.minAreaRect(np.asarray(points, dtype=np.float32).reshape(-1, 2))
    return order_quad(cv2.boxPoints(rect))


def crop_upright(image: np.ndarray, quad: Quad) -> np.ndarray:
    """Warp the quad to an axis-aligned crop; rotate it 90° counter-clockwise if it is tall (a vertical line)."""
    import cv2

    src = np.asarray(quad, dtype=np.float32)
    width = max(np.linalg.norm(src[0] - src[1]), np.linalg.norm(src[2] - src[3]))
    height = max(np.linalg.norm(src[0] - src[3]), np.linalg.norm(src[1] - src[2]))
    width, height = max(round(width), 1), max(round(height), 1)
    dst = np.asarray([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    crop = cv2.warpPerspective(
        image, cv2.getPerspectiveTransform(src, dst), (width, height), borderMode=cv2.BORDER_REPLICATE
    )
    if height > ROTATE_RATIO * width:
        crop = np.ascontiguousarray(np.rot90(crop, 1))
    return crop


def read_crop(image: np.ndarray, quad: Quad) -> str:
    """Recognise one line alone (no detection), whitespace removed."""
    crop = crop_upright(image, quad)
    if min(crop.shape[:2]) < 4:
        return ""
    text, _ = ocr.recognize(crop)
    return "".join(text.split())


def _runs(lines: list[ocr.OcrLine]) -> list[tuple[int, ...]]:
    """Index runs of detection boxes that could be one line: each box alone, plus runs of neighbours
    along a row (left to right) or a column (top to bottom) with gaps under one box size."""
    boxes = [np.asarray(line.box, dtype=np.float32) for line in lines]
    runs: set[tuple[int, ...]] = {(i,) for i in range(len(boxes))}
    for axis in (0, 1):  # 0: rows (advance in x), 1: columns (advance in y)
        across = 1 - axis

        def centre(i: int, a: int) -> float:
            return float(boxes[i][:, a].mean())

        def extent(i: int, a: int) -> float:
            return float(np.ptp(boxes[i][:, a]))

        order = sorted(range(len(boxes)), key=lambda i: centre(i, axis))
        for start_pos, first in enumerate(order):
            run = [first]
            for nxt in order[start_pos + 1 :]:
                last = run[-1]
                aligned = abs(centre(nxt, across) - centre(first, across)) <= 0.5 * max(
                    extent(first, across), extent(nxt, across)
                )
                gap = boxes[nxt][:, axis].min() - boxes[last][:, axis].max()
                if not aligned:
                    continue
                if gap > max(extent(last, axis), extent(nxt, axis)) or len(run) == MAX_RUN:
                    break
                run.append(nxt)
                runs.add(tuple(run))
    return sorted(runs, key=lambda r: (len(r), r))


def locate_lines(image: Any, targets: list[str]) -> list[LineReading]:
    """Find each target line among the image's detections (see the module docstring) and score it."""
    array = _rgb(image)
    detections = ocr.read_image(array)
    candidates = []
    for run in _runs(detections):
        points = np.concatenate([np.asarray(detections[i].box) for i in run])
        quad = order_quad(detections[run[0]].box) if len(run) == 1 else min_area_quad(points)
        candidates.append((set(run), quad, read_crop(array, quad)))
    pairs = sorted(
        (
            (-metrics.edit_similarity(pred, target), len(members), t, c)
            for t, target in enumerate(targets)
            for c, (members, _, pred) in enumerate(candidates)
            if pred
        ),
    )
    chosen: dict[int, int] = {}
    used: set[int] = set()
    for negative_ned, _, t, c in pairs:
        if t in chosen or candidates[c][0] & used or negative_ned == 0:
            continue
        chosen[t] = c
        used |= candidates[c][0]
    readings = []
    for t, target in enumerate(targets):
        quad, pred = (candidates[chosen[t]][1], candidates[chosen[t]][2]) if t in chosen else (None, "")
        readings.append(_score(target, pred, quad))
    return readings


def read_lines_at(image: Any, targets: list[str], boxes: list[Any]) -> list[LineReading]:
    """AnyText's protocol with known positions: crop each line's box, upright, recognise alone."""
    array = _rgb(image)
    readings = []
    for target, box in zip(targets, boxes, strict=True):
        quad = min_area_quad(box)
        readings.append(_score(target, read_crop(array, quad), quad))
    return readings


def _score(target: str, pred: str, quad: Quad | None) -> LineReading:
    return LineReading(
        target, pred, quad, metrics.sentence_correct(pred, target), metrics.edit_similarity(pred, target)
    )
