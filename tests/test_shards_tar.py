"""Shards are tarred with the standard library, byte for byte as webdataset.TarWriter writes them."""

from __future__ import annotations

import io

import numpy as np

from textsynth.io.shards import write_shard


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
