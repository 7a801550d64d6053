"""One sample end to end: index -> Generator -> Scene -> pixels -> captions -> shard record."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from textsynth.captions import make_captions
from textsynth.config import RenderConfig
from textsynth.errors import TextsynthError
from textsynth.io.record import RECORD_FIELDS, TEXT_FIELDS, make_record, scene_json
from textsynth.qa import legibility
from textsynth.render.compose import Rendered, TextAnnotation, keep_freed_memory, render_scene
from textsynth.render.layout import mixed_size
from textsynth.rng import sample_rng
from textsynth.sampling.context import RenderContext
from textsynth.sampling.sampler import draw_scene
from textsynth.scene import Scene, TextItem
from textsynth.sources.blocklist import load_blocklist
from textsynth.sources.corpus import Corpus
from textsynth.sources.fonts import FontLibrary
from textsynth.sources.photos import load_photos
from textsynth.templates import Template, builtin_template_paths, load_template, resolve_templates

KEY_DIGITS = 9


def sample_key(index: int) -> str:
    return f"{index:0{KEY_DIGITS}d}"


@dataclass
class Sample:
    key: str
    index: int
    seed: int
    scene: Scene
    image: np.ndarray
    texts: list[TextAnnotation]
    captions: dict[str, str]
    skipped_words: list[str] = field(default_factory=list)
    resampled: int = 0  # scenes redrawn because a quality check failed
    blocked_texts: int = 0  # texts drawn again because they held a blocklisted term

    @property
    def caption(self) -> str:
        return self.captions["zh"]

    def record(self) -> dict[str, Any]:
        """The KEY.json of the shard contract, in the shape `textsynth.io.record` defines.

        Fields whose shape varies with the sample (effect and background parameters, the full
        style of each text) live in `scene`, a JSON string, so Arrow-based loaders such as
        Hugging Face `datasets` see one schema; `json.loads(record["scene"])` gives them all,
        and `rerender(record)` draws the sample again from it.
        """
        scene = self.scene
        texts = [
            make_record(TEXT_FIELDS, {**t.to_json(), "primary": item.primary, "lines": list(item.lines),
                                      "styles": style_names(item)})
            for t, item in zip(self.texts, scene.texts, strict=True)
        ]  # fmt: skip
        return make_record(RECORD_FIELDS, {
            "key": self.key, "seed": self.seed, "index": self.index, "width": scene.width, "height": scene.height,
            "template": scene.template, "background": scene.background.name, "captions": self.captions,
            "texts": texts, "decorations": [d.kind for d in scene.decorations],
            "geometry": [g.name for g in scene.geometry], "effects": [e.name for e in scene.effects],
            "jpeg_quality": scene.jpeg_quality, "skipped_words": self.skipped_words, "resampled": self.resampled,
            "scene": scene_json(scene),
        })  # fmt: skip

    def encode(self, image_format: str = "jpg") -> bytes:
        if image_format == "jpg":
            return jpeg_bytes(self.image, self.scene.jpeg_quality)
        buffer = io.BytesIO()
        image = Image.fromarray(self.image)
        if image_format == "png":
            image.save(buffer, format="PNG", compress_level=3)
        else:
            image.save(buffer, format="WEBP", quality=self.scene.jpeg_quality, method=3)
        return buffer.getvalue()


def jpeg_bytes(pixels: np.ndarray, quality: int) -> bytes:
    """Pillow's JPEG of `pixels` (H, W, 3 uint8 RGB) at `quality`, byte for byte.

    OpenCV and Pillow both hand the image to libjpeg-turbo with the same settings (baseline, 4:2:0,
    JFIF 1:1, standard tables), so cv2.imencode writes Pillow's very bytes, without Pillow's save
    machinery and row packing: 0.72 -> 0.65 ms at 512². It is used where a probe image comes out the
    same from both in this process (their bundled libraries could differ in another install); else Pillow.
    """
    if (
        1 <= quality <= 100 and pixels.ndim == 3 and pixels.shape[2] == 3 and pixels.dtype == np.uint8
        and _opencv_writes_pillows_jpeg()
    ):  # fmt: skip
        ok, data = cv2.imencode(
            ".jpg", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR), (cv2.IMWRITE_JPEG_QUALITY, int(quality))
        )
        if ok:
            return data.tobytes()
    buffer = io.BytesIO()
    jpeg_image(pixels).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


@functools.cache
def _opencv_writes_pillows_jpeg() -> bool:
    """Whether cv2.imencode gives Pillow's bytes here: a textured probe (odd size, colour edges) at a few
    qualities, once per process."""
    rows, cols = np.mgrid[0:37, 0:53]
    probe = np.stack([(rows * 7) % 256, (cols * 5) % 256, ((rows * cols) % 97) * 2], axis=2).astype(np.uint8)
    for quality in (60, 90, 95):
        buffer = io.BytesIO()
        Image.fromarray(probe).save(buffer, format="JPEG", quality=quality)
        ok, data = cv2.imencode(
            ".jpg", cv2.cvtColor(probe, cv2.COLOR_RGB2BGR), (cv2.IMWRITE_JPEG_QUALITY, quality)
        )
        if not ok or data.tobytes() != buffer.getvalue():
            return False
    return True


def jpeg_image(pixels: np.ndarray) -> Image.Image:
    """`pixels` (H, W, 3 uint8 RGB) as a Pillow image for the JPEG encoder, the same bytes as fromarray's.

    Pillow keeps RGB in 4 bytes a pixel: fromarray unpacks into new storage pixel by pixel (0.11 ms at
    512², 0.37 at 1024²); OpenCV pads to RGBA in one pass and Pillow reads that buffer in place as RGBX,
    which its JPEG encoder writes as RGB (0.04 / 0.15 ms).
    """
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
        return Image.fromarray(pixels)
    height, width = pixels.shape[:2]
    padded = cv2.cvtColor(pixels, cv2.COLOR_RGB2RGBA)
    return Image.frombuffer("RGBX", (width, height), padded, "raw", "RGBX", 0, 1)


def style_names(item: TextItem) -> list[str]:
    """What was done to one text, by name: its glyph styles, then its posture."""
    style = item.style
    names = [
        name
        for name, on in (
            ("stroke", style.stroke_width > 0), ("shadow", style.shadow is not None),
            ("extrude", style.extrude is not None), ("glow", style.glow is not None),
            ("gradient", style.fill.kind == "gradient"), ("curve", bool(item.curve)),
            ("rotation", abs(item.rotation) >= 1.0), ("tilt", item.tilt is not None), ("jitter", item.jitter > 0),
            ("outlines", bool(style.outlines)), ("inner_glow", style.inner_glow is not None),
            ("long_shadow", style.long_shadow is not None), ("textured_fill", style.fill.kind == "texture"),
            ("mixed_size", mixed_size(item)),
        )
        if on
    ]  # fmt: skip
    return names


def build_context(config: RenderConfig, templates: list[Template] | None = None) -> RenderContext:
    """Load corpus, fonts, templates and background photos once (per worker)."""
    from textsynth.plugins import load_plugins

    load_plugins(config.plugins)
    keep_freed_memory()  # per-process allocator policy for a worker that renders many images
    corpus = Corpus.load(Path(config.corpus) if config.corpus else None)
    blocked = frozenset() if config.blocklist == "none" else load_blocklist(config.blocklist)
    fonts = FontLibrary.load(
        Path(config.fonts_manifest) if config.fonts_manifest else None,
        extra_dirs=[Path(d) for d in config.fonts_dirs],
    )
    if templates is None:
        if config.templates:
            templates = resolve_templates(list(config.templates))
            weights = np.array(list(config.templates.values()), dtype=np.float64)
        else:
            # the default mix is the shipped YAML templates; registered ones are used when named
            templates = [load_template(path) for path in builtin_template_paths()]
            weights = np.ones(len(templates))
    else:
        weights = np.ones(len(templates))
    if not templates:
        raise TextsynthError("no templates to render: add YAML files to templates/ or pass --templates")
    # the user's folder is scanned (every header decoded) here, before any sample is drawn
    photo_set = load_photos(folders=[config.backgrounds] if config.backgrounds else ())
    user_photos = [p for p in photo_set.photos if not p.package]
    photos = photo_set.photos if config.default_photos else user_photos
    image_files = [p.id for p in user_photos]  # image_patch pictures, by photo id
    weights = weights / weights.sum()
    balance = None
    if config.char_balance:
        from textsynth.sampling.balance import build_balance

        balance = build_balance(config.char_balance, corpus, templates, weights)
    return RenderContext(
        config=config, corpus=corpus, fonts=fonts, templates=templates,
        template_weights=weights, photos=photos, image_files=image_files, balance=balance,
        blocked=blocked,
    )  # fmt: skip


MAX_RESAMPLES = 4  # scene redraws after failed quality checks, before keeping the last draw


def make_sample(ctx: RenderContext, index: int) -> Sample:
    """Render sample `index` of the run. Depends only on (config, index): never on worker or order.

    A draw whose text fails the legibility check (or, with `config.ocr_check`, the OCR
    read-back) is redrawn from stream k = 1, 2, ... of the same (seed, index).
    """
    sample = _draw_sample(ctx, index, stream=0)
    for stream in range(1, MAX_RESAMPLES + 1):
        if _passes_checks(ctx, sample):
            break
        sample = _draw_sample(ctx, index, stream=stream)
        sample.resampled = stream
    return sample


def template_index(rng: np.random.Generator, weights: np.ndarray) -> int:
    """`int(rng.choice(len(weights), p=weights))`: the same draw (one `rng.random()`) and the same index.

    Generator.choice checks its arguments through a dozen numpy calls each sample (0.08 ms of CPU in a
    run, caches cold from rendering); what it then does is this search in the normalised cumulative sum.
    """
    as_float = np.asarray(weights, np.float64)  # as choice reads p
    return int(_cumulative(as_float.tobytes()).searchsorted(rng.random(), side="right"))


@functools.lru_cache(maxsize=8)
def _cumulative(weights: bytes) -> np.ndarray:
    """choice's own cdf of the weights: cumsum, then divided by its last value."""
    cdf = np.frombuffer(weights, np.float64).cumsum()
    cdf /= cdf[-1]
    return cdf


def _passes_checks(ctx: RenderContext, sample: Sample) -> bool:
    if not any(item.primary for item in sample.scene.texts):
        return False  # the contract: every sample shows its corpus word; redraw, or count it as skipped
    if not legibility.is_legible(legibility.check_sample(sample, ctx.load_font)):
        return False
    if ctx.config.ocr_check:
        from textsynth.qa.readback import passes_ocr, read_back_sample

        return passes_ocr(read_back_sample(sample), ctx.config.min_ocr_score)
    return True


def _draw_sample(ctx: RenderContext, index: int, stream: int) -> Sample:
    seed = ctx.config.seed
    rng = sample_rng(seed, index, stream=stream)
    template = ctx.templates[template_index(rng, ctx.template_weights)]
    sampled = draw_scene(template, rng, ctx, index)
    rendered: Rendered = render_scene(sampled.scene, ctx.load_font, base=sampled.base, own_base=True)
    captions = make_captions(sampled.scene, rng, [t.polygon for t in rendered.texts])
    return Sample(
        key=sample_key(index), index=index, seed=seed, scene=sampled.scene, image=rendered.image,
        texts=rendered.texts, captions=captions, skipped_words=sampled.skipped_words,
        blocked_texts=sampled.blocked_texts,
    )  # fmt: skip


def render_sample(
    template: Template | str | None = None, seed: int = 0, index: int = 0, config: RenderConfig | None = None,
    ctx: RenderContext | None = None,
) -> Sample:  # fmt: skip
    """Library entry point: one sample (image, annotations, captions) from a template name, path or object."""
    config = config or RenderConfig(seed=seed)
    config.seed = seed
    if ctx is None:
        templates = None
        if isinstance(template, Template):
            templates = [template]
        elif isinstance(template, str):
            templates = resolve_templates([template])
        ctx = build_context(config, templates)
    return make_sample(ctx, index)


def rerender(record: dict[str, Any], fonts: FontLibrary | None = None) -> Rendered:
    """Render a sample again from its KEY.json record alone."""
    from textsynth.sources.glyphs import get_face

    fonts = fonts or FontLibrary.load()
    from textsynth.io.reader import scene_of

    scene = Scene.from_json(scene_of(record))
    return render_scene(scene, lambda face_id, size: get_face(fonts.face(face_id), size))
