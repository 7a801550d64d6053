"""Captions without a VLM: the image's own caption (if any) plus every kept OCR line, quoted exactly.

Position words come from each line's polygon on the same 3x3 grid synthetic captions use
("上方写着“……”"). Quote marks in the original caption around anything that is not an OCR
line are removed, so that in every caption quoted text means text visible in the image.
`check_quotes` is the rule all captions (fused or from a VLM) must pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from textsynth.captions import position_name
from textsynth.recaption.texts import QUOTE_CHARS, FoundText, primary_index

# quoted spans in any of the quote styles captions use
QUOTED = re.compile(r"“[^“”]*”|\"[^\"]*\"|「[^「」]*」|『[^『』]*』|‘[^‘’]*’")
_END = "。！？.!?…"


@dataclass
class QuoteCheck:
    missing: list[str] = field(default_factory=list)  # OCR lines the caption does not quote exactly
    extra: list[str] = field(default_factory=list)  # quoted text that is no OCR line

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra


def check_quotes(caption: str, lines: list[str]) -> QuoteCheck:
    """Every line quoted verbatim at least once, and nothing else quoted (nor a stray quote mark)."""
    result = QuoteCheck()
    rest = caption
    for line in sorted(set(lines), key=len, reverse=True):  # longest first: "上海" inside "上海银行"
        spans = [f"“{line}”", f'"{line}"', f"「{line}」", f"『{line}』"]
        if not any(s in rest for s in spans):
            result.missing.append(line)
        for s in spans:
            rest = rest.replace(s, "\x00")
    result.extra = [m[1:-1] for m in QUOTED.findall(rest)]
    if not result.extra and any(c in rest for c in QUOTE_CHARS):
        result.extra = ["(unbalanced quote mark)"]
    result.missing.sort(key=lines.index)
    return result


def clean_original(caption: str, lines: list[str]) -> str:
    """The original caption with quote marks kept only around OCR lines."""
    keep = {f"“{t}”" for t in lines} | {f'"{t}"' for t in lines}

    def unquote(match: re.Match) -> str:
        span = match.group(0)
        return span if span in keep else span[1:-1]

    text = QUOTED.sub(unquote, caption.strip())
    protected = QUOTED.findall(text)
    rest = QUOTED.sub("\x00", text)
    rest = "".join(c for c in rest if c not in QUOTE_CHARS)
    for span in protected:
        rest = rest.replace("\x00", span, 1)
    return rest


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def _groups(items: list[FoundText], width: int, height: int) -> list[tuple[tuple[str, str], list[FoundText]]]:
    """Lines grouped by their place on the 3x3 grid, in reading order of each place's first line."""
    groups: dict[tuple[str, str], list[FoundText]] = {}
    for item in items:
        groups.setdefault(position_name(item.bbox(), width, height), []).append(item)
    return list(groups.items())


def _join_zh(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "、".join(parts[:-1]) + "和" + parts[-1]


def _join_en(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def fused_captions(
    items: list[FoundText], original: str, width: int, height: int, rng: np.random.Generator
) -> dict[str, str]:
    """`zh`, `en`, `short_zh`, `short_en`; the detailed ones quote every kept line exactly."""
    texts = [t.text for t in items]
    original = clean_original(original, texts)
    lead_zh = original + ("" if not original or original[-1] in _END else "。") if original else ""
    lead_en = original + ("" if original[-1:] in _END else ".") if original and not _has_cjk(original) else ""
    if not items:
        return {
            "zh": lead_zh or "一张没有可辨认文字的图片。",
            "en": lead_en or "An image with no legible text.",
            "short_zh": lead_zh or "一张图片。",
            "short_en": lead_en or "An image.",
        }
    verb = ("写着", "印着", "写有")[int(rng.integers(3))]
    parts_zh, parts_en = [], []
    for (where_zh, where_en), group in _groups(items, width, height):
        vertical = all(t.direction == "ttb" for t in group)
        parts_zh.append(
            f"{where_zh}{'竖排' if vertical else ''}{verb}{_join_zh([f'“{t.text}”' for t in group])}"
        )
        quoted = _join_en([f'"{t.text}"' for t in group])
        parts_en.append(f"{quoted}{' (vertical)' if vertical else ''} {where_en}")
    head_zh = ("画面", "图片")[int(rng.integers(2))]
    zh = lead_zh + head_zh + "，".join(parts_zh) + "。"
    head_en = ("The image shows the text", "Visible text:", "The text reads")[int(rng.integers(3))]
    en = (lead_en + " " if lead_en else "") + f"{head_en} {'; '.join(parts_en)}."
    primary = items[primary_index(items)].text
    more = len(items) > 1
    short_zh = (
        f"写着“{primary}”{'等文字' if more else ''}的图片。",
        f"图中写着“{primary}”{'等字样' if more else ''}。",
    )[int(rng.integers(2))]
    short_en = f'An image with the text "{primary}"{" among other text" if more else ""}.'
    return {"zh": zh, "en": en, "short_zh": short_zh, "short_en": short_en}
