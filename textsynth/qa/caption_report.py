"""Caption quality from the records alone: how long, how complete, how faithful, how neutral.

Each caption is checked against its own Scene (the KEY.json `scene`): which rendered
texts and scene elements (subject, background, effects) it mentions, what it mentions
that is not there or not so (hallucination: a text, an effect, or a position or colour that the
text's final polygon or drawn colours contradict), and subjective words. Diversity counts the
distinct sentence skeletons (quoted text, colours, positions and numbers masked) over a set. Raw figures come with a 1-5
score each, in the spirit of caption-quality rubrics for text-to-image data (5 = best;
the mapping is ours and is written out in SCALES).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from textsynth.errors import TextsynthError
from textsynth.qa.caption_claims import COLOR_WORDS, POSITION_WORDS, claims, wrong_claims

# Effect name -> words that say it, per language; a caption using them claims the effect.
EFFECT_WORDS = {
    "zh": {
        "perspective": ("透视",), "rotation": ("旋转",), "directional_light": ("光线",), "vignette": ("暗角",),
        "highlight": ("高光",), "cast_shadow": ("投影",), "color_cast": ("色偏", "色调偏"), "noise": ("噪点",),
        "blur": ("模糊",),
    },
    "en": {
        "perspective": ("at an angle",), "rotation": ("rotated",), "directional_light": ("lit from",),
        "vignette": ("vignette",), "highlight": ("highlight",), "cast_shadow": ("shadow cast",),
        "color_cast": ("color cast",), "noise": ("noise",), "blur": ("blur",),
    },
}  # fmt: skip
SUBJECTIVE = {
    "zh": ("美丽", "漂亮", "精美", "好看", "迷人", "令人", "惊艳", "完美", "优雅", "绝美", "震撼", "温馨",
           "赏心悦目", "非常", "十分", "极其", "最好", "独特", "高级感", "大气"),
    "en": ("beautiful", "stunning", "amazing", "gorgeous", "lovely", "elegant", "perfect", "breathtaking",
           "nice", "very", "awesome", "wonderful", "striking", "best", "unique"),
}  # fmt: skip
QUOTES = {"zh": re.compile(r"“([^”]*)”"), "en": re.compile(r"\"([^\"]*)\"")}
SCALES = {
    "length": "zh characters (en words x 2): <15 -> 1, <30 -> 2, <60 -> 3, <120 -> 4, else 5",
    "completeness": "1 + 4 x share of texts and scene elements mentioned, rounded",
    "relevance": "1 + 4 x share of mentioned things that are in the scene, rounded",
    "hallucination": "5 - number of things mentioned that are not in the scene (or not where/what colour "
    "the caption says), at least 1",
    "subjectivity": "5 - number of subjective words, at least 1",
}


@dataclass
class CaptionScore:
    """Raw figures and 1-5 scores for one caption."""

    key: str
    caption: str
    lang: str
    length: int
    completeness: float
    relevance: float
    hallucinations: list[str]
    subjective: list[str]
    missing: list[str]
    scores: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _scale_share(share: float) -> int:
    return round(1 + 4 * share)


def _length_score(length: float) -> int:
    return 1 + sum(length >= edge for edge in (15, 30, 60, 120))


def scene_elements(scene: dict[str, Any], lang: str) -> dict[str, tuple[str, ...]]:
    """The non-text things a caption may mention, each with the words that would mention it."""
    from textsynth.components.backgrounds import describe_background
    from textsynth.scene import Layer

    elements: dict[str, tuple[str, ...]] = {}
    subject = scene.get("subject", {}).get(lang, "")
    if lang == "en":
        subject = re.sub(r"^(a|an|the) ", "", subject.strip(), flags=re.I)
    if subject:
        elements["subject"] = (subject,)
    if "background" in scene:  # a recaptioned real image has only its texts
        zh, en = describe_background(Layer(**scene["background"]))
        phrase = zh.removesuffix("背景") if lang == "zh" else re.sub(r"^(a|an) | background$", "", en)
        if phrase:
            elements["background"] = (phrase,)
    for layer in (*scene.get("geometry", []), *scene.get("effects", [])):
        if layer["name"] in EFFECT_WORDS[lang]:
            elements[f"effect:{layer['name']}"] = EFFECT_WORDS[lang][layer["name"]]
    return elements


def score_caption(caption: str, record: dict[str, Any], lang: str = "zh") -> CaptionScore:
    """Score one caption against its sample's scene."""
    from textsynth.io.reader import scene_of

    scene = scene_of(record) if "scene" in record else {"texts": record.get("texts", [])}
    texts = [t["text"] for t in scene.get("texts", []) if t["text"].strip()]
    quoted = QUOTES[lang].findall(caption)
    # what the caption says in its own words: quoted text may contain any word
    folded = QUOTES[lang].sub(" ", caption)
    folded = folded.lower() if lang == "en" else folded
    mentioned_texts = [t for t in texts if t in quoted or f"“{t}”" in caption or f'"{t}"' in caption]
    elements = scene_elements(scene, lang)
    mentioned_elements = [name for name, words in elements.items() if any(w.lower() in folded for w in words)]
    hallucinations = [f"text “{q}”" for q in quoted if q not in texts]
    said = claims(caption, lang)
    hallucinations += wrong_claims(caption, record, lang)
    present = {layer["name"] for layer in (*scene.get("geometry", []), *scene.get("effects", []))}
    for name, words in EFFECT_WORDS[lang].items():
        if name not in present and any(w in folded for w in words):
            hallucinations.append(f"effect {name}")
    subjective = [
        w for w in SUBJECTIVE[lang] if (w in folded if lang == "zh" else re.search(rf"\b{w}\b", folded))
    ]
    wanted = len(texts) + len(elements)
    completeness = (len(mentioned_texts) + len(mentioned_elements)) / wanted if wanted else 1.0
    n_claims = (
        len(quoted)
        + len(mentioned_elements)
        + sum(len(c.positions) + len(c.colors) for c in said)
        + sum(h.startswith("effect") for h in hallucinations)
    )
    relevance = 1.0 - len(hallucinations) / n_claims if n_claims else 1.0
    length = len(caption) if lang == "zh" else len(caption.split())
    missing = [f"text “{t}”" for t in texts if t not in mentioned_texts] + [
        name for name in elements if name not in mentioned_elements
    ]
    scores = {
        "length": _length_score(length if lang == "zh" else length * 2),
        "completeness": _scale_share(completeness),
        "relevance": _scale_share(max(relevance, 0.0)),
        "hallucination": max(1, 5 - len(hallucinations)),
        "subjectivity": max(1, 5 - len(subjective)),
    }
    return CaptionScore(
        key=record.get("key", ""), caption=caption, lang=lang, length=length, completeness=round(completeness, 4),
        relevance=round(max(relevance, 0.0), 4), hallucinations=hallucinations, subjective=subjective,
        missing=missing, scores=scores,
    )  # fmt: skip


def caption_report(
    folder: str | Path, lang: str = "zh", samples: int | None = None, field: str | None = None
):
    """Score every caption (`captions[field or lang]`) of a folder: per caption and averaged."""
    from textsynth.io.reader import iter_records

    rows = []
    for record in iter_records(folder, samples):
        caption = record.get("captions", {}).get(field or lang)
        if caption is None:
            raise TextsynthError(f"sample {record.get('key')}: no captions.{field or lang} in its record")
        rows.append(score_caption(caption, record, lang))
    return rows, averages(rows)


def averages(rows: list[CaptionScore]) -> dict[str, Any]:
    if not rows:
        return {"n": 0}
    out: dict[str, Any] = {"n": len(rows)}
    for name in ("length", "completeness", "relevance"):
        out[name] = round(float(np.mean([getattr(r, name) for r in rows])), 4)
    out["hallucinations"] = round(float(np.mean([len(r.hallucinations) for r in rows])), 4)
    out["subjective"] = round(float(np.mean([len(r.subjective) for r in rows])), 4)
    out["wrong_positions"] = sum(h.startswith("position") for r in rows for h in r.hallucinations)
    out["wrong_colors"] = sum(h.startswith("colour") for r in rows for h in r.hallucinations)
    out["captions_with_hallucinations"] = round(float(np.mean([bool(r.hallucinations) for r in rows])), 4)
    out["diversity"] = diversity([r.caption for r in rows], rows[0].lang)
    out["scores"] = {k: round(float(np.mean([r.scores[k] for r in rows])), 3) for k in SCALES}
    return out


_NUMBER = re.compile(r"\d+")
# size and font words vary with the item, not with the phrasing
_LOOK_WORDS = {
    "zh": ("大号", "中号", "小号", "黑体", "宋体", "楷体", "手写体", "艺术字", "毛笔字", "仿宋体", "隶书"),
    "en": ("large", "medium-sized", "small", "sans-serif", "serif", "regular-script", "handwritten-style",
           "decorative display", "brush-calligraphy", "fangsong", "clerical-script"),
}  # fmt: skip


def skeleton(sentence: str, lang: str) -> str:
    """A sentence with its quoted text, colours, positions and numbers masked: its phrasing alone."""
    from textsynth.qa.caption_claims import _alternation

    out = QUOTES[lang].sub("Q", sentence)
    out = _alternation(POSITION_WORDS[lang], lang).sub("P", out)
    out = _alternation(COLOR_WORDS[lang], lang).sub("C", out)
    out = _alternation(_LOOK_WORDS[lang], lang).sub("L", out)
    return _NUMBER.sub("N", out).strip()


def _sentences(caption: str, lang: str) -> list[str]:
    masked = QUOTES[lang].sub("Q", caption)
    parts = re.split(r"(?<=[。！？])|\n" if lang == "zh" else r"(?<=[.!?])\s+|\n", masked)
    return [p.strip() for p in parts if p and p.strip()]


def diversity(captions: list[str], lang: str) -> dict[str, Any]:
    """Distinct skeletons over a set of captions: of whole captions, and of their sentences."""
    whole = {skeleton(c, lang) for c in captions}
    sentences = [skeleton(s, lang) for c in captions for s in _sentences(c, lang)]
    return {
        "captions": len(captions),
        "distinct_caption_skeletons": len(whole),
        "sentences": len(sentences),
        "distinct_sentence_skeletons": len(set(sentences)),
        "distinct_sentence_share": round(len(set(sentences)) / len(sentences), 4) if sentences else 0.0,
    }
