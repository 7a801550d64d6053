"""Read a render's samples back from its shards (local folder or fsspec URL), for audits and reports."""

from __future__ import annotations

import contextlib
import io
import json
import os
import tarfile
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from textsynth.errors import TextsynthError
from textsynth.io.record import IMAGE_FORMATS
from textsynth.io.shards import Output

IMAGE_EXTS = tuple(IMAGE_FORMATS)  # KEY.<ext> of the image in a shard


def shard_names(output: Output) -> list[str]:
    """Finished shard files under the output, sorted; a clear error when there are none."""
    try:
        listing = output.fs.ls(output.root, detail=False) if output.fs.isdir(output.root) else []
    except OSError:
        listing = []
    names = sorted(
        name
        for name in (str(p).rsplit("/", 1)[-1] for p in listing)
        if name.startswith("shard-") and name.endswith(".tar")
    )
    if not names:
        raise TextsynthError(
            f"{output.url}: no shard-*.tar files here; give the --out of a `textsynth render` run"
        )
    return names


def members_by_key(data: bytes, extensions: Sequence[str] | None = None) -> dict[str, dict[str, bytes]]:
    """Group a shard's files by sample key: {key: {ext: bytes}}, keeping only `extensions` if given.

    Raises tarfile.TarError on bytes that are not a tar; callers decide how to report it.
    """
    samples: dict[str, dict[str, bytes]] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for member in tar:
            key, _, ext = member.name.partition(".")
            if not member.isfile() or (extensions is not None and ext not in extensions):
                continue
            handle = tar.extractfile(member)
            samples.setdefault(key, {})[ext] = handle.read() if handle else b""
    return samples


def iter_members(
    out: str, extensions: Sequence[str], limit: int | None = None, names: Sequence[str] | None = None
) -> Iterator[tuple[str, str, dict[str, bytes]]]:
    """(shard name, key, {ext: bytes}) for each sample, in key order, keeping only `extensions`."""
    output = Output(out)
    count = 0
    for name in names if names is not None else shard_names(output):
        try:
            members = members_by_key(output.read_bytes(name), extensions)
        except (tarfile.TarError, EOFError, OSError) as err:
            raise TextsynthError(
                f"{output.path(name)}: not a readable tar file ({err}); `textsynth verify` lists problems"
            ) from None
        for key in sorted(members):
            yield name, key, members[key]
            count += 1
            if limit is not None and count >= limit:
                return


def load_record(name: str, key: str, parts: dict[str, bytes]) -> dict[str, Any]:
    """A sample's KEY.json as a dict; TextsynthError naming shard and key when absent or not a JSON object."""
    if "json" not in parts:
        raise TextsynthError(f"{name}: sample {key} has no {key}.json; `textsynth verify` lists problems")
    try:
        record = json.loads(parts["json"].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise TextsynthError(
            f"{name}: {key}.json is not valid JSON ({err}); `textsynth verify` lists problems"
        ) from None
    if not isinstance(record, dict):
        raise TextsynthError(f"{name}: {key}.json is not a JSON object; `textsynth verify` lists problems")
    record.setdefault("key", key)
    return record


@contextlib.contextmanager
def record_fields(name: str, key: str) -> Iterator[None]:
    """Turn a record that lacks a field, or has one of the wrong type, into one error naming the sample."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        raise TextsynthError(
            f"{name}: {key}.json does not follow the shard contract ({type(err).__name__}: {err}); "
            "`textsynth verify` lists problems"
        ) from None


def iter_records(out: str | os.PathLike, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """KEY.json records in key order (images are not decoded)."""
    for name, key, parts in iter_members(str(out), ("json",), limit):
        yield load_record(name, key, parts)


def iter_images(out: str, limit: int | None = None) -> Iterator[tuple[np.ndarray, dict[str, Any]]]:
    """(RGB image, KEY.json record) for each sample in key order."""
    from PIL import Image

    for name, key, parts in iter_members(out, (*IMAGE_EXTS, "json"), limit):
        image_ext = next((e for e in IMAGE_EXTS if e in parts), None)
        if image_ext is None or "json" not in parts:
            raise TextsynthError(f"{name}: sample {key} lacks an image or its .json record")
        record = load_record(name, key, parts)
        try:
            with Image.open(io.BytesIO(parts[image_ext])) as image:
                pixels = np.asarray(image.convert("RGB"))
        except Exception as err:  # Pillow raises many types for damaged data
            raise TextsynthError(
                f"{name}: {key}.{image_ext} does not decode ({type(err).__name__}: {err}); "
                "`textsynth verify` lists problems"
            ) from None
        yield pixels, record


def scene_of(record: dict[str, Any]) -> dict[str, Any]:
    """The full Scene of a KEY.json record, with every parameter (stored as a JSON string)."""
    data = record["scene"]
    return json.loads(data) if isinstance(data, str) else data
