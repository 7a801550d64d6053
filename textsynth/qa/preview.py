"""Contact sheets: many renders of one template side by side, so a designer can judge it by eye."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from textsynth.config import RenderConfig
from textsynth.errors import TextsynthError
from textsynth.templates import Template, resolve_templates

GAP = 6  # pixels between tiles
WORD_COLOR = (0, 220, 0)
CHAR_COLOR = (255, 0, 200)


def draw_boxes(image: np.ndarray, texts: list, chars: bool = True) -> np.ndarray:
    """A copy of `image` with each word polygon (green) and, optionally, each character polygon (magenta)."""
    out = image.copy()
    thick = max(1, round(max(image.shape[:2]) / 400))
    for text in texts:
        if chars:
            for char in text.chars:
                pts = np.round(np.asarray(char["polygon"], np.float64)).astype(np.int32)
                cv2.polylines(out, [pts], True, CHAR_COLOR, 1, cv2.LINE_AA)
        pts = np.round(np.asarray(text.polygon, np.float64)).astype(np.int32)
        cv2.polylines(out, [pts], True, WORD_COLOR, thick, cv2.LINE_AA)
    return out


def _fit_tile(image: np.ndarray, tile: int) -> np.ndarray:
    """Scale into a tile x tile square (keeping the aspect) on a neutral grey."""
    h, w = image.shape[:2]
    scale = tile / max(h, w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    small = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    out = np.full((tile, tile, 3), 64, np.uint8)
    y, x = (tile - nh) // 2, (tile - nw) // 2
    out[y : y + nh, x : x + nw] = small
    return out


def contact_sheet(images: list[np.ndarray], tile: int = 256, columns: int | None = None) -> np.ndarray:
    """Tile images into a grid (roughly square unless `columns` is given) on a dark background."""
    if not images:
        raise ValueError("contact_sheet needs at least one image")
    columns = columns or math.ceil(math.sqrt(len(images)))
    rows = math.ceil(len(images) / columns)
    sheet = np.full((rows * (tile + GAP) + GAP, columns * (tile + GAP) + GAP, 3), 30, np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        y, x = GAP + r * (tile + GAP), GAP + c * (tile + GAP)
        sheet[y : y + tile, x : x + tile] = _fit_tile(image, tile)
    return sheet


def preview_template(
    template: Template | str,
    n: int = 16,
    seed: int = 0,
    size: tuple[int, int] = (512, 512),
    boxes: bool = False,
    backgrounds: str | Path | None = None,
    tile: int = 256,
    aspects: str | list[float] = "template",
) -> np.ndarray:
    """Render `n` samples of one template (by object, name or YAML path) and return the contact sheet."""
    from textsynth.pipeline import build_context, make_sample

    if n < 1:
        raise TextsynthError(f"preview: --n must be at least 1, got {n}")
    if isinstance(template, str):
        template = resolve_templates([template])[0]
    config = RenderConfig(seed=seed, count=n, width=size[0], height=size[1], aspects=aspects)
    config.validate("preview", label=lambda path: "--aspects" if path and path[0] == "aspects" else str(path))
    if backgrounds is not None:
        config.backgrounds = str(backgrounds)
    ctx = build_context(config, [template])
    images = []
    for index in range(n):
        sample = make_sample(ctx, index)
        images.append(draw_boxes(sample.image, sample.texts) if boxes else sample.image)
    return contact_sheet(images, tile=tile)


def check_output(path: str | Path) -> None:
    """The sheet's path has an image suffix and its folder exists (created if missing) and takes files."""
    import os

    path = Path(path)
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".webp"):
        raise TextsynthError(f"--out {path}: must end in .png, .jpg or .webp")
    if path.is_dir():
        raise TextsynthError(f"--out {path}: is a folder; give an image file name, e.g. {path / 'sheet.png'}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise TextsynthError(
            f"--out {path}: cannot create its folder {path.parent} ({err.strerror or err})"
        ) from None
    if not os.access(path.parent, os.W_OK):
        raise TextsynthError(f"--out {path}: its folder {path.parent} is not writable")


def write_image(image: np.ndarray, path: str | Path) -> Path:
    """Write an RGB array as PNG/JPEG (by suffix), creating the folder; errors name the path."""
    from PIL import Image

    path = Path(path)
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".webp"):
        raise TextsynthError(f"{path}: output must end in .png, .jpg or .webp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(path)
    except OSError as err:
        raise TextsynthError(f"{path}: cannot write image ({err})") from None
    return path
