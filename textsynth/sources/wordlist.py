"""The default word list: the most frequent modern Chinese words, from wordfreq, checked against jieba.

wordfreq's Chinese data (Wikipedia, subtitles, news, books, web, Twitter and jieba's word list,
segmented with jieba) gives the rank; the rules below drop what is not a word a sign or poster
would show. Every rule
works on wordfreq's integer centibel bins, so the list is the same on every machine for the same
wordfreq and jieba versions. Also here: ranking the words of a user's own text, and reading a
ready-made list.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from textsynth.errors import TextsynthError, expected
from textsynth.sources.blocklist import is_blocked, load_blocklist
from textsynth.sources.corpus import TSV_HEADER, gb2312_hanzi

WORDFREQ_LIST = "large"  # wordfreq's 'large' zh list: 334,609 tokens down to 1 per 100 million

# GB2312's level-1/2 hanzi that are not in the 通用规范汉字表 (Unihan kTGH, Unicode 15): radicals
# used as components (亻 氵 扌), traditional or variant forms (後 馀 拚 捱 砦 菸) and a vulgar one
# (嬲). tests/test_wordlist.py checks the string against Debian's unicode-data when installed.
GB2312_NOT_TGH = (
    "丌丨丬丶丿乇亠亻佧冂冖冫凵刂勹匚卩厶咭哜囗囝坶垅堀夂嬲宀屮巛庀廴廾弪彐彡後忄憝扌拚挢捱揎揞揲搿"
    "摺擗攴攵朊楱榀榘欷氵氽沲泶渖灬熳犭猓猸甙疋疒痖矽砦砩硷磺礤礻窆箝簦糸纟缋缍缏肀肜膣膪臁舡舨"
    "艹茇菸虍蚵螓蟓蠛衤謦讠诶谘跫軎辶醣钅钶钸镙镟阝阢飚饣馀髟鲶鳆鳋麴齄"
)

# The rules' thresholds, in centibels (100 cB = a factor of 10 in frequency). Chosen on the
# measurements in corpora/README.md; changing one changes the shipped list.
CONTAINED_CB = 60  # fragment: a longer token containing the word is >= 10**0.6 ≈ 4x as frequent
ASSOC_NEW_CB = 200  # a token jieba's dictionary lacks must be >= 100x as frequent as its parts by chance
ASSOC_DICT_CB = 0  # a dictionary word must be at least as frequent as its parts by chance
BOUND_JIEBA_COUNT = 300  # a lone character jieba counts fewer times as a word may be a bound morpheme
MISSING_BIN = 900  # a part that is no token at all counts as 1 per billion, below every listed word

# Taiwan-style spellings whose mainland form is a separate, more frequent token (沿著 → 沿着).
VARIANT_CHARS = {"著": "着", "於": "于", "麽": "么", "乾": "干", "祇": "只", "裏": "里"}


@dataclass(frozen=True)
class Selection:
    """The ranked words, and how many candidates each rule removed (for the build summary)."""

    entries: list[tuple[str, int]]
    removed: dict[str, int] = field(default_factory=dict)
    last_bin: int = 0


@functools.cache
def allowed_chars() -> frozenset[str]:
    """The 6,638 characters a word may use: in GB2312 and in the 通用规范汉字表."""
    return gb2312_hanzi() - frozenset(GB2312_NOT_TGH)


def chars_ok(word: str) -> bool:
    """The character rule: a non-empty word made only of `allowed_chars`."""
    allowed = allowed_chars()
    return bool(word) and all(ch in allowed for ch in word)


@functools.cache
def wordfreq_bins() -> dict[str, int]:
    """Every zh token of wordfreq's 'large' list -> its bin: frequency = 10 ** (-bin / 100)."""
    try:
        import wordfreq
    except ImportError as err:
        raise TextsynthError(
            "building the word list needs wordfreq: pip install 'textsynth[corpus]' (wordfreq==3.1.1)"
        ) from err
    bins: dict[str, int] = {}
    for index, words in enumerate(wordfreq.get_frequency_list("zh", WORDFREQ_LIST)):
        for word in words:
            bins.setdefault(word, index)
    return bins


@functools.cache
def jieba_counts() -> dict[str, int]:
    """jieba's bundled dictionary: word -> count (the larger one if a word is listed twice)."""
    path = Path(str(importlib.resources.files("jieba").joinpath("dict.txt")))
    counts: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 2:
                counts[parts[0]] = max(int(parts[1]), counts.get(parts[0], 0))
    return counts


def per_billion(bin_index: int) -> int:
    """A bin as occurrences per billion tokens, the list's `freq` column."""
    return round(10 ** (9 - bin_index / 100))


def association(word: str, bins: dict[str, int]) -> int:
    """How much more often the word occurs than its two parts would meet by chance, in cB.

    The minimum over every split point of log10(f(word) / (f(left) * f(right))) * 100: a free
    combination of frequent words (我刚, 而能, 这名) scores low, a lexical word (微信, 现在) high.
    """
    own = bins[word]
    return min(
        bins.get(word[:k], MISSING_BIN) + bins.get(word[k:], MISSING_BIN) - own for k in range(1, len(word))
    )


def contained_in_frequent(candidates: Iterable[str], bins: dict[str, int]) -> dict[str, str]:
    """Candidates that a longer token containing them outnumbers by CONTAINED_CB or more.

    Such a word is mostly seen as part of the longer one (俄罗 in 俄罗斯, 武则 in 武则天); its own
    count comes from texts where the segmenter split the longer word.
    """
    wanted = {word: bins[word] for word in candidates if len(word) > 1}
    found: dict[str, str] = {}
    longest = max(map(len, wanted), default=0)
    for container, cbin in bins.items():
        size = len(container)
        if size < 3:
            continue
        for start in range(size):
            for end in range(start + 2, min(size, start + longest) + 1):
                if end - start == size:
                    continue
                part = container[start:end]
                pbin = wanted.get(part)
                if pbin is not None and pbin - cbin >= CONTAINED_CB:
                    best = found.get(part)
                    if best is None or (cbin, container) < (bins[best], best):
                        found[part] = container
    return found


def bound_characters(bins: dict[str, int], jieba: dict[str, int]) -> frozenset[str]:
    """Single characters that occur mostly inside words (措 in 措施, 苹 in 苹果), not as words.

    Both tests must hold: jieba's dictionary counts the character as a word fewer than
    BOUND_JIEBA_COUNT times, and some longer wordfreq token containing it is at least as frequent.
    (The jieba test alone would also drop 锆, 鲈, 嗲 and 295 characters from the list's coverage.)
    """
    best: dict[str, int] = {}
    for token, tbin in bins.items():
        if len(token) > 1:
            for ch in token:
                if tbin < best.get(ch, MISSING_BIN):
                    best[ch] = tbin
    return frozenset(
        ch
        for ch, cbin in bins.items()
        if len(ch) == 1 and jieba.get(ch, 0) < BOUND_JIEBA_COUNT and best.get(ch, MISSING_BIN) <= cbin
    )


def variant_of(word: str, bins: dict[str, int]) -> str | None:
    """The mainland spelling of a Taiwan-style word when that spelling is a more frequent token."""
    mainland = word.translate(str.maketrans(VARIANT_CHARS))
    if mainland != word and mainland in bins and bins[mainland] <= bins[word]:
        return mainland
    return None


def select_words(n: int = 50000, blocklist: frozenset[str] | None = None) -> Selection:
    """The top-n words after every rule, and the count each rule removed (blocklist included).

    `blocklist` None means the shipped corpora/blocklist.txt; pass frozenset() for none.
    """
    if n < 1:
        raise expected("--n", n, "a positive number of words")
    if blocklist is None:
        blocklist = load_blocklist()
    bins = wordfreq_bins()
    jieba = jieba_counts()
    order = sorted(bins, key=lambda w: (bins[w], -jieba.get(w, 0), w))
    removed: Counter[str] = Counter()
    pool = [w for w in order if chars_ok(w)]
    removed["characters"] = len(order) - len(pool)
    # Rules that look at other tokens run on a generous head of the pool, not all 300k tokens.
    head = pool[: n * 2]
    fragments = set(contained_in_frequent(head, bins))
    mangled = simplification_artifacts(jieba)
    bound = bound_characters(bins, jieba)
    passing: list[str] = []
    for word in head:
        reason = _rejection(word, bins, jieba, fragments | bound, mangled, blocklist)
        if reason is None:
            passing.append(word)
        elif len(passing) < n:
            removed[reason] += 1
    if len(passing) < n:
        raise expected(
            "--n", n, f"at most {len(passing)} (the words of wordfreq's zh list that pass the rules)"
        )
    words = passing[:n]
    fills = _coverage_fills(words, passing[n:])
    removed["replaced for coverage"] = len(fills)
    rank = {word: i for i, word in enumerate(passing)}
    kept = sorted(_drop_tail(words, len(fills)) + fills, key=rank.__getitem__)
    entries = [(word, per_billion(bins[word])) for word in kept]
    return Selection(entries, dict(removed), bins[words[-1]])


def _rejection(
    word: str,
    bins: dict[str, int],
    jieba: dict[str, int],
    fragments: set[str] | frozenset[str],
    mangled: frozenset[str],
    blocklist: frozenset[str],
) -> str | None:
    """The first rule a candidate fails, or None when it is kept."""
    if word in fragments:
        return "fragment" if len(word) > 1 else "bound character"
    if len(word) > 1:
        floor = ASSOC_DICT_CB if word in jieba else ASSOC_NEW_CB
        if association(word, bins) < floor:
            return "free combination"
        if word in mangled or variant_of(word, bins):
            return "variant spelling"
    if is_blocked(word, blocklist):
        return "blocklist"
    return None


@functools.cache
def gb2312_level1() -> frozenset[str]:
    """GB2312's 3,755 level-1 (most common) hanzi, rows 0xB0-0xD7, that `chars_ok` allows."""
    return frozenset(ch for ch in gb2312_hanzi() if 0xB0 <= ch.encode("gb2312")[0] <= 0xD7) & allowed_chars()


def _coverage_fills(words: list[str], rest: list[str]) -> list[str]:
    """For each level-1 hanzi no word uses, the most frequent passing word beyond the cut that has it.

    A word of two or more characters is preferred: a lone 谆 or 毖 is a bound morpheme, not a word.
    """
    wanted = gb2312_level1() - {ch for word in words for ch in word}
    fills = []
    for longer in (True, False):
        for word in rest:
            if (len(word) > 1) == longer and wanted.intersection(word):
                fills.append(word)
                wanted -= set(word)
    return fills


def _drop_tail(words: list[str], count: int) -> list[str]:
    """`words` less its last `count` entries, skipping any that is the only one with some character."""
    uses = Counter(ch for word in words for ch in set(word))
    dropped: set[str] = set()
    for word in reversed(words):
        if len(dropped) == count:
            break
        if all(uses[ch] > 1 for ch in set(word)):
            dropped.add(word)
            uses.subtract(set(word))
    return [word for word in words if word not in dropped]


def simplification_artifacts(jieba: dict[str, int]) -> frozenset[str]:
    """Tokens that wordfreq's character-by-character simplification made from a dictionary word.

    乾隆 becomes 干隆 and 哪吒 becomes 哪咤: the result is not in jieba's dictionary, the source is.
    """
    from wordfreq.chinese import simplify_chinese

    return frozenset(
        simple
        for word in jieba
        if (simple := simplify_chinese(word)) != word.casefold() and simple not in jieba
    )


def build_word_list(n: int = 50000, blocklist: frozenset[str] | None = None) -> list[tuple[str, int]]:
    """The default list: (word, occurrences per billion), most frequent first."""
    return select_words(n, blocklist).entries


def select_text_words(
    paths: Sequence[Path | str], n: int, blocklist: frozenset[str] | None = None
) -> Selection:
    """The n most frequent words of users' own UTF-8 texts (jieba), and how many were blocked."""
    import jieba

    if n < 1:
        raise expected("--n", n, "a positive number of words")
    if blocklist is None:
        blocklist = load_blocklist()
    tokenizer = jieba.Tokenizer()  # its own instance: the global one may carry a user dictionary
    counts: Counter[str] = Counter()
    for path in paths:
        text = _read_text(Path(path), "text file")
        counts.update(tok for tok in tokenizer.lcut(text) if _is_word(tok))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept = [(word, count) for word, count in ranked if not is_blocked(word, blocklist)]
    if not kept:
        raise TextsynthError(f"{', '.join(map(str, paths))}: no Chinese words found in the text")
    return Selection(kept[:n], {"blocklist": len(ranked) - len(kept)}, 0)


def rank_text_files(
    paths: Sequence[Path | str], n: int, blocklist: frozenset[str] | None = None
) -> list[tuple[str, int]]:
    """The n most frequent words of users' own texts, segmented by jieba: (word, count)."""
    return select_text_words(paths, n, blocklist).entries


def apply_blocklist(
    words: Iterable[str], blocklist: frozenset[str] | None = None
) -> tuple[list[str], list[str]]:
    """Split a ready list into (kept, removed) words; order kept. None means the shipped blocklist."""
    if blocklist is None:
        blocklist = load_blocklist()
    kept: list[str] = []
    removed: list[str] = []
    for word in words:
        (removed if is_blocked(word, blocklist) else kept).append(word)
    return kept, removed


def read_word_file(path: Path | str) -> list[str]:
    """A ready list: one word per line, or a TSV whose header has a `word` column; order kept."""
    path = Path(path)
    lines = _read_text(path, "word list").removeprefix("\ufeff").splitlines()
    header = lines[0].split("\t") if lines else []
    column = header.index("word") if "word" in header else None
    words: list[str] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(lines, start=1):
        if column is not None and lineno == 1:
            continue
        fields = line.split("\t")
        if column is None and len(fields) > 1:
            raise TextsynthError(
                f"{path}, line {lineno}: a tab, but the file has no header naming a 'word' column; "
                f"start it with a header like {TSV_HEADER!r}, or give one word per line"
            )
        word = fields[column].strip() if column is not None and column < len(fields) else line.strip()
        if not word:
            continue
        if word in seen:
            raise TextsynthError(
                f"{path}, line {lineno}: word {word!r} already appeared on line {seen[word]}"
            )
        seen[word] = lineno
        words.append(word)
    if not words:
        raise TextsynthError(
            f"{path}: no words in the file; give one word per line or a TSV with a 'word' column"
        )
    return words


def format_word_list(entries: Iterable[tuple[str, int]]) -> bytes:
    """The TSV's exact bytes: header `rank\\tword\\tfreq`, 1-based ranks, UTF-8, LF, final newline."""
    lines = [TSV_HEADER, *(f"{rank}\t{word}\t{freq}" for rank, (word, freq) in enumerate(entries, start=1))]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_word_list(entries: Iterable[tuple[str, int]], path: Path | str) -> str:
    """Write the TSV and return its sha256 hex digest."""
    data = format_word_list(entries)
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as err:
        raise TextsynthError(f"{path}: cannot write the word list ({err.strerror})") from err
    return hashlib.sha256(data).hexdigest()


def _is_word(token: str) -> bool:
    """A token of user text worth listing: Chinese characters only (no punctuation, digits, Latin)."""
    return bool(token) and all("\u3400" <= ch <= "\u4dbf" or "\u4e00" <= ch <= "\u9fff" for ch in token)


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise TextsynthError(f"{path}: {what} not found") from err
    except IsADirectoryError as err:
        raise TextsynthError(f"{path}: is a directory; give a {what}") from err
    except UnicodeDecodeError as err:
        raise TextsynthError(f"{path}: not UTF-8 text (byte {err.start}); save the {what} as UTF-8") from err
    except OSError as err:
        raise TextsynthError(f"{path}: cannot read the {what} ({err.strerror})") from err
