"""YAML templates: parsing and validation with errors that name the file, line and field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from textsynth.components.backgrounds import BACKGROUND_KINDS, IMAGE_SUFFIXES
from textsynth.components.decorations import DECORATION_KINDS
from textsynth.components.effects import EFFECT_KINDS
from textsynth.components.geometry import GEOMETRY_SAMPLERS
from textsynth.errors import TextsynthError
from textsynth.render.colors import PALETTES
from textsynth.sources.fillers import FILLER_KINDS
from textsynth.templates.schema import (
    ALIGNS,
    DIRECTIONS,
    ROLES_HINT,
    STYLE_EFFECTS,
    TEXT_SOURCE_HINT,
    DecorationSpec,
    Slot,
    Template,
)  # fmt: skip
from textsynth.validation import FieldReader, load_yaml


def _draws_a_word(source: str | list[str]) -> bool:
    if not isinstance(source, str):
        return False
    kind, _, arg = source.partition(":")
    return kind in ("word", "primary", "words") or (
        kind == "pattern" and re.search(r"\{(word|primary)\}", arg) is not None
    )


def _parse_text_source(reader: FieldReader, value: Any, path: tuple) -> str | list[str]:
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return value
    if not isinstance(value, str):
        raise reader.error(path, f"must be {TEXT_SOURCE_HINT}, got {value!r}")
    kind, _, arg = value.partition(":")
    if kind in ("word", "primary") and not arg:
        return value
    if kind == "words" and re.fullmatch(r"\d+(-\d+)?", arg):
        return value
    if kind == "filler":
        if arg not in FILLER_KINDS:
            raise reader.error(path, f"unknown filler {arg!r}; valid: {', '.join(FILLER_KINDS)}")
        return value
    if kind == "literal" and arg:
        return value
    if kind == "pattern" and arg:
        for name in re.findall(r"\{(\w+)\}", arg):
            if name not in ("word", "primary") and name not in FILLER_KINDS:
                valid = ", ".join(("word", "primary", *FILLER_KINDS))
                raise reader.error(path, f"unknown placeholder {{{name}}}; valid: {valid}")
        return value
    raise reader.error(path, f"must be {TEXT_SOURCE_HINT}, got {value!r}")


def _parse_palette(reader: FieldReader, value: Any, path: tuple) -> str | list[str]:
    if isinstance(value, str):
        if value not in PALETTES:
            raise reader.error(path, f"unknown palette {value!r}; valid: {', '.join(sorted(PALETTES))}")
        return value
    if (
        isinstance(value, list)
        and value
        and all(isinstance(c, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", c) for c in value)
    ):
        return list(value)
    raise reader.error(path, "must be a palette name or a list of #rrggbb colours")


_SLOT_FIELDS = {
    "role", "region", "text", "primary", "p", "font", "size", "color", "align", "direction",
    "max_chars", "max_lines", "separator", "effects", "rotation", "curve", "tilt", "char_spacing", "jitter", "overlap",
}  # fmt: skip


def _parse_slot(reader: FieldReader, data: Any, path: tuple) -> Slot:

    data = reader.mapping(data, path, _SLOT_FIELDS)
    if "role" not in data or not isinstance(data["role"], str):
        raise reader.error(path, f"needs a 'role' ({ROLES_HINT})")
    if "region" not in data:
        raise reader.error(path, "needs a 'region': [x0, y0, x1, y1] as fractions of the canvas")
    slot = Slot(role=data["role"], region=reader.region(data["region"], (*path, "region")))
    slot.text = _parse_text_source(reader, data.get("text", "word"), (*path, "text"))
    slot.primary = bool(data.get("primary", False))
    slot.p = reader.number(data.get("p", 1.0), (*path, "p"), 0.0, 1.0)
    font = reader.mapping(data.get("font", {}), (*path, "font"), {"styles", "weight"})
    if "styles" in font:
        styles = font["styles"]
        if not isinstance(styles, list) or not all(isinstance(s, str) for s in styles):
            raise reader.error(
                (*path, "font", "styles"),
                "must be a list of style classes (sans, serif, kai, handwriting, display)",
            )
        slot.font_styles = styles
    if "weight" in font:
        lo, hi = reader.pair(font["weight"], (*path, "font", "weight"), 100, 900)
        slot.weight = (int(lo), int(hi))
    if "size" in data:
        slot.size = reader.pair(data["size"], (*path, "size"), 0.005, 1.0)
    color = reader.mapping(data.get("color", {}), (*path, "color"), {"palette", "min_contrast"})
    if "palette" in color:
        pal = color["palette"]
        slot.palette = _parse_palette(reader, pal, (*path, "color", "palette"))
    if "min_contrast" in color:
        slot.min_contrast = reader.number(color["min_contrast"], (*path, "color", "min_contrast"), 1.0, 21.0)
    slot.align = reader.choice(data.get("align", "center"), (*path, "align"), ALIGNS)
    slot.direction = reader.choice(data.get("direction", "horizontal"), (*path, "direction"), DIRECTIONS)
    slot.max_chars = int(reader.number(data.get("max_chars", 10), (*path, "max_chars"), 1, 200))
    slot.max_lines = int(reader.number(data.get("max_lines", 2), (*path, "max_lines"), 1, 20))
    slot.separator = str(data.get("separator", ""))
    effects = reader.mapping(data.get("effects", {}), (*path, "effects"), set(STYLE_EFFECTS))
    slot.effects = {k: reader.number(v, (*path, "effects", k), 0.0, 1.0) for k, v in effects.items()}
    if "rotation" in data:
        slot.rotation = reader.pair(data["rotation"], (*path, "rotation"), -90, 90)
    if "curve" in data:
        curve = reader.mapping(data["curve"], (*path, "curve"), {"p", "bend"})
        lo, hi = reader.pair(curve.get("bend", [0.05, 0.15]), (*path, "curve", "bend"), -0.5, 0.5)
        slot.curve = (reader.number(curve.get("p", 0.5), (*path, "curve", "p"), 0.0, 1.0), lo, hi)
    if "tilt" in data:
        tilt = reader.mapping(data["tilt"], (*path, "tilt"), {"p", "max_deg"})
        slot.tilt = (
            reader.number(tilt.get("p", 0.5), (*path, "tilt", "p"), 0.0, 1.0),
            reader.number(tilt.get("max_deg", 25), (*path, "tilt", "max_deg"), 0.0, 70.0),
        )
    if "char_spacing" in data:
        slot.char_spacing = reader.pair(data["char_spacing"], (*path, "char_spacing"), -0.2, 2.0)
    if "jitter" in data:
        slot.jitter = reader.pair(data["jitter"], (*path, "jitter"), 0.0, 0.2)
    slot.overlap = bool(data.get("overlap", False))
    return slot


def _parse_decoration(reader: FieldReader, data: Any, path: tuple) -> DecorationSpec:
    data = reader.mapping(data, path, {"kind", "region", "p", "color", "params"})
    kind = reader.choice(data.get("kind"), (*path, "kind"), tuple(DECORATION_KINDS))
    spec = DecorationSpec(kind=kind, region=reader.region(data.get("region"), (*path, "region")))
    spec.p = reader.number(data.get("p", 1.0), (*path, "p"), 0.0, 1.0)
    color = data.get("color", "accent")
    if not (color in ("accent", "light", "dark", "any") or re.fullmatch(r"#[0-9a-fA-F]{6}", str(color))):
        raise reader.error((*path, "color"), f"must be #rrggbb or accent, light, dark or any; got {color!r}")
    spec.color = color
    params = data.get("params", {}) or {}
    allowed = set(params) if isinstance(params, dict) else set()
    spec.params = dict(reader.mapping(params, (*path, "params"), allowed))
    if "folder" in spec.params:
        spec.files = _patch_files(reader, spec.params.pop("folder"), (*path, "params", "folder"))
    return spec


def _patch_files(reader: FieldReader, folder: Any, path: tuple) -> list[str]:
    """Pictures for an image_patch; a relative folder is relative to the template file."""
    if not isinstance(folder, str) or not folder:
        raise reader.error(path, f"must be a folder of images, got {folder!r}")
    base = Path(reader.source).parent if not reader.source.startswith("<") else Path.cwd()
    resolved = (base / folder).expanduser()
    if not resolved.is_dir():
        raise reader.error(path, f"folder {str(resolved)!r} does not exist")
    files = sorted(str(p) for p in resolved.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise reader.error(path, f"folder {str(resolved)!r} has no images ({', '.join(IMAGE_SUFFIXES)})")
    return files


_TEMPLATE_FIELDS = {
    "name", "description", "subject", "canvas", "background", "slots", "decorations", "geometry", "effects",
    "plane",
}  # fmt: skip


def template_from_dict(data: Any, source: str = "<dict>", lines: dict[tuple, int] | None = None) -> Template:
    """Validate a template mapping (as loaded from YAML) and build a Template."""
    reader = FieldReader(source, lines or {})
    data = reader.mapping(data, (), _TEMPLATE_FIELDS)
    name = data.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
        raise reader.error(("name",), f"must be a short identifier (letters, digits, _ or -), got {name!r}")
    template = Template(name=name, description=str(data.get("description", "")), source=source)
    subject = reader.mapping(data.get("subject", {}), ("subject",), {"zh", "en"})
    template.subject = {k: str(v) for k, v in subject.items()}
    canvas = reader.mapping(data.get("canvas", {}), ("canvas",), {"aspects"})
    aspects = canvas.get("aspects", [])
    template.aspects = [reader.number(a, ("canvas", "aspects", i), 0.2, 5.0) for i, a in enumerate(aspects)]
    background = reader.mapping(data.get("background", {}), ("background",), {"kinds", "palette", "photo"})
    kinds = background.get("kinds", [])
    for i, kind in enumerate(kinds):
        reader.choice(kind, ("background", "kinds", i), tuple(BACKGROUND_KINDS))
    template.background_kinds = list(kinds)
    palette = background.get("palette")
    if palette is not None:
        palette = _parse_palette(reader, palette, ("background", "palette"))
    template.palette = palette
    template.photo = bool(background.get("photo", True))
    slots = data.get("slots")
    if not isinstance(slots, list) or not slots:
        raise reader.error(("slots",), "must be a non-empty list of text slots")
    template.slots = [_parse_slot(reader, s, ("slots", i)) for i, s in enumerate(slots)]
    if sum(s.primary for s in template.slots) > 1:
        raise reader.error(("slots",), "at most one slot may be 'primary: true'")
    primary_index = next((i for i, s in enumerate(template.slots) if s.primary), 0)
    if not _draws_a_word(template.slots[primary_index].text):
        raise reader.error(
            ("slots", primary_index, "text"),
            "the primary slot must show the run's next corpus word (so every one of the 50k words appears): "
            "use 'word', 'words:N', or a pattern with {word}",
        )
    decorations = data.get("decorations", []) or []
    if not isinstance(decorations, list):
        raise reader.error(("decorations",), "must be a list of decorations")
    template.decorations = [
        _parse_decoration(reader, d, ("decorations", i)) for i, d in enumerate(decorations)
    ]
    geometry = reader.mapping(data.get("geometry", {}), ("geometry",), set(GEOMETRY_SAMPLERS))
    template.geometry = {k: reader.number(v, ("geometry", k), 0.0, 1.0) for k, v in geometry.items()}
    effects = reader.mapping(data.get("effects", {}), ("effects",), set(EFFECT_KINDS))
    template.effects = {k: reader.number(v, ("effects", k), 0.0, 1.0) for k, v in effects.items()}
    if "plane" in data:
        plane = reader.mapping(data["plane"], ("plane",), {"p", "max_deg"})
        template.plane = (
            reader.number(plane.get("p", 1.0), ("plane", "p"), 0.0, 1.0),
            reader.number(plane.get("max_deg", 30), ("plane", "max_deg"), 0.0, 60.0),
        )
    return template


def load_template(path: str | Path) -> Template:
    """Load and validate one YAML template; errors name the file, line and field."""
    path = Path(path)
    data, lines = load_yaml(path, "template")
    if data is None:
        raise TextsynthError(f"{path}: empty template; needs at least 'name' and 'slots'")
    return template_from_dict(data, source=str(path), lines=lines)
