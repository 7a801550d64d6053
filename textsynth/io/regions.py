"""Text regions of a KEY.json text record at line, word or character level, as quadrilaterals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from textsynth.components.geometry import min_area_quad

LEVELS = ("line", "word", "char")


@dataclass
class Region:
    label: str
    quad: np.ndarray  # 4x2, clockwise from the reading start (top-left for ltr and for ttb columns)
    vertical: bool  # a ttb column (line or word level): reads top to bottom
    contour: np.ndarray | None = None  # 2n points (top edge, then bottom edge back) of text on an arc


def text_regions(text: dict[str, Any], level: str = "line") -> list[Region]:
    """Regions of one text record. A one-line text keeps its own `polygon`; lines and words of a
    longer text are the tightest rotated rectangle around their characters' polygons."""
    vertical = text["direction"] == "ttb"
    if level == "char":
        return [Region(c["char"], np.asarray(c["polygon"], dtype=np.float64), False) for c in text["chars"]]
    groups = []  # (label, number of non-space characters)
    for line in (line for line in text["lines"] if line.strip()):
        parts = [line] if level == "line" else line.split()
        groups += [(part, sum(1 for ch in part if not ch.isspace())) for part in parts]
    if len(groups) == 1 and groups[0][0] == text["text"]:
        contour = (
            np.asarray(text["contour"], dtype=np.float64) if len(text.get("contour") or []) > 4 else None
        )
        return [Region(text["text"], np.asarray(text["polygon"], dtype=np.float64), vertical, contour)]
    regions, chars = [], text["chars"]
    for label, n in groups:
        cells = [np.asarray(c["polygon"], dtype=np.float64) for c in chars[:n]]
        chars = chars[n:]
        direction = cells[-1].mean(axis=0) - cells[0].mean(axis=0)
        quad = _reading_order(min_area_quad(np.concatenate(cells)), direction, vertical)
        regions.append(Region(label, quad, vertical))
    return regions


def _reading_order(quad: np.ndarray, direction: np.ndarray, vertical: bool) -> np.ndarray:
    """Start the (clockwise) quad where reading starts: its first edge (a column: its left edge,
    downwards) runs along `direction`, from the first character to the last, so crops stay upright."""
    if not np.any(direction):
        return quad
    edges = [(quad[(k + 3) % 4] if vertical else quad[(k + 1) % 4]) - quad[k] for k in range(4)]
    start = int(np.argmax([float(edge @ direction) for edge in edges]))
    return np.roll(quad, -start, axis=0)
