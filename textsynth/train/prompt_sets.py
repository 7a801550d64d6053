"""Evaluation prompt sets: the shipped, versioned benchmark (train/prompts/*.jsonl) or a user's file.

A prompt set is fixed data, never derived from a run: every arm of an ablation is scored on the
same prompts, and `evaluate --compare` checks that by the set's sha256.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from textsynth.errors import TextsynthError

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
DEFAULT_BENCHMARK = "benchmark_v1"
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]+)[”\"」』]")
_HANZI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True)
class EvalPrompt:
    """One prompt and the lines a perfect image would show, in reading order."""

    id: str
    kind: str  # single, multiline, vertical (benchmark) or the file's own
    prompt: str
    lines: tuple[str, ...]
    vertical: bool = False
    split: str = ""  # "seen" / "unseen" (per character, against the training word list); "" = judge on load

    @property
    def target(self) -> str:
        return "".join(self.lines)

    def to_json(self) -> dict:
        return {**asdict(self), "lines": list(self.lines)}


@dataclass(frozen=True)
class PromptSet:
    """A named list of prompts; `sha256` identifies it exactly (ids, prompts, lines, layout)."""

    name: str
    prompts: list[EvalPrompt] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        rows = [[p.id, p.prompt, list(p.lines), p.vertical] for p in self.prompts]
        return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()

    def describe(self) -> dict:
        return {"name": self.name, "sha256": self.sha256, "n": len(self.prompts)}


@functools.cache
def corpus_chars() -> frozenset[str]:
    """Every character of corpora/words_50k.tsv: the training list's primary cycle ("seen")."""
    from textsynth.resources import CORPORA_DIR
    from textsynth.train.tiny import read_words

    return frozenset("".join(read_words(CORPORA_DIR / "words_50k.tsv")))


def char_is_seen(char: str) -> bool:
    """Non-hanzi (digits, Latin, punctuation) count as seen: the question is about Chinese characters."""
    return not _HANZI.match(char) or char in corpus_chars()


def line_split(text: str) -> str:
    """'unseen' if any character of the line is outside the training word list, else 'seen'."""
    return "seen" if all(char_is_seen(c) for c in text) else "unseen"


def _from_record(record: dict, where: str, default_id: str) -> EvalPrompt:
    try:
        prompt = str(record["prompt"])
    except (KeyError, TypeError) as err:
        raise TextsynthError(f"{where}: expected JSON with 'prompt' ({err})") from err
    lines = record.get("lines")
    if lines is None:
        lines = [record["target"]] if record.get("target") else _QUOTED.findall(prompt)
    if not isinstance(lines, list) or not all(isinstance(x, str) and x for x in lines):
        raise TextsynthError(f"{where}: 'lines' must be a list of non-empty strings")
    if not lines:
        raise TextsynthError(f"{where}: no text to score; put it in quotes (“…”) or give 'lines'")
    kind = str(record.get("kind", "file"))
    split = str(record.get("split") or ("seen" if all(line_split(x) == "seen" for x in lines) else "unseen"))
    return EvalPrompt(
        str(record.get("id") or f"{kind}-{default_id}"),
        kind,
        prompt,
        tuple(lines),
        bool(record.get("vertical")),
        split,
    )


def read_prompt_file(path: Path, flag: str = "--prompts") -> PromptSet:
    """Prompts from a file: JSON lines {prompt, lines? | target?, id?, kind?, vertical?, split?} or
    plain lines whose quoted strings (“…”) are the lines to score."""
    path = Path(path)
    if not path.is_file():
        raise TextsynthError(f"{flag} {path}: file not found")
    prompts = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{flag} {path}, line {number}"
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise TextsynthError(f"{where}: not valid JSON ({err})") from err
        else:
            record = {"prompt": line}
        prompts.append(_from_record(record, where, f"{number:04d}"))
    if not prompts:
        raise TextsynthError(f"{flag} {path}: no prompts in the file")
    ids = [p.id for p in prompts]
    if len(set(ids)) != len(ids):
        raise TextsynthError(
            f"{flag} {path}: prompt ids repeat ({sorted({i for i in ids if ids.count(i) > 1})[:3]})"
        )
    return PromptSet(path.stem if path.parent == PROMPTS_DIR else f"file:{path.name}", prompts)


def benchmark(name: str = DEFAULT_BENCHMARK) -> PromptSet:
    """A prompt set shipped with the package, by name (e.g. benchmark_v1)."""
    path = PROMPTS_DIR / f"{name}.jsonl"
    if not path.is_file():
        shipped = sorted(p.stem for p in PROMPTS_DIR.glob("*.jsonl"))
        raise TextsynthError(f"--benchmark {name}: no such prompt set; shipped: {', '.join(shipped)}")
    return read_prompt_file(path, "--benchmark")


def limited(prompt_set: PromptSet, limit: int | None) -> PromptSet:
    """The first `limit` prompts of a round-robin over (kind, split) groups, so a small smoke-test
    subset still covers every group; the name records the limit."""
    if limit is None or limit >= len(prompt_set.prompts):
        return prompt_set
    if limit < 1:
        raise TextsynthError(f"--limit must be at least 1, got {limit}")
    groups: dict[tuple[str, str], list[EvalPrompt]] = {}
    for prompt in prompt_set.prompts:
        groups.setdefault((prompt.kind, prompt.split), []).append(prompt)
    order = [p for row in _round_robin(list(groups.values())) for p in row]
    return PromptSet(f"{prompt_set.name}[:{limit}]", order[:limit])


def _round_robin(groups: list[list[EvalPrompt]]) -> list[list[EvalPrompt]]:
    depth = max(len(g) for g in groups)
    return [[g[i] for g in groups if i < len(g)] for i in range(depth)]
