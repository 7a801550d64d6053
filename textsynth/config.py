"""RenderConfig: everything that decides the output bytes, validated once, loadable from YAML.

The config (minus where output goes and how many workers) is fingerprinted into the
manifest, so a resume with different settings is refused instead of silently mixed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from textsynth.errors import TextsynthError
from textsynth.io.record import CAPTION_KEYS
from textsynth.io.record import IMAGE_FORMATS as SHARD_IMAGE_FORMATS
from textsynth.validation import FieldReader, load_yaml

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
    "aspects": "template",
}
# Named canvas aspects (width / height), for `--aspects`, a config's `aspects` and a template's `canvas.aspects`.
ASPECT_NAMES = {"portrait": 0.75, "square": 1.0, "landscape": 1.333, "banner": 3.0}
ASPECT_RANGE = (0.2, 5.0)
ASPECTS_HINT = (
    "'template' (each template's own), 'fixed' (every image exactly --size), or a list of aspects: "
    f"{', '.join(ASPECT_NAMES)} or width/height ratios from {ASPECT_RANGE[0]} to {ASPECT_RANGE[1]}"
)


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
    # canvas shapes: "template" (each template's canvas.aspects), "fixed" (every image exactly width x height),
    # or width/height ratios that `layout: auto` templates draw from at about width x height pixels
    aspects: str | list[float] = "template"

    def validate(self, where: str = "config", label: Callable[[tuple], str] | None = None) -> RenderConfig:
        """Check every field's type and range (in place); TextsynthError 'WHERE: FIELD: must be ...'."""
        checked = read_config(FieldReader(where, label=label), self.to_json())
        for name, value in checked.items():
            setattr(self, name, value)
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
        if isinstance(self.jpeg_quality, (list, tuple)):
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
    def from_mapping(
        cls, data: dict[str, Any], where: str = "config", lines: dict[tuple, int] | None = None
    ) -> RenderConfig:
        """A config from plain data (YAML, JSON, a manifest's `config`), every field checked."""
        return cls(**read_config(FieldReader(where, lines), data))

    @classmethod
    def from_yaml(cls, path: str | Path) -> RenderConfig:
        data, lines = load_yaml(path, "config")
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise TextsynthError(
                f"{path}: a config must be a YAML mapping of field: value, got {data!r}"[:300]
            )
        return cls.from_mapping(data, where=str(path), lines=lines)


MAX_COUNT = 10**9  # sample keys have 9 digits
MAX_SHARDS = 10**6  # shard names have 6 digits
MAX_SEED = 2**63 - 1
MAX_SHARD_SIZE = 100_000  # a shard is assembled in memory: ~5 GB of 512² JPEGs at most


def read_config(reader: FieldReader, data: Any) -> dict[str, Any]:
    """Check a config mapping field by field; return RenderConfig keyword arguments."""
    known = {f.name for f in fields(RenderConfig)}
    data = dict(reader.mapping(data, (), known | {"size"}))
    out: dict[str, Any] = {}
    if "size" in data:
        size = data.pop("size")
        problem = _size_problem(size)
        if problem:
            raise reader.error(("size",), problem)
        out["width"], out["height"] = parse_size(size)

    def get(name: str, check: Callable[[Any, tuple], Any]) -> None:
        if name in data:
            out[name] = check(data[name], (name,))

    get("seed", lambda v, p: reader.integer(v, p, 0, MAX_SEED, "a non-negative integer"))
    get("count", lambda v, p: reader.integer(v, p, 1, MAX_COUNT, "a positive integer (number of samples)"))
    for name in ("width", "height"):
        get(name, lambda v, p: reader.integer(v, p, 64, 8192, "a size in pixels"))
    get(
        "shard_size",
        lambda v, p: reader.integer(v, p, 1, MAX_SHARD_SIZE, "a positive integer (samples per shard)"),
    )
    get("templates", lambda v, p: _read_templates(reader, v, p))
    for name, valid in (
        ("backgrounds", "a folder of photos"), ("corpus", "the path of a word list"),
        ("fonts_manifest", "the path of a font manifest YAML"),
    ):  # fmt: skip
        get(name, lambda v, p, valid=valid: reader.optional_string(v, p, valid))
    get("photo_background_p", lambda v, p: reader.number(v, p, 0.0, 1.0))
    get(
        "fonts_dirs",
        lambda v, p: reader.list_of(v, p, lambda x, q: reader.string(x, q, "a folder"), "a list of folders"),
    )
    get("image_format", lambda v, p: reader.choice(v, p, IMAGE_FORMATS))
    get("jpeg_quality", lambda v, p: reader.integer_pair(v, p, 1, 100))
    get("caption_language", lambda v, p: reader.choice(v, p, tuple(CAPTION_FORMS)))
    get("default_photos", lambda v, p: reader.boolean(v, p))
    get("script", lambda v, p: reader.choice(v, p, tuple(SCRIPTS)))
    get("char_balance", lambda v, p: None if v is None else _read_balance(reader, v, p))
    get("conditioning", lambda v, p: _read_conditioning(reader, v, p))
    get("glyph_font", lambda v, p: reader.string(v, p, "'own' or a font face id (see `textsynth fonts`)"))
    for name in ("contours", "pairs"):
        get(name, lambda v, p: reader.boolean(v, p))
    get("blocklist", lambda v, p: reader.optional_string(v, p, "a blocklist file, or 'none'"))
    get("aspects", lambda v, p: read_aspects(reader, v, p))
    # a field added to RenderConfig without a check here still arrives (test_every_config_field_is_checked)
    out.update({name: value for name, value in data.items() if name not in out})
    for name, example in (("effects", "{blur: 0.2}"), ("geometry", "{perspective: 0.5}")):
        get(name, lambda v, p, example=example: _read_probabilities(reader, v, p, example))
    get("ocr_check", lambda v, p: reader.boolean(v, p))
    get("min_ocr_score", lambda v, p: reader.number(v, p, 0.0, 1.0))
    get(
        "plugins",
        lambda v, p: reader.list_of(v, p, lambda x, q: reader.string(x, q, "a module name or .py path"),
                                    "a list of module names or .py paths"),
    )  # fmt: skip
    count = out.get("count", RenderConfig.count)
    shard_size = out.get("shard_size", RenderConfig.shard_size)
    if -(-count // shard_size) > MAX_SHARDS:
        raise reader.error(
            ("shard_size",),
            f"count {count} in shards of {shard_size} makes more than {MAX_SHARDS} shards; raise shard_size",
        )
    return out


def read_aspect(reader: FieldReader, value: Any, path: tuple) -> float:
    """One aspect: a name (portrait, square, landscape, banner) or a width/height ratio."""
    if isinstance(value, str) and value.strip() in ASPECT_NAMES:
        return ASPECT_NAMES[value.strip()]
    raw = value
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise reader.error(
                path, f"must be one of {', '.join(ASPECT_NAMES)} or a width/height ratio, got {value!r}"
            ) from None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (ASPECT_RANGE[0] <= value <= ASPECT_RANGE[1])
    ):
        raise reader.error(
            path, f"must be one of {', '.join(ASPECT_NAMES)} or a width/height ratio from "
            f"{ASPECT_RANGE[0]} to {ASPECT_RANGE[1]}, got {raw!r}",
        )  # fmt: skip
    return float(value)


def read_aspects(reader: FieldReader, value: Any, path: tuple) -> str | list[float]:
    """A run's `aspects`: 'template', 'fixed', a list, or a comma-separated string of aspects (a flag)."""
    if value in ("template", "fixed"):
        return value
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, list) or not value or len(value) > 100:
        raise reader.error(path, f"must be {ASPECTS_HINT}; got {value!r}")
    if any(v in ("template", "fixed") for v in value):
        raise reader.error(
            path, f"'template' and 'fixed' stand alone, not in a list of aspects; got {value!r}"
        )
    return [read_aspect(reader, v, (*path, i)) for i, v in enumerate(value)]


def _read_balance(reader: FieldReader, value: Any, path: tuple) -> dict[str, Any]:
    from textsynth.sources.charsets import CHARSETS

    spec = dict(reader.mapping(value, path, {"charset", "k", "per"}))
    if "charset" in spec:
        reader.choice(spec["charset"], (*path, "charset"), tuple(CHARSETS))
    for name in ("k", "per"):
        if name in spec:
            reader.integer(spec[name], (*path, name), 1, MAX_COUNT, "a positive integer")
    return spec


def _read_conditioning(reader: FieldReader, value: Any, path: tuple) -> list[str]:
    kinds = reader.list_of(
        value, path, lambda v, p: reader.choice(v, p, CONDITIONING_KINDS),
        "a list of distinct map names from " + ", ".join(CONDITIONING_KINDS),
    )  # fmt: skip
    if len(set(kinds)) != len(kinds):
        raise reader.error(path, f"must list each map once, got {kinds!r}")
    return kinds


def _read_probabilities(reader: FieldReader, value: Any, path: tuple, example: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise reader.error(path, f"must be a mapping of name: probability (e.g. {example}), got {value!r}")
    return {k: reader.number(x, (*path, k), 0.0, 1.0) for k, x in reader.mapping(value, path).items()}


def _read_templates(reader: FieldReader, value: Any, path: tuple) -> dict[str, float]:
    valid = "a mapping of template name or YAML path to a positive weight, or a list of names"
    if isinstance(value, list):
        names = reader.list_of(
            value, path, lambda x, q: reader.string(x, q, "a template name or YAML path"), valid
        )
        return {name: 1.0 for name in names}
    if not isinstance(value, dict):
        raise reader.error(path, f"must be {valid}, got {value!r}")
    weights = {}
    for name, weight in reader.mapping(value, path).items():
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight < float("inf"):
            raise reader.error((*path, name), f"weight must be a positive number, got {weight!r}")
        weights[name] = weight
    return weights


def _size_problem(text: Any) -> str | None:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text) if isinstance(text, str) else None
    if not match:
        return f"must look like WIDTHxHEIGHT (e.g. 512x512), got {text!r}"
    if not (64 <= int(match.group(1)) <= 8192 and 64 <= int(match.group(2)) <= 8192):
        return f"must be between 64x64 and 8192x8192 pixels, got {text!r}"
    return None


def parse_size(text: str, where: str = "--size") -> tuple[int, int]:
    problem = _size_problem(text)
    if problem:
        raise TextsynthError(f"{where} {problem}")
    width, height = re.split(r"\s*[xX×]\s*", text.strip())
    return int(width), int(height)


def parse_template_weights(text: str) -> dict[str, float]:
    """'poster,sign:2,my.yaml' -> {'poster': 1, 'sign': 2, 'my.yaml': 1}."""
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, colon, weight = part.rpartition(":")
        if not colon or "/" in weight or weight.endswith((".yaml", ".yml")):  # no weight (or a path with ':')
            name, weight = part, "1"
        try:
            value = float(weight)
        except ValueError:
            value = float("nan")
        if not 0 < value < float("inf"):
            raise TextsynthError(
                f"--templates: weight in {part!r} must be a positive number (e.g. {name or 'couplet'}:2), got {weight!r}"
            )
        if not name:
            raise TextsynthError(f"--templates: {part!r} needs a template name or YAML path before the ':'")
        weights[name] = value
    return weights
