"""Shards → batches: buckets, crops, deterministic mixing, clear errors."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from train_fixtures import word_shards, write_shard  # noqa: F401 - pytest fixture

from textsynth.errors import TextsynthError
from textsynth.train import data


@pytest.mark.parametrize("resolution", [64, 512, 1024])
def test_buckets_keep_the_area_and_use_multiples_of_64(resolution: int) -> None:
    buckets = data.bucket_sizes(resolution)
    assert (resolution, resolution) in buckets
    for h, w in buckets:
        assert h % min(64, resolution) == 0 and w % min(64, resolution) == 0
        assert 0.7 * resolution**2 <= h * w <= resolution**2


@given(st.integers(16, 4000), st.integers(16, 4000))
def test_crop_fills_the_bucket_and_records_its_corner(height: int, width: int) -> None:
    bucket = data.nearest_bucket((height, width), data.bucket_sizes(1024))
    image = Image.new("RGB", (min(width, 300), min(height, 300)))
    pixels, (top, left) = data.resize_and_crop(image, bucket)
    assert pixels.shape == (*bucket, 3)
    assert top >= 0 and left >= 0 and (top == 0 or left == 0)


def test_wide_images_get_wide_buckets() -> None:
    h, w = data.nearest_bucket((300, 1200), data.bucket_sizes(1024))
    assert w > 2 * h


def test_shards_stream_captions_and_words(word_shards) -> None:  # noqa: F811
    pattern, words = word_shards
    samples = list(data.read_shard(data.expand_shards(pattern)[0], "synthetic"))
    assert [s.key for s in samples] == ["000000000", "000000001", "000000002", "000000003"]
    assert [s.words() for s in samples] == [[w] for w in words[:4]]
    assert all(f"“{w}”" in s.caption for s, w in zip(samples, words[:4], strict=True))
    assert samples[0].size() == (64, 64)


def test_mixing_follows_the_ratio_and_the_seed(tmp_path: Path) -> None:
    synthetic = [str(write_shard(tmp_path / "s.tar", ["中国", "人民"]))]
    real = [str(write_shard(tmp_path / "r.tar", ["大学"], start=100))]

    def draw(seed: int) -> list[str]:
        return [s.source for s in itertools.islice(data.mixed_stream(synthetic, real, 0.3, seed), 400)]

    first = draw(0)
    assert first == draw(0) and first != draw(1)
    assert 0.22 < np.mean([s == "synthetic" for s in first]) < 0.38


def test_bad_shard_patterns_name_the_flag(tmp_path: Path) -> None:
    with pytest.raises(TextsynthError, match=r"--shards .*no shard files"):
        data.expand_shards(str(tmp_path / "shard-{000000..000003}.tar"))
    write_shard(tmp_path / "shard-000000.tar", ["中国"])
    with pytest.raises(TextsynthError, match=r"3 shard\(s\) missing"):
        data.expand_shards(str(tmp_path / "shard-{000000..000003}.tar"))
    (tmp_path / "junk.tar").write_bytes(b"not a tar")
    with pytest.raises(TextsynthError, match=r"junk\.tar: not a readable tar"):
        list(data.read_shard(str(tmp_path / "junk.tar"), "real"))


def test_embedding_cache_encodes_each_caption_once_in_fp16_keyed_by_model(tmp_path: Path) -> None:
    import torch

    calls: list[list[str]] = []

    def encode(chunk: list[str]):
        calls.append(chunk)
        return torch.full((len(chunk), 4, 2), 1 / 3, dtype=torch.float32), torch.zeros(len(chunk), 2)

    cache = data.EmbeddingCache(tmp_path, "model-a")
    assert cache.fill(["甲", "乙", "甲"], encode) == 2
    assert cache.fill(["甲", "乙", "丙"], encode) == 1
    embeds, pooled = cache.load(["丙", "甲"])
    assert embeds.shape == (2, 4, 2) and pooled.shape == (2, 2)
    assert embeds.dtype == torch.float16 and pooled.dtype == torch.float16
    assert sorted(c for chunk in calls for c in chunk) == ["丙", "乙", "甲"]
    # another text encoder shares the folder but not the entries
    other = data.EmbeddingCache(tmp_path, "model-b")
    assert other.missing(["甲"]) == ["甲"] and other.path("甲") != cache.path("甲")


def test_embedding_cache_refuses_values_float16_cannot_hold(tmp_path: Path) -> None:
    import torch

    cache = data.EmbeddingCache(tmp_path, "m")
    with pytest.raises(TextsynthError, match="overflow float16"):
        cache.fill(["甲"], lambda chunk: (torch.full((1, 4, 2), 1e6), torch.zeros(1, 2)))


def test_words_seen_are_chinese_runs_without_phone_numbers_or_prices() -> None:
    meta = {"texts": [{"text": "联系电话：138-1234-5678"}, {"text": "¥12.50"}, {"text": "中秋 快乐"}]}
    sample = data.RawSample("k", "synthetic", b"", "caption", meta)
    assert sample.cjk_words() == ["联系电话", "中秋", "快乐"]


def test_processes_read_disjoint_shards_via_split_by_node(tmp_path: Path, monkeypatch) -> None:
    paths = [str(write_shard(tmp_path / f"shard-{i}.tar", [w], start=i)) for i, w in enumerate("甲乙丙丁")]

    def first_epoch(rank: int) -> set[str]:
        monkeypatch.setenv("RANK", str(rank))
        monkeypatch.setenv("WORLD_SIZE", "2")
        rng = np.random.default_rng(0)  # every process orders the shards with the same generator
        return {s.shard for s in itertools.islice(data.stream(paths, "synthetic", rng), 2)}

    zero, one = first_epoch(0), first_epoch(1)
    assert len(zero) == len(one) == 2 and not zero & one and zero | one == set(paths)
    monkeypatch.setenv("WORLD_SIZE", "5")
    with pytest.raises(TextsynthError, match=r"4 synthetic shard.* for 5 processes"):
        next(data.stream(paths, "synthetic", np.random.default_rng(0)))


def test_holdout_batch_is_excluded_from_the_stream(word_shards) -> None:  # noqa: F811
    paths = data.expand_shards(word_shards[0])
    held = data.holdout_batch(paths, 2, data.bucket_sizes(64))
    assert [s.key for s in held.samples] == ["000000004", "000000005"]
    exclude = frozenset((s.shard, s.key) for s in held.samples)
    seen = {s.key for s in itertools.islice(data.mixed_stream(paths, None, 1.0, 0, exclude), 30)}
    assert seen == {f"{i:09d}" for i in (0, 1, 2, 3, 6, 7)}
