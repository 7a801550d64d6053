"""How the images look, from the records: photo share, layout spread and style classes.

A model learns the distribution it is shown: a run whose main text always sits in the same
place, or whose text is always in one kind of face, teaches that. These counts make it
visible in `textsynth stats` (which also counts the SC/TC faces Chinese text is set in).
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from typing import Any

from textsynth.sources.fonts import FontFace


class AppearanceCounter:
    """Fed one KEY.json record at a time; `summary()` gives JSON-friendly figures."""

    def __init__(self, faces: dict[str, FontFace]):
        self.faces = faces
        self.samples = 0
        self.photos = 0
        self.backdrops = 0  # samples whose warped design is seen in front of a photo
        self.centres: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self.styles: Counter[str] = Counter()

    def add(self, record: dict[str, Any]) -> None:
        if record.get("source") == "real":
            return  # recaptioned photos: no template, no fonts of ours
        self.samples += 1
        self.photos += record.get("background") == "photo"
        self.backdrops += (
            bool(record.get("scene")) and json.loads(record["scene"]).get("backdrop") is not None
        )
        width, height = record["width"], record["height"]
        for text in record["texts"]:
            face = self.faces.get(text.get("font", ""))
            self.styles[face.style if face else "(unknown face)"] += 1
            if text.get("primary"):
                xs, ys = zip(*text["polygon"], strict=True)
                self.centres[record["template"]].append(
                    (sum(xs) / len(xs) / width, sum(ys) / len(ys) / height)
                )

    def summary(self) -> dict[str, Any]:
        spread = {
            template: {
                "n": len(points),
                "std_x": round(statistics.pstdev(p[0] for p in points), 4),
                "std_y": round(statistics.pstdev(p[1] for p in points), 4),
                "places": _places(points),
            }
            for template, points in sorted(self.centres.items())
            if len(points) >= 2
        }
        return {
            "photo_share": round(self.photos / self.samples, 4) if self.samples else 0.0,
            "backdrop_share": round(self.backdrops / self.samples, 4) if self.samples else 0.0,
            "layout_spread": spread,  # std of the primary text's centre, as a fraction of the canvas
            "style_classes": dict(self.styles.most_common()),
        }


PLACE_GRID = 3  # the canvas cut into 3 x 3 places: top-left ... bottom-right
PLACE_SHARE = 0.05  # a place counts when at least this share of the template's samples put the title there


def _places(points: list[tuple[float, float]]) -> int:
    """In how many of the 3 x 3 places the primary text's centre lands often (>= 5% of samples): a
    coarse count of visibly different arrangements, read from the records alone."""
    cells = Counter(
        (min(int(x * PLACE_GRID), PLACE_GRID - 1), min(int(y * PLACE_GRID), PLACE_GRID - 1))
        for x, y in points
    )
    return sum(count >= PLACE_SHARE * len(points) for count in cells.values())


def format_appearance(summary: dict[str, Any]) -> list[str]:
    lines = [
        f"photo backgrounds  {100 * summary['photo_share']:.1f}% of samples",
        f"photo backdrops    {100 * summary.get('backdrop_share', 0.0):.1f}% of samples (around a warped design)",
        "",
    ]
    spread = summary["layout_spread"]
    if spread:
        width = max(len("layout spread"), *(len(t) for t in spread))
        lines.append(
            f"{'layout spread':<{width}}  {'n':>5}  {'std x':>6}  {'std y':>6}  {'places':>6}"
            "   (primary-text centre; places: cells of a 3x3 grid it lands in, each in >= 5% of samples)"
        )
        lines += [
            f"{t:<{width}}  {s['n']:>5}  {s['std_x']:>6.3f}  {s['std_y']:>6.3f}  {s['places']:>6}"
            for t, s in spread.items()
        ]
    return lines
