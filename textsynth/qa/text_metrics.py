"""Text-rendering scores as the AnyText benchmark defines them, plus character precision/recall.

AnyText (Tuo et al., 2023, "AnyText: Multilingual Visual Text Generation and Editing",
eval/eval_dgocr.py): sentence accuracy is an exact match of the OCR string and the target;
NED is 1 - Levenshtein(pred, target) / max(len(pred), len(target)). We remove whitespace
from both sides first, since OCR spacing in Chinese is noise.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass


def _clean(text: str) -> str:
    return "".join(text.split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions each cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def edit_similarity(pred: str, target: str) -> float:
    """AnyText's "NED", a similarity: 1 - normalised edit distance; 1 = identical, 0 = nothing in common."""
    pred, target = _clean(pred), _clean(target)
    longest = max(len(pred), len(target))
    if longest == 0:
        return 1.0
    return 1.0 - edit_distance(pred, target) / longest


def sentence_correct(pred: str, target: str) -> bool:
    """AnyText's sentence accuracy for one image: the whole string read back exactly."""
    return _clean(pred) == _clean(target)


@dataclass(frozen=True)
class TextScore:
    """Scores of one OCR reading against its target text."""

    target: str
    pred: str
    sentence_correct: bool
    ned: float  # AnyText's column name for edit_similarity (higher is better), kept for metrics.json
    char_hits: int  # multiset intersection of characters
    pred_chars: int
    target_chars: int

    def to_json(self) -> dict:
        return asdict(self)


def score_text(pred: str, target: str) -> TextScore:
    """Score one OCR reading; character hits count each target character at most as often as it occurs."""
    p, t = _clean(pred), _clean(target)
    hits = sum((Counter(p) & Counter(t)).values())
    return TextScore(
        target=target,
        pred=pred,
        sentence_correct=p == t,
        ned=edit_similarity(p, t),
        char_hits=hits,
        pred_chars=len(p),
        target_chars=len(t),
    )


def aggregate(scores: list[TextScore]) -> dict[str, float]:
    """Benchmark numbers over a prompt set: means for accuracy/NED, micro-averaged char precision/recall."""
    if not scores:
        return {"n": 0, "sentence_accuracy": 0.0, "ned": 0.0, "char_precision": 0.0, "char_recall": 0.0}
    hits = sum(s.char_hits for s in scores)
    pred_chars = sum(s.pred_chars for s in scores)
    target_chars = sum(s.target_chars for s in scores)
    return {
        "n": len(scores),
        "sentence_accuracy": sum(s.sentence_correct for s in scores) / len(scores),
        "ned": sum(s.ned for s in scores) / len(scores),
        "char_precision": hits / pred_chars if pred_chars else 0.0,
        "char_recall": hits / target_chars if target_chars else 0.0,
    }
