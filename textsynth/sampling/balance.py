"""Character balance: secondary words chosen to carry characters that would otherwise be rarely seen.

`char_balance: {charset: gb2312, k: 3, per: 10000}` asks that every character of the set appear at
least k times per `per` samples. Which characters are under-exposed is worked out once, from the
corpus and the templates alone (the primary cycle shows each corpus word once per len(corpus)
samples; secondary words are drawn by frequency); each sample's targets are then a function of its
index only, so the output still depends on nothing but (seed, index). Targets go into the secondary
corpus-word draws of the sample (`word`, `words:N`, `{word}` after the cycle word), in an order
rotated per sample; a sample with fewer such draws than targets leaves the rest for other samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from textsynth.errors import TextsynthError
from textsynth.sources.charsets import charset
from textsynth.sources.corpus import Corpus
from textsynth.templates.schema import WORD_PLACEHOLDER, pattern_frames


@dataclass
class CharBalance:
    charset: str
    k: int
    per: int
    targets: tuple[str, ...]  # under-exposed characters that some corpus word carries, rarest first
    words_with: dict[str, tuple[str, ...]]  # character -> corpus words containing it
    per_sample: int  # targets handed to each sample
    secondary_draws: float  # expected secondary corpus-word draws per sample (from the templates)
    unreachable: tuple[str, ...]  # characters of the set that no corpus word carries

    def for_sample(self, index: int) -> list[str]:
        """The characters sample `index` should carry, in the order its draws take them."""
        if not self.targets or not self.per_sample:
            return []
        n, j = len(self.targets), index % self.per
        picks = [self.targets[(j + t * self.per) % n] for t in range(self.per_sample)]
        turn = index % len(picks)  # so no character always sits behind the others of its sample
        return picks[turn:] + picks[:turn]

    def word(self, char: str, rng: np.random.Generator) -> str:
        words = self.words_with[char]
        return words[int(rng.integers(len(words)))]


def _secondary_draws(source) -> float:
    """Expected corpus-word draws of a slot's text source, counting the primary cycle word too."""
    if not isinstance(source, str):
        return 0.0
    kind, _, arg = source.partition(":")
    if kind in ("word", "primary"):
        return 1.0
    if kind == "words":
        lo, _, hi = arg.partition("-")
        return (int(lo) + int(hi or lo)) / 2
    if kind == "pattern":
        frames = pattern_frames(arg)
        return sum(len(WORD_PLACEHOLDER.findall(frame)) for frame in frames) / len(frames)
    return 0.0


def expected_secondary_draws(templates, weights) -> float:
    total = 0.0
    for template, weight in zip(templates, weights, strict=True):
        slots = getattr(template, "slots", None) or []
        primary = template.primary_slot() if slots else None
        draws = sum(slot.p * (_secondary_draws(slot.text) - (slot is primary)) for slot in slots)
        total += float(weight) * max(draws, 0.0)
    return total


def build_balance(spec: dict, corpus: Corpus, templates, weights, alpha: float = 0.5) -> CharBalance:
    """Work out the targets of `spec` ({charset, k, per}) for this corpus and template mix."""
    name, k, per = spec.get("charset", "gb2312"), int(spec.get("k", 1)), int(spec.get("per", 50000))
    members = charset(name)
    wanted = set(members)
    words_with: dict[str, list[str]] = {}
    for word in corpus.words:
        for ch in set(word) & wanted:
            words_with.setdefault(ch, []).append(word)
    freqs = np.where(corpus.freqs > 0, corpus.freqs**alpha, 0.0)
    p_word = dict(zip(corpus.words, freqs / freqs.sum(), strict=True))
    draws = expected_secondary_draws(templates, weights)
    expected = {
        ch: per * len(ws) / len(corpus) + per * draws * sum(p_word[w] for w in ws)
        for ch, ws in words_with.items()
    }
    order = {ch: i for i, ch in enumerate(members)}
    targets = tuple(
        sorted((ch for ch, e in expected.items() if e < k), key=lambda ch: (expected[ch], order[ch]))
    )
    # at least what the schedule needs, and as many as a sample draws on average: spare draws give a
    # character a second chance in another sample when its first one had too few slots
    per_sample = max(math.ceil(k * len(targets) / per), min(8, round(draws))) if targets else 0
    if targets and draws * per < k * len(targets):
        need = math.ceil(k * len(targets) / draws) if draws > 1e-9 else None
        raise TextsynthError(
            f"char_balance: {len(targets)} characters of {name} need {k} more appearance(s) each per {per} samples, "
            f"but these templates draw only {draws:.2f} secondary corpus words per sample (word, words:N, "
            "{word} after the cycle word)"
            + (
                f"; use per >= {need}, or templates with more such slots"
                if need
                else "; nothing to balance with"
            )
        )
    return CharBalance(
        charset=name, k=k, per=per, targets=targets,
        words_with={ch: tuple(ws) for ch, ws in words_with.items()}, per_sample=per_sample,
        secondary_draws=round(draws, 3), unreachable=tuple(ch for ch in members if ch not in words_with),
    )  # fmt: skip
