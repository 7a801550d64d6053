"""One shard, start to finish, in whichever process or Ray actor runs it: samples -> tar -> store."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from textsynth.config import RenderConfig
from textsynth.errors import TextsynthError
from textsynth.io.record import record_bytes
from textsynth.io.shards import Output, ShardPlan, ShardResult, ShardWriter, plan_shards
from textsynth.pipeline import build_context, make_sample
from textsynth.run.collector import shard_collector
from textsynth.sampling.context import RenderContext

ProgressFn = Callable[[int], None]


class ShardStats:
    """The counters the manifest keeps per shard (and `textsynth stats` sums), added up sample by sample.

    A shard's samples are dropped as soon as they are written: kept for the counters, their scenes and
    annotations (~500 Python objects a sample) made every garbage-collector pass walk the whole shard.
    """

    def __init__(self) -> None:
        self.templates: Counter = Counter()
        self.fonts: Counter = Counter()
        self.directions: Counter = Counter()
        self.effects: Counter = Counter()
        self.samples = self.skipped = self.resampled = self.without_primary = self.blocked = 0

    def add(self, sample: Any) -> None:
        scene = sample.scene
        self.samples += 1
        self.resampled += sample.resampled
        self.blocked += sample.blocked_texts
        # the primary slot can fail to fit on every try; the contract has such samples counted here
        self.without_primary += not any(item.primary for item in scene.texts)
        self.templates[scene.template] += 1
        for item in scene.texts:
            self.fonts[item.font] += 1
            self.directions[item.direction] += 1
        for layer in (*scene.geometry, *scene.effects):
            self.effects[layer.name] += 1
        self.skipped += len(sample.skipped_words)

    def to_json(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "texts": sum(self.directions.values()),
            "skipped_words": self.skipped,
            "resampled": self.resampled,
            "samples_without_primary": self.without_primary,
            "blocked_texts": self.blocked,
            "templates": dict(self.templates),
            "fonts": dict(self.fonts),
            "directions": dict(self.directions),
            "effects": dict(self.effects),
        }


def _record(ctx: RenderContext, sample) -> dict[str, Any]:
    """KEY.json; with `contours` each text also gets its outline (docs/shard-contract.md)."""
    record = sample.record()
    if ctx.config.contours:
        from textsynth.render.conditioning import place_texts, text_contours

        outlines = text_contours(sample.scene, place_texts(sample.scene, ctx.load_font))
        for text, outline in zip(record["texts"], outlines, strict=True):
            text["contour"] = [[round(float(x), 2), round(float(y), 2)] for x, y in outline]
    return record


def conditioning_members(ctx: RenderContext, sample) -> dict[str, bytes]:
    """KEY.glyph.png, KEY.position.png, KEY.charseg.png as the config asks (docs/shard-contract.md)."""
    from textsynth.render import conditioning
    from textsynth.render.charset import run_charset

    kinds = ctx.config.conditioning
    index = run_charset(ctx.corpus, ctx.fonts)[1] if "charseg" in kinds else None
    glyph_font = conditioning.glyph_font_for(ctx.fonts, ctx.config.glyph_font)
    maps = conditioning.conditioning_maps(sample.scene, ctx.load_font, kinds, index, glyph_font)
    return conditioning.encode_maps(maps)


def pair_members(ctx: RenderContext, sample) -> dict[str, bytes]:
    """KEY.pair.<fmt|txt|json> (and KEY.pair.<map>.png): the scene again with another primary word."""
    from dataclasses import replace

    from textsynth.render.compose import render_scene
    from textsynth.sampling.pairs import pair_scene

    config = ctx.config
    edit = pair_scene(sample.scene, ctx.corpus, ctx.fonts, config.seed, sample.index)
    rendered = render_scene(edit.scene, ctx.load_font)
    captions = {
        k: v.replace(edit.old_text, edit.new_text) if edit.old_text else v for k, v in sample.captions.items()
    }
    pair = replace(sample, scene=edit.scene, image=rendered.image, texts=rendered.texts, captions=captions)
    members = {
        f"pair.{config.image_format}": pair.encode(config.image_format),
        "pair.txt": captions[config.caption_language].encode("utf-8"),
        "pair.json": record_bytes(_record(ctx, pair)),
    }
    if config.conditioning:
        members.update({f"pair.{ext}": data for ext, data in conditioning_members(ctx, pair).items()})
    return members


def render_shard(
    ctx: RenderContext,
    plan: ShardPlan,
    output: Output,
    progress: ProgressFn | None = None,
    write: bool = True,
) -> ShardResult:
    """Render all samples of one shard and write it atomically (or, with write=False, return its bytes).

    Each sample goes into the shard's tar as soon as it is made, so a worker holds one sample at a time.
    """
    fmt = ctx.config.image_format
    lang = ctx.config.caption_language
    stats = ShardStats()
    writer = ShardWriter(output, plan.name, in_memory=not write)
    try:
        for index in range(plan.first, plan.first + plan.count):
            try:
                sample = make_sample(ctx, index)
            except TextsynthError as err:
                raise TextsynthError(f"{plan.name}, sample {index:09d}: {err}") from None
            except (
                Exception
            ) as err:  # e.g. a plugin's effect that fails: name the sample, keep finished shards
                raise TextsynthError(
                    f"{plan.name}, sample {index:09d}: rendering failed ({type(err).__name__}: {err}); "
                    "finished shards are kept"
                ) from err
            member = {
                "__key__": sample.key,
                fmt: sample.encode(fmt),
                "txt": sample.captions[lang].encode("utf-8"),
                "json": record_bytes(_record(ctx, sample)),
            }
            if ctx.config.conditioning:
                member.update(conditioning_members(ctx, sample))
            if ctx.config.pairs:
                member.update(pair_members(ctx, sample))
            writer.add(member)
            stats.add(sample)
            if progress is not None:
                progress(1)
        sha, size, data = writer.finish()
    except BaseException:
        writer.abort()
        raise
    return ShardResult(plan.name, plan.count, sha, size, stats.to_json(), data=data)


class RenderJob:
    """`textsynth render` as a runner job: shards of `config.count` samples, drawn from (config, index)."""

    kind = "render"

    def __init__(self, config: RenderConfig, ctx: RenderContext | None = None):
        self.config = config
        self.ctx = ctx  # already built in this process (the command built it to fail fast); not pickled

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config, "ctx": None}

    def settings(self) -> dict[str, Any]:
        return self.config.to_json()

    def fingerprint(self) -> str:
        return self.config.fingerprint()

    def plans(self) -> Sequence[ShardPlan]:
        return plan_shards(self.config.count, self.config.shard_size)

    def inputs(self) -> dict[str, str]:
        """Digests of the files the run reads, so a resume after they changed is refused."""
        from textsynth.run.inputs import input_digests

        return input_digests(self.config)

    def start(self) -> RenderWorker:
        import cv2

        # a worker is one core's worth of rendering: OpenCV's own thread pool in each of N workers on N
        # cores only contends with the other workers (pixels do not depend on it)
        cv2.setNumThreads(1)
        return RenderWorker(self.ctx or build_context(self.config))

    def prepare(self, output: Output) -> None:
        """Once per run, before any shard: charset.json, the class table of every KEY.charseg.png."""
        if "charseg" in self.config.conditioning:
            write_charset(output, self.config, self.ctx)


class RenderWorker:
    def __init__(self, ctx: RenderContext):
        self.ctx = ctx

    def process(
        self, plan: ShardPlan, output: Output, progress: ProgressFn | None = None, write: bool = True
    ) -> ShardResult:
        with shard_collector():
            return render_shard(self.ctx, plan, output, progress, write=write)


def write_charset(output: Output, config: RenderConfig, ctx: RenderContext | None) -> None:
    """charset.json from the run's corpus and fonts alone (the same bytes on resume)."""
    from pathlib import Path

    from textsynth.render.charset import CHARSET_FILE, charset_json, run_charset
    from textsynth.sources.corpus import Corpus
    from textsynth.sources.fonts import FontLibrary

    if ctx is not None:
        corpus, fonts = ctx.corpus, ctx.fonts
    else:  # the same loading as build_context, without templates and photos
        corpus = Corpus.load(Path(config.corpus) if config.corpus else None)
        fonts = FontLibrary.load(
            Path(config.fonts_manifest) if config.fonts_manifest else None,
            extra_dirs=[Path(d) for d in config.fonts_dirs],
        )
    table, _ = run_charset(corpus, fonts)
    output.write_atomic(CHARSET_FILE, json.dumps(charset_json(table), ensure_ascii=False).encode())
