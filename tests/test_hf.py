"""Shards load with Hugging Face datasets' own webdataset loader, one schema for every sample."""

from __future__ import annotations

import json

import pytest

datasets = pytest.importorskip("datasets")


@pytest.mark.slow
def test_hugging_face_loader_reads_every_sample(demo_run, tmp_path):
    import textsynth

    files = sorted(str(p) for p in demo_run.glob("shard-*.tar"))
    ds = datasets.load_dataset(
        "webdataset", data_files={"train": files}, split="train", features=textsynth.hf_features(out=str(demo_run)),
        cache_dir=str(tmp_path / "hf-cache"),
    )  # fmt: skip
    assert ds.num_rows == 10
    for row in ds:
        record = row["json"]
        assert row["jpg"].size == (record["width"], record["height"])
        assert row["txt"] == record["captions"]["zh"]
        primary = [t for t in record["texts"] if t["primary"]]
        assert len(primary) == 1 and f"“{primary[0]['text']}”" in row["txt"]
        assert all(len(t["polygon"]) == 4 for t in record["texts"])
        assert isinstance(json.loads(record["scene"])["texts"], list)  # every parameter, as a JSON string
