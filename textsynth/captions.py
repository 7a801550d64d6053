"""Scene → Chinese and English captions, built from the Scene's own fields, never guessed from pixels.

Every phrase maps to a field (text, colour, size, font style, position, effects), so a caption can
leave things out but cannot invent them. Text to render is always quoted exactly. Positions come from
each text's final polygon (after layout, perspective and every warp), colours from the fill and
outline that were drawn, font words from the face's style class.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, reduce
from operator import add

import numpy as np

from textsynth.components.backgrounds import describe_background
from textsynth.components.decorations import DECORATIONS, OBJECT_KINDS
from textsynth.components.effects import EFFECTS
from textsynth.components.geometry import GEOMETRY
from textsynth.io.record import CAPTION_KEYS
from textsynth.render.colors import color_name
from textsynth.render.layout import mixed_size
from textsynth.scene import Scene, TextItem, TextStyle

CAPTION_LANGS = ("zh", "en")
# Every caption a sample carries, by its KEY.json `captions` key: zh/en (varied detail), short_zh/short_en
# (subject and main text), detailed_zh (every fact: subject, texts, layout, colours, fonts, lighting;
# as Kolors' captions are written) and bilingual (the Chinese caption, then the English one).
CAPTION_FORMS = CAPTION_KEYS

# Face style class -> (zh, en adjective). A class without an entry is not named rather than guessed.
_FONT_STYLES = {
    "sans": ("黑体", "sans-serif"),
    "serif": ("宋体", "serif"),
    "kai": ("楷体", "regular-script"),
    "handwriting": ("手写体", "handwritten-style"),
    "display": ("艺术字", "decorative display"),
    "brush": ("毛笔字", "brush-calligraphy"),
    "fangsong": ("仿宋体", "fangsong"),
    "li": ("隶书", "clerical-script"),
}
_ROLES = {
    "title": ("标题", "title"),
    "subtitle": ("副标题", "subtitle"),
    "slogan": ("标语", "slogan"),
    "price": ("价格", "price"),
    "couplet_right": ("上联", "first line of the couplet"),
    "couplet_left": ("下联", "second line of the couplet"),
    "banner": ("横批", "horizontal scroll"),
    "dish": ("菜名", "dish name"),
    "address": ("地址", "address"),
    "date": ("日期", "date"),
    "venue": ("场馆", "venue"),
    "promotion": ("促销语", "promotion"),
}
# 3x3 grid of the canvas: (zh, en prepositional phrase), indexed [row][column].
_POSITIONS = (
    (("左上角", "in the top-left corner"), ("上方", "at the top"), ("右上角", "in the top-right corner")),
    (("左侧", "on the left"), ("中间", "in the center"), ("右侧", "on the right")),
    (
        ("左下角", "in the bottom-left corner"),
        ("下方", "at the bottom"),
        ("右下角", "in the bottom-right corner"),
    ),
)
_SIZES = (("大号", "large"), ("中号", "medium-sized"), ("小号", "small"))
LARGE_TEXT, SMALL_TEXT = 0.075, 0.035  # size_px / canvas height
# Measure words for subjects whose noun does not take 张 (一块招牌, 一副春联), by last character.
_MEASURE_WORDS = {"牌": "块", "匾": "块", "屏": "块", "板": "块", "联": "副", "旗": "面", "书": "本"}


def make_captions(
    scene: Scene, rng: np.random.Generator, polygons: Sequence[Sequence[Sequence[float]]] | None = None
) -> dict[str, str]:
    """The CAPTION_FORMS of one Scene; `polygons` are the texts' final 4-point polygons (as in KEY.json).

    Which optional facts are mentioned is drawn once and shared by both languages; the
    phrasing is drawn per language, so the model does not learn one sentence. Without `polygons`
    positions fall back to the layout boxes, which a warp may have moved.
    """
    boxes, centres = _boxes_and_centres(scene, polygons)  # reading order, position words
    items = [t for t in scene.texts if t.text.strip()]
    primary = _primary(items)
    others = [t for t in reading_order(items, boxes) if t is not primary]
    subject = _subject(scene)
    background = _background(scene)  # named once: colour naming is the costly part of a caption
    phrases = _component_phrases(scene)  # described once, for both the drawn and the detailed caption
    # each item's facts worked out once; the drawn captions say what the draws keep, the detailed one all
    main = _describe_all(primary, scene, centres[id(primary)]) if primary else None
    rest = [_describe_all(t, scene, centres[id(t)]) for t in others]
    facts = _Facts(
        primary=_drawn(main, rng, detail=True) if main else None,
        others=[_drawn(described, rng, detail=False) for described in rest],
        others_detailed=bool(others) and len(others) <= 3 and rng.random() < 0.4,
        background=background if rng.random() < 0.85 else None,
        effects=_mentioned(phrases, rng),
        on_object=any(d.kind in OBJECT_KINDS for d in scene.decorations),
    )
    captions = {}
    for lang, build in (("zh", _caption_zh), ("en", _caption_en)):
        captions[lang] = build(facts, subject, rng)
    captions["short_zh"] = _short_zh(facts, subject[0], rng)
    captions["short_en"] = _short_en(facts, subject[1], rng)
    full = _Facts(
        primary=main.full if main else None,
        others=[described.full for described in rest],
        others_detailed=True,
        background=background,
        effects=phrases,
    )
    captions["detailed_zh"] = _caption_detailed_zh(full, subject, scene, rng)
    captions["bilingual"] = captions["zh"] + "\n" + captions["en"]
    return captions


def _boxes_and_centres(
    scene: Scene, polygons: Sequence[Sequence[Sequence[float]]] | None
) -> tuple[dict[int, tuple[float, float, float, float]], dict[int, tuple[float, float, float, float]]]:
    """id(item) -> the bounds of its final polygon, and -> its centroid as a point box (position words);
    both its layout box without polygons."""
    if polygons is None:
        boxes = {id(t): tuple(t.box) for t in scene.texts}
        return boxes, dict(boxes)
    if len(polygons) != len(scene.texts):
        raise ValueError(f"{len(polygons)} polygons for {len(scene.texts)} texts")
    boxes, centres = {}, {}
    for item, poly in zip(scene.texts, polygons, strict=True):
        xs, ys = _coordinates(poly)
        boxes[id(item)] = (min(xs), min(ys), max(xs), max(ys))
        cx, cy = _mean(xs), _mean(ys)  # centroid's floats
        centres[id(item)] = (cx, cy, cx, cy)
    return boxes, centres


def _coordinates(polygon: Sequence[Sequence[float]]) -> tuple[list[float], list[float]]:
    """The x and the y of each [x, y] corner, as floats (a few points: numpy's per-call cost would dominate)."""
    return [float(p[0]) for p in polygon], [float(p[1]) for p in polygon]


def centroid(polygon: Sequence[Sequence[float]]) -> tuple[float, float]:
    """Mean of the corners, summed in order as numpy's mean over them does, so the same floats."""
    xs, ys = _coordinates(polygon)
    return _mean(xs), _mean(ys)


def _mean(values: list[float]) -> float:
    """Summed in order, as numpy's mean over a few values does: the same float."""
    return reduce(add, values) / len(values)


def reading_order(
    items: Sequence[TextItem], boxes: dict[int, Sequence[float]] | None = None
) -> list[TextItem]:
    """Top to bottom, then left to right: items whose centre lies within a row's first box share that row."""
    placed = [(boxes[id(t)] if boxes is not None else t.box, t) for t in items]
    placed.sort(key=lambda p: (p[0][1], p[0][0]))  # stable: items at the same place keep their order
    rows: list[tuple[Sequence[float], list[tuple[Sequence[float], TextItem]]]] = []
    for box, item in placed:
        centre_y = (box[1] + box[3]) / 2
        if rows and rows[-1][0][1] <= centre_y <= rows[-1][0][3]:
            rows[-1][1].append((box, item))
        else:
            rows.append((box, [(box, item)]))
    return [item for _, row in rows for _, item in sorted(row, key=lambda p: p[0][0])]


def position_name(box: Sequence[float], width: int, height: int) -> tuple[str, str]:
    """Where a box's centre falls on a 3x3 grid of the canvas: ("左上角", "in the top-left corner")."""
    column = min(2, max(0, int(3 * (box[0] + box[2]) / 2 / width)))
    row = min(2, max(0, int(3 * (box[1] + box[3]) / 2 / height)))
    return _POSITIONS[row][column]


def polygon_position(polygon: Sequence[Sequence[float]], width: int, height: int) -> tuple[str, str]:
    """position_name of a final polygon: where the centroid of its corners falls."""
    cx, cy = centroid(polygon)
    return position_name((cx, cy, cx, cy), width, height)


# --- Facts: what can be said about the scene, already filtered by rng -----------------------------


WIDE_SPACING = 0.3  # extra space between characters (fraction of the size) that a reader calls wide


@dataclass
class _Item:
    """One TextItem's mentionable facts, each a (zh, en) pair or None when left out."""

    text: str
    role: tuple[str, str]
    position: tuple[str, str] | None
    color: tuple[str, str] | None
    size: tuple[str, str] | None
    font: tuple[str, str] | None
    vertical: bool
    traditional: bool  # set in Traditional characters (a TC face): always said, it is what the text is
    decorated: list[tuple[str, str]]  # "带有…" / "with …" parts: outline, shadow, 3D, glow, gradient
    posture: list[tuple[str, str]]  # rotation, curve, tilt


@dataclass
class _Facts:
    primary: _Item | None
    others: list[_Item]
    others_detailed: bool
    background: tuple[str, str] | None
    effects: list[tuple[str, str]]
    on_object: bool = False  # the text sits on an object (a shirt, a board), not on the background


def _component_phrases(scene: Scene) -> list[tuple[str, str]]:
    """Phrases of the decorations, warps and effects that describe themselves, and of the backdrop photo.

    Each component's `describe(params, lang)` gives the phrase (registry.py); one that returns None is
    left out rather than guessed, and draws no number, so adding a silent kind changes no caption.
    English phrases starting with "with " are nouns that get merged into one "with A, B and C".
    """
    layers = [
        *((DECORATIONS, d.kind, d.params) for d in scene.decorations),
        *((GEOMETRY, g.name, g.params) for g in scene.geometry),
        *((EFFECTS, e.name, e.params) for e in scene.effects),
    ]
    phrases = [registry.describe_both(name, params) for registry, name, params in layers if name in registry]
    phrases = [phrase for phrase in phrases if phrase is not None]
    if scene.backdrop is not None and scene.geometry:
        phrases.append(_backdrop_phrase(scene.backdrop.params))
    return phrases


def _mentioned(phrases: list[tuple[str, str]], rng: np.random.Generator) -> list[tuple[str, str]]:
    """Each phrase kept with p = 0.9, one draw per phrase in order (the detailed caption keeps them all)."""
    return [phrase for phrase in phrases if rng.random() < 0.9]


def _backdrop_phrase(params: dict) -> tuple[str, str]:
    """What shows around the warped design: the photo it is seen against (render/backdrop.py)."""
    zh, en = params.get("caption_zh", ""), params.get("caption_en", "")
    if zh and en:
        return f"背后是{zh}的照片", f"with a photo of {en} behind it"
    return "背后是一张照片", "with a photograph behind it"


def _primary(items: list[TextItem]) -> TextItem | None:
    return next((t for t in items if t.primary), None) or next(
        (t for t in items if t.role == "title"), items[0] if items else None
    )


def _subject(scene: Scene) -> tuple[str, str]:
    """(zh, en) noun of what the image is; English without its article, which phrasings add."""
    zh, en = scene.subject.get("zh", "").strip(), scene.subject.get("en", "").strip()
    name = scene.template.replace("_", " ").replace("-", " ").strip() or "image"
    if not zh:
        zh = name if any("\u4e00" <= c <= "\u9fff" for c in name) else f"{name}模板图片"
    for article in ("a ", "an ", "the ", "A ", "An ", "The "):
        en = en.removeprefix(article)
    return zh, en or f"{name} image"


def _one(subj: str) -> str:
    """一张海报, 一块招牌, 一副春联."""
    return "一" + _MEASURE_WORDS.get(subj[-1:], "张") + subj


@lru_cache(maxsize=4096)
def _color(hex_color: str) -> tuple[str, str]:
    return color_name(hex_color)


_DETAIL_KEEP = (0.85, 0.9, 0.75, 0.8, 0.85)  # the primary item says most of its facts
_BRIEF_KEEP = (0.7, 0.6, 0.5, 0.4, 0.5)  # the others fewer
_DRAWS = 9  # numbers drawn per item, used or not: position, colour, size, font, (unused), stroke ... glow
_OWN_DRAW = -1  # a designed-title phrase: drawn for on its own, only when the effect is present


@dataclass
class _Described:
    """Everything one item can say (`full`, as the detailed caption says it) and, for each `decorated`
    phrase, which of the item's draws decides whether a drawn caption says it: an index into the draws,
    _OWN_DRAW (a number drawn for it), or None (always said)."""

    full: _Item
    deciders: list[int | None]
    gradient_or_striped: bool


def _describe_all(item: TextItem, scene: Scene, box: Sequence[float]) -> _Described:
    """An item's facts, worked out once for both the drawn captions (_drawn) and the detailed one."""
    style = item.style
    fill = style.fill
    gradient = fill.kind == "gradient" and len(fill.colors) > 1
    striped = fill.kind == "texture" and fill.pattern == "stripes"  # two colours, neither alone
    ratio = item.size_px / scene.height
    size = _SIZES[0] if ratio >= LARGE_TEXT else _SIZES[2] if ratio < SMALL_TEXT else _SIZES[1]
    decorated: list[tuple[str, str]] = []
    deciders: list[int | None] = []
    if style.stroke_width > 0 and not style.outlines:  # outlines name the stroke too
        zh, en = _color(style.stroke_color)
        decorated.append((f"{zh}描边", f"a {en} outline"))
        deciders.append(5)
    for present, phrase, draw in (
        (style.shadow is not None, ("阴影", "a drop shadow"), 6),
        (style.extrude is not None, ("立体效果", "a 3D extruded look"), 7),
        (style.glow is not None, ("发光效果", "a glow"), 8),
    ):
        if present:
            decorated.append(phrase)
            deciders.append(draw)
    for phrase, own in _designed_phrases(style):
        decorated.append(phrase)
        deciders.append(_OWN_DRAW if own else None)
    if gradient:  # always said: a gradient word is what tells the colour name is only part of it
        (a_zh, a_en), (b_zh, b_en) = _color(fill.colors[0]), _color(fill.colors[-1])
        if a_zh == b_zh:
            decorated.append((f"{a_zh}渐变", f"a {a_en} gradient"))
        else:
            decorated.append((f"{a_zh}到{b_zh}的渐变", f"a {a_en}-to-{b_en} gradient"))
        deciders.append(None)
    posture: list[tuple[str, str]] = []
    if abs(item.rotation) >= 4:
        posture.append(("略微倾斜", "slightly tilted") if abs(item.rotation) < 20 else ("倾斜", "tilted"))
    if abs(item.curve) >= 0.03:
        posture.append(("呈弧形排列", "arranged along an arc"))
    if item.tilt is not None:
        posture.append(("位于倾斜的平面上", "on a tilted plane"))
    if item.char_spacing >= WIDE_SPACING and len(item.text) > 1:
        posture.append(("字距较宽", "widely letter-spaced"))
    if mixed_size(item):
        big = [i for i, scale in enumerate(item.char_scales) if scale > 1]
        first = big == [0]
        posture.append(
            (
                "首字放大" if first else "部分文字放大",
                "with a larger first character" if first else "with some characters set larger",
            )
        )
    full = _Item(
        text=item.text,
        role=_ROLES.get(item.role, ("文字", "text")),
        position=position_name(box, scene.width, scene.height),
        color=None if gradient or striped else _color(style.color),
        size=size,
        font=_FONT_STYLES.get(item.font_style),
        vertical=item.direction == "ttb",
        traditional=item.script == "TC" and not item.text.isascii(),
        decorated=decorated,
        posture=posture,
    )
    return _Described(full, deciders, gradient or striped)


def _drawn(described: _Described, rng: np.random.Generator, detail: bool) -> _Item:
    """Draw which facts of one item to mention: the primary item keeps most, others fewer.

    The draws are made in the order they always were: nine numbers, then one per designed-title effect.
    """
    keep = _DETAIL_KEEP if detail else _BRIEF_KEEP
    # Python floats: the same numbers, and a dozen comparisons without numpy scalars' overhead
    draws = rng.random(_DRAWS).tolist()
    full = described.full
    decorated = [
        phrase
        for phrase, decider in zip(full.decorated, described.deciders, strict=True)
        if decider is None
        or (draws[decider] < keep[4] if decider != _OWN_DRAW else bool(rng.random() < keep[4]))
    ]
    return _Item(
        text=full.text,
        role=full.role,
        position=full.position if draws[0] < keep[0] else None,
        color=full.color if not described.gradient_or_striped and draws[1] < keep[1] else None,
        size=full.size if draws[2] < keep[2] else None,
        font=full.font if draws[3] < keep[3] else None,
        vertical=full.vertical,
        traditional=full.traditional,
        decorated=decorated,
        posture=full.posture,
    )


def _designed_phrases(style: TextStyle) -> list[tuple[tuple[str, str], bool]]:
    """Phrases of the designed-title effects that were drawn, each with whether a number decides it."""
    out: list[tuple[tuple[str, str], bool]] = []
    if style.outlines:
        colors = [_color(style.stroke_color)] + [_color(o.color) for o in style.outlines]
        names_zh = list(dict.fromkeys(zh for zh, _ in colors))
        names_en = list(dict.fromkeys(en for _, en in colors))
        layers = ("双层", "double") if len(colors) == 2 else ("多层", "multiple")
        out.append(
            ((f"{_join_zh(names_zh)}{layers[0]}描边", f"a {layers[1]} outline in {_join_en(names_en)}"), True)
        )
    if style.inner_glow is not None:
        out.append((("内发光", "an inner glow"), True))
    if style.long_shadow is not None:
        out.append((("长投影", "a long shadow"), True))
    fill = style.fill
    if fill.kind == "texture":  # always said, like a gradient: the colour name alone would mislead
        if fill.pattern == "metal":
            out.append((("金属质感", "a metallic finish"), False))
        elif fill.pattern == "stripes":
            (a_zh, a_en), (b_zh, b_en) = _color(fill.colors[0]), _color(fill.colors[-1])
            pair = (
                (f"{a_zh}与{b_zh}相间的条纹", f"{a_en} and {b_en} stripes")
                if a_zh != b_zh
                else ("条纹", "stripes")
            )
            out.append((pair, False))
        else:
            out.append((("做旧质感", "a worn, grainy texture"), False))
    return out


def _background(scene: Scene) -> tuple[str, str] | None:
    """The background phrase, or None when it would say no more than 'a background'."""
    zh, en = describe_background(scene.background)
    return (zh, en) if zh.removesuffix("背景") else None


# --- Chinese ------------------------------------------------------------------------------------


def _quote_zh(text: str) -> str:
    return f"“{text}”"


def _join_zh(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else "、".join(parts[:-1]) + "和" + parts[-1]


def _look_zh(it: _Item) -> str:
    """Adjectives before the noun: 红色大号竖排楷体."""
    adjectives = [p[0] for p in (it.color, it.size) if p] + (["竖排"] if it.vertical else [])
    adjectives += ["繁体"] if it.traditional else []
    return "".join(adjectives) + (it.font[0] if it.font else "")


def _extras_zh(it: _Item) -> str:
    parts = ([f"带有{_join_zh([d[0] for d in it.decorated])}"] if it.decorated else []) + [
        p[0] for p in it.posture
    ]
    return "，".join(parts)


def _primary_zh(it: _Item, rng: np.random.Generator) -> str:
    look, quoted, role = _look_zh(it), _quote_zh(it.text), it.role[0]
    where = it.position[0] if it.position else "画面中"
    variants: list[Callable[[], str]] = [
        lambda: f"{where}{'用' + look + ('' if it.font else '字') if look else ''}写着{quoted}",
        lambda: f"{where}是{look + '的' if look else ''}{role}{quoted}",
        lambda: (
            f"{role}{quoted}{'位于' + it.position[0] if it.position else ''}{'，为' + look if look else ''}"
        ),
        lambda: f"{where}印有{look + '的' if look else ''}{quoted}字样",
    ]
    clause = variants[int(rng.integers(len(variants)))]()
    extras = _extras_zh(it)
    return clause + (("，文字" if rng.random() < 0.5 else "，") + extras if extras else "")


def _others_zh(facts: _Facts, rng: np.random.Generator) -> str:
    if not facts.others:
        return ""
    if facts.others_detailed:
        parts, said = [], set()
        for it in facts.others:
            look = _look_zh(it)
            where = it.position[0] if it.position else ""
            # 下方是…，下方还有…; 另有…，还有…: no place or verb said twice in a row.
            verb = ("还有" if where in said else "是") if where else ("还有" if "" in said else "另有")
            said.add(where)
            parts.append(f"{where}{verb}{look + '的' if look else ''}{_quote_zh(it.text)}")
        lead = "此外，" if rng.random() < 0.5 and not parts[0].startswith("另有") else ""
        return lead + "，".join(parts) + "。"
    listed = _join_zh([("竖排的" if it.vertical else "") + _quote_zh(it.text) for it in facts.others])
    templates = ("画面中还写着{}。", "此外还写有{}。", "其余文字为{}。", "另外还有{}的字样。")
    return templates[int(rng.integers(len(templates)))].replace("{}", listed)


def _background_zh(bg: str, rng: np.random.Generator) -> str:
    core = bg.removesuffix("背景")
    templates = (f"背景是{core}。", f"背景为{core}。", f"以{core}为背景。", f"采用{core}背景。")
    return templates[int(rng.integers(len(templates)))]


def _effects_zh(effects: list[tuple[str, str]], rng: np.random.Generator) -> str:
    lead = ("画面", "整体", "图片", "")[int(rng.integers(4))]
    return lead + "，".join(e[0] for e in effects) + "。"


def _caption_zh(facts: _Facts, subject: tuple[str, str], rng: np.random.Generator) -> str:
    subj, bg = subject[0], facts.background
    primary = _primary_zh(facts.primary, rng) if facts.primary else ""
    opening = int(rng.integers(5))
    bg_said = False
    if opening == 4 and bg:
        head, bg_said = f"{bg[0]}上的{subj}", True
    else:
        one = _one(subj)
        head = (one, f"这是{one}", f"画面是{subj}", f"图中是{one}", one)[opening]
    first = head + ("，" + primary if primary else "") + "。"
    tail = [_others_zh(facts, rng)]
    extra = []
    if bg and not bg_said:
        extra.append(_background_zh(bg[0], rng))
    if facts.effects:
        extra.append(_effects_zh(facts.effects, rng))
    return first + "".join(tail) + "".join(_shuffled(extra, rng))


def _detail_zh(it: _Item, rng: np.random.Generator) -> str:
    """One text, every fact: 右侧竖排写着“…”，为黑色中号楷体，带有白色描边."""
    where = it.position[0] if it.position else "画面中"
    verb = ("写着", "印着", "是")[int(rng.integers(3))]
    clause = f"{where}{'竖排' if it.vertical else ''}{verb}{_quote_zh(it.text)}"
    look = "".join(p[0] for p in (it.color, it.size) if p) + ("繁体" if it.traditional else "")
    look += it.font[0] if it.font else ("字" if look else "")
    extras = _extras_zh(it)
    return clause + (f"，为{look}" if look else "") + (f"，{extras}" if extras else "")


def _caption_detailed_zh(
    facts: _Facts, subject: tuple[str, str], scene: Scene, rng: np.random.Generator
) -> str:
    """Kolors-style: subject and background, each text with place, colour, size and font, layout, lighting."""
    subj, bg = subject[0], facts.background
    frame = "横版" if scene.width > scene.height else "竖版" if scene.width < scene.height else "方形"
    head = _one(subj) + (f"，{bg[0]}" if bg else "") + f"，{frame}构图。"
    items = ([facts.primary] if facts.primary else []) + facts.others
    if not items:
        return head + (_effects_zh(facts.effects, rng) if facts.effects else "")
    count = f"画面中共有{len(items)}处文字：" if len(items) > 1 else ""
    body = count + "；".join(_detail_zh(it, rng) for it in items) + "。"
    vertical = sum(it.vertical for it in items)
    if len(items) > 1:
        body += (
            "文字均为竖排。"
            if vertical == len(items)
            else "文字均为横排。"
            if not vertical
            else "横排与竖排文字并存。"
        )
    return head + body + (_effects_zh(facts.effects, rng) if facts.effects else "")


def _short_zh(facts: _Facts, subj: str, rng: np.random.Generator) -> str:
    if not facts.primary:
        return f"{_one(subj)}。"
    quoted = _quote_zh(facts.primary.text)
    one = _one(subj)
    templates = (
        f"{one[:2]}写着{quoted}的{subj}。",
        f"{subj}，上面写着{quoted}。",
        f"印有{quoted}字样的{subj}。",
    )
    return templates[int(rng.integers(len(templates)))]


# --- English ------------------------------------------------------------------------------------


def _quote_en(text: str) -> str:
    return f'"{text}"'


def _join_en(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _article(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def _look_en(it: _Item, noun: str) -> str:
    """'large red vertical sans-serif text', or '' when nothing about the look is mentioned."""
    words = [p[1] for p in (it.size, it.color) if p] + (["vertical"] if it.vertical else [])
    words += [it.font[1]] if it.font else []
    words += ["Traditional Chinese"] if it.traditional else []
    return " ".join([*words, noun]) if words else ""


def _extras_en(it: _Item) -> str:
    parts = ([f"with {_join_en([d[1] for d in it.decorated])}"] if it.decorated else []) + [
        p[1] for p in it.posture
    ]
    return ", ".join(parts)


def _primary_en(it: _Item, rng: np.random.Generator, phrase: bool) -> str:
    """A sentence ('The title "…" is written at the top in …') or a noun phrase for 'featuring …'."""
    noun = ("text", "characters", "lettering")[int(rng.integers(3))]
    look = _look_en(it, noun)
    quoted, role = _quote_en(it.text), it.role[1]
    where = f" {it.position[1]}" if it.position else ""
    in_look = f" in {look}" if look else ""
    if phrase:
        clause = f"the {role} {quoted}{in_look}{where}"
    else:
        variants: list[Callable[[], str]] = [
            lambda: (
                f"The {role} {quoted} is written{where}{in_look}"
                if where or look
                else f"The {role} reads {quoted}"
            ),
            lambda: (
                (f"{where.strip().capitalize()}, " if where else "")
                + (look if look else f"the {role}")
                + (" read " if look and noun == "characters" else " reads ")
                + quoted
            ),
            lambda: f"It says {quoted}{where}{in_look}",
            lambda: f"{quoted} appears{where or ' in the image'}{in_look}",
        ]
        clause = variants[int(rng.integers(len(variants)))]()
        clause = clause[0].upper() + clause[1:] if clause[0].isascii() else clause
    extras = _extras_en(it)
    return clause + (f", {extras}" if extras else "")


def _others_en(facts: _Facts, rng: np.random.Generator) -> str:
    if not facts.others:
        return ""
    if facts.others_detailed:
        parts = []
        for it in facts.others:
            look = _look_en(it, "text")
            parts.append(
                _quote_en(it.text)
                + (f" {it.position[1]}" if it.position else "")
                + (f" in {look}" if look else "")
            )
        return f"There is also {_join_en(parts)}."
    listed = _join_en(
        [_quote_en(it.text) + (" in vertical lettering" if it.vertical else "") for it in facts.others]
    )
    templates = (
        "It also says {}.",
        "Other text reads {}.",
        "Smaller text reads {}.",
        "There is also the text {}.",
    )
    return templates[int(rng.integers(len(templates)))].replace("{}", listed)


def _background_en(bg: str, rng: np.random.Generator, on_object: bool = False) -> str:
    # describe_background gives a whole noun phrase ("a white plain background"): use it as it is.
    noun = bg if bg.endswith("background") else f"{bg} background"
    templates = (
        f"It is set on {noun}.",
        f"Behind it is {noun}." if on_object else f"The text sits on {noun}.",
        f"Behind the text is {noun}.",
        f"The image has {noun}.",
    )
    return templates[int(rng.integers(len(templates)))]


def _effects_en(effects: list[tuple[str, str]], rng: np.random.Generator) -> str:
    done = [e[1] for e in effects if not e[1].startswith("with ")]
    withs = [e[1].removeprefix("with ") for e in effects if e[1].startswith("with ")]
    said = ", ".join(done + ([f"with {_join_en(withs)}"] if withs else []))
    if not done:
        return f"The image is shown {said}."
    # always a whole sentence: "The photo is lit from the lower left.", never a bare "Lit from ..."
    lead = ("The image is", "The picture is", "The whole scene is")[int(rng.integers(3))]
    return f"{lead} {said}."


def _caption_en(facts: _Facts, subject: tuple[str, str], rng: np.random.Generator) -> str:
    subj, bg = _article(subject[1]), facts.background
    opening = int(rng.integers(5))
    bg_said = False
    if facts.primary is None:
        first = f"{subj[0].upper()}{subj[1:]}."
    elif opening == 2:
        first = f"{subj[0].upper()}{subj[1:]} featuring {_primary_en(facts.primary, rng, phrase=True)}."
    elif opening == 4 and bg:
        bg_said = True
        first = f"{subj[0].upper()}{subj[1:]} on {bg[1]}. {_primary_en(facts.primary, rng, phrase=False)}."
    else:
        head = f"This image shows {subj}." if opening == 1 else f"{subj[0].upper()}{subj[1:]}."
        first = f"{head} {_primary_en(facts.primary, rng, phrase=False)}."
    extra = []
    if bg and not bg_said:
        extra.append(_background_en(bg[1], rng, facts.on_object))
    if facts.effects:
        extra.append(_effects_en(facts.effects, rng))
    return " ".join(s for s in (first, _others_en(facts, rng), *_shuffled(extra, rng)) if s)


def _short_en(facts: _Facts, subj: str, rng: np.random.Generator) -> str:
    if not facts.primary:
        return f"{_article(subj)[0].upper()}{_article(subj)[1:]}."
    quoted = _quote_en(facts.primary.text)
    templates = (
        f"{_article(subj)} that says {quoted}.",
        f"{_article(subj)} with the text {quoted}.",
        f"{_article(subj)} reading {quoted}.",
    )
    text = templates[int(rng.integers(len(templates)))]
    return text[0].upper() + text[1:]


def _shuffled(parts: list[str], rng: np.random.Generator) -> list[str]:
    return [parts[i] for i in rng.permutation(len(parts))] if len(parts) > 1 else parts
