"""Shards are tarred with the standard library, byte for byte as webdataset.TarWriter writes them, sample by sample."""

from __future__ import annotations

import io

import numpy as np
import pytest

from textsynth.io.shards import Output, ShardWriter, write_shard


def test_shard_bytes_are_webdatasets_own():
    import webdataset as wds

    rng = np.random.default_rng(0)
    samples = [
        {
            "__key__": f"{i:09d}",
            "jpg": rng.integers(
                0, 256, 1000 + 37 * i + (30_000 if i % 3 == 0 else 0), dtype=np.uint8
            ).tobytes(),
            "txt": "一张海报".encode(),
            "json": b'{"key": 1}',
            "glyph.png": b"\x89PNG" * i,
        }
        for i in range(12)
    ]
    buffer = io.BytesIO()
    writer = wds.TarWriter(buffer, user="textsynth", group="textsynth", mode=0o644, mtime=0.0, encoder=False)
    for sample in samples:
        writer.write(sample)
    writer.close()
    assert write_shard(samples)[0] == buffer.getvalue()


def _samples(n: int) -> list[dict[str, bytes]]:
    rng = np.random.default_rng(1)
    return [
        {
            "__key__": f"{i:09d}",
            "jpg": rng.integers(0, 256, 5000 + 999 * i, dtype=np.uint8).tobytes(),
            "txt": b"x",
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("url", ["local", "memory://textsynth-test-shardwriter/out"])
def test_streamed_shard_is_the_in_memory_shard(tmp_path, url):
    """A worker tars each sample into the shard's temporary file as it is made (one sample in memory):
    the file, its sha256 and size are exactly what tarring the whole shard in memory gives."""
    output = Output(str(tmp_path / "out") if url == "local" else url)
    output.prepare()
    samples = _samples(7)
    writer = ShardWriter(output, "shard-000003.tar")
    for sample in samples:
        writer.add(sample)
    sha, size, data = writer.finish()
    expected, expected_sha = write_shard(samples)
    assert data is None and output.read_bytes("shard-000003.tar") == expected
    assert (sha, size) == (expected_sha, len(expected))
    if url == "local":
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["shard-000003.tar"]

    kept = ShardWriter(output, "shard-000004.tar", in_memory=True)  # memory:// workers hand bytes back
    for sample in samples:
        kept.add(sample)
    assert kept.finish() == (expected_sha, len(expected), expected)
    assert not output.exists("shard-000004.tar")


def test_abandoned_shard_leaves_no_file(tmp_path):
    output = Output(str(tmp_path))
    writer = ShardWriter(output, "shard-000000.tar")
    writer.add(_samples(1)[0])
    writer.abort()
    writer.abort()
    assert list(tmp_path.iterdir()) == []
