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
from textsynth.io.shards import MANIFEST, Output, ShardPlan, plan_shards, read_manifest

MEMBERS_TEXT = ("txt", "json")
DIRECTIONS = ("ltr", "ttb")
MAX_PROBLEMS_PER_SHARD = 20  # one broken shard should not bury the others in the report

# KEY.json fields users' loaders rely on, with the JSON types they must have
RECORD_FIELDS: dict[str, type | tuple[type, ...]] = {
    "key": str, "seed": int, "index": int, "width": int, "height": int, "template": str,
    "background": str, "captions": dict, "texts": list, "decorations": list, "geometry": list,
    "effects": list, "jpeg_quality": int, "skipped_words": list, "resampled": int, "scene": str,
}  # fmt: skip
TEXT_FIELDS: dict[str, type | tuple[type, ...]] = {
    "text": str, "role": str, "font": str, "size_px": int, "color": str, "direction": str, "polygon": list,
    "chars": list, "primary": bool, "lines": list, "styles": list,
}  # fmt: skip
NAME_LISTS = ("decorations", "geometry", "effects", "skipped_words")  # lists of strings, one schema for Arrow


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
    manifest = read_manifest(output)
    if manifest is None:
        raise TextsynthError(f"{output.path(MANIFEST)}: missing; {out} is not a textsynth render output")
    try:
        config = manifest["config"]
        plans = plan_shards(int(manifest["count"]), int(manifest["shard_size"]))
        recorded = manifest["shards"]
        fmt, lang, seed = config["image_format"], config["caption_language"], int(manifest["seed"])
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
        problems, samples = check_shard(data, plan, info, fmt, lang, seed, decode_images)
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
) -> tuple[list[str], int]:
    """Problems of one shard's bytes against its manifest entry and the contract; and its sample count."""
    name = plan.name
    problems = []
    if len(data) != info.get("bytes"):
        problems.append(f"{name}: {len(data)} bytes, manifest says {info.get('bytes')}")
    if hashlib.sha256(data).hexdigest() != info.get("sha256"):
        problems.append(f"{name}: sha256 does not match the manifest (file changed or damaged)")
    if info.get("count") != plan.count:
        problems.append(f"{name}: manifest count {info.get('count')}, the plan has {plan.count} samples")
    try:
        samples = members_by_key(data)
    except (tarfile.TarError, OSError, EOFError) as err:
        return [*problems, f"{name}: does not open as a tar ({err})"], 0
    expected = [f"{i:09d}" for i in range(plan.first, plan.first + plan.count)]
    missing = [k for k in expected if k not in samples]
    extra = sorted(set(samples) - set(expected))
    if missing:
        problems.append(f"{name}: {len(missing)} samples missing (first {missing[0]})")
    if extra:
        problems.append(f"{name}: {len(extra)} unexpected keys (first {extra[0]})")
    if len(samples) != info.get("count"):
        problems.append(f"{name}: holds {len(samples)} samples, manifest count is {info.get('count')}")
    for key in sorted(samples):
        problems += [
            f"{name}:{key}: {p}" for p in check_sample(key, samples[key], fmt, lang, seed, decode_images)
        ]
    return problems, len(samples)


def check_sample(
    key: str, members: dict[str, bytes], fmt: str, lang: str, seed: int, decode_images: bool
) -> list[str]:
    """Problems of one sample: members present, KEY.json follows the contract, image decodes at its size."""
    problems = [f"missing member {key}.{ext}" for ext in (fmt, *MEMBERS_TEXT) if ext not in members]
    problems += [f"unexpected member {key}.{ext}" for ext in members if ext not in (fmt, *MEMBERS_TEXT)]
    record = None
    if "json" in members:
        try:
            record = json.loads(members["json"].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            problems.append(f"{key}.json is not valid UTF-8 JSON ({err})")
    if record is not None:
        problems += [f"{key}.json: {p}" for p in check_record(record, key, seed)]
    if record is not None and "txt" in members and isinstance(record.get("captions"), dict):
        try:
            if members["txt"].decode("utf-8") != record["captions"].get(lang):
                problems.append(f"{key}.txt differs from captions.{lang} in {key}.json")
        except UnicodeDecodeError:
            problems.append(f"{key}.txt is not UTF-8")
    if decode_images and fmt in members:
        problems += _check_image(key, fmt, members[fmt], record)
    return problems


def check_record(record: Any, key: str, seed: int) -> list[str]:
    """Problems of one KEY.json against the shard contract (DESIGN.md)."""
    if not isinstance(record, dict):
        return ["not a JSON object"]
    problems = _check_fields(record, RECORD_FIELDS, "")
    if problems:
        return problems
    if record["key"] != key:
        problems.append(f"key is {record['key']!r}, the member name says {key!r}")
    if f"{record['index']:09d}" != key:
        problems.append(f"index {record['index']} does not match key {key}")
    if record["seed"] != seed:
        problems.append(f"seed {record['seed']} differs from the run's seed {seed}")
    for lang in ("zh", "en"):
        if not isinstance(record["captions"].get(lang), str) or not record["captions"][lang]:
            problems.append(f"captions.{lang} missing or empty")
    for name in NAME_LISTS:
        if not all(isinstance(v, str) for v in record[name]):
            problems.append(f"{name} must be a list of names (strings)")
    try:
        scene = json.loads(record["scene"])
        if not isinstance(scene, dict) or not isinstance(scene.get("texts"), list):
            problems.append("scene must be a JSON object with the sample's texts")
    except json.JSONDecodeError as err:
        problems.append(f"scene is not valid JSON ({err.msg})")
    for i, text in enumerate(record["texts"]):
        where = f"texts[{i}]."
        if not isinstance(text, dict):
            problems.append(f"texts[{i}] is not an object")
            continue
        field_problems = _check_fields(text, TEXT_FIELDS, where)
        problems += field_problems
        if field_problems:
            continue
        if text["direction"] not in DIRECTIONS:
            problems.append(f"{where}direction must be ltr or ttb, got {text['direction']!r}")
        if not _is_quad(text["polygon"]):
            problems.append(f"{where}polygon must be 4 [x, y] points")
        for j, char in enumerate(text["chars"]):
            if not (
                isinstance(char, dict) and isinstance(char.get("char"), str) and _is_quad(char.get("polygon"))
            ):
                problems.append(f"{where}chars[{j}] must be {{char, polygon of 4 points}}")
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
    expected_kind = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[fmt]
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
