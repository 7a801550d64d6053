"""WebDataset shards and manifest.json: atomic writes, so a crash never leaves a half shard.

A shard is written to `NAME.tmp-PID`, flushed and renamed; only the coordinating
process writes manifest.json (also through a temporary file and a rename), at a bounded
cost per shard (textsynth.io.manifest_log).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import platform
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import fsspec

from textsynth.errors import TextsynthError
from textsynth.io.tar_members import TarStream

MANIFEST = "manifest.json"
PENDING = "manifest.pending"
LOCK = ".textsynth-render.lock"
FORMAT_VERSION = 1


def shard_name(shard_index: int) -> str:
    return f"shard-{shard_index:06d}.tar"


@dataclass
class ShardPlan:
    index: int
    first: int  # global index of its first sample
    count: int

    @property
    def name(self) -> str:
        return shard_name(self.index)


class ShardPlans(Sequence):
    """The run's shards, made on demand: a plan of a million shards costs no memory until walked."""

    def __init__(self, count: int, shard_size: int):
        self.count, self.shard_size = count, shard_size
        self._firsts = range(0, count, shard_size)

    def __len__(self) -> int:
        return len(self._firsts)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        first = self._firsts[i]
        return ShardPlan(self._firsts.index(first), first, min(self.shard_size, self.count - first))


def plan_shards(count: int, shard_size: int) -> ShardPlans:
    return ShardPlans(count, shard_size)


@dataclass
class ShardResult:
    name: str
    count: int
    sha256: str
    bytes: int
    stats: dict[str, Any] = field(default_factory=dict)
    data: bytes | None = None  # the shard itself, only when the coordinator must write it (see Output.shared)


class Output:
    """Where shards go: a local folder or any fsspec URL (file://, s3://, gs://...)."""

    def __init__(self, url: str | os.PathLike, label: str = "output"):
        self.url = str(url)
        if not self.url.strip():
            raise TextsynthError(
                f"{label}: must be a folder or an fsspec URL (e.g. out/, s3://bucket/run), got ''"
            )
        try:
            self.fs, self.root = fsspec.core.url_to_fs(self.url)
        except ImportError as err:  # fsspec's message names the package, e.g. "Install s3fs to access S3"
            raise TextsynthError(f"{label} {self.url}: this URL scheme needs a package: {err}") from None
        except ValueError as err:
            raise TextsynthError(
                f"{label} {self.url}: unknown URL scheme ({err}); use a local folder, file://, memory://, "
                "or a scheme fsspec knows (s3:// with s3fs, gs:// with gcsfs, ...)"
            ) from None
        except OSError as err:
            raise TextsynthError(f"{label} {self.url}: cannot open ({err.strerror or err})") from None
        protocols = self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        self.local = "file" in protocols
        # memory:// lives inside one process: workers hand their bytes back instead of writing
        self.shared = "memory" not in protocols

    def path(self, name: str) -> str:
        return f"{self.root.rstrip('/')}/{name}"

    def prepare(self) -> None:
        """Create the folder and prove it is writable, before any work is done."""
        try:
            self.fs.makedirs(self.root, exist_ok=True)
            probe = self.path(f".write-test-{os.getpid()}")
            with self.fs.open(probe, "wb") as handle:
                handle.write(b"ok")
            self.fs.rm(probe)
        except (OSError, PermissionError) as err:
            raise TextsynthError(
                f"--out {self.url}: cannot write there ({err.strerror or err}); choose a writable folder"
            ) from None

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the folder for one run: a second run into it is refused instead of mixing files.

        An flock on a local lock file: the kernel drops it when the process dies, even by kill -9,
        so no stale lock is ever left. Object stores have no such lock; runs there are not guarded.
        """
        if not self.local:
            yield
            return
        import fcntl

        path = self.path(LOCK)
        try:  # O_NOFOLLOW: a symlink planted under the lock's name must not get the file it points to truncated
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as err:
            reason = (
                "it is a symbolic link; remove it" if os.path.islink(path) else (err.strerror or str(err))
            )
            raise TextsynthError(f"{path}: cannot use as the run's lock file ({reason})") from None
        with os.fdopen(fd, "r+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise TextsynthError(
                    f"{self.url}: another textsynth render ({holder}) is writing here; "
                    "wait for it to finish, or choose another --out"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}")
            handle.flush()
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def exists(self, name: str) -> bool:
        return self.fs.exists(self.path(name))

    def size(self, name: str) -> int:
        return int(self.fs.size(self.path(name)))

    def write_atomic(self, name: str, data: bytes) -> None:
        final = self.path(name)
        if self.local:
            tmp = f"{final}.tmp-{os.getpid()}"
            try:
                with open(tmp, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, final)
            except OSError as err:
                _remove_quietly(tmp)
                raise _write_error(final, err) from None
        else:  # object stores: a single put is atomic
            try:
                with self.fs.open(final, "wb") as handle:
                    handle.write(data)
            except OSError as err:
                raise _write_error(final, err) from None

    def read_bytes(self, name: str) -> bytes:
        path = self.path(name)
        try:
            if self.fs.isdir(path):
                raise IsADirectoryError(21, "is a folder, not a file")
            with self.fs.open(path, "rb") as handle:
                return handle.read()
        except OSError as err:
            raise TextsynthError(f"{path}: cannot read ({err.strerror or err})") from None

    def remove_stale_temporaries(self) -> list[str]:
        """Temporary shards left by a killed run: never valid, always safe to delete."""
        if not self.local or not self.fs.exists(self.root):
            return []
        stale = [p for p in self.fs.ls(self.root, detail=False) if _TEMPORARY.fullmatch(Path(p).name)]
        for path in stale:
            _remove_quietly(path)
        return stale


# exactly what write_atomic names its temporaries: a user's "notes.tmp-1" in the folder is not ours to delete
_TEMPORARY = re.compile(r"(shard-\d{6}\.tar|manifest\.json)\.tmp-\d+")


def _write_error(path: str, err: OSError) -> TextsynthError:
    reason = err.strerror or str(err)
    return TextsynthError(
        f"{path}: cannot write ({reason}); finished shards are kept: free space or fix permissions, "
        "then rerun the same command to finish"
    )


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


def write_shard(samples: list[dict[str, bytes | str]]) -> tuple[bytes, str]:
    """Tar the samples in memory (fixed mtime/owner, so bytes are reproducible); return data and sha256."""
    buffer = io.BytesIO()
    tar = TarStream(buffer)
    for sample in samples:
        tar.add(sample)
    tar.close()
    data = buffer.getvalue()
    return data, hashlib.sha256(data).hexdigest()


class _HashingFile:
    """Write-only file that hashes and counts what passes through to `handle`."""

    def __init__(self, handle: Any):
        self.handle, self.sha, self.size = handle, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.handle.write(data)
        self.sha.update(data)
        self.size += len(data)
        return len(data)


class ShardWriter:
    """One shard tarred sample by sample straight into its temporary file, hashed on the way, renamed at the end.

    A worker then holds one sample, not the shard: 1000 samples at 1024² tarred in memory held its
    encoded images twice over and peaked at 1.2 GB. `in_memory` keeps the bytes instead, for outputs
    only the coordinator can write (memory://); object stores get one PUT from a local spool file.
    """

    def __init__(self, output: Output, name: str, in_memory: bool = False):
        self.output, self.final, self.tmp = output, output.path(name), None
        if in_memory:
            self.handle: Any = io.BytesIO()
        elif output.local:
            self.tmp = f"{self.final}.tmp-{os.getpid()}"
            self.handle = self._guard(lambda: open(self.tmp, "wb"))  # noqa: SIM115 (closed by finish/abort)
        else:
            self.handle = tempfile.TemporaryFile()  # noqa: SIM115
        self.sink = _HashingFile(self.handle)
        self.tar = TarStream(self.sink)

    def add(self, sample: dict[str, bytes | str]) -> None:
        self._guard(lambda: self.tar.add(sample))

    def finish(self) -> tuple[str, int, bytes | None]:
        """Close the tar and put it under its final name: (sha256, size, the bytes when in_memory)."""
        data = self._guard(self._close)
        return self.sink.sha.hexdigest(), self.sink.size, data

    def _close(self) -> bytes | None:
        self.tar.close()
        if isinstance(self.handle, io.BytesIO):
            return self.handle.getvalue()
        if self.tmp is not None:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            os.replace(self.tmp, self.final)
            self.tmp = None
        else:  # object stores: a single put is atomic
            self.handle.seek(0)
            with self.output.fs.open(self.final, "wb") as remote:
                shutil.copyfileobj(self.handle, remote, 1 << 20)
            self.handle.close()
        return None

    def abort(self) -> None:
        """Drop the unfinished shard: its temporary file is never left behind (safe to call twice)."""
        with contextlib.suppress(OSError, ValueError):
            self.handle.close()
        if self.tmp is not None:
            _remove_quietly(self.tmp)
            self.tmp = None

    def _guard(self, step):
        try:
            return step()
        except OSError as err:
            self.abort()
            raise _write_error(self.final, err) from None


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    import cv2
    import freetype
    import numpy
    import PIL

    from textsynth import __version__

    return {
        "textsynth": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pillow": PIL.__version__,
        "freetype": ".".join(map(str, freetype.version())),  # draws every glyph (sources/glyphs.py)
        "opencv": cv2.__version__,
        **{
            name: _dist_version(name, version, PackageNotFoundError)
            for name in ("webdataset", "faker", "jieba", "fonttools", "freetype-py")
        },
    }


def _dist_version(name: str, version, not_found) -> str:
    try:
        return version(name)
    except not_found:
        return "unknown"


def new_manifest(config_json: dict[str, Any], fingerprint: str, plans: list[ShardPlan]) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "fingerprint": fingerprint,
        "config": config_json,
        "seed": config_json["seed"],
        "count": config_json["count"],
        "shard_size": config_json["shard_size"],
        "num_shards": len(plans),
        "versions": library_versions(),
        "shards": {},
        "stats": {},
        "complete": False,
    }


def read_manifest(output: Output, strict: bool = False) -> dict[str, Any] | None:
    """manifest.json, its fields checked: None when there is none; TextsynthError naming the bad field.

    Without `strict` only a JSON object is insisted on, for readers that need one field (the image format);
    runs, resumes, verify and stats read it strictly.
    """
    if not output.exists(MANIFEST):
        return None
    path = output.path(MANIFEST)
    data = output.read_bytes(MANIFEST)
    if not data.strip():
        raise TextsynthError(f"{path}: empty (0 bytes of JSON); move it away to start over")
    try:
        manifest = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise TextsynthError(f"{path}: not valid JSON ({err}); move it away to start over") from None
    if isinstance(manifest, dict) and isinstance(manifest.get("shards"), dict):
        manifest["shards"].update(pending_entries(output))  # shards finished since it was last rewritten
    problem = _manifest_problem(manifest) if strict else None
    if not strict and not isinstance(manifest, dict):
        problem = f"must be a JSON object, got {type(manifest).__name__}"
    if problem:
        raise TextsynthError(f"{path}: {problem}; it was not written by textsynth render, or was damaged")
    return manifest


def _manifest_problem(manifest: Any) -> str | None:
    from textsynth.config import MAX_COUNT, MAX_SHARDS

    if not isinstance(manifest, dict):
        return f"must be a JSON object, got {type(manifest).__name__}"
    for name, kind in (("config", dict), ("shards", dict), ("fingerprint", str)):
        if not isinstance(manifest.get(name), kind):
            return f"field {name!r} must be a JSON {'object' if kind is dict else 'string'}, got {manifest.get(name)!r}"[
                :300
            ]
    for name, lo, hi in (("count", 1, MAX_COUNT), ("shard_size", 1, MAX_COUNT), ("seed", 0, 2**63 - 1)):
        value = manifest.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            return f"field {name!r} must be an integer from {lo} to {hi}, got {value!r}"
    if -(-manifest["count"] // manifest["shard_size"]) > MAX_SHARDS:
        return f"count / shard_size plans more than {MAX_SHARDS} shards"
    for shard, info in manifest["shards"].items():
        if not isinstance(info, dict):
            return f"shards.{shard} must be a JSON object, got {info!r}"[:300]
        for name, kind in (("count", int), ("bytes", int), ("sha256", str), ("stats", dict)):
            if isinstance(info.get(name), bool) or not isinstance(info.get(name), kind):
                return f"shards.{shard}.{name} must be {'an integer' if kind is int else 'a JSON ' + ('string' if kind is str else 'object')}, got {info.get(name)!r}"[
                    :300
                ]
    return None


# Entries of shards finished since manifest.json was last rewritten (textsynth.io.manifest_log says why)


def pending_name(shard: str) -> str:
    return f"{PENDING}/{PurePosixPath(shard).with_suffix('.json').name}"


def pending_entries(output: Output) -> dict[str, dict[str, Any]]:
    """Shard name -> manifest entry of every pending entry file (empty when there are none)."""
    folder = output.path(PENDING)
    if not output.fs.exists(folder):
        return {}
    entries = {}
    for path in sorted(output.fs.ls(folder, detail=False)):
        name = PurePosixPath(path).name
        if not name.endswith(".json"):
            continue  # a temporary of a killed write: never valid
        data = output.read_bytes(f"{PENDING}/{name}")
        try:
            entry = json.loads(data)
            entries[entry.pop("name")] = entry
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError, KeyError, TypeError) as err:
            raise TextsynthError(
                f"{output.path(f'{PENDING}/{name}')}: not a shard entry ({type(err).__name__}: {err}); "
                "it was not written by textsynth render, or was damaged: remove it and its shard to redo that shard"
            ) from None
    return entries


def clear_pending(output: Output) -> None:
    """Remove the pending entry files (call only once manifest.json holds them)."""
    folder = output.path(PENDING)
    if output.fs.exists(folder):
        output.fs.rm(folder, recursive=True)


def write_manifest(output: Output, manifest: dict[str, Any]) -> None:
    """manifest.json, atomically; during a run ManifestLog decides when (the pending entries fold in)."""
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    output.write_atomic(MANIFEST, data)


def merge_stats(total: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """Add one shard's counters into the run's totals."""
    merged = dict(total)
    for key, value in part.items():
        if isinstance(value, dict):
            merged[key] = dict(Counter(merged.get(key, {})) + Counter(value))
        elif isinstance(value, (int, float)):
            merged[key] = merged.get(key, 0) + value
    return merged


def store_returned(result: ShardResult, output: Output) -> ShardResult:
    """Write a shard a worker handed back as bytes (outputs workers cannot reach, e.g. memory://)."""
    if result.data is not None:
        output.write_atomic(result.name, result.data)
        result.data = None
    return result
