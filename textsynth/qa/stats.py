"""What a render run made: word and character coverage, templates, fonts, directions, effects, captions.

Read from the shards' KEY.json records (not from pixels), so it describes exactly what was written.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from textsynth.errors import TextsynthError
from textsynth.io.reader import record_fields
from textsynth.io.shards import MANIFEST, Output, read_manifest
from textsynth.qa.appearance import AppearanceCounter, format_appearance
from textsynth.sources.fonts import FontFace, load_manifest

CAPTION_BIN = 20  # characters per caption-length histogram bin


def _records_and_captions(output: Output, names: list[str]) -> Iterator[tuple[dict[str, Any], str]]:
    """(KEY.json record, KEY.txt caption) of every sample in the named shards, skipping the images."""
    from textsynth.io.reader import iter_members, load_record

    for name, key, parts in iter_members(output.url, ("json", "txt"), names=names):
        yield load_record(name, key, parts), parts.get("txt", b"").decode("utf-8", "replace")


def collect_stats(
    out: str, progress: Callable[[int], None] | None = None, charset: str = "gb2312", k: int = 5
) -> dict[str, Any]:
    """Count what the finished shards of `out` hold; JSON-friendly. `charset` and `k`: exposure figures."""
    from textsynth.sources.corpus import Corpus, gb2312_hanzi, is_cjk_ideograph
    from textsynth.sources.script import convert

    output = Output(out)
    manifest = read_manifest(output, strict=True)
    if manifest is None:
        raise TextsynthError(f"{output.path(MANIFEST)}: missing; {out} is not a textsynth render output")
    config = manifest["config"]
    seed = manifest["seed"]
    names = [n for n in sorted(manifest["shards"]) if output.exists(n)]
    corpus = Corpus.load(Path(config["corpus"]) if config.get("corpus") else None)
    corpus_words = set(corpus.words)
    script = config.get("script", "simplified")  # traditional runs show the cycle word converted
    counters = {k: Counter() for k in ("templates", "fonts", "scripts", "directions", "effects", "roles")}
    faces = _faces(config)
    face_script = {face_id: face.script for face_id, face in faces.items()}
    covered: set[str] = set()
    chars: Counter[str] = Counter()
    caption_lengths: list[int] = []
    appearance = AppearanceCounter(faces)
    samples = texts = skipped = 0
    for name in names:
        for record, caption in _records_and_captions(output, [name]):
            with record_fields(name, str(record.get("key"))):
                samples += 1
                appearance.add(record)
                real = record.get("source") == "real"  # recaptioned photo: no template, fonts or effects
                counters["templates"][record.get("template") or f"({record.get('source')})"] += 1
                counters["effects"].update([*record.get("geometry", []), *record.get("effects", [])])
                for item in record["texts"]:
                    texts += 1
                    counters["fonts"][item.get("font") or "(ocr)"] += 1
                    counters["directions"][item["direction"]] += 1
                    counters["roles"][item["role"]] += 1
                    chars.update(ch for ch in item["text"] if is_cjk_ideograph(ch))
                    if any(is_cjk_ideograph(ch) for ch in item["text"]):  # Latin-only text has no glyph forms
                        counters["scripts"][face_script.get(item.get("font", ""), "unknown")] += 1
                skipped += len(record.get("skipped_words", []))
                if not real:
                    cycle_word = convert(corpus.primary_word(seed, record["index"]), script)
                    covered |= _primary_words(record, cycle_word, corpus_words)
                caption_lengths.append(len(caption))
        if progress is not None:
            progress(1)
    distinct = set(chars)
    gb = gb2312_hanzi()
    corpus_chars = {ch for ch in corpus.characters() if is_cjk_ideograph(ch)}
    return {
        "out": output.url,
        "complete": bool(manifest.get("complete")),
        "shards": len(names),
        "shards_planned": int(manifest.get("num_shards", len(names))),
        "samples": samples,
        "texts": texts,
        "skipped_words": skipped,
        "words": {
            "corpus": corpus.source if hasattr(corpus, "source") else str(config.get("corpus")),
            "corpus_size": len(corpus_words),
            "covered_as_primary": len(covered),
            "coverage": round(len(covered) / len(corpus_words), 6) if corpus_words else 0.0,
        },
        "characters": {
            "distinct": len(distinct),
            "occurrences": sum(chars.values()),
            "corpus_chars": len(corpus_chars),
            "corpus_chars_covered": len(distinct & corpus_chars),
            "gb2312": len(gb),
            "gb2312_covered": len(distinct & gb),
            "outside_gb2312": len(distinct - gb),
        },
        "exposure": exposure(chars, charset, k),
        **{key: dict(counter.most_common()) for key, counter in counters.items()},
        "caption_length": _length_summary(caption_lengths),
        **appearance.summary(),
    }


def exposure(chars: Counter[str], name: str = "gb2312", k: int = 5, listed: int = 30) -> dict[str, Any]:
    """How often each character of a set was rendered: the share seen at least once and at least k times."""
    from textsynth.sources.charsets import charset

    members = charset(name)
    counts = [chars.get(ch, 0) for ch in members]
    seen_1 = sum(c >= 1 for c in counts)
    seen_k = sum(c >= k for c in counts)
    histogram = Counter(min(c, k) for c in counts)
    return {
        "charset": name,
        "size": len(members),
        "k": k,
        "seen_1": seen_1,
        "seen_k": seen_k,
        "share_1": round(seen_1 / len(members), 6),
        "share_k": round(seen_k / len(members), 6),
        "histogram": {(f"{n}+" if n == k else str(n)): histogram[n] for n in range(k + 1)},
        "unseen": "".join(ch for ch, c in zip(members, counts, strict=True) if c == 0)[:listed],
    }


def _faces(config: dict[str, Any]) -> dict[str, FontFace]:
    """The run's font manifest by face id (user fonts from --fonts-dir are not in it)."""
    try:
        return {face.id: face for face in load_manifest(config.get("fonts_manifest"))}
    except TextsynthError:
        return {}


def _primary_words(record: dict[str, Any], cycle_word: str, corpus_words: set[str]) -> set[str]:
    """Corpus words shown as primary text: the first text item, since the primary slot is placed first."""
    if not record["texts"]:
        return set()
    shown = record["texts"][0]["text"]
    if cycle_word in shown:
        return {cycle_word}
    return {shown} if shown in corpus_words else set()  # the cycle word could not be set: a stand-in word


def _length_summary(lengths: list[int]) -> dict[str, Any]:
    if not lengths:
        return {"min": 0, "mean": 0.0, "median": 0.0, "max": 0, "histogram": {}}
    bins = Counter(length // CAPTION_BIN for length in lengths)
    histogram = {f"{b * CAPTION_BIN}-{b * CAPTION_BIN + CAPTION_BIN - 1}": bins[b] for b in sorted(bins)}
    return {
        "min": min(lengths),
        "mean": round(statistics.fmean(lengths), 2),
        "median": float(statistics.median(lengths)),
        "max": max(lengths),
        "histogram": histogram,
    }


def format_table(stats: dict[str, Any], top: int = 12) -> str:
    """The stats as aligned plain-text tables for the terminal."""
    words, chars = stats["words"], stats["characters"]
    lines = [
        f"output        {stats['out']}" + ("" if stats["complete"] else "  (run not complete)"),
        f"samples       {stats['samples']}  in {stats['shards']} of {stats['shards_planned']} shards",
        f"text items    {stats['texts']}  (words no font could set: {stats['skipped_words']})",
        f"words         {words['covered_as_primary']} of {words['corpus_size']} corpus words "
        f"shown as primary text ({100 * words['coverage']:.2f}%)",
        f"characters    {chars['distinct']} distinct: {chars['corpus_chars_covered']} of "
        f"{chars['corpus_chars']} corpus characters, {chars['gb2312_covered']} of {chars['gb2312']} "
        f"GB2312 hanzi, {chars['outside_gb2312']} outside GB2312",
    ]
    exp = stats["exposure"]
    lines.append(
        f"exposure      {exp['charset']} ({exp['size']} characters): {exp['seen_1']} seen at least once "
        f"({100 * exp['share_1']:.1f}%), {exp['seen_k']} at least {exp['k']} times ({100 * exp['share_k']:.1f}%)"
        + (f"; unseen e.g. {exp['unseen']}" if exp["unseen"] else "")
    )
    length = stats["caption_length"]
    lines.append(
        f"caption chars min {length['min']}, median {length['median']:g}, "
        f"mean {length['mean']:g}, max {length['max']}"
    )
    for title in ("templates", "fonts", "scripts", "directions", "effects", "roles"):
        lines += ["", *_counter_table(title, stats[title], stats, top)]
    lines += ["", *_counter_table("caption length", length["histogram"], stats, len(length["histogram"]))]
    if "layout_spread" in stats:
        lines += ["", *format_appearance(stats)]
        lines += ["", *_counter_table("style classes", stats["style_classes"], stats, top)]
    return "\n".join(lines)


def _counter_table(title: str, counts: dict[str, int], stats: dict[str, Any], top: int) -> list[str]:
    total_key = "samples" if title in ("templates", "effects", "caption length") else "texts"
    total = stats[total_key] or 1
    shown = list(counts.items())[:top]
    width = max([len(title), *(len(str(k)) for k, _ in shown)])
    rows = [f"{title:<{width}}  {'count':>8}  {'% of ' + total_key:>10}"]
    rows += [f"{k:<{width}}  {v:>8}  {100 * v / total:>9.1f}%" for k, v in shown]
    if len(counts) > top:
        rest = sum(v for _, v in list(counts.items())[top:])
        rows.append(f"{f'({len(counts) - top} more)':<{width}}  {rest:>8}  {100 * rest / total:>9.1f}%")
    return rows
