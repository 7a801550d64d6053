"""A run killed with SIGKILL (or stopped by a full disk) keeps its finished shards and resumes to the same bytes."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from textsynth.config import RenderConfig
from textsynth.errors import TextsynthError
from textsynth.io.shards import Output, read_manifest
from textsynth.run.runner import run_render

ARGS = [
    "--count",
    "40",
    "--shard-size",
    "5",
    "--size",
    "128x128",
    "--seed",
    "11",
    "--workers",
    "2",
    "--no-progress",
]
TEMPLATES = ["--templates", "promo_poster,shop_sign,book_cover,couplet"]


def _render_cmd(out: Path) -> list[str]:
    return [sys.executable, "-m", "textsynth.cli", "render", "--out", str(out), *ARGS, *TEMPLATES]


def _shards(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("shard-*.tar"))}


CONFIG = dict(
    seed=11, count=40, shard_size=5, width=128, height=128,
    templates={"promo_poster": 1, "shop_sign": 1, "book_cover": 1, "couplet": 1},
)  # fmt: skip


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict[str, bytes]:
    """An uninterrupted run of the same settings (in this process, one worker: bytes do not depend on it)."""
    out = tmp_path_factory.mktemp("clean") / "out"
    run_render(RenderConfig(**CONFIG).validate(), str(out), workers=1)
    shards = _shards(out)
    assert len(shards) == 8
    return {**shards, "manifest.json": (out / "manifest.json").read_bytes()}


def _start_and_kill(out: Path, min_shards: int) -> int:
    """Start a render in its own process group; SIGKILL the whole group once `min_shards` shards exist."""
    proc = subprocess.Popen(
        _render_cmd(out), start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 90
    try:
        while len(list(out.glob("shard-*.tar"))) < min_shards:
            if proc.poll() is not None:
                pytest.fail(f"render ended before it could be killed: {proc.stderr.read().decode()[-2000:]}")
            assert time.monotonic() < deadline, "render made no progress"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the coordinator and its worker processes, at once
        proc.wait()
    return len(list(out.glob("shard-*.tar")))


def _assert_no_partial_shard(out: Path, clean: dict[str, bytes]) -> None:
    for name, data in _shards(out).items():
        assert data == clean[name], f"{name} under its final name differs from a clean run"
    manifest = json.loads((out / "manifest.json").read_text())  # never half written either
    for name, info in manifest["shards"].items():
        assert (out / name).stat().st_size == info["bytes"]


@pytest.mark.slow
def test_sigkill_twice_then_resume_gives_clean_bytes(tmp_path, clean):
    out = tmp_path / "out"
    first = _start_and_kill(out, min_shards=1)
    assert first < 8, "the run finished before the kill; nothing was tested"
    _assert_no_partial_shard(out, clean)
    assert not json.loads((out / "manifest.json").read_text())["complete"]

    second = _start_and_kill(out, min_shards=first + 2)  # killed again while resuming
    assert second < 8
    _assert_no_partial_shard(out, clean)

    done = subprocess.run(_render_cmd(out), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "already done" in done.stderr
    assert _shards(out) == {k: v for k, v in clean.items() if k.startswith("shard-")}
    assert not [p.name for p in out.iterdir() if ".tmp-" in p.name], "temporaries of the killed runs remain"
    resumed, fresh = (json.loads(b) for b in ((out / "manifest.json").read_bytes(), clean["manifest.json"]))
    assert resumed["complete"] and resumed["shards"] == fresh["shards"] and resumed["stats"] == fresh["stats"]


def test_full_disk_stops_with_clear_message_and_keeps_finished_shards(tmp_path, clean, monkeypatch):
    """ENOSPC on the sixth write (manifest, shard 0, its entry, shard 1, its entry, ...) ends the run; a rerun finishes it."""
    config = RenderConfig(**CONFIG).validate()
    out = tmp_path / "out"
    real_fsync, calls = os.fsync, []

    def fsync_until_full(fd: int) -> None:
        calls.append(fd)
        if len(calls) > 5:  # manifest, shard, entry, shard, entry: the third shard hits a full disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync_until_full)
    with pytest.raises(TextsynthError) as err:
        run_render(config, str(out), workers=1)
    message = str(err.value)
    assert "No space left on device" in message and "finished shards are kept" in message
    assert "shard-000002.tar" in message
    kept = _shards(out)
    assert sorted(kept) == ["shard-000000.tar", "shard-000001.tar"]
    assert all(kept[name] == clean[name] for name in kept)
    assert not [p.name for p in out.iterdir() if ".tmp-" in p.name]
    # the finished shards' entries are pending files until manifest.json is next rewritten: read_manifest folds them in
    assert sorted(read_manifest(Output(str(out)), strict=True)["shards"]) == sorted(kept)

    monkeypatch.setattr(os, "fsync", real_fsync)
    summary = run_render(config, str(out), workers=1)
    assert summary.resumed_shards == 2 and summary.rendered_shards == 6
    assert _shards(out) == {k: v for k, v in clean.items() if k.startswith("shard-")}


def test_manifest_rewrites_stay_linear_and_every_finished_shard_is_listed(tmp_path, monkeypatch):
    """A million-shard run must not rewrite manifest.json per shard (O(shards²) bytes); entries in between
    are small pending files that read_manifest (resume, verify, stats) folds in at any moment."""
    from textsynth.io import manifest_log, shards
    from textsynth.io.manifest_log import PENDING, ManifestLog

    written = []
    real_write = shards.write_manifest
    monkeypatch.setattr(
        manifest_log,
        "write_manifest",
        lambda out, m: (written.append(len(json.dumps(m))), real_write(out, m)),
    )
    output = Output(str(tmp_path / "out"))
    output.prepare()
    manifest = shards.new_manifest(
        {"seed": 1, "count": 2000, "shard_size": 1}, "f" * 8, shards.plan_shards(2000, 1)
    )
    log = ManifestLog(output, manifest)
    log.fold()
    entry = {
        "count": 1,
        "sha256": "0" * 64,
        "bytes": 10240,
        "stats": {"samples": 1, "templates": {"couplet": 1}},
    }
    for i in range(2000):
        log.add(shards.shard_name(i), dict(entry))
        if i in (0, 15, 16, 700):  # whatever was last folded, every finished shard is listed for a reader
            assert len(read_manifest(output, strict=True)["shards"]) == i + 1
    assert len(written) <= 12, f"manifest.json rewritten {len(written)} times for 2000 shards"
    assert sum(written) < 3 * written[-1], (
        "rewrites must add up to a few times the final manifest, not shards²"
    )
    log.fold()
    assert not (tmp_path / "out" / PENDING).exists()
    assert len(json.loads((tmp_path / "out" / "manifest.json").read_text())["shards"]) == 2000


def test_damaged_pending_entry_names_its_file(tmp_path):
    run_render(RenderConfig(**{**CONFIG, "count": 10}).validate(), str(tmp_path), workers=1)
    (tmp_path / "manifest.pending").mkdir()
    (tmp_path / "manifest.pending" / "shard-000009.json").write_text("{not json")
    with pytest.raises(TextsynthError, match=r"manifest\.pending/shard-000009\.json: not a shard entry"):
        run_render(RenderConfig(**{**CONFIG, "count": 10}).validate(), str(tmp_path), workers=1)
