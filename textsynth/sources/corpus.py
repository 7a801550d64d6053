"""The word list: building it from jieba's dictionary, loading it, and drawing words from it.

Two samplers: `primary_word` walks a seeded shuffled cycle so every word is the main text at
least once per `len(corpus)` samples; `weighted_word` draws by frequency for secondary text.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from textsynth.errors import TextsynthError, expected
from textsynth.resources import CORPORA_DIR
from textsynth.sources.charsets import gb2312_rows

DEFAULT_WORDS_PATH = CORPORA_DIR / "words_50k.tsv"
TSV_HEADER = "rank\tword\tfreq"
# CJK Extension A and the URO; other blocks (compatibility, Ext B+) are mostly absent from fonts.
CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))
GB2312_HANZI_COUNT = 6763
# "corp" in ASCII: keeps the cycle's stream apart from any other use of the same seed.
_CYCLE_SALT = 0x636F7270


def is_cjk_ideograph(ch: str) -> bool:
    """True for a character in CJK Unified Ideographs or Extension A."""
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in CJK_RANGES)


def is_gb2312_hanzi(ch: str) -> bool:
    """True for one of GB2312's 6,763 level-1/level-2 hanzi (rows 0xB0-0xF7)."""
    try:
        encoded = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and 0xB0 <= encoded[0] <= 0xF7


@functools.cache
def gb2312_hanzi() -> frozenset[str]:
    """GB2312's 6,763 hanzi, decoded once from the codec's rows 0xB0-0xF7."""
    return frozenset(gb2312_rows(0xB0, 0xF7))


def keep_word(word: str) -> bool:
    """The list's rule: every character is a CJK ideograph and one of GB2312's hanzi."""
    allowed = gb2312_hanzi()
    return bool(word) and all(ch in allowed and is_cjk_ideograph(ch) for ch in word)


def corpus_stats(words: Sequence[str]) -> dict:
    """Counts a user cares about: words by length, unique characters, GB2312 coverage."""
    chars = {ch for word in words for ch in word}
    by_length = Counter(len(word) for word in words)
    gb = sum(1 for ch in chars if is_gb2312_hanzi(ch))
    return {
        "words": len(words),
        "by_length": dict(sorted(by_length.items())),
        "unique_chars": len(chars),
        "gb2312_covered": gb,
        "gb2312_total": GB2312_HANZI_COUNT,
        "non_cjk_words": sum(1 for word in words if not all(is_cjk_ideograph(ch) for ch in word)),
    }


class Corpus:
    """A list of unique words with frequencies, and the two ways templates draw from it."""

    def __init__(self, words: list[str], freqs: np.ndarray, source: str = "<words>") -> None:
        self.words = words
        self.freqs = freqs
        self.source = source
        self._cycle_key: tuple[int, int] | None = None
        self._cycle_perm: np.ndarray | None = None
        self._cdfs: dict[float, np.ndarray] = {}

    @classmethod
    def from_words(
        cls, words: Sequence[str], freqs: Sequence[float] | np.ndarray | None = None, source: str = "<words>"
    ) -> Corpus:
        """Build from a word list (frequencies default to 1, i.e. uniform weighted draws)."""
        words = list(words)
        if not words:
            raise TextsynthError(f"{source}: the corpus is empty; give at least one word")
        seen: dict[str, int] = {}
        for i, word in enumerate(words):
            if not isinstance(word, str) or not word.strip() or word != word.strip():
                valid = "a non-empty string without surrounding spaces"
                raise expected(f"word #{i + 1}", word, valid, source)
            if word in seen:
                first = seen[word] + 1
                raise TextsynthError(f"{source}: word {word!r} appears twice (#{first} and #{i + 1})")
            seen[word] = i
        weights = np.ones(len(words)) if freqs is None else np.asarray(freqs, dtype=np.float64)
        if weights.shape != (len(words),):
            raise expected("freqs", f"{weights.shape[0]} values", f"one per word ({len(words)})", source)
        if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise TextsynthError(f"{source}: freqs must be finite, >= 0, and not all zero")
        return cls(words, weights, source)

    @classmethod
    def load(cls, path: Path | None = None) -> Corpus:
        """Read a TSV with a header naming a `word` column (and optionally `freq`), or one word per line."""
        path = Path(path) if path is not None else DEFAULT_WORDS_PATH
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as err:
            raise TextsynthError(f"{path}: corpus file not found") from err
        except IsADirectoryError as err:
            raise TextsynthError(f"{path}: is a directory; give a word list file (.tsv or .txt)") from err
        except UnicodeDecodeError as err:
            message = f"{path}: not UTF-8 text (byte {err.start}); save the word list as UTF-8"
            raise TextsynthError(message) from err
        except OSError as err:
            raise TextsynthError(f"{path}: cannot read corpus ({err.strerror})") from err
        lines = text.removeprefix("\ufeff").splitlines()
        header = lines[0].split("\t") if lines else []
        if "word" in header:
            words, freqs = _parse_tsv(lines, header, path)
        else:
            words, freqs = _parse_plain(lines, path)
        return cls.from_words(words, freqs, source=str(path))

    def __len__(self) -> int:
        return len(self.words)

    def characters(self) -> set[str]:
        """Every character used by some word of the list."""
        return {ch for word in self.words for ch in word}

    def primary_word(self, seed: int, index: int) -> str:
        """The word for sample `index`: epoch `index // len` is a seeded permutation of all words."""
        if index < 0:
            raise ValueError(f"sample index must be >= 0, got {index}")
        epoch, position = divmod(int(index), len(self.words))
        key = (int(seed), epoch)
        if self._cycle_key != key:
            rng = np.random.default_rng(np.random.SeedSequence([int(seed), epoch, _CYCLE_SALT]))
            self._cycle_perm = rng.permutation(len(self.words))
            self._cycle_key = key
        return self.words[int(self._cycle_perm[position])]

    def weighted_word(self, rng: np.random.Generator, alpha: float = 0.5) -> str:
        """A word drawn with probability proportional to freq**alpha (0 → uniform, 1 → raw frequency)."""
        cdf = self._cdfs.get(alpha)
        if cdf is None:
            if not math.isfinite(alpha) or alpha < 0:
                raise expected("alpha", alpha, "a finite number >= 0")
            weights = np.where(self.freqs > 0, self.freqs**alpha, 0.0)
            cdf = self._cdfs[alpha] = np.cumsum(weights)
        # side="right" never lands on a zero-weight word; min() guards u*total rounding up to total.
        index = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
        return self.words[min(index, len(self.words) - 1)]


def _parse_tsv(lines: list[str], header: list[str], path: Path) -> tuple[list[str], list[float] | None]:
    """Rows of a header TSV; errors name the file and line."""
    word_col = header.index("word")
    freq_col = header.index("freq") if "freq" in header else None
    rows: list[tuple[int, str]] = []
    freqs: list[float] = []
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        where = f"{path}, line {lineno}"
        fields = line.split("\t")
        if len(fields) != len(header):
            raise expected("the row", line, f"{len(header)} tab-separated fields ({'/'.join(header)})", where)
        rows.append((lineno, fields[word_col].strip()))
        if freq_col is not None:
            try:
                freq = float(fields[freq_col])
            except ValueError:
                raise expected("freq", fields[freq_col], "a number", where) from None
            if not math.isfinite(freq) or freq < 0:
                raise expected("freq", fields[freq_col], "a finite number >= 0", where)
            freqs.append(freq)
    return _check_words(rows, path), freqs if freq_col is not None else None


def _parse_plain(lines: list[str], path: Path) -> tuple[list[str], None]:
    """One word per line; blank lines are skipped, surrounding whitespace trimmed."""
    rows: list[tuple[int, str]] = []
    for lineno, line in enumerate(lines, start=1):
        if "\t" in line:
            raise TextsynthError(
                f"{path}, line {lineno}: a tab, but the file has no header naming a 'word' column; "
                f"start it with a header like {TSV_HEADER!r}, or give one word per line"
            )
        if line.strip():
            rows.append((lineno, line.strip()))
    return _check_words(rows, path), None


def _check_words(rows: list[tuple[int, str]], path: Path) -> list[str]:
    """Empty or duplicate words would break the coverage cycle; report them by line."""
    first_line: dict[str, int] = {}
    for lineno, word in rows:
        if not word:
            raise TextsynthError(f"{path}, line {lineno}: the word is empty")
        if word in first_line:
            raise TextsynthError(
                f"{path}, line {lineno}: word {word!r} already appeared on line {first_line[word]}; "
                "each word may appear once"
            )
        first_line[word] = lineno
    if not rows:
        valid = "give one word per line or a TSV with a 'word' column"
        raise TextsynthError(f"{path}: no words in the file; {valid}")
    return [word for _, word in rows]
