"""Gain of one evaluation over another: refused unless both scored the same prompts the same way,
then a paired bootstrap over prompts (each prompt's mean over its images and lines is one pair)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from textsynth.errors import TextsynthError

FORMAT = 2  # metrics.json layout written by `textsynth evaluate`
# Settings that change what is measured: two results that differ in any of these are not comparable.
COMPARED_SETTINGS = (
    "resolution",
    "steps",
    "guidance",
    "seed",
    "samples_per_prompt",
    "scheduler",
    "negative_prompt",
)
MODES = ("whole_image", "anytext_lines")
FIELDS = ("sentence_correct", "ned")


def load_metrics(path: Path) -> dict:
    """A metrics.json written by `textsynth evaluate` (this format), or a clear error."""
    try:
        result = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise TextsynthError(f"{path}: not a readable metrics.json ({err})") from err
    if not isinstance(result, dict) or "variants" not in result:
        raise TextsynthError(
            f"{path}: no 'variants' field; expected a metrics.json written by `textsynth evaluate`"
        )
    if result.get("format") != FORMAT:
        raise TextsynthError(
            f"{path}: metrics format {result.get('format')!r}, expected {FORMAT}; it was written by an "
            "older `textsynth evaluate` (prompt set not recorded): evaluate again"
        )
    return result


def differences(a: dict, b: dict) -> list[str]:
    """What makes two results incomparable: prompt set, sample count, generation settings."""
    found = []
    pa, pb = a["prompt_set"], b["prompt_set"]
    if pa["sha256"] != pb["sha256"]:
        found.append(
            f"prompt set: {pa['name']} ({pa['n']} prompts, sha256 {pa['sha256'][:12]}) vs "
            f"{pb['name']} ({pb['n']} prompts, sha256 {pb['sha256'][:12]})"
        )
    for key in COMPARED_SETTINGS:
        va, vb = a["settings"].get(key), b["settings"].get(key)
        if va != vb:
            found.append(f"{key}: {va!r} vs {vb!r}")
    return found


def check_comparable(a: dict, b: dict, a_name: str, b_name: str) -> None:
    found = differences(a, b)
    if found:
        raise TextsynthError(
            f"--compare: {a_name} and {b_name} were not evaluated alike, so a difference would not be "
            f"the weights' — {'; '.join(found)}. Evaluate both with the same prompt set (--benchmark/"
            "--prompts, --limit), --samples-per-prompt, --resolution, --steps, --guidance and --seed."
        )


def prompt_means(rows: list[dict], field: str, split: str | None = None) -> dict[str, float]:
    """Each prompt's mean of `field` over its rows (images × lines), optionally one split only."""
    sums: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        if split is None or row["split"] == split:
            sums[row["id"]].append(float(row[field]))
    return {pid: float(np.mean(values)) for pid, values in sums.items()}


def bootstrap_gain(a: dict[str, float], b: dict[str, float], n_boot: int = 2000, seed: int = 0) -> dict:
    """Paired bootstrap over prompts of mean(B) − mean(A): the mean gain and a 95% interval."""
    if a.keys() != b.keys():
        raise TextsynthError(
            f"--compare: the two results score different prompts ({len(a.keys() ^ b.keys())} differ)"
        )
    ids = sorted(a)
    if not ids:
        return {"n": 0, "gain": None, "ci95": None}
    diffs = np.array([b[i] - a[i] for i in ids])
    rng = np.random.default_rng(seed)
    means = diffs[rng.integers(0, len(diffs), size=(n_boot, len(diffs)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"n": len(ids), "gain": float(diffs.mean()), "ci95": [float(low), float(high)]}


def gains(rows_a: dict[str, list[dict]], rows_b: dict[str, list[dict]]) -> dict:
    """{mode: {field: gain, "by_split": {split: {field: gain}}}} for the modes both results have."""
    out = {}
    for mode in MODES:
        if mode not in rows_a or mode not in rows_b:
            continue
        a, b = rows_a[mode], rows_b[mode]
        splits = sorted({r["split"] for r in a})
        out[mode] = {
            **{f: bootstrap_gain(prompt_means(a, f), prompt_means(b, f)) for f in FIELDS},
            "by_split": {
                s: {f: bootstrap_gain(prompt_means(a, f, s), prompt_means(b, f, s)) for f in FIELDS}
                for s in splits
            },
        }
    return out


def variant_rows(result: dict, variant: str | None = None) -> dict[str, list[dict]]:
    name = variant or result["main"]
    try:
        modes = result["variants"][name]
    except KeyError:
        raise TextsynthError(
            f"no variant {name!r} in metrics.json; it has {', '.join(result['variants'])}"
        ) from None
    return {mode: modes[mode]["rows"] for mode in MODES if mode in modes}


def compare(a_path: Path, b_path: Path) -> dict:
    """Gain of B's main variant over A's, per metric mode, overall and per split; refuses mismatches."""
    a, b = load_metrics(a_path), load_metrics(b_path)
    check_comparable(a, b, str(a_path), str(b_path))
    notes = [
        f"{key}: {a['settings'].get(key)!r} vs {b['settings'].get(key)!r}"
        for key in ("dtype", "device", "offload")
        if a["settings"].get(key) != b["settings"].get(key)
    ]
    return {
        "a": str(a_path),
        "b": str(b_path),
        "prompt_set": a["prompt_set"],
        "notes": notes,
        "gains": gains(variant_rows(a), variant_rows(b)),
    }


def format_gains(result: dict) -> str:
    """Plain text, one line per mode × metric × split."""
    lines = []
    for mode, by_field in result["gains"].items():
        groups = [("all", {f: by_field[f] for f in FIELDS}), *by_field["by_split"].items()]
        for split, fields in groups:
            for field, gain in fields.items():
                if gain["gain"] is None:
                    continue
                low, high = gain["ci95"]
                lines.append(
                    f"{mode} / {split} / {field}: gain {gain['gain']:+.3f} "
                    f"(95% CI {low:+.3f} to {high:+.3f}, {gain['n']} prompts)"
                )
    return "\n".join(lines) + "\n"
