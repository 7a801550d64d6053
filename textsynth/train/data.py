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
# runs of CJK ideographs (URO + Extension A): the "words" a run counts as seen; digits, Latin and
# punctuation (phone numbers, prices, dates) are not words of the corpus
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


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
    shard: str = ""

    def size(self) -> tuple[int, int]:
        """(height, width), read from the image header without decoding pixels."""
        with Image.open(io.BytesIO(self.image_bytes)) as image:
            return image.height, image.width

    def words(self) -> list[str]:
        """The rendered words: from KEY.json `texts`, else the quoted strings of the caption."""
        texts = [t.get("text", "") for t in self.meta.get("texts", []) if isinstance(t, dict)]
        return [t for t in texts if t] or _QUOTED.findall(self.caption)

    def cjk_words(self) -> list[str]:
        """The Chinese runs of the rendered texts: what `words_seen` counts (no phone numbers, prices)."""
        return [run for text in self.words() for run in _CJK_RUN.findall(text)]


def read_shard(path: str, source: str) -> Iterator[RawSample]:
    """Samples of one WebDataset tar in file order, grouped by key by webdataset itself."""
    import webdataset as wds

    if not Path(path).is_file():
        raise TextsynthError(f"{path}: not a readable tar shard (no such file)")
    try:
        # this shard was already dealt to this process (see `stream`): no second split here
        dataset = wds.WebDataset(
            path, shardshuffle=False, empty_check=False, nodesplitter=None, workersplitter=None
        )
        for group in dataset:
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
    return RawSample(str(key), source, group[image_ext], group["txt"].decode("utf-8").strip(), meta, path)


def rank_info() -> tuple[int, int]:
    """(rank, world size) as webdataset sees them: RANK/WORLD_SIZE or torch.distributed; (0, 1) alone."""
    from webdataset.utils import pytorch_worker_info

    rank, world, _, _ = pytorch_worker_info()
    return rank, world


def stream(
    paths: list[str], source: str, rng: np.random.Generator, exclude: frozenset = frozenset()
) -> Iterator[RawSample]:
    """Endless samples of this process's share: each epoch orders all shards with `rng` (the same
    order in every process), then webdataset's split_by_node and split_by_worker deal them out, so
    processes never read the same shard in the same epoch. (shard, key) pairs in `exclude` are skipped."""
    import webdataset as wds

    _, world = rank_info()
    if len(paths) < world:
        raise TextsynthError(
            f"{len(paths)} {source} shard(s) for {world} processes: each process needs at least one shard"
        )
    while True:
        order = [paths[int(i)] for i in rng.permutation(len(paths))]
        found = False
        for path in wds.split_by_worker(wds.split_by_node(order)):
            for sample in read_shard(path, source):
                if (path, sample.key) not in exclude:
                    found = True
                    yield sample
        if not found:
            raise TextsynthError(f"no {source} training samples left in {len(paths)} shard(s)")


def mixed_stream(
    synthetic: list[str],
    real: list[str] | None,
    synthetic_ratio: float,
    seed: int,
    exclude: frozenset = frozenset(),
) -> Iterator[RawSample]:
    """Synthetic samples with probability `synthetic_ratio`, else real ones; deterministic in `seed`."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    synth = stream(synthetic, "synthetic", np.random.default_rng(np.random.SeedSequence([seed, 2])), exclude)
    if not real:
        yield from synth
        return
    if not 0.0 <= synthetic_ratio <= 1.0:
        raise TextsynthError(f"--synthetic-ratio must be between 0 and 1, got {synthetic_ratio}")
    other = stream(real, "real", np.random.default_rng(np.random.SeedSequence([seed, 3])), exclude)
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


def holdout_batch(paths: list[str], batch_size: int, buckets: list[tuple[int, int]]) -> PlannedBatch:
    """A batch training never sees: the first samples of the last shard (in name order) that share
    the first one's bucket, at most `batch_size`. Exclude `(s.shard, s.key)` of its samples from the stream."""
    samples = read_shard(sorted(paths)[-1], "synthetic")
    first = next(samples, None)
    if first is None:
        raise TextsynthError(f"{sorted(paths)[-1]}: no samples to hold out for the fixed-batch loss")
    bucket = nearest_bucket(first.size(), buckets)
    chosen = [first]
    for sample in samples:
        if len(chosen) == batch_size:
            break
        if nearest_bucket(sample.size(), buckets) == bucket:
            chosen.append(sample)
    return PlannedBatch(bucket, chosen)


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
    """Text embeddings on disk in float16, one safetensors file per (text encoder, caption).

    The folder is `ROOT/<fingerprint>/<sha1[:2]>/<sha1 of caption>.safetensors`, so caches of
    different models can share one ROOT and never mix. A Kolors entry (256 × 4096 + 4096 halves)
    is 2.1 MB: about 2 GB per 1,000 captions (docs/training.md).
    """

    def __init__(self, root: Path, fingerprint: str):
        self.folder = Path(root) / fingerprint
        self.fingerprint = fingerprint
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, caption: str) -> Path:
        digest = sha1(caption)
        return self.folder / digest[:2] / f"{digest}.safetensors"

    def missing(self, captions: list[str]) -> list[str]:
        return sorted({c for c in captions if not self.path(c).is_file()})

    def fill(
        self, captions: list[str], encode: Callable[[list[str]], tuple[Any, Any]], batch: int = 16
    ) -> int:
        """Encode and store (as float16) every caption not cached yet; returns how many were encoded."""
        import torch
        from safetensors.torch import save_file

        todo = self.missing(captions)
        for start in range(0, len(todo), batch):
            chunk = todo[start : start + batch]
            embeds, pooled = encode(chunk)
            embeds, pooled = embeds.to("cpu", torch.float16), pooled.to("cpu", torch.float16)
            if not (torch.isfinite(embeds).all() and torch.isfinite(pooled).all()):
                raise TextsynthError(
                    "text embeddings overflow float16 (or are NaN): check the text encoder weights"
                )
            for caption, e, p in zip(chunk, embeds, pooled, strict=True):
                target = self.path(caption)
                target.parent.mkdir(exist_ok=True)
                tmp = target.with_suffix(".tmp")
                save_file({"prompt_embeds": e.contiguous(), "pooled": p.contiguous()}, tmp)
                tmp.replace(target)
        return len(todo)

    def load(self, captions: list[str]) -> tuple[Any, Any]:
        """(prompt_embeds, pooled) stacked in caption order, float16 as stored."""
        import torch
        from safetensors.torch import load_file

        items = [load_file(self.path(c)) for c in captions]
        return torch.stack([i["prompt_embeds"] for i in items]), torch.stack([i["pooled"] for i in items])

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.rglob("*.safetensors"))


class LatentCache:
    """VAE latent means/stds on disk, keyed by sample source, key and bucket."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, sample: RawSample, bucket: tuple[int, int]) -> Path:
        digest = sha1(f"{sample.source}|{sample.key}|{bucket[0]}x{bucket[1]}|{sha1(sample.caption)}")
        return self.folder / digest[:2] / f"{digest}.pt"
