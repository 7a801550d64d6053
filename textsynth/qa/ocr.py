"""The shared OCR judge: rapidocr's offline PP-OCR models behind a small API.

One engine per process (loading the ONNX models takes about a second). Images are
PIL images or HxWx3 uint8 RGB arrays. Used by the fine-tune evaluation and the
renderer's read-back check.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from textsynth.errors import TextsynthError

Point = tuple[float, float]


@dataclass(frozen=True)
class OcrLine:
    """One detected text line: recognised text, recognition confidence, 4-point box in image pixels."""

    text: str
    score: float
    box: tuple[Point, Point, Point, Point]


@functools.lru_cache(maxsize=1)
def engine() -> Any:
    """The process-wide RapidOCR engine (PP-OCRv4 det + cls + rec, CPU, no network)."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise TextsynthError(
            "OCR needs rapidocr-onnxruntime, which is not installed: pip install 'textsynth[ocr]'"
        ) from err
    return RapidOCR()


def _as_rgb_array(image: Any) -> np.ndarray:
    """RapidOCR reads BGR-or-RGB uint8 arrays; give it RGB so colour never matters to callers."""
    if hasattr(image, "convert"):
        image = np.asarray(image.convert("RGB"))
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    if array.dtype != np.uint8:
        raise ValueError(f"OCR expects uint8 pixels, got {array.dtype}")
    return np.ascontiguousarray(array[..., :3])


def read_image(image: Any) -> list[OcrLine]:
    """Detect and recognise every text line in a whole image (det + angle cls + rec)."""
    result, _ = engine()(_as_rgb_array(image))
    lines = []
    for box, text, score in result or []:
        points = tuple((float(x), float(y)) for x, y in box)
        lines.append(OcrLine(text=str(text), score=float(score), box=points))  # type: ignore[arg-type]
    return lines


def recognize(crop: Any) -> tuple[str, float]:
    """Recognise one already-cropped horizontal text line (no detection); ('', 0.0) when nothing reads."""
    result, _ = engine()(_as_rgb_array(crop), use_det=False, use_cls=False)
    if not result:
        return "", 0.0
    text, score = result[0]
    return str(text), float(score)


def join_lines(lines: list[OcrLine], vertical: bool = False) -> str:
    """Concatenate lines in reading order: rows top to bottom, left to right (columns right to left).

    Lines whose vertical (or horizontal, for `vertical=True`) centres lie within half a
    line height of each other count as one row (column).
    """
    if not lines:
        return ""
    axis_row, axis_in_row = (0, 1) if vertical else (1, 0)

    def centre(line: OcrLine, axis: int) -> float:
        return float(np.mean([p[axis] for p in line.box]))

    def extent(line: OcrLine, axis: int) -> float:
        values = [p[axis] for p in line.box]
        return max(values) - min(values)

    sign = -1.0 if vertical else 1.0  # vertical Chinese reads columns right to left
    ordered = sorted(lines, key=lambda line: sign * centre(line, axis_row))
    rows: list[list[OcrLine]] = []
    for line in ordered:
        if rows:
            last = rows[-1][-1]
            tolerance = 0.5 * max(extent(last, axis_row), extent(line, axis_row))
            if abs(centre(line, axis_row) - centre(last, axis_row)) <= tolerance:
                rows[-1].append(line)
                continue
        rows.append([line])
    return "".join(
        "".join(line.text for line in sorted(row, key=lambda line: centre(line, axis_in_row))) for row in rows
    )


def read_text(image: Any, vertical: bool = False) -> str:
    """All text in an image as one string in reading order."""
    return join_lines(read_image(image), vertical=vertical)
