"""Check a finished output against its manifest and the shard contract, listing every problem found.

Reads through `Output`, so local folders and fsspec URLs are checked the same way.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from textsynth.errors import TextsynthError
from textsynth.io.reader import members_by_key
from textsynth.io.record import DIRECTIONS, IMAGE_FORMATS, RECORD_FIELDS, TEXT_FIELDS, json_type
from textsynth.io.shards import MANIFEST, Output, ShardPlan, plan_shards, read_manifest
from textsynth.qa.maps import MAP_MEMBERS, check_contours, check_maps, read_charset

MEMBERS_TEXT = ("txt", "json")
PAIR = "pair."  # prefix of the second image's members in --pairs runs
MAX_PROBLEMS_PER_SHARD = 20  # one broken shard should not bury the others in the report

# The JSON type each field must have, from the one record schema
_RECORD_TYPES = {f.name: json_type(f.type) for f in RECORD_FIELDS}
_TEXT_TYPES = {f.name: json_type(f.type) for f in TEXT_FIELDS}
_NAME_LISTS = tuple(f.name for f in RECORD_FIELDS if f.type == ["str"])  # lists of strings: one Arrow schema
# records of real images (`textsynth recaption`, source "real"): no scene; OCR texts with scores
REAL_RECORD_FIELDS: dict[str, type | tuple[type, ...]] = {
    "key": str, "seed": int, "index": int, "source": str, "origin": str, "width": int, "height": int,
    "captions": dict, "original_caption": str, "texts": list, "dropped_texts": list, "recaption": dict,
    "image_reencoded": bool,
}  # fmt: skip
REAL_TEXT_FIELDS: dict[str, type | tuple[type, ...]] = {
    "text": str, "role": str, "direction": str, "polygon": list, "score": (int, float), "size_px": int,
    "primary": bool, "lines": list,
}  # fmt: skip


@dataclass
class VerifyReport:
    out: str
    shards: int = 0  # shards the manifest plans
    shards_checked: int = 0
    samples_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_output(
    out: str, decode_images: bool = True, progress: Callable[[int], None] | None = None
) -> VerifyReport:
    """Check every shard of `out`: manifest count/sha256/bytes, tar, members, JSON contract, images."""
    output = Output(out)
    report = VerifyReport(out=output.url)
    if not output.fs.exists(output.root):
        raise TextsynthError(f"{out}: no such folder; give the --out of a render run")
    manifest = read_manifest(output, strict=True)
    if manifest is None:
        raise TextsynthError(f"{output.path(MANIFEST)}: missing; {out} is not a textsynth render output")
    try:
        config = manifest["config"]
        plans = plan_shards(int(manifest["count"]), int(manifest["shard_size"]))
        recorded = manifest["shards"]
        fmt, lang, seed = config["image_format"], config["caption_language"], int(manifest["seed"])
        subset = config.get("job") == "recaption"  # a shard keeps only the inputs that had text
    except (KeyError, TypeError, ValueError) as err:
        report.problems.append(
            f"{MANIFEST}: missing or malformed field {err}; it was not written by textsynth render"
        )
        return report
    report.shards = len(plans)
    if manifest.get("num_shards") != len(plans):
        report.problems.append(
            f"{MANIFEST}: num_shards is {manifest.get('num_shards')}, count/shard_size plan {len(plans)}"
        )
    if not manifest.get("complete"):
        report.problems.append(f"{MANIFEST}: run not complete; rerun the same render command to finish it")
    report.problems += _stray_files(output, {p.name for p in plans})
    maps = {
        "expected": list(config.get("conditioning", [])), "charset": read_charset(output),
        "pairs": bool(config.get("pairs")),
    }  # fmt: skip
    for plan in plans:
        info = recorded.get(plan.name)
        if info is None:
            report.problems.append(f"{plan.name}: not finished (missing from {MANIFEST})")
            continue
        if not output.exists(plan.name):
            report.problems.append(f"{plan.name}: listed in {MANIFEST} but the file is missing")
            continue
        try:
            data = output.read_bytes(plan.name)
        except TextsynthError as err:  # e.g. a folder where the shard should be: list it, check the rest
            report.problems.append(f"{plan.name}: {err}")
            continue
        problems, samples = check_shard(
            data, plan, info, fmt, lang, seed, decode_images, subset=subset, maps=maps
        )
        if len(problems) > MAX_PROBLEMS_PER_SHARD:
            problems = [
                *problems[:MAX_PROBLEMS_PER_SHARD],
                f"{plan.name}: ... and {len(problems) - MAX_PROBLEMS_PER_SHARD} more problems",
            ]
        report.problems += problems
        report.shards_checked += 1
        report.samples_checked += samples
        if progress is not None:
            progress(1)
    return report


def _stray_files(output: Output, planned: set[str]) -> list[str]:
    problems = []
    for path in output.fs.ls(output.root, detail=False):
        name = PurePosixPath(path).name
        if ".tmp-" in name:
            problems.append(f"{name}: temporary file left by an interrupted run (rerun render to clean up)")
        elif name.startswith("shard-") and name.endswith(".tar") and name not in planned:
            problems.append(f"{name}: shard not in the run's plan")
    return problems


def check_shard(
    data: bytes,
    plan: ShardPlan,
    info: dict[str, Any],
    fmt: str,
    lang: str,
    seed: int,
    decode_images: bool = True,
    subset: bool = False,
    maps: dict[str, Any] | None = None,
) -> tuple[list[str], int]:
    """Problems of one shard's bytes against its manifest entry and the contract; and its sample count.

    With `subset` (recaption outputs) the shard holds some of the keys its plan covers, not all.
    """
    name = plan.name
    problems = []
    if len(data) != info.get("bytes"):
        problems.append(f"{name}: {len(data)} bytes, manifest says {info.get('bytes')}")
    if hashlib.sha256(data).hexdigest() != info.get("sha256"):
        problems.append(f"{name}: sha256 does not match the manifest (file changed or damaged)")
    if info.get("count") != plan.count and not subset:
        problems.append(f"{name}: manifest count {info.get('count')}, the plan has {plan.count} samples")
    try:
        samples = members_by_key(data)
    except (tarfile.TarError, OSError, EOFError) as err:
        return [*problems, f"{name}: does not open as a tar ({err})"], 0
    expected = [f"{i:09d}" for i in range(plan.first, plan.first + plan.count)]
    missing = [k for k in expected if k not in samples]
    extra = sorted(set(samples) - set(expected))
    if missing and not subset:
        problems.append(f"{name}: {len(missing)} samples missing (first {missing[0]})")
    if extra:
        problems.append(f"{name}: {len(extra)} unexpected keys (first {extra[0]})")
    if len(samples) != info.get("count"):
        problems.append(f"{name}: holds {len(samples)} samples, manifest count is {info.get('count')}")
    without_primary = []
    for key in sorted(samples):
        sample_problems, record = check_sample(key, samples[key], fmt, lang, seed, decode_images, maps)
        problems += [f"{name}:{key}: {p}" for p in sample_problems]
        synthetic = (
            not sample_problems and record.get("source") != "real"
        )  # a photo's text has no corpus word
        if synthetic and not any(t["primary"] for t in record["texts"]):
            without_primary.append(key)
    counted = info.get("stats", {}).get("samples_without_primary", 0)
    if len(without_primary) != counted:
        problems.append(
            f"{name}: {len(without_primary)} samples have no primary text"
            + (f" (first {without_primary[0]})" if without_primary else "")
            + f", the manifest counts {counted} (stats.samples_without_primary)"
        )
    return problems, len(samples)


def check_sample(
    key: str,
    members: dict[str, bytes],
    fmt: str,
    lang: str,
    seed: int,
    decode_images: bool,
    maps: dict[str, Any] | None = None,
) -> tuple[list[str], dict | None]:
    """Problems of one sample (members present, KEY.json follows the contract, image decodes at its
    size), and its parsed record."""
    maps = maps or {}
    pair = {ext.removeprefix(PAIR): data for ext, data in members.items() if ext.startswith(PAIR)}
    members = {ext: data for ext, data in members.items() if not ext.startswith(PAIR)}
    problems = []
    if pair or maps.get("pairs"):  # --pairs: KEY.pair.* is a whole second sample under the same key
        inner, _ = check_sample(key, pair, fmt, lang, seed, decode_images, {**maps, "pairs": False})
        problems += [p.replace(f"{key}.", f"{key}.{PAIR}") for p in inner]
    problems += [f"missing member {key}.{ext}" for ext in (fmt, *MEMBERS_TEXT) if ext not in members]
    known = (fmt, *MEMBERS_TEXT, *MAP_MEMBERS)
    problems += [f"unexpected member {key}.{ext}" for ext in members if ext not in known]
    record = None
    if "json" in members:
        try:
            record = json.loads(members["json"].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            problems.append(f"{key}.json is not valid UTF-8 JSON ({err})")
    if record is not None:
        problems += [f"{key}.json: {p}" for p in check_record(record, key, seed) + check_contours(record)]
    if record is not None and "txt" in members and isinstance(record.get("captions"), dict):
        try:
            if members["txt"].decode("utf-8") != record["captions"].get(lang):
                problems.append(f"{key}.txt differs from captions.{lang} in {key}.json")
        except UnicodeDecodeError:
            problems.append(f"{key}.txt is not UTF-8")
    if decode_images and fmt in members:
        problems += _check_image(key, fmt, members[fmt], record)
    if decode_images and (maps.get("expected") or any(ext in members for ext in MAP_MEMBERS)):
        problems += check_maps(key, members, record, maps.get("charset"), maps.get("expected", []))
    return problems, record


def check_record(record: Any, key: str, seed: int) -> list[str]:
    """Problems of one KEY.json against the shard contract (docs/shard-contract.md)."""
    if not isinstance(record, dict):
        return ["not a JSON object"]
    if record.get("source") == "real":
        return _check_real_record(record, key, seed)
    problems = _check_fields(record, _RECORD_TYPES, "")
    if problems:
        return problems
    problems = _check_sample_and_texts(record, key, seed, _TEXT_TYPES, ("zh", "en"))
    for name in _NAME_LISTS:
        if not all(isinstance(v, str) for v in record[name]):
            problems.append(f"{name} must be a list of names (strings)")
    try:
        scene = json.loads(record["scene"])
        if not isinstance(scene, dict) or not isinstance(scene.get("texts"), list):
            problems.append("scene must be a JSON object with the sample's texts")
    except json.JSONDecodeError as err:
        problems.append(f"scene is not valid JSON ({err.msg})")
    for i, text in enumerate(record["texts"]):
        if not isinstance(text, dict) or _check_fields(text, _TEXT_TYPES, ""):
            continue  # already reported
        for j, char in enumerate(text["chars"]):
            if not (
                isinstance(char, dict) and isinstance(char.get("char"), str) and _is_quad(char.get("polygon"))
            ):
                problems.append(f"texts[{i}].chars[{j}] must be {{char, polygon of 4 points}}")
    if problems:
        return problems
    primaries = [i for i, text in enumerate(record["texts"]) if text["primary"]]
    if len(primaries) > 1:
        problems.append(f"texts {primaries} are all marked primary; a sample has at most one")
    return problems + _unquoted_texts(record)


def _check_sample_and_texts(
    record: dict, key: str, seed: int, text_types: dict[str, Any], langs: tuple[str, ...]
) -> list[str]:
    """What synthetic and real records share: key, index and seed, captions, each text's fields and shape."""
    problems = []
    if record["key"] != key:
        problems.append(f"key is {record['key']!r}, the member name says {key!r}")
    if f"{record['index']:09d}" != key:
        problems.append(f"index {record['index']} does not match key {key}")
    if record["seed"] != seed:
        problems.append(f"seed {record['seed']} differs from the run's seed {seed}")
    for lang in langs:
        if not isinstance(record["captions"].get(lang), str) or not record["captions"][lang]:
            problems.append(f"captions.{lang} missing or empty")
    for i, text in enumerate(record["texts"]):
        where = f"texts[{i}]."
        if not isinstance(text, dict):
            problems.append(f"texts[{i}] is not an object")
            continue
        field_problems = _check_fields(text, text_types, where)
        problems += field_problems
        if field_problems:
            continue
        if text["direction"] not in DIRECTIONS:
            problems.append(f"{where}direction must be ltr or ttb, got {text['direction']!r}")
        if not _is_quad(text["polygon"]):
            problems.append(f"{where}polygon must be 4 [x, y] points")
    return problems


# How each caption language quotes a text (captions.py); a text missing from them was changed.
QUOTES = {"zh": "“{}”", "en": '"{}"'}


def _unquoted_texts(record: dict) -> list[str]:
    problems = []
    for i, text in enumerate(record["texts"]):
        if not text["text"].strip():
            continue  # blank texts are not mentioned
        for lang, quote in QUOTES.items():
            if quote.format(text["text"]) not in record["captions"].get(lang, ""):
                problems.append(f"texts[{i}].text {text['text']!r} is not quoted in captions.{lang}")
    return problems


def _check_real_record(record: dict, key: str, seed: int) -> list[str]:
    """A recaptioned real image: same key/index/seed/captions rules, OCR texts instead of a scene."""
    problems = _check_fields(record, REAL_RECORD_FIELDS, "")
    if problems:
        return problems
    problems = _check_sample_and_texts(
        record, key, seed, REAL_TEXT_FIELDS, ("zh", "en", "short_zh", "short_en")
    )
    if not problems and isinstance(record["captions"].get("zh"), str):
        from textsynth.recaption.fuse import check_quotes

        check = check_quotes(record["captions"]["zh"], [t["text"] for t in record["texts"]])
        problems += [f"captions.zh does not quote texts “{t}”" for t in check.missing]
        problems += [f"captions.zh quotes “{t}”, which is no OCR text" for t in check.extra]
    return problems


def _check_fields(data: dict, spec: dict[str, type | tuple[type, ...]], where: str) -> list[str]:
    problems = []
    for name, kind in spec.items():
        if name not in data:
            problems.append(f"{where}{name} missing")
        elif (isinstance(data[name], bool) and kind is not bool) or not isinstance(
            data[name], kind
        ):  # True is an int
            kind_name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            problems.append(f"{where}{name} must be {kind_name}, got {type(data[name]).__name__}")
    return problems


def _is_quad(points: Any) -> bool:
    return (
        isinstance(points, list)
        and len(points) == 4
        and all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, (int, float)) for v in p)
            for p in points
        )
    )


def _check_image(key: str, fmt: str, data: bytes, record: dict | None) -> list[str]:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            size, kind = image.size, image.format
    except Exception as err:  # Pillow raises many types for damaged data
        return [f"{key}.{fmt} does not decode ({type(err).__name__}: {err})"]
    problems = []
    expected_kind = IMAGE_FORMATS[fmt]
    if kind != expected_kind:
        problems.append(f"{key}.{fmt} holds {kind} data, expected {expected_kind}")
    if (
        record is not None
        and isinstance(record.get("width"), int)
        and size != (record["width"], record.get("height"))
    ):
        problems.append(
            f"{key}.{fmt} is {size[0]}x{size[1]}, {key}.json says {record['width']}x{record.get('height')}"
        )
    return problems
