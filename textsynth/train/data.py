"""Shards → training batches: streaming, synthetic/real mixing, aspect buckets, crop records, caches.

The stream is a pure function of (shard lists, ratio, seed): the same run sees the same
samples in the same order, so a caption pre-pass and `--resume` can replay it exactly.
Images are decoded only when a batch is actually trained on.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from textsynth.errors import TextsynthError

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]+)[”\"」』]")


def expand_shards(pattern: str, flag: str = "--shards") -> list[str]:
    """Brace-expand a shard pattern ("out/shard-{000000..000099}.tar") into existing local tar files."""
    import braceexpand

    paths = [p for part in pattern.split("::") for p in braceexpand.braceexpand(part)]
    missing = [p for p in paths if not Path(p).is_file()]
    if not paths or len(missing) == len(paths):
        raise TextsynthError(
            f"{flag} {pattern!r}: no shard files found (expected e.g. 'out/shard-{{000000..000009}}.tar')"
        )
    if missing:
        raise TextsynthError(f"{flag} {pattern!r}: {len(missing)} shard(s) missing, first {missing[0]}")
    return paths


@dataclass
class RawSample:
    """One sample as stored in a shard, image still encoded."""

    key: str
    source: str  # "synthetic" or "real"
    image_bytes: bytes
    caption: str
    meta: dict = field(default_factory=dict)

    def size(self) -> tuple[int, int]:
        """(height, width), read from the image header without decoding pixels."""
        with Image.open(io.BytesIO(self.image_bytes)) as image:
            return image.height, image.width

    def words(self) -> list[str]:
        """The rendered words: from KEY.json `texts`, else the quoted strings of the caption."""
        texts = [t.get("text", "") for t in self.meta.get("texts", []) if isinstance(t, dict)]
        return [t for t in texts if t] or _QUOTED.findall(self.caption)


def read_shard(path: str, source: str) -> Iterator[RawSample]:
    """Samples of one WebDataset tar in file order, grouped by key by webdataset itself."""
    import webdataset as wds

    if not Path(path).is_file():
        raise TextsynthError(f"{path}: not a readable tar shard (no such file)")
    try:
        for group in wds.WebDataset(path, shardshuffle=False, empty_check=False):
            members = {k.lower(): v for k, v in group.items() if not k.startswith("__")}
            sample = _to_sample(group["__key__"].rsplit("/", 1)[-1], members, source, path)
            if sample:
                yield sample
    except tarfile.ReadError:
        raise TextsynthError(f"{path}: not a readable tar shard (not a tar archive)") from None
    except (OSError, tarfile.TarError, ValueError) as err:
        raise TextsynthError(f"{path}: not a readable tar shard ({' '.join(str(err).split())})") from err


def _to_sample(key: str | None, group: dict[str, bytes], source: str, path: str) -> RawSample | None:
    image_ext = next((e for e in IMAGE_EXTENSIONS if e in group), None)
    if image_ext is None or "txt" not in group:
        return None  # not a training sample (e.g. a stray file); skipping matches webdataset's behaviour
    try:
        meta = json.loads(group["json"]) if "json" in group else {}
    except json.JSONDecodeError as err:
        raise TextsynthError(f"{path}: {key}.json is not valid JSON ({err})") from err
    return RawSample(str(key), source, group[image_ext], group["txt"].decode("utf-8").strip(), meta)


def stream(paths: list[str], source: str, rng: np.random.Generator) -> Iterator[RawSample]:
    """Endless samples: each epoch visits the shards in a fresh rng order."""
    while True:
        for index in rng.permutation(len(paths)):
            yield from read_shard(paths[int(index)], source)


def mixed_stream(
    synthetic: list[str], real: list[str] | None, synthetic_ratio: float, seed: int
) -> Iterator[RawSample]:
    """Synthetic samples with probability `synthetic_ratio`, else real ones; deterministic in `seed`."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    synth = stream(synthetic, "synthetic", np.random.default_rng(np.random.SeedSequence([seed, 2])))
    if not real:
        yield from synth
        return
    if not 0.0 <= synthetic_ratio <= 1.0:
        raise TextsynthError(f"--synthetic-ratio must be between 0 and 1, got {synthetic_ratio}")
    other = stream(real, "real", np.random.default_rng(np.random.SeedSequence([seed, 3])))
    while True:
        yield next(synth) if rng.random() < synthetic_ratio else next(other)


def bucket_sizes(resolution: int, step: int = 64) -> list[tuple[int, int]]:
    """(height, width) buckets of about resolution² pixels, sides multiples of `step`, aspect 1:4 to 4:1."""
    step = min(step, resolution)
    buckets = set()
    area = resolution * resolution
    for height in range(step, 4 * resolution + 1, step):
        width = int(area / height) // step * step
        if width >= step and 0.25 <= height / width <= 4.0:
            buckets.add((height, width))
    return sorted(buckets)


def nearest_bucket(size: tuple[int, int], buckets: list[tuple[int, int]]) -> tuple[int, int]:
    """The bucket whose aspect ratio is closest (in log space) to the image's."""
    aspect = np.log(size[0] / size[1])
    return min(buckets, key=lambda b: (abs(np.log(b[0] / b[1]) - aspect), -b[0] * b[1]))


@dataclass
class PlannedBatch:
    """A batch chosen before decoding: same bucket for all samples."""

    bucket: tuple[int, int]
    samples: list[RawSample]


def plan_batches(
    samples: Iterator[RawSample], batch_size: int, buckets: list[tuple[int, int]]
) -> Iterator[PlannedBatch]:
    """Group samples by aspect bucket; a batch is emitted as soon as its bucket holds `batch_size`."""
    waiting: dict[tuple[int, int], list[RawSample]] = {}
    for sample in samples:
        bucket = nearest_bucket(sample.size(), buckets)
        group = waiting.setdefault(bucket, [])
        group.append(sample)
        if len(group) == batch_size:
            yield PlannedBatch(bucket, waiting.pop(bucket))


def resize_and_crop(image: Image.Image, bucket: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """Resize to cover the bucket, centre-crop; returns (HxWx3 uint8, crop top-left in resized pixels)."""
    height, width = bucket
    scale = max(height / image.height, width / image.width)
    resized = image.convert("RGB").resize(
        (max(width, round(image.width * scale)), max(height, round(image.height * scale))), Image.BICUBIC
    )
    top = (resized.height - height) // 2
    left = (resized.width - width) // 2
    crop = resized.crop((left, top, left + width, top + height))
    return np.asarray(crop), (top, left)


def decode_batch(batch: PlannedBatch) -> dict[str, Any]:
    """Pixels in [-1, 1] (B, 3, H, W) plus what add_time_ids needs: original sizes and crop corners."""
    import torch

    pixels, originals, crops = [], [], []
    for sample in batch.samples:
        try:
            image = Image.open(io.BytesIO(sample.image_bytes))
            image.load()
        except OSError as err:
            raise TextsynthError(f"sample {sample.key}: image is not readable ({err})") from err
        array, crop = resize_and_crop(image, batch.bucket)
        pixels.append(array)
        originals.append((image.height, image.width))
        crops.append(crop)
    tensor = torch.from_numpy(np.stack(pixels)).permute(0, 3, 1, 2).float() / 127.5 - 1.0
    return {
        "pixel_values": tensor,
        "original_sizes": originals,
        "crops_top_left": crops,
        "captions": [s.caption for s in batch.samples],
        "keys": [s.key for s in batch.samples],
    }


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Text embeddings on disk, one file per caption (sha1 of the caption), for one text encoder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, caption: str) -> Path:
        digest = sha1(caption)
        return self.folder / digest[:2] / f"{digest}.pt"

    def missing(self, captions: list[str]) -> list[str]:
        return sorted({c for c in captions if not self.path(c).is_file()})

    def fill(
        self, captions: list[str], encode: Callable[[list[str]], tuple[Any, Any]], batch: int = 8
    ) -> int:
        """Encode and store every caption not cached yet; returns how many were encoded."""
        import torch

        todo = self.missing(captions)
        for start in range(0, len(todo), batch):
            chunk = todo[start : start + batch]
            embeds, pooled = encode(chunk)
            for caption, e, p in zip(chunk, embeds, pooled, strict=True):
                target = self.path(caption)
                target.parent.mkdir(exist_ok=True)
                tmp = target.with_suffix(".tmp")
                torch.save({"prompt_embeds": e.cpu().clone(), "pooled": p.cpu().clone()}, tmp)
                tmp.replace(target)
        return len(todo)

    def load(self, captions: list[str]) -> tuple[Any, Any]:
        import torch

        items = [torch.load(self.path(c), weights_only=True) for c in captions]
        return torch.stack([i["prompt_embeds"] for i in items]), torch.stack([i["pooled"] for i in items])


class LatentCache:
    """VAE latent means/stds on disk, keyed by sample source, key and bucket."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, sample: RawSample, bucket: tuple[int, int]) -> Path:
        digest = sha1(f"{sample.source}|{sample.key}|{bucket[0]}x{bucket[1]}|{sha1(sample.caption)}")
        return self.folder / digest[:2] / f"{digest}.pt"
