"""Checks of a sample's conditioning maps (KEY.glyph.png, KEY.position.png, KEY.charseg.png) for verify."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

MAP_MEMBERS = ("glyph.png", "position.png", "charseg.png")
MODES = {"glyph.png": ("L",), "position.png": ("L",), "charseg.png": ("I;16", "I")}
STRAY_INK = 0.005  # share of strong glyph ink allowed outside every (1 px grown) text polygon


def check_maps(
    key: str, members: dict[str, bytes], record: dict[str, Any] | None, charset: list[str] | None,
    expected: list[str] = (),
) -> list[str]:  # fmt: skip
    """Problems of the maps present (decode, size, value ranges, classes); `expected` names kinds the run made."""
    from PIL import Image

    problems = [f"missing member {key}.{kind}.png" for kind in expected if f"{kind}.png" not in members]
    arrays: dict[str, np.ndarray] = {}
    for ext in MAP_MEMBERS:
        if ext not in members:
            continue
        try:
            with Image.open(io.BytesIO(members[ext])) as image:
                image.load()
                kind, mode, size = image.format, image.mode, image.size
                array = np.asarray(image)
        except Exception as err:  # Pillow raises many types for damaged data
            problems.append(f"{key}.{ext} does not decode ({type(err).__name__}: {err})")
            continue
        if kind != "PNG" or mode not in MODES[ext]:
            problems.append(f"{key}.{ext} is {kind} mode {mode}, expected PNG mode {MODES[ext][0]}")
            continue
        if record is not None and size != (record.get("width"), record.get("height")):
            problems.append(
                f"{key}.{ext} is {size[0]}x{size[1]}, {key}.json says {record.get('width')}x{record.get('height')}"
            )
            continue
        arrays[ext] = array
    texts = record.get("texts") if isinstance(record, dict) else None
    if not isinstance(texts, list):
        return problems
    position = arrays.get("position.png")
    if position is not None and int(position.max(initial=0)) > len(texts):
        problems.append(
            f"{key}.position.png has value {int(position.max())}, the sample has {len(texts)} texts"
        )
    charseg = arrays.get("charseg.png")
    if charseg is not None:
        problems += _check_charseg(key, charseg, texts, charset)
    glyph = arrays.get("glyph.png")
    if glyph is not None and position is not None:
        problems += _check_ink_inside(key, glyph, position)
    return problems


def _check_charseg(key: str, charseg: np.ndarray, texts: list, charset: list[str] | None) -> list[str]:
    if charset is None:
        return [f"{key}.charseg.png present but the output has no readable charset.json"]
    classes = set(np.unique(charseg).tolist()) - {0}
    beyond = [c for c in classes if c >= len(charset)]
    if beyond:
        return [f"{key}.charseg.png has class {max(beyond)}, charset.json has {len(charset)} entries"]
    chars = {
        c.get("char") for t in texts if isinstance(t, dict) for c in t.get("chars", []) if isinstance(c, dict)
    }
    foreign = sorted(charset[c] for c in classes if charset[c] not in chars)
    if foreign:
        return [f"{key}.charseg.png labels {''.join(foreign)!r}, which no text of {key}.json has"]
    return []


def _check_ink_inside(key: str, glyph: np.ndarray, position: np.ndarray) -> list[str]:
    import cv2

    strong = glyph < 128
    inside = cv2.dilate((position > 0).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    outside = int(np.count_nonzero(strong & ~inside))
    if outside > STRAY_INK * max(int(np.count_nonzero(strong)), 1):
        return [f"{key}.glyph.png has {outside} ink pixels outside every text polygon of {key}.position.png"]
    return []


def read_charset(output) -> list[str] | None:
    """The run's charset.json table (an `io.shards.Output`), or None when the run has none."""
    import json

    from textsynth.render.charset import CHARSET_FILE

    if not output.exists(CHARSET_FILE):
        return None
    try:
        chars = json.loads(output.read_bytes(CHARSET_FILE))["chars"]
    except (ValueError, KeyError, TypeError):
        return None
    return chars if isinstance(chars, list) else None


def check_contours(record: Any) -> list[str]:
    """A text's optional `contour` (runs with `contours`): at least 4 [x, y] points, an even count."""
    problems = []
    texts = record.get("texts") if isinstance(record, dict) else None
    for i, text in enumerate(texts if isinstance(texts, list) else []):
        contour = text.get("contour") if isinstance(text, dict) else None
        if contour is None:
            continue
        ok = isinstance(contour, list) and len(contour) >= 4 and len(contour) % 2 == 0
        if not ok or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, (int, float)) for v in p)
            for p in contour
        ):
            problems.append(f"texts[{i}].contour must be an even number (>= 4) of [x, y] points")
    return problems
