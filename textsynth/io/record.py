"""The KEY.json record: one schema from which the record, `verify`, `hf_features` and the docs derive.

A field's type is a small tree: a scalar name (`str`, `int`, `float`, `bool`), `[type]` for a list,
or `{name: type}` for an object with fixed keys. `docs/shard-contract.md` holds the tables that
`python -m textsynth.io.record` writes from this module; a test keeps them equal.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, is_dataclass
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

Type = str | list | dict

CAPTION_KEYS = ("zh", "en", "short_zh", "short_en", "detailed_zh", "bilingual")
DIRECTIONS = ("ltr", "ttb")
IMAGE_FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}  # KEY.<ext> of the image, and its Pillow format
STYLE_NAMES = (
    "stroke", "shadow", "extrude", "glow", "gradient", "curve", "rotation", "tilt", "jitter",
    "outlines", "inner_glow", "long_shadow", "textured_fill", "mixed_size",
)  # fmt: skip
POLYGON: Type = [["float"]]  # four [x, y] points in final image pixels


@dataclass(frozen=True)
class Field:
    name: str
    type: Type
    meaning: str
    doc_type: str  # the type as the contract's table shows it


TEXT_FIELDS: tuple[Field, ...] = (
    Field("text", "str", "the text as rendered (lines joined)", "str"),
    Field("role", "str", "its slot's role", "str"),
    Field("font", "str", "font face id from `fonts_manifest.yaml` (its cmap covers every character)", "str"),
    Field("size_px", "int", "glyph size in pixels before geometry", "int"),
    Field("color", "str", "main fill colour `#rrggbb`", "str"),
    Field("direction", "str", "`ltr` (horizontal) or `ttb` (vertical, columns right to left)", "`ltr` or `ttb`"),
    Field("polygon", POLYGON, "the text's quadrilateral in final image pixels (after every warp)", "4 × [x, y]"),
    Field("chars", [{"char": "str", "polygon": POLYGON}],
          "one quadrilateral per non-space character, covering its ink", "list of {`char`, `polygon`}"),
    Field("primary", "bool", "holds the run's corpus word (one per sample; see below)", "bool"),
    Field("lines", ["str"], "the lines as laid out", "list of str"),
    Field("styles", ["str"], "what was done to it: " + ", ".join(f"`{s}`" for s in STYLE_NAMES), "list of str"),
)  # fmt: skip

RECORD_FIELDS: tuple[Field, ...] = (
    Field("key", "str", "the sample's key (its zero-padded global index)", "str"),
    Field("seed", "int", "the run's seed", "int"),
    Field("index", "int", "the sample's global index", "int"),
    Field("width", "int", "image width in pixels", "int"),
    Field("height", "int", "image height in pixels", "int"),
    Field("template", "str", "template name", "str"),
    Field("background", "str", "background kind (`paper`, `wood`, `image`, ...)", "str"),
    Field("captions", dict.fromkeys(CAPTION_KEYS, "str"),
          "captions made from the scene; every rendered text is quoted exactly. `zh`/`en` vary how much they "
          "say, `short_*` give the subject and main text, `detailed_zh` says every fact (subject, background, "
          "each text with its place, colour, size and font, layout, lighting), `bilingual` is `zh`, a newline, "
          "then `en`. Positions come from the final polygons, colours from the drawn fill and outline",
          "{" + ", ".join(f"`{k}`" for k in CAPTION_KEYS) + "}: str"),
    Field("texts", [{f.name: f.type for f in TEXT_FIELDS}],
          "text records (below), in drawing order; the primary text first", "list of text records"),
    Field("decorations", ["str"], "kinds of the decorations drawn, in order", "list of str"),
    Field("geometry", ["str"], "names of the geometry steps applied, in order", "list of str"),
    Field("effects", ["str"], "names of the effects applied, in order", "list of str"),
    Field("jpeg_quality", "int", "JPEG quality used", "int"),
    Field("skipped_words", ["str"], "corpus words no font could set (replaced for this sample)", "list of str"),
    Field("resampled", "int", "how many times the scene was redrawn by the quality checks", "int"),
    Field("scene", "str", "the full Scene as JSON: every parameter of the background, decorations, texts, "
          "styles, geometry and effects, and `backdrop` (the photo crop and drop shadow shown where geometry "
          "uncovers canvas; null: a flat colour). `textsynth.rerender(record)` draws the image again from it", "str (JSON)"),
)  # fmt: skip


_KNOWN_NAMES = {
    id(schema): (tuple(f.name for f in schema), frozenset(f.name for f in schema))
    for schema in (RECORD_FIELDS, TEXT_FIELDS)
}  # module constants: alive as long as the module, so their ids stay theirs


def make_record(fields: tuple[Field, ...], values: dict[str, Any]) -> dict[str, Any]:
    """`values` in schema order; a missing or extra field is a programming error."""
    names, name_set = _schema_names(fields)
    if values.keys() != name_set:
        missing, extra = sorted(name_set - set(values)), sorted(set(values) - name_set)
        raise ValueError(f"record fields differ from the schema: missing {missing}, extra {extra}")
    return {name: values[name] for name in names}


def _schema_names(fields: tuple[Field, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
    """The field names in order and as a set: the two schemas' worked out once (a record is made per text
    per sample), keyed by identity since Field types hold lists and cannot be hashed."""
    known = _KNOWN_NAMES.get(id(fields))
    if known is not None:
        return known
    return tuple(f.name for f in fields), frozenset(f.name for f in fields)


def scene_json(scene: Any) -> str:
    """`json.dumps(scene.to_json(), ensure_ascii=False, sort_keys=True)`, the same string ~5x faster.

    dataclasses.asdict deep-copies every leaf and a Python walk visits every list; here json's C
    encoder walks the Scene itself and calls back into Python only once per dataclass, for its fields.
    """
    # a Scene is a tree: json's guard against cycles would only cost a dict insert per container
    return json.dumps(
        scene, ensure_ascii=False, sort_keys=True, default=_dataclass_fields, check_circular=False
    )


def record_bytes(record: dict[str, Any]) -> bytes:
    """KEY.json's bytes: UTF-8 JSON with sorted keys (a record is a tree of plain data: no cycle guard)."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, check_circular=False).encode("utf-8")


_FIELD_NAMES: dict[type, frozenset[str]] = {}  # dataclass type -> its field names (a handful of types)


def _dataclass_fields(value: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict (json's `default`); anything else is not JSON and is refused."""
    names = _FIELD_NAMES.get(type(value))  # called per dataclass of every scene: one dict look-up
    if names is None:
        if not is_dataclass(value) or isinstance(value, type):
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
        names = _FIELD_NAMES[type(value)] = frozenset(f.name for f in dataclass_fields(value))
    attrs = getattr(value, "__dict__", None)
    if attrs is not None and attrs.keys() == names:
        return attrs  # the instance's own dict (sort_keys fixes the order): no copy
    return {name: getattr(value, name) for name in names}


# ---------------------------------------------------------------- derived views


_PYTHON_TYPES: dict[str, type | tuple[type, ...]] = {
    "str": str,
    "int": int,
    "float": (int, float),
    "bool": bool,
}


def json_type(type_: Type) -> type | tuple[type, ...]:
    """The Python type a JSON value of this schema type decodes to (the outer level only)."""
    if isinstance(type_, list):
        return list
    if isinstance(type_, dict):
        return dict
    return _PYTHON_TYPES[type_]


def hf_type(type_: Type, datasets: Any) -> Any:
    """The `datasets` feature of a schema type."""
    if isinstance(type_, list):
        return [hf_type(type_[0], datasets)]
    if isinstance(type_, dict):
        return {name: hf_type(t, datasets) for name, t in type_.items()}
    return datasets.Value({"str": "string", "int": "int64", "float": "float64", "bool": "bool"}[type_])


def markdown_table(fields: tuple[Field, ...]) -> str:
    rows = ["| field | type | meaning |", "|---|---|---|"]
    rows += [f"| `{f.name}` | {f.doc_type} | {f.meaning} |" for f in fields]
    return "\n".join(rows) + "\n"


# The doc's generated parts sit between these markers.
DOC_TABLES = {"record-fields": RECORD_FIELDS, "text-fields": TEXT_FIELDS}


def with_doc_tables(doc: str) -> str:
    """`doc` with each `<!-- NAME:begin -->...<!-- NAME:end -->` block replaced by the schema's table."""
    for name, fields in DOC_TABLES.items():
        begin, end = f"<!-- {name}:begin -->\n", f"<!-- {name}:end -->"
        head, sep, rest = doc.partition(begin)
        if not sep or end not in rest:
            raise ValueError(f"markers {begin.strip()} ... {end} not found")
        doc = head + begin + markdown_table(fields) + end + rest.split(end, 1)[1]
    return doc


if __name__ == "__main__":  # python -m textsynth.io.record [docs/shard-contract.md]
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/shard-contract.md")
    path.write_text(with_doc_tables(path.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote the record tables into {path}", file=sys.stderr)
