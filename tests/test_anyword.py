"""`textsynth export anyword`: the AnyWord-3M layout, read back the way AnyText's T3DataSet reads it."""

from __future__ import annotations

import json
import os

import cv2
import numpy as np
import pytest
from PIL import Image

SIZE = 512


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from textsynth.config import RenderConfig
    from textsynth.run.runner import run_render

    out = tmp_path_factory.mktemp("aw") / "run"
    run_render(RenderConfig(seed=5, count=12, shard_size=6, width=384, height=320), str(out))
    return out


@pytest.fixture(scope="module")
def exported(run_dir, tmp_path_factory):
    from textsynth.cli import main

    out = tmp_path_factory.mktemp("aw") / "anyword"
    assert main(["export", "anyword", str(run_dir), "--out", str(out), "--no-progress"]) == 0
    return out


def load_anyword(json_path):
    """AnyText's t3_dataset.T3DataSet.load_data, trimmed to the fields it takes from the JSON."""
    with open(json_path, "rb") as handle:  # dataset_util.load_json
        content = json.loads(handle.read())
    items = []
    for gt in content["data_list"]:
        info = {
            "img_path": os.path.join(content["data_root"], gt["img_name"]),
            "caption": gt.get("caption", ""),
        }
        polygons, texts, languages, pos = [], [], [], []
        for annotation in gt["annotations"]:
            if len(annotation["polygon"]) == 0 or annotation["valid"] is False:
                continue
            polygons.append(annotation["polygon"])
            texts.append(annotation["text"])
            languages.append(annotation["language"])
            pos.append(annotation["pos"])
        info.update(polygons=[np.array(p) for p in polygons], texts=texts, language=languages, pos=pos)
        items.append(info)
    return items


def draw_pos(polygon):
    """AnyText's draw_pos without the random dilation: the polygon filled on a 512x512 canvas."""
    img = np.zeros((SIZE, SIZE))
    cv2.fillPoly(img, [polygon.reshape((-1, 1, 2))], color=255)
    return img


def test_anyword_polygons_match_the_records(run_dir, exported):
    from textsynth.io.reader import iter_records

    items = load_anyword(exported / "data.json")
    records = list(iter_records(str(run_dir)))
    assert len(items) == len(records) == 12
    for item, record in zip(items, records, strict=True):
        image = Image.open(item["img_path"])
        assert image.size == (SIZE, SIZE)
        scale = np.array([SIZE / record["width"], SIZE / record["height"]])
        lines = [line for t in record["texts"] for line in t["lines"] if line.strip()]
        assert item["texts"] == lines
        assert all(lang in ("Chinese", "Latin") for lang in item["language"])
        assert all(0 <= p <= 8 for p in item["pos"])
        for polygon in item["polygons"]:
            rect = cv2.minAreaRect(polygon)  # what AnyText's draw_glyph2 does with it
            assert min(rect[1]) > 0
        single = [t for t in record["texts"] if len([x for x in t["lines"] if x.strip()]) == 1]
        for text in single:
            i = item["texts"].index(text["text"])
            expected = np.clip(np.round(np.array(text["polygon"]) * scale), 0, SIZE - 1)
            assert np.abs(item["polygons"][i] - expected).max() <= 0
        # every character's centre lies in the position mask of its text's line
        mask = sum(draw_pos(p) for p in item["polygons"])
        for text in record["texts"]:
            for char in text["chars"]:
                x, y = np.clip(np.mean(char["polygon"], axis=0) * scale, 0, SIZE - 1).astype(int)
                assert mask[y, x] > 0, (record["key"], char["char"])


def test_anyword_captions_hold_a_slot_per_quoted_text(run_dir, exported):
    from textsynth.io.reader import iter_records

    items = load_anyword(exported / "data.json")
    for item, record in zip(items, iter_records(str(run_dir)), strict=True):
        assert "*" in item["caption"]
        for text in record["texts"]:
            assert f'"{text["text"]}"' not in item["caption"]
        assert item["caption"].count("*") == sum(
            record["captions"]["en"].count(f'"{t}"') for t in {x["text"] for x in record["texts"]}
        )
