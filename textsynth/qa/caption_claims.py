"""What a caption claims about each quoted text (where it is, what colour), checked against the record.

The claims are read from the caption's words alone and the truth from KEY.json: positions from each
text's final `polygon`, colours from the fill and outline the scene drew. So a caption whose position
came from the layout box, before a warp moved the text, is caught.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from textsynth.captions import _POSITIONS, polygon_position
from textsynth.render.colors import COLOR_NAMES, color_name

POSITION_WORDS = {
    "zh": tuple(p[0] for row in _POSITIONS for p in row),
    "en": tuple(p[1] for row in _POSITIONS for p in row),
}
COLOR_WORDS = {"zh": tuple(c[0] for c in COLOR_NAMES), "en": tuple(c[1] for c in COLOR_NAMES)}
_QUOTE = {"zh": re.compile(r"“([^”]*)”"), "en": re.compile(r"\"([^\"]*)\"")}
# a clause without a quote that goes on about the text before it: “X”，为红色楷体 / ，文字带有白色描边
_CONTINUES = ("为", "位于", "文字", "带有", "呈", "略微", "倾斜")


def _alternation(words: tuple[str, ...], lang: str) -> re.Pattern:
    """Longest first, so 左上角 is not read as 上方 and dark gray not as gray; en on word edges and in
    any case, so a sentence that opens with "Dark red lettering" is read as dark red, not red."""
    body = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    if lang == "en":
        return re.compile(f"(?<![A-Za-z])({body})(?![A-Za-z])", re.IGNORECASE)
    return re.compile(f"({body})")


_POSITION_RE = {lang: _alternation(words, lang) for lang, words in POSITION_WORDS.items()}
_COLOR_RE = {lang: _alternation(words, lang) for lang, words in COLOR_WORDS.items()}
# not positions of a text: the light's direction (光线从左上方照来, lit from the upper left)
_LIGHT = {"zh": re.compile(r"光线从\S{1,3}?照来"), "en": re.compile(r"lit from the [a-z ]+")}


@dataclass
class Claim:
    """What one stretch of a caption says about the text it quotes."""

    text: str
    positions: list[str] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)


def claims(caption: str, lang: str) -> list[Claim]:
    """Position and colour words of a caption, each given to the quoted text it describes."""
    quoted: list[str] = []

    def mask(match: re.Match) -> str:
        quoted.append(match.group(1))
        return f"\x00{len(quoted) - 1}\x00"

    masked = _LIGHT[lang].sub(" ", _QUOTE[lang].sub(mask, caption))
    out = [Claim(text) for text in quoted]
    if lang == "zh":
        last = None
        for clause in re.split(r"[，。；：！？\n]", masked):
            marks = [(m.start(), m.end(), int(m.group(1))) for m in re.finditer(r"\x00(\d+)\x00", clause)]
            if not marks:
                if last is not None and clause.startswith(_CONTINUES):
                    _add(out[last], clause, lang)
                continue
            start = 0  # in Chinese the words before a quote describe it: 左侧是粉色的“X”
            for i, (_, end, index) in enumerate(marks):
                stop = len(clause) if i == len(marks) - 1 else end
                _add(out[index], clause[start:stop], lang)
                start = end
            last = marks[-1][2]
    else:
        for sentence in re.split(r"(?<=[.!?])\s+|\n", masked):
            marks = [(m.start(), m.end(), int(m.group(1))) for m in re.finditer(r"\x00(\d+)\x00", sentence)]
            if len(marks) == 1:
                _add(out[marks[0][2]], sentence, lang)
                continue
            for i, (begin, _, index) in enumerate(marks):  # in English the words after a quote describe it
                stop = marks[i + 1][0] if i + 1 < len(marks) else len(sentence)
                _add(out[index], sentence[begin:stop] if i else sentence[:stop], lang)
    return out


def _add(claim: Claim, stretch: str, lang: str) -> None:
    stretch = re.sub(r"\x00\d+\x00", " ", stretch)
    claim.positions += [w.lower() for w in _POSITION_RE[lang].findall(stretch)]
    claim.colors += [w.lower() for w in _COLOR_RE[lang].findall(stretch)]


def truths(record: dict[str, Any], lang: str) -> dict[str, list[tuple[str, set[str] | None]]]:
    """text -> [(its position word, the colour words of what was drawn)] per rendered text of that string."""
    from textsynth.io.reader import scene_of

    lang_i = 0 if lang == "zh" else 1
    # a recaptioned photo has no scene: its positions are checked, its colours are unknown (any is allowed)
    styles = [item["style"] for item in scene_of(record)["texts"]] if "scene" in record else None
    out: dict[str, list[tuple[str, set[str] | None]]] = {}
    for i, annotation in enumerate(record["texts"]):
        where = polygon_position(annotation["polygon"], record["width"], record["height"])[lang_i]
        colors = None
        if styles is not None:
            style = styles[i]
            drawn = list(style["fill"]["colors"]) + (
                [style["stroke_color"]] if style["stroke_width"] > 0 else []
            )
            drawn += [outline["color"] for outline in style.get("outlines", [])]
            colors = {color_name(c)[lang_i] for c in drawn}
        out.setdefault(annotation["text"], []).append((where, colors))
    return out


def wrong_claims(caption: str, record: dict[str, Any], lang: str) -> list[str]:
    """Every position or colour a caption gives a text that its final polygon or drawn colours contradict."""
    truth = truths(record, lang)
    wrong = []
    for claim in claims(caption, lang):
        options = truth.get(claim.text)
        if not options:
            continue  # a text that is not there at all is counted elsewhere
        for word in claim.positions:
            if not any(word == where for where, _ in options):
                wrong.append(f"position of “{claim.text}”: says {word}, is {options[0][0]}")
        for word in claim.colors:
            if not any(colors is None or word in colors for _, colors in options):
                drawn = "/".join(sorted(options[0][1]))
                wrong.append(f"colour of “{claim.text}”: says {word}, drawn {drawn}")
    return wrong
