"""YAML templates: parsing and validation with errors that name the file, line and field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from textsynth.components.backgrounds import BACKGROUND_KINDS, IMAGE_SUFFIXES
from textsynth.components.decorations import DECORATION_KINDS
from textsynth.components.effects import EFFECT_KINDS
from textsynth.components.geometry import GEOMETRY_KINDS
from textsynth.components.objects import (
    BOARD_MATERIALS,
    BOARD_MOUNTS,
    FASTENERS,
    NEON_BACKINGS,
    PACKAGE_SHAPES,
)
from textsynth.config import ASPECT_NAMES, read_aspect
from textsynth.errors import TextsynthError
from textsynth.render.colors import PALETTES
from textsynth.sources.fillers import FILLER_KINDS
from textsynth.sources.genre_text import GENRE_TEXT_GROUPS, GENRE_TEXT_KINDS
from textsynth.sources.photos import register_picture
from textsynth.templates.schema import (
    ALIGNS,
    AUTO_ARRANGEMENTS,
    DIRECTIONS,
    FILL_PATTERNS,
    ROLES_HINT,
    STYLE_EFFECTS,
    TEXT_SOURCE_HINT,
    WORD_PLACEHOLDER,
    AutoLayout,
    DecorationSpec,
    LayoutSpec,
    Slot,
    Template,
    pattern_frames,
)  # fmt: skip
from textsynth.validation import FieldReader, load_yaml

MAX_WORDS = 20  # words one slot may draw (the fit to the region keeps what fits)
MAX_ITEMS = 64  # slots, and decorations, per template


def _draws_a_word(source: str | list[str]) -> bool:
    if not isinstance(source, str):
        return False
    kind, _, arg = source.partition(":")
    return kind in ("word", "primary", "words") or (
        kind == "pattern" and all(WORD_PLACEHOLDER.search(frame) for frame in pattern_frames(arg))
    )


def _parse_text_source(reader: FieldReader, value: Any, path: tuple) -> str | list[str]:
    if isinstance(value, list) and 0 < len(value) <= 10_000 and all(isinstance(v, str) and v for v in value):
        return value
    if not isinstance(value, str):
        raise reader.error(path, f"must be {TEXT_SOURCE_HINT}, got {value!r}")
    kind, _, arg = value.partition(":")
    if kind in ("word", "primary") and not arg:
        return value
    if kind == "words" and re.fullmatch(r"\d+(-\d+)?", arg):
        lo, _, hi = arg.partition("-")
        if not 1 <= int(lo) <= int(hi or lo) <= MAX_WORDS:
            raise reader.error(path, f"words:N or words:N-M needs 1 <= N <= M <= {MAX_WORDS}, got {value!r}")
        return value
    if kind == "filler":
        if arg not in FILLER_KINDS:
            raise reader.error(path, f"unknown filler {arg!r}; valid: {', '.join(FILLER_KINDS)}")
        return value
    if kind == "genre":
        for name in arg.split("|"):
            if name not in GENRE_TEXT_KINDS:
                valid = ", ".join(GENRE_TEXT_KINDS)
                raise reader.error(
                    path, f"unknown genre text {name!r} (genre:KIND or genre:A|B); valid: {valid}"
                )
        return value
    if kind == "group":
        key, _, part = arg.rpartition(".")
        name, _, row = key.partition("#")
        if name not in GENRE_TEXT_GROUPS or (row and not row.isalnum()):
            valid = ", ".join(f"{g}.{p}" for g, (_, parts) in GENRE_TEXT_GROUPS.items() for p in parts)
            raise reader.error(
                path, f"unknown group {key!r} (group:NAME.PART or NAME#ROW.PART); valid: {valid}"
            )
        parts = GENRE_TEXT_GROUPS[name][1]
        if part not in parts:
            raise reader.error(path, f"group {name} has no part {part!r}; valid: {', '.join(parts)}")
        return value
    if kind == "literal" and arg:
        return value
    if kind == "pattern" and arg:
        if not all(pattern_frames(arg)):
            raise reader.error(path, f"pattern:A|B|... alternatives must not be empty, got {value!r}")
        for name in re.findall(r"\{(\w+)\}", arg):
            if name not in ("word", "primary") and name not in FILLER_KINDS and name not in GENRE_TEXT_KINDS:
                valid = ", ".join(("word", "primary", *FILLER_KINDS, *GENRE_TEXT_KINDS))
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
    "max_chars", "max_lines", "separator", "effects", "rotation", "curve", "tilt", "char_spacing", "jitter", "overlap", "texture",
    "fill_patterns",
}  # fmt: skip


def _parse_slot(reader: FieldReader, data: Any, path: tuple, auto: bool = False) -> Slot:
    data = reader.mapping(data, path, _SLOT_FIELDS)
    if "role" not in data or not isinstance(data["role"], str):
        raise reader.error(path, f"needs a 'role' ({ROLES_HINT})")
    if auto and "region" in data:
        raise reader.error(
            (*path, "region"), "not used with 'layout: auto', which places every slot per sample; remove it"
        )
    if not auto and "region" not in data:
        raise reader.error(
            path, "needs a 'region': [x0, y0, x1, y1] as fractions of the canvas (or the template's "
            "'layout: auto' to place slots per sample)",
        )  # fmt: skip
    region = (0.0, 0.0, 1.0, 1.0) if auto else reader.region(data["region"], (*path, "region"))
    slot = Slot(role=data["role"], region=region)
    slot.text = _parse_text_source(reader, data.get("text", "word"), (*path, "text"))
    slot.primary = reader.boolean(data.get("primary", False), (*path, "primary"))
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
    slot.separator = reader.string(data.get("separator", ""), (*path, "separator"), "text", empty=True)
    if len(slot.separator) > 8:
        raise reader.error((*path, "separator"), f"must be at most 8 characters, got {slot.separator!r}")
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
    if "texture" in data:
        slot.texture = reader.pair(data["texture"], (*path, "texture"), 0.0, 0.8)
    if "jitter" in data:
        slot.jitter = reader.pair(data["jitter"], (*path, "jitter"), 0.0, 0.2)
    slot.overlap = reader.boolean(data.get("overlap", False), (*path, "overlap"))
    if "fill_patterns" in data:
        where = (*path, "fill_patterns")
        patterns = reader.list_of(
            data["fill_patterns"], where, lambda v, at: reader.choice(v, at, FILL_PATTERNS),
            f"a list of textured fills ({', '.join(FILL_PATTERNS)})", max_items=len(FILL_PATTERNS),
        )  # fmt: skip
        if not patterns:
            raise reader.error(where, f"must name at least one of {', '.join(FILL_PATTERNS)}")
        slot.fill_patterns = tuple(dict.fromkeys(patterns))
    return slot


_HEX = r"#[0-9a-fA-F]{6}"
MAX_PIXELS = 8192.0  # the largest canvas side: no length a decoration takes need exceed it

# Each decoration kind's params: name -> (check, what is valid). Bounds keep one sample's cost bounded
# (a badge of 30 million points would take minutes to draw, and memory with it).
_NUMBER = "number"
_HEXES = "colour list"
_LIST = "choice list"
_DECORATION_PARAMS: dict[str, dict[str, tuple]] = {
    "rect": {},
    "rounded_panel": {"radius": (_NUMBER, 0.0, MAX_PIXELS)},
    "line": {"orientation": (("horizontal", "vertical"),), "width": (_NUMBER, 0.0, MAX_PIXELS)},
    "frame": {"width": (_NUMBER, 0.0, MAX_PIXELS), "double": (bool,)},
    "circle": {},
    "badge": {
        "points": (int, 0, 64),
        "inner": (_NUMBER, 0.1, 1.0),
        "ring": (bool,),
        "ring_color": (_HEX,),
    },
    "stripes": {
        "angle": (_NUMBER, -360.0, 360.0),
        "count": (int, 1, 200),
        "width": (_NUMBER, 0.0, MAX_PIXELS),
    },
    "image_patch": {"folder": (str,)},
    # objects that carry text (components/objects.py): the lists are what each sample chooses from
    "shirt": {"colors": (_HEXES,)},
    "package": {"colors": (_HEXES,), "shapes": (_LIST, PACKAGE_SHAPES)},
    "board": {
        "colors": (_HEXES,),
        "materials": (_LIST, BOARD_MATERIALS),
        "mounts": (_LIST, BOARD_MOUNTS),
        "border": (bool,),
    },
    "neon_board": {"colors": (_HEXES,), "backings": (_LIST, NEON_BACKINGS)},
    "paper_sheet": {"colors": (_HEXES,), "fasteners": (_LIST, FASTENERS), "max_folds": (int, 0, 3)},
}


def _check_params(reader: FieldReader, kind: str, params: Any, path: tuple) -> dict[str, Any]:
    """Every decoration parameter checked at load time, so nothing fails halfway through a run."""
    schema = _DECORATION_PARAMS.get(kind)
    if schema is None:  # a kind this loader has no schema for: its own code checks its params
        return dict(reader.mapping(params, path))
    schema = {"opacity": (_NUMBER, 0.0, 1.0), **schema}
    params = reader.mapping(params, path, set(schema))
    for name, value in params.items():
        rule, where = schema[name], (*path, name)
        if rule[0] == _NUMBER:
            reader.number(value, where, rule[1], rule[2])
        elif rule[0] is int:
            reader.integer(value, where, rule[1], rule[2])
        elif rule[0] is bool:
            reader.boolean(value, where)
        elif rule[0] is str:
            reader.string(value, where, "a folder of images, relative to the template file")
        elif rule[0] == _HEXES:
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(c, str) and re.fullmatch(_HEX, c) for c in value)
            ):
                raise reader.error(where, f"must be a non-empty list of #rrggbb colours, got {value!r}"[:300])
        elif rule[0] == _LIST:
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(c, str) and c in rule[1] for c in value)
            ):
                raise reader.error(
                    where, f"must be a non-empty list of {', '.join(rule[1])}, got {value!r}"[:300]
                )
        elif rule[0] == _HEX:
            if not isinstance(value, str) or not re.fullmatch(_HEX, value):
                raise reader.error(where, f"must be a #rrggbb colour, got {value!r}")
        else:
            reader.choice(value, where, rule[0])
    return dict(params)


def _parse_decoration(
    reader: FieldReader, data: Any, path: tuple, roles: set[str] | None = None
) -> DecorationSpec:
    """`roles`: the slot roles a decoration may sit `behind` (templates with `layout: auto`; else None)."""
    data = reader.mapping(data, path, {"kind", "region", "p", "color", "params", "behind"})
    kind = reader.choice(data.get("kind"), (*path, "kind"), tuple(DECORATION_KINDS))
    behind = []
    if "behind" in data:
        if roles is None:
            raise reader.error((*path, "behind"), "needs the template's 'layout: auto'; use a region instead")
        choices = tuple(sorted(roles))
        behind = reader.list_of(
            data["behind"], (*path, "behind"), lambda v, p: reader.choice(v, p, choices),
            f"a list of slot roles ({', '.join(choices)})", max_items=MAX_ITEMS,
        )  # fmt: skip
    region = data.get("region", [0.0, 0.0, 1.0, 1.0] if behind else None)
    spec = DecorationSpec(kind=kind, region=reader.region(region, (*path, "region")), behind=behind)
    spec.p = reader.number(data.get("p", 1.0), (*path, "p"), 0.0, 1.0)
    color = data.get("color", "accent")
    if not (color in ("accent", "light", "dark", "any") or re.fullmatch(_HEX, str(color))):
        raise reader.error((*path, "color"), f"must be #rrggbb or accent, light, dark or any; got {color!r}")
    spec.color = color
    params = data.get("params", {})
    spec.params = _check_params(reader, kind, {} if params is None else params, (*path, "params"))
    if "folder" in spec.params:
        spec.files = _patch_files(reader, spec.params.pop("folder"), (*path, "params", "folder"))
    return spec


def _patch_files(reader: FieldReader, folder: Any, path: tuple) -> list[str]:
    """Pictures for an image_patch: a folder inside the template file's folder (it may not point elsewhere)."""
    if not isinstance(folder, str) or not folder:
        raise reader.error(path, f"must be a folder of images, got {folder!r}")
    base = (Path(reader.source).parent if not reader.source.startswith("<") else Path.cwd()).resolve()
    resolved = (base / folder).resolve()
    if resolved != base and base not in resolved.parents:
        raise reader.error(
            path, f"must be a folder inside the template's folder {str(base)!r}, got {folder!r} (outside it)"
        )
    if not resolved.is_dir():
        raise reader.error(path, f"folder {folder!r} does not exist next to the template")
    files = sorted(p for p in resolved.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and _inside(p, base))
    if not files:
        raise reader.error(path, f"folder {folder!r} has no images ({', '.join(IMAGE_SUFFIXES)})")
    # samples name a picture by template and relative path, never by this machine's absolute path
    ids = []
    for file in files:
        picture_id = f"{Path(reader.source).stem}/{file.relative_to(base).as_posix()}"
        register_picture(picture_id, str(file))
        ids.append(picture_id)
    return ids


def _inside(file: Path, base: Path) -> bool:
    """A file reached through a symlink that leads out of the template's folder is not taken."""
    real = file.resolve()
    return real.is_file() and base in real.parents


_TEMPLATE_FIELDS = {
    "name", "description", "subject", "canvas", "background", "slots", "decorations", "geometry", "effects",
    "plane", "layout",
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
    template.aspects = reader.list_of(
        canvas.get("aspects", []), ("canvas", "aspects"), lambda a, p: read_aspect(reader, a, p),
        f"a list of width/height ratios or names ({', '.join(ASPECT_NAMES)})", max_items=100,
    )  # fmt: skip
    background = reader.mapping(data.get("background", {}), ("background",), {"kinds", "palette", "photo"})
    kinds = reader.list_of(
        background.get("kinds", []), ("background", "kinds"),
        lambda k, p: reader.choice(k, p, tuple(BACKGROUND_KINDS)), "a list of background kinds", max_items=100,
    )  # fmt: skip
    template.background_kinds = list(kinds)
    palette = background.get("palette")
    if palette is not None:
        palette = _parse_palette(reader, palette, ("background", "palette"))
    template.palette = palette
    photo = background.get("photo", True)
    if isinstance(photo, bool):
        template.photo = photo
    else:  # a number: the share of this template's samples drawn on a photo
        template.photo_p = reader.number(photo, ("background", "photo"), 0.0, 1.0)
        template.photo = template.photo_p > 0
    slots = data.get("slots")
    if not isinstance(slots, list) or not slots:
        raise reader.error(("slots",), "must be a non-empty list of text slots")
    if len(slots) > MAX_ITEMS:
        raise reader.error(("slots",), f"must have at most {MAX_ITEMS} slots, got {len(slots)}")
    if "layout" in data:
        template.layout = _parse_layout(reader, data["layout"])
    auto = template.layout.auto is not None
    template.slots = [_parse_slot(reader, s, ("slots", i), auto) for i, s in enumerate(slots)]
    if auto:
        _check_auto_slots(reader, template.slots)
    if sum(s.primary for s in template.slots) > 1:
        raise reader.error(("slots",), "at most one slot may be 'primary: true'")
    primary_index = next((i for i, s in enumerate(template.slots) if s.primary), 0)
    if not _draws_a_word(template.slots[primary_index].text):
        raise reader.error(
            ("slots", primary_index, "text"),
            "the primary slot must show the run's next corpus word (so every one of the 50k words appears): "
            "use 'word', 'words:N', or a pattern with {word} (in every alternative of pattern:A|B)",
        )
    decorations = data.get("decorations", []) or []
    if not isinstance(decorations, list) or len(decorations) > MAX_ITEMS:
        raise reader.error(("decorations",), f"must be a list of at most {MAX_ITEMS} decorations")
    template.decorations = [
        _parse_decoration(reader, d, ("decorations", i), {s.role for s in template.slots} if auto else None)
        for i, d in enumerate(decorations)
    ]
    geometry = reader.mapping(data.get("geometry", {}), ("geometry",), set(GEOMETRY_KINDS))
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


_AUTO_FIELDS = {"arrangements", "align", "margin", "gap"}


def _parse_layout(reader: FieldReader, value: Any) -> LayoutSpec:
    """`layout:` — `auto` (or `{auto: {arrangements, align, margin, gap}}`), or mirror/flip/shift/scale/calm."""
    if value == "auto":
        return LayoutSpec(auto=AutoLayout())
    if isinstance(value, str):
        raise reader.error(
            ("layout",), f"must be 'auto' or a mapping (mirror, flip, shift, scale, calm), got {value!r}"
        )
    layout = reader.mapping(value, ("layout",), {"mirror", "flip", "shift", "scale", "calm", "auto"})
    if "auto" in layout:
        others = sorted(set(layout) - {"auto"})
        if others:
            raise reader.error(
                ("layout", others[0]), "not used with 'auto', which places every slot itself; remove it"
            )
        return LayoutSpec(auto=_parse_auto(reader, layout["auto"]))
    defaults = LayoutSpec()
    return LayoutSpec(
        mirror=reader.number(layout.get("mirror", defaults.mirror), ("layout", "mirror"), 0.0, 1.0),
        flip=reader.number(layout.get("flip", defaults.flip), ("layout", "flip"), 0.0, 1.0),
        shift=reader.number(layout.get("shift", defaults.shift), ("layout", "shift"), 0.0, 0.5),
        scale=reader.pair(layout.get("scale", list(defaults.scale)), ("layout", "scale"), 0.3, 1.0),
        calm=_boolean(reader, layout.get("calm", defaults.calm), ("layout", "calm")),
    )


def _parse_auto(reader: FieldReader, value: Any) -> AutoLayout:
    path = ("layout", "auto")
    if value is True:
        return AutoLayout()
    spec = reader.mapping(value, path, _AUTO_FIELDS)
    defaults = AutoLayout()

    def distinct(name: str, valid: tuple[str, ...]) -> tuple[str, ...]:
        where = (*path, name)
        items = reader.list_of(
            spec[name], where, lambda v, p: reader.choice(v, p, valid),
            f"a non-empty list of {', '.join(valid)}", max_items=len(valid),
        )  # fmt: skip
        if not items or len(set(items)) != len(items):
            raise reader.error(where, f"must list each of {', '.join(valid)} at most once, and one at least")
        return tuple(items)

    return AutoLayout(
        arrangements=distinct("arrangements", AUTO_ARRANGEMENTS)
        if "arrangements" in spec
        else defaults.arrangements,
        aligns=distinct("align", ALIGNS) if "align" in spec else defaults.aligns,
        margin=reader.pair(spec.get("margin", list(defaults.margin)), (*path, "margin"), 0.0, 0.3),
        gap=reader.pair(spec.get("gap", list(defaults.gap)), (*path, "gap"), 0.0, 0.2),
    )


def _check_auto_slots(reader: FieldReader, slots: list[Slot]) -> None:
    """Auto layout sets one title column at most: only the featured slot (largest size) may be vertical only."""
    from textsynth.sampling.flow import featured

    star = featured(slots, next((s for s in slots if s.primary), slots[0]))
    for i, slot in enumerate(slots):
        if slot is not star and slot.direction == "vertical":
            raise reader.error(
                ("slots", i, "direction"),
                "with 'layout: auto' only the slot with the largest size (the featured title) may be "
                "vertical; use horizontal or either",
            )


def _boolean(reader: FieldReader, value: Any, path: tuple) -> bool:
    if not isinstance(value, bool):
        raise reader.error(path, f"must be true or false, got {value!r}")
    return value


def load_template(path: str | Path) -> Template:
    """Load and validate one YAML template; errors name the file, line and field."""
    path = Path(path)
    data, lines = load_yaml(path, "template")
    if data is None:
        raise TextsynthError(f"{path}: empty template; needs at least 'name' and 'slots'")
    return template_from_dict(data, source=str(path), lines=lines)
