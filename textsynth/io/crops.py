"""Rectified text crops of a render, for training text recognisers, as LMDB or an image folder.

LMDB holds `num-samples` and, for i = 1..N, `image-%09d` (encoded image) and `label-%09d`
(UTF-8), the layout of deep-text-recognition-benchmark's create_lmdb_dataset.py that
PaddleOCR's LMDBDataSet and MMOCR's LMDB loaders read. A folder holds images/ and labels.txt
with `images/NAME.jpg<TAB>label` lines, PaddleOCR's SimpleDataSet format.
"""

from __future__ import annotations

import io
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

from textsynth.errors import TextsynthError
from textsynth.io.reader import IMAGE_EXTS, iter_members
from textsynth.io.regions import LEVELS, Region, text_regions

FORMATS = ("lmdb", "folder")
LABELS = "labels.txt"


def rectify(image: np.ndarray, region: Region, height: int, rotate_vertical: bool = False) -> np.ndarray:
    """The region warped to an upright rectangle `height` pixels tall (a column: `height` wide,
    or turned a quarter anticlockwise to read left to right with `rotate_vertical`). Text on an
    arc with a `contour` is straightened strip by strip along it."""
    if region.contour is not None and not region.vertical:
        n = len(region.contour) // 2
        top, bottom = region.contour[:n], region.contour[n:][::-1]
        strips = [
            _warp_quad(image, np.array([top[k], top[k + 1], bottom[k + 1], bottom[k]]), False, height)
            for k in range(n - 1)
        ]
        return np.ascontiguousarray(np.hstack(strips))
    crop = _warp_quad(image, region.quad, region.vertical, height)
    if region.vertical and rotate_vertical:
        crop = np.ascontiguousarray(np.rot90(crop))  # the column's top goes to the left
    return crop


def _warp_quad(image: np.ndarray, q: np.ndarray, vertical: bool, height: int) -> np.ndarray:
    width_px = (np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2
    height_px = (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
    if vertical:
        w, h = height, max(1, round(height * height_px / max(width_px, 1e-6)))
    else:
        w, h = max(1, round(height * width_px / max(height_px, 1e-6))), height
    target = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    matrix = cv2.getPerspectiveTransform(np.float32(q), target)
    crop = cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_AREA if h < height_px else cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
    return crop


def iter_crops(
    src: str, level: str = "line", height: int = 48, rotate_vertical: bool = False, limit: int | None = None
) -> Iterator[tuple[str, np.ndarray, str]]:
    """(name, RGB crop, label) for every text region of every sample, in key order."""
    from PIL import Image

    if level not in LEVELS:
        raise TextsynthError(f"--level must be one of {', '.join(LEVELS)}, got {level!r}")
    for _, key, parts in iter_members(src, (*IMAGE_EXTS, "json"), limit):
        record = json.loads(parts["json"])
        ext = next(e for e in IMAGE_EXTS if e in parts)
        image = np.asarray(Image.open(io.BytesIO(parts[ext])).convert("RGB"))
        n = 0
        for text in record["texts"]:
            for region in text_regions(text, level):
                yield f"{key}-{n:03d}", rectify(image, region, height, rotate_vertical), region.label
                n += 1


def encode_jpeg(crop: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return data.tobytes()


class CropWriter(ABC):
    """One output format: add() each crop, close() at the end (text_renderer's Dataset, in small)."""

    def __init__(self, out: Path):
        self.out = out
        self.count = 0

    @abstractmethod
    def add(self, name: str, image: bytes, label: str) -> None: ...

    @abstractmethod
    def close(self) -> None: ...


class LmdbWriter(CropWriter):
    COMMIT_EVERY = 1000

    def __init__(self, out: Path):
        super().__init__(out)
        try:
            import lmdb
        except ImportError:
            raise TextsynthError(
                "--format lmdb needs the lmdb package: pip install 'textsynth[crops]'"
            ) from None
        out.mkdir(parents=True, exist_ok=True)
        self.env = lmdb.open(str(out), map_size=1 << 40)  # sparse: only what is written takes disk
        self.pending: dict[bytes, bytes] = {}

    def add(self, name: str, image: bytes, label: str) -> None:
        self.count += 1
        self.pending[b"image-%09d" % self.count] = image
        self.pending[b"label-%09d" % self.count] = label.encode("utf-8")
        if len(self.pending) >= 2 * self.COMMIT_EVERY:
            self._flush()

    def _flush(self) -> None:
        with self.env.begin(write=True) as txn:
            for k, v in self.pending.items():
                txn.put(k, v)
        self.pending = {}

    def close(self) -> None:
        self.pending[b"num-samples"] = str(self.count).encode()
        self._flush()
        self.env.close()


class FolderWriter(CropWriter):
    def __init__(self, out: Path):
        super().__init__(out)
        (out / "images").mkdir(parents=True, exist_ok=True)
        self.labels = open(out / LABELS, "w", encoding="utf-8")  # noqa: SIM115 - closed by close()

    def add(self, name: str, image: bytes, label: str) -> None:
        self.count += 1
        (self.out / "images" / f"{name}.jpg").write_bytes(image)
        clean = label.replace("\t", " ").replace("\n", " ")
        self.labels.write(f"images/{name}.jpg\t{clean}\n")

    def close(self) -> None:
        self.labels.close()


def write_crops(
    src: str, out: str | Path, fmt: str = "lmdb", level: str = "line", height: int = 48,
    rotate_vertical: bool = False, limit: int | None = None, progress: Callable[[int], None] | None = None,
) -> int:  # fmt: skip
    """Write every crop of `src` to `out`; returns how many."""
    if fmt not in FORMATS:
        raise TextsynthError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if height < 8:
        raise TextsynthError(f"--height must be at least 8 pixels, got {height}")
    writer: CropWriter = (LmdbWriter if fmt == "lmdb" else FolderWriter)(Path(out))
    try:
        for name, crop, label in iter_crops(src, level, height, rotate_vertical, limit):
            writer.add(name, encode_jpeg(crop), label)
            if progress is not None:
                progress(1)
    finally:
        writer.close()
    return writer.count
