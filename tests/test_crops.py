"""`textsynth crops`: rectified crops decode, have the asked height, and carry their texts as labels."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from textsynth.config import RenderConfig
    from textsynth.run.runner import run_render

    out = tmp_path_factory.mktemp("crops") / "run"
    run_render(RenderConfig(seed=11, count=10, shard_size=5, width=320, height=320), str(out))
    return out


def expected_labels(run_dir, level):
    from textsynth.io.reader import iter_records

    labels = []
    for record in iter_records(str(run_dir)):
        for text in record["texts"]:
            lines = [line for line in text["lines"] if line.strip()]
            if level == "line":
                labels += lines
            elif level == "word":
                labels += [word for line in lines for word in line.split()]
            else:
                labels += [c["char"] for c in text["chars"]]
    return labels


def test_lmdb_crops_decode_and_labels_are_the_texts(run_dir, tmp_path):
    lmdb = pytest.importorskip("lmdb")
    from textsynth.cli import main

    out = tmp_path / "lmdb"
    assert main(["crops", str(run_dir), "--out", str(out), "--rotate-vertical", "--no-progress"]) == 0
    env = lmdb.open(str(out), readonly=True, lock=False)
    with env.begin() as txn:  # read the way deep-text-recognition-benchmark's LmdbDataset does
        n = int(txn.get(b"num-samples"))
        labels = [txn.get(b"label-%09d" % i).decode("utf-8") for i in range(1, n + 1)]
        images = [Image.open(io.BytesIO(txn.get(b"image-%09d" % i))).convert("RGB") for i in range(1, n + 1)]
    assert labels == expected_labels(run_dir, "line")
    assert all(image.height == 48 and image.width >= 1 for image in images)


@pytest.mark.parametrize("level", ["word", "char"])
def test_folder_crops_with_labels_file(run_dir, tmp_path, level):
    from textsynth.io.crops import write_crops

    out = tmp_path / level
    count = write_crops(str(run_dir), out, "folder", level, height=32)
    rows = [line.split("\t") for line in (out / "labels.txt").read_text(encoding="utf-8").splitlines()]
    assert count == len(rows) and [label for _, label in rows] == expected_labels(run_dir, level)
    for path, _ in rows:
        with Image.open(out / path) as image:
            assert 32 in image.size  # height 32, or width 32 for an unturned vertical column


def test_crops_are_upright_text(run_dir):
    """The crop of a line is darker or lighter than its background along its middle row: ink, not margin."""
    from textsynth.io.crops import iter_crops

    crops = list(iter_crops(str(run_dir), "line", 48, rotate_vertical=True))
    assert crops and all(crop.shape[0] == 48 and crop.dtype == np.uint8 for _, crop, _ in crops)
    varied = [np.std(crop[12:36].astype(float)) > np.std(crop[:4].astype(float)) for _, crop, _ in crops]
    assert np.mean(varied) > 0.7


def test_regions_start_where_reading_starts():
    from textsynth.io.regions import text_regions

    # two lines of a text turned by 90 degrees clockwise: reading goes down the image
    chars = [
        {"char": c, "polygon": [[10, y], [20, y], [20, y + 10], [10, y + 10]]}
        for c, y in (("甲", 0), ("乙", 10))
    ]
    chars += [{"char": "丙", "polygon": [[0, 0], [10, 0], [10, 10], [0, 10]]}]
    text = {"text": "甲乙丙", "lines": ["甲乙", "丙"], "direction": "ltr", "polygon": [], "chars": chars}
    first = text_regions(text, "line")[0]
    assert first.label == "甲乙"
    along = first.quad[1] - first.quad[0]
    assert along[1] > 0 and abs(along[0]) < 1e-6  # the first edge runs from 甲 to 乙


def _baseline_wobble(crop: np.ndarray, chunks: int = 8) -> float:
    """Spread of the text's vertical centre across the crop: 0 for a straight line of text."""
    grey = crop.astype(float).mean(axis=2)
    weight = np.abs(grey - np.median(grey))
    rows = np.arange(grey.shape[0])[:, None]
    centres = [
        float((rows * part).sum() / max(part.sum(), 1e-6)) for part in np.array_split(weight, chunks, axis=1)
    ]
    return float(np.std(centres))


def test_arc_text_is_straightened_along_its_contour(tmp_path):
    from textsynth.config import RenderConfig
    from textsynth.io.crops import rectify
    from textsynth.io.reader import iter_images
    from textsynth.io.regions import Region, text_regions
    from textsynth.run.runner import run_render

    config = RenderConfig(seed=7, count=8, shard_size=8, width=384, height=384, contours=True,
                          templates={"tshirt_print": 1.0})  # fmt: skip
    run_render(config, str(tmp_path / "run"))
    curved = [(image, text) for image, record in iter_images(str(tmp_path / "run"))
              for text in record["texts"] if len(text["contour"]) == 16]  # fmt: skip
    assert curved
    for image, text in curved:
        region = text_regions(text, "line")[0]
        assert region.contour is not None
        straight = rectify(image, region, 48)
        boxed = rectify(image, Region(region.label, region.quad, False), 48)
        assert straight.shape[0] == 48
        assert _baseline_wobble(straight) < _baseline_wobble(boxed)
