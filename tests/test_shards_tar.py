"""Shards are tarred with the standard library, byte for byte as webdataset.TarWriter writes them, sample by sample."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _tarfile_archive(samples: list[dict[str, bytes]]) -> bytes:
    """What tarfile itself writes for these samples (TarWriter's settings), the reference the fast path must equal."""
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for sample in samples:
            for ext in sorted(k for k in sample if not k.startswith("_")):
                data = sample[ext]
                info = tarfile.TarInfo(f"{sample['__key__']}.{ext}")
                info.size, info.mtime, info.mode, info.uname, info.gname = (
                    len(data),
                    0.0,
                    0o644,
                    "textsynth",
                    "textsynth",
                )
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(min_size=1, max_size=120).filter(lambda s: "\0" not in s and "/" not in s),
            st.sampled_from([0, 1, 511, 512, 513, 1024, 10_239, 10_240, 70_001]),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_prebuilt_headers_are_tarfiles_own(members):
    """Headers are filled into a prebuilt block (name, size, checksum); any name, ASCII or not, short or
    over the 100-byte field (tarfile's path then), and any size give tarfile's bytes."""
    from textsynth.io.tar_members import member_header

    samples = [{"__key__": key, "bin": bytes(size % 251 for _ in range(size))} for key, size in members]
    assert write_shard(samples)[0] == _tarfile_archive(samples)
    assert member_header("x" * 100, 8**11 - 1)[-512:-500] == b"x" * 12  # the longest name and size that fit
