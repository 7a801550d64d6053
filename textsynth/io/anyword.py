"""Export a render as AnyWord-3M: an image folder and one JSON that AnyText's loaders read.

The layout is what `T3DataSet.load_data` (t3_dataset.py) and the eval loaders of
github.com/tyxsspa/AnyText read: `{"data_root", "data_list": [{"img_name", "caption",
"annotations": [{"polygon", "text", "language", "pos", "valid"}]}]}`. AnyText resizes every
image to 512x512 but not its polygons, so images are written at `size` x `size` with the
polygons scaled to match. One annotation per text line, as AnyWord has them.

Captions keep a `*` where each quoted text was. Note that T3DataSet itself turns any `*` of a
stored caption into a space and appends its own ", texts that says * located at ..." phrase
(one `*` per annotation, in annotation order); the slots serve loaders that fill them.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from textsynth.io.reader import IMAGE_EXTS, iter_members
from textsynth.io.regions import text_regions

PLACE_HOLDER = "*"  # AnyText's slot for a text in the caption
IMAGES = "imgs"
DATA_JSON = "data.json"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def export_anyword(
    src: str, out: str | Path, size: int = 512, language: str = "en", limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Write OUT/imgs/KEY.jpg and OUT/data.json from the shards in `src`; returns the JSON written."""
    out = Path(out)
    (out / IMAGES).mkdir(parents=True, exist_ok=True)
    data_list = []
    for _, key, parts in iter_members(src, (*IMAGE_EXTS, "json"), limit):
        record = json.loads(parts["json"])
        ext = next(e for e in IMAGE_EXTS if e in parts)
        name = f"{key}.jpg"
        (out / IMAGES / name).write_bytes(_image_bytes(parts[ext], ext, size))
        scale = (size / record["width"], size / record["height"])
        data_list.append(
            {
                "img_name": name,
                "caption": slot_caption(record, language),
                "annotations": [
                    annotation
                    for text in record["texts"]
                    for annotation in line_annotations(text, scale, size)
                ],
            }
        )
        if progress is not None:
            progress(1)
    content = {"data_root": str((out / IMAGES).resolve()), "data_list": data_list}
    (out / DATA_JSON).write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return content


def _image_bytes(data: bytes, ext: str, size: int) -> bytes:
    """The JPEG as it is when already size x size; otherwise resized (and re-encoded at quality 95)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        if ext == "jpg" and image.size == (size, size):
            return data
        resized = image.convert("RGB").resize((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    resized.save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def slot_caption(record: dict[str, Any], language: str = "en") -> str:
    """The caption with every quoted text replaced by the slot `*` (quotes dropped)."""
    caption = record["captions"][language]
    for text in sorted({t["text"] for t in record["texts"]}, key=len, reverse=True):
        for quoted in (f"“{text}”", f'"{text}"', f"「{text}」"):
            caption = caption.replace(quoted, PLACE_HOLDER)
    return caption


def line_annotations(text: dict[str, Any], scale: tuple[float, float], size: int) -> list[dict[str, Any]]:
    """One annotation per line of a text record: its polygon (integer pixels at the export size)."""
    regions = text_regions(text, "line")
    lines = [r.label for r in regions]
    polygons = [r.contour if r.contour is not None else r.quad for r in regions]  # an arc: its outline
    out = []
    for line, polygon in zip(lines, polygons, strict=True):
        pts = np.clip(np.round(polygon * np.asarray(scale)), 0, size - 1).astype(int)
        centre = pts.mean(axis=0)
        col = min(int(centre[0] * 3 / size), 2)
        row = min(int(centre[1] * 3 / size), 2)
        out.append(
            {
                "polygon": pts.tolist(),
                "text": line,
                "language": "Chinese" if _CJK.search(line) else "Latin",
                "pos": row * 3 + col,  # AnyText's 3x3 grid: 0 top left ... 8 bottom right
                "valid": True,
            }
        )
    return out
