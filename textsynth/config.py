"""RenderConfig: everything that decides the output bytes, validated once, loadable from YAML.

The config (minus where output goes and how many workers) is fingerprinted into the
manifest, so a resume with different settings is refused instead of silently mixed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from textsynth.errors import TextsynthError
from textsynth.io.record import CAPTION_KEYS
from textsynth.io.record import IMAGE_FORMATS as SHARD_IMAGE_FORMATS

IMAGE_FORMATS = tuple(SHARD_IMAGE_FORMATS)
SCRIPTS = {"simplified": "SC", "traditional": "TC"}  # --script -> the faces' glyph forms
CAPTION_FORMS = CAPTION_KEYS  # the `captions` keys of KEY.json; any of them can go into KEY.txt
CONDITIONING_KINDS = ("glyph", "position", "charseg")  # the maps `--conditioning` can add per sample
OPTIONAL_DEFAULTS: dict[str, Any] = {
    "conditioning": [],
    "glyph_font": "own",
    "contours": False,
    "pairs": False,
    "blocklist": None,
}


@dataclass
class RenderConfig:
    seed: int = 0
    count: int = 1000
    width: int = 512
    height: int = 512
    shard_size: int = 1000
    templates: dict[str, float] = field(
        default_factory=dict
    )  # name or YAML path -> weight; empty = all built-in
    backgrounds: str | None = None  # folder of photos mixed in as backgrounds
    default_photos: bool = True  # also use the shipped photo set (photos_manifest.yaml)
    photo_background_p: float = 0.4  # share of samples on a photo, for templates that allow photos
    corpus: str | None = None  # word list (TSV or one word per line); default: the shipped 50k list
    fonts_manifest: str | None = None
    fonts_dirs: list[str] = field(default_factory=list)
    image_format: str = "jpg"
    jpeg_quality: tuple[int, int] = (80, 95)
    caption_language: str = "zh"  # which caption goes into KEY.txt
    effects: dict[str, float] = field(default_factory=dict)  # effect name -> probability override
    geometry: dict[str, float] = field(default_factory=dict)  # perspective / rotation -> probability override
    ocr_check: bool = False
    min_ocr_score: float = 0.5
    plugins: list[str] = field(default_factory=list)  # modules / .py files imported in every worker
    # no sample text may contain a term of this file (default: the shipped corpora/blocklist.txt); "none": off
    blocklist: str | None = None
    # simplified: text as drawn, SC faces only; traditional: converted with OpenCC (s2tw), TC faces only
    script: str = "simplified"
    # {charset, k, per}: every character of the set at least k times per `per` samples, by steering
    # secondary corpus words towards under-exposed characters (textsynth.sampling.balance); None = off
    char_balance: dict[str, Any] | None = None
    conditioning: list[str] = field(default_factory=list)  # extra maps per sample: glyph, position, charseg
    glyph_font: str = "own"  # glyph map face: "own" (each text's face) or one face id for every text
    contours: bool = False  # add each text's `contour` (16 points along an arc) to KEY.json
    pairs: bool = False  # also render each scene with another primary word (KEY.pair.*), for text editing

    def validate(self, where: str = "config") -> RenderConfig:
        def bad(name: str, valid: str) -> TextsynthError:
            return TextsynthError(f"{where}: {name} must be {valid}, got {getattr(self, name)!r}")

        if not isinstance(self.count, int) or self.count < 1:
            raise bad("count", "a positive integer (number of samples to render)")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise bad("seed", "a non-negative integer")
        for name in ("width", "height"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 64 <= value <= 8192:
                raise bad(name, "an integer between 64 and 8192 pixels")
        if not isinstance(self.shard_size, int) or self.shard_size < 1:
            raise bad("shard_size", "a positive integer (samples per shard)")
        if self.image_format not in IMAGE_FORMATS:
            raise bad("image_format", "one of " + ", ".join(IMAGE_FORMATS))
        lo, hi = self.jpeg_quality
        if not 1 <= lo <= hi <= 100:
            raise bad("jpeg_quality", "a range [low, high] within 1..100")
        if self.char_balance is not None:
            self._validate_balance(where)
        if self.script not in SCRIPTS:
            raise bad("script", "one of " + ", ".join(SCRIPTS))
        if self.caption_language not in CAPTION_FORMS:
            raise bad("caption_language", "one of " + ", ".join(CAPTION_FORMS))
        for name, weight in self.templates.items():
            if not isinstance(weight, (int, float)) or weight <= 0:
                raise TextsynthError(
                    f"{where}: templates.{name} weight must be a positive number, got {weight!r}"
                )
        if not isinstance(self.min_ocr_score, (int, float)) or not 0 <= self.min_ocr_score <= 1:
            raise bad("min_ocr_score", "a number in [0, 1] (1 - normalised edit distance)")
        for group in ("effects", "geometry"):
            for name, p in getattr(self, group).items():
                if not isinstance(p, (int, float)) or not 0 <= p <= 1:
                    raise TextsynthError(
                        f"{where}: {group}.{name} must be a probability in [0, 1], got {p!r}"
                    )
        unknown = [k for k in self.conditioning if k not in CONDITIONING_KINDS]
        if (
            not isinstance(self.conditioning, list)
            or unknown
            or len(set(self.conditioning)) != len(self.conditioning)
        ):
            raise bad("conditioning", "a list of distinct map names from " + ", ".join(CONDITIONING_KINDS))
        if not isinstance(self.glyph_font, str) or not self.glyph_font:
            raise bad("glyph_font", "'own' or a font face id (see `textsynth fonts`)")
        return self

    def _validate_balance(self, where: str) -> None:
        from textsynth.sources.charsets import CHARSETS

        spec = self.char_balance
        if not isinstance(spec, dict) or set(spec) - {"charset", "k", "per"}:
            raise TextsynthError(
                f"{where}: char_balance must be a mapping with charset, k and per, got {spec!r}"
            )
        if spec.get("charset", "gb2312") not in CHARSETS:
            raise TextsynthError(
                f"{where}: char_balance.charset must be one of {', '.join(CHARSETS)}, got {spec.get('charset')!r}"
            )
        for name, default in (("k", 1), ("per", 50000)):
            value = spec.get(name, default)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise TextsynthError(
                    f"{where}: char_balance.{name} must be a positive integer, got {value!r}"
                )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["jpeg_quality"] = list(self.jpeg_quality)
        # fields added later are left out at their defaults, so earlier runs keep their fingerprint;
        # a run with maps always records which face drew its glyph maps
        keep = {"glyph_font"} if self.conditioning else set()
        for name, default in OPTIONAL_DEFAULTS.items():
            if data.get(name) == default and name not in keep:
                del data[name]
        return data

    def fingerprint(self) -> str:
        """Hash of everything that changes output bytes (count and shard plan included)."""
        blob = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    @classmethod
    def from_mapping(cls, data: dict[str, Any], where: str = "config") -> RenderConfig:
        known = {f.name for f in fields(cls)}
        data = dict(data)
        if "size" in data:
            data["width"], data["height"] = parse_size(str(data.pop("size")), where=f"{where}: size")
        unknown = sorted(set(data) - known)
        if unknown:
            raise TextsynthError(
                f"{where}: unknown field(s) {', '.join(unknown)}; valid fields: size, {', '.join(sorted(known))}"
            )
        if isinstance(data.get("templates"), list):
            data["templates"] = {str(name): 1.0 for name in data["templates"]}
        if "jpeg_quality" in data:
            q = data["jpeg_quality"]
            data["jpeg_quality"] = (int(q), int(q)) if isinstance(q, int) else tuple(q)
        return cls(**data).validate(where)

    @classmethod
    def from_yaml(cls, path: str | Path) -> RenderConfig:
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise TextsynthError(f"{path}: config file not found") from None
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            line = f" line {mark.line + 1}" if mark else ""
            raise TextsynthError(f"{path}:{line} malformed YAML: {getattr(err, 'problem', err)}") from None
        if not isinstance(data, dict):
            raise TextsynthError(f"{path}: a config must be a YAML mapping of field: value")
        return cls.from_mapping(data, where=str(path))


def parse_size(text: str, where: str = "--size") -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not match:
        raise TextsynthError(f"{where} must look like WIDTHxHEIGHT (e.g. 512x512), got {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if not (64 <= width <= 8192 and 64 <= height <= 8192):
        raise TextsynthError(f"{where} must be between 64x64 and 8192x8192 pixels, got {text!r}")
    return width, height


def parse_template_weights(text: str) -> dict[str, float]:
    """'poster,sign:2,my.yaml' -> {'poster': 1, 'sign': 2, 'my.yaml': 1}."""
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, weight = part.rpartition(":") if re.search(r":[\d.]+$", part) else (part, "", "1")
        try:
            value = float(weight)
        except ValueError:
            raise TextsynthError(f"--templates: weight in {part!r} must be a number") from None
        if value <= 0:
            raise TextsynthError(f"--templates: weight in {part!r} must be positive")
        weights[name] = value
    return weights
