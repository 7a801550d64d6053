"""Text-editing pairs (SRNet style): the same scene with another word in the primary text's place.

Only the primary word changes: same font, size, box, style, background, decorations, geometry and
effects (their parameters, noise seeds included), so the two images differ only where the text is.
The other word has as many characters and is covered by the same font, so it fills the same box.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from textsynth.rng import sample_rng
from textsynth.scene import Scene

PAIR_STREAM = 1 << 20  # Generator stream for the pair's word, far from the resample streams 1, 2, ...
TRIES = 64


@dataclass
class PairEdit:
    scene: Scene  # the scene with the other word
    old_text: str  # the primary item's text before and after
    new_text: str


def pair_scene(scene: Scene, corpus, fonts, seed: int, index: int) -> PairEdit:
    """The scene again with another corpus word where the primary word is (deterministic per sample)."""
    edited = copy.deepcopy(scene)
    # a scene whose primary slot was dropped (it happens) swaps its first text; one without text, nothing
    item = next((t for t in edited.texts if t.primary), edited.texts[0] if edited.texts else None)
    if item is None:
        return PairEdit(edited, "", "")
    word = corpus.primary_word(seed, index) if item.primary else item.text
    start = item.text.find(word)
    if start < 0:  # the word was replaced (no font could set it): swap the whole text
        word, start = item.text, 0
    new = _other_word(corpus, fonts, item.font, word, sample_rng(seed, index, stream=PAIR_STREAM))
    old_text = item.text
    item.text = old_text[:start] + new + old_text[start + len(word) :]
    if len(new) == len(word):  # keep the line breaks where they were
        cuts, lines, at = [len(line) for line in item.lines], [], 0
        for n in cuts:
            lines.append(item.text[at : at + n])
            at += n
        item.lines = lines
    else:
        item.lines = [item.text]
        if item.char_scales:  # sizes stay per character: the new word takes the size the old one began with
            scales = item.char_scales
            item.char_scales = scales[:start] + [scales[start]] * len(new) + scales[start + len(word) :]
    return PairEdit(edited, old_text, item.text)


def _other_word(corpus, fonts, face_id: str, word: str, rng) -> str:
    """A different corpus word of the same length that the face covers (any length as a last resort)."""
    same = _by_length(corpus).get(len(word), [])
    for pool in (same, corpus.words):
        for _ in range(TRIES if pool else 0):
            candidate = pool[int(rng.integers(len(pool)))]
            if candidate != word and fonts.covers(face_id, candidate):
                return candidate
    return word


_LENGTHS: dict[tuple, dict[int, list[str]]] = {}


def _by_length(corpus) -> dict[int, list[str]]:
    key = (id(corpus), corpus.source, len(corpus))
    if key not in _LENGTHS:
        groups: dict[int, list[str]] = {}
        for w in corpus.words:
            groups.setdefault(len(w), []).append(w)
        _LENGTHS.clear()  # one corpus per worker
        _LENGTHS[key] = groups
    return _LENGTHS[key]
