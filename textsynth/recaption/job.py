"""`textsynth recaption` as a runner job: shards over the listed inputs, one record per image kept.

Sample keys are the inputs' indexes in the listing, so a shard's bytes depend only on the
settings and its slice of inputs: worker count, backend and resume do not change them (with
a VLM, its answers are the only thing that can). Images without kept text, and images that
do not decode, leave a gap in the keys and are counted in the shard's stats.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from textsynth.io.shards import Output, ShardPlan, ShardResult, plan_shards, write_shard
from textsynth.recaption.fuse import fused_captions
from textsynth.recaption.inputs import REENCODE_QUALITY, InputItem, InputReader, listing_digest, prepare_image
from textsynth.recaption.texts import Filters, FoundText, drop_counts, from_ocr, primary_index, select
from textsynth.recaption.vlm import PROMPT_VERSION, VlmClient, VlmResult, VlmSettings
from textsynth.rng import sample_rng
from textsynth.run.job import ProgressFn

KEY_DIGITS = 9


def ocr_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"rapidocr-onnxruntime {version('rapidocr-onnxruntime')}"
    except PackageNotFoundError:
        return "rapidocr-onnxruntime (not installed)"


@dataclass
class RecaptionJob:
    input: str
    items: list[InputItem]
    shard_size: int = 1000
    seed: int = 0
    filters: Filters = field(default_factory=Filters)
    keep_textless: bool = False
    vlm: VlmSettings | None = None

    kind = "recaption"

    def settings(self) -> dict[str, Any]:
        return {
            "job": "recaption", "input": self.input, "inputs": listing_digest(self.items), "count": len(self.items),
            "shard_size": self.shard_size, "seed": self.seed, **asdict(self.filters), "keep_textless": self.keep_textless,
            "vlm_model": self.vlm.model if self.vlm else None, "vlm_prompt": PROMPT_VERSION if self.vlm else None,
            "ocr": ocr_version(), "image_format": "jpg", "caption_language": "zh", "jpeg_quality": REENCODE_QUALITY,
        }  # fmt: skip

    def fingerprint(self) -> str:
        """Everything but where the input lies: the listing's digest already says what it holds."""
        settings = {k: v for k, v in self.settings().items() if k != "input"}
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]

    def plans(self) -> list[ShardPlan]:
        return plan_shards(len(self.items), self.shard_size)

    def start(self) -> RecaptionWorker:
        from textsynth.qa.ocr import engine

        engine()  # load the OCR models now, not inside the first shard
        return RecaptionWorker(self)


@dataclass
class _Kept:
    index: int
    item: InputItem
    jpeg: bytes
    size: tuple[int, int]
    original: str
    kept: list[FoundText]
    dropped: list[FoundText]
    captions: dict[str, str]
    reencoded: bool
    vlm: Any = None  # Future[VlmResult] while the VLM works on it


class RecaptionWorker:
    def __init__(self, job: RecaptionJob):
        self.job = job
        self.client = VlmClient(job.vlm) if job.vlm else None

    def process(
        self, plan: ShardPlan, output: Output, progress: ProgressFn | None = None, write: bool = True
    ) -> ShardResult:
        from textsynth.qa.ocr import read_image

        job, stats = self.job, _Stats()
        reader = InputReader()
        pool = ThreadPoolExecutor(max(1, job.vlm.concurrency)) if job.vlm else None
        kept_samples: list[_Kept] = []
        try:
            for index in range(plan.first, plan.first + plan.count):
                item = job.items[index]
                stats.inputs += 1
                try:
                    loaded = reader.read(item)
                    jpeg, image, reencoded = prepare_image(loaded.data)
                except Exception as err:  # Pillow and tarfile raise many types for bad data
                    stats.unreadable[item.name] = f"{type(err).__name__}: {err}"[:200]
                    _tick(progress)
                    continue
                kept, dropped = select(from_ocr(read_image(np.asarray(image))), job.filters)
                if not kept and not job.keep_textless:
                    stats.textless += 1
                    _tick(progress)
                    continue
                width, height = image.size
                sample = _Kept(
                    index, item, jpeg, (width, height), loaded.caption, kept, dropped,
                    fused_captions(kept, loaded.caption, width, height, sample_rng(job.seed, index)), reencoded,
                )  # fmt: skip
                if pool is not None and kept and self.client is not None:
                    sample.vlm = pool.submit(
                        self.client.caption, jpeg, [t.text for t in kept], loaded.caption
                    )
                kept_samples.append(sample)
                _tick(progress)
            members = [self._members(sample, stats) for sample in kept_samples]
        finally:
            reader.close()
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        data, sha = write_shard(members)
        if write:
            output.write_atomic(plan.name, data)
        return ShardResult(
            plan.name, len(members), sha, len(data), stats.to_json(), data=None if write else data
        )

    def _members(self, sample: _Kept, stats: _Stats) -> dict[str, bytes | str]:
        captions = dict(sample.captions)
        if sample.vlm is not None:
            try:
                result: VlmResult = sample.vlm.result()
            except Exception as err:  # a bug or an odd image must not cost the shard: use the fused caption
                result = VlmResult(None, "fallback", f"error:{type(err).__name__}", 0)
            if result.caption is not None:
                captions["zh"] = result.caption
            recaption = {"method": "vlm", "outcome": result.outcome, "reason": result.reason,
                         "requests": result.requests, "model": self.job.vlm.model}  # fmt: skip
        else:
            recaption = {"method": "fused", "outcome": "fused", "reason": "", "requests": 0, "model": ""}
        stats.add(sample, recaption)
        key = f"{sample.index:0{KEY_DIGITS}d}"
        first = primary_index(sample.kept)
        record = {
            "key": key, "index": sample.index, "seed": self.job.seed, "source": "real", "origin": sample.item.name,
            "width": sample.size[0], "height": sample.size[1], "captions": captions,
            "original_caption": sample.original,
            "texts": [t.to_json(primary=i == first) for i, t in enumerate(sample.kept)],
            "dropped_texts": [
                {"text": t.text, "polygon": t.polygon, "score": t.score, "reason": t.reason} for t in sample.dropped
            ],
            "recaption": recaption, "image_reencoded": sample.reencoded,
        }  # fmt: skip
        return {
            "__key__": key,
            "jpg": sample.jpeg,
            "txt": captions["zh"].encode("utf-8"),
            "json": json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8"),
        }


def _tick(progress: ProgressFn | None) -> None:
    if progress is not None:
        progress(1)


@dataclass
class _Stats:
    """Per-shard counters for the manifest (summed by the runner)."""

    inputs: int = 0
    textless: int = 0
    unreadable: dict[str, str] = field(default_factory=dict)  # name -> why (the names go into the manifest)
    samples: int = 0
    texts: int = 0
    reencoded: int = 0
    directions: Counter = field(default_factory=Counter)
    dropped_lines: Counter = field(default_factory=Counter)
    recaption: Counter = field(default_factory=Counter)

    def add(self, sample: _Kept, recaption: dict[str, Any]) -> None:
        self.samples += 1
        self.texts += len(sample.kept)
        self.reencoded += sample.reencoded
        self.directions.update(t.direction for t in sample.kept)
        self.dropped_lines.update(drop_counts(sample.dropped))
        outcome = recaption["outcome"] if recaption["method"] == "fused" else f"vlm_{recaption['outcome']}"
        self.recaption[outcome + (f":{recaption['reason']}" if recaption["reason"] else "")] += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs, "samples": self.samples, "texts": self.texts, "textless": self.textless,
            "unreadable": len(self.unreadable), "unreadable_files": {name: 1 for name in sorted(self.unreadable)},
            "reencoded": self.reencoded,
            "directions": dict(self.directions), "dropped_lines": dict(self.dropped_lines),
            "recaption": dict(self.recaption),
        }  # fmt: skip
