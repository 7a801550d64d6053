"""Generate from a fixed Chinese-text prompt set, read the images back with OCR, and tabulate the scores.

Base and fine-tuned models see the same prompts with the same starting noise, so the
difference is the weights. Scores follow the AnyText benchmark (see train/metrics.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from textsynth.errors import TextsynthError
from textsynth.qa import text_metrics as metrics

_QUOTED = re.compile(r"[“\"「『]([^”\"」』]+)[”\"」』]")
KIND_SHARES = (("unseen", 0.4), ("seen", 0.3), ("multiline", 0.15), ("vertical", 0.15))


@dataclass(frozen=True)
class EvalPrompt:
    """One prompt and the text a perfect image would show (lines joined in reading order)."""

    id: str
    kind: str
    prompt: str
    target: str
    vertical: bool = False


def builtin_prompts(n: int, corpus_words: list[str], seen_words: set[str], seed: int = 0) -> list[EvalPrompt]:
    """`n` prompts: words training did not see, words it saw, two-line and vertical layouts.

    Words are 2–4 characters so a score reflects writing, not length; the set is fixed by `seed`.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    pool = [w for w in corpus_words if 2 <= len(w) <= 4]
    unseen = [w for w in pool if w not in seen_words]
    seen = [w for w in pool if w in seen_words] or unseen
    counts = [round(n * share) for _, share in KIND_SHARES]
    counts[0] += n - sum(counts)

    def pick(words: list[str], k: int) -> list[str]:
        if not words:
            raise TextsynthError("no 2–4 character words available to build prompts (check the word list)")
        return [words[int(i)] for i in rng.choice(len(words), size=k, replace=len(words) < k)]

    prompts: list[EvalPrompt] = []
    for (kind, _), count in zip(KIND_SHARES, counts, strict=True):
        for i in range(count):
            pid = f"{kind}-{i:03d}"
            if kind in ("unseen", "seen"):
                (word,) = pick(unseen if kind == "unseen" else seen, 1)
                prompts.append(EvalPrompt(pid, kind, f"一张简洁的海报，中间用黑色粗体字写着“{word}”。", word))
            elif kind == "multiline":
                first, second = pick(unseen, 2)
                text = f"一张海报，上下两行文字，第一行写着“{first}”，第二行写着“{second}”。"
                prompts.append(EvalPrompt(pid, kind, text, first + second))
            else:
                (word,) = pick(unseen, 1)
                text = f"一幅竖排的书法条幅，从上到下写着“{word}”。"
                prompts.append(EvalPrompt(pid, kind, text, word, vertical=True))
    return prompts


def read_prompt_file(path: Path) -> list[EvalPrompt]:
    """Prompts from a file: JSONL {prompt, target?, kind?, vertical?} or plain lines (target: quoted text)."""
    if not path.is_file():
        raise TextsynthError(f"--prompts {path}: file not found")
    prompts = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("{"):
            try:
                record = json.loads(line)
                prompt = str(record["prompt"])
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise TextsynthError(
                    f"--prompts {path}, line {number}: expected JSON with 'prompt' ({err})"
                ) from err
        else:
            record, prompt = {}, line
        target = record.get("target") or "".join(_QUOTED.findall(prompt))
        if not target:
            raise TextsynthError(
                f"--prompts {path}, line {number}: no text to score; put it in quotes (“…”) or give 'target'"
            )
        kind = str(record.get("kind", "file"))
        prompts.append(EvalPrompt(f"{kind}-{number:04d}", kind, prompt, target, bool(record.get("vertical"))))
    if not prompts:
        raise TextsynthError(f"--prompts {path}: no prompts in the file")
    return prompts


def score_images(images: list[Any], prompts: list[EvalPrompt]) -> list[dict]:
    """OCR each image and score it against its prompt's target: one row per prompt."""
    from textsynth.qa.ocr import read_text

    rows = []
    for image, prompt in zip(images, prompts, strict=True):
        score = metrics.score_text(read_text(image, vertical=prompt.vertical), prompt.target)
        rows.append({**asdict(prompt), **score.to_json()})
    return rows


def summarise(rows: list[dict]) -> dict:
    """Overall scores and the same numbers per prompt kind."""

    def as_scores(subset: list[dict]) -> list[metrics.TextScore]:
        fields = metrics.TextScore.__dataclass_fields__
        return [metrics.TextScore(**{k: r[k] for k in fields}) for r in subset]

    kinds = sorted({r["kind"] for r in rows})
    return {
        **metrics.aggregate(as_scores(rows)),
        "by_kind": {k: metrics.aggregate(as_scores([r for r in rows if r["kind"] == k])) for k in kinds},
    }


def generate(
    pipe: Any, prompts: list[EvalPrompt], resolution: int, steps: int, seed: int, guidance: float
) -> list:
    """One image per prompt; prompt i always starts from the noise of seed (seed, i)."""
    import torch

    images = []
    for index, prompt in enumerate(prompts):
        generator = torch.Generator().manual_seed(seed * 100_003 + index)
        result = pipe(
            prompt.prompt,
            height=resolution,
            width=resolution,
            num_inference_steps=steps,
            guidance_scale=guidance,
            generator=generator,
        )
        images.append(result.images[0])
    return images


def save_grid(columns: dict[str, list[Any]], prompts: list[EvalPrompt], path: Path, cell: int = 256) -> Path:
    """A grid image: one row per prompt, one column per model, for a quick look."""
    from PIL import Image, ImageDraw

    names = list(columns)
    header = 24
    grid = Image.new("RGB", (cell * len(names), header + cell * len(prompts)), "white")
    draw = ImageDraw.Draw(grid)
    for c, name in enumerate(names):
        draw.text((c * cell + 4, 4), name, fill="black")
        for r, image in enumerate(columns[name]):
            grid.paste(image.convert("RGB").resize((cell, cell)), (c * cell, header + r * cell))
    grid.save(path)
    return path


def markdown_table(results: dict[str, dict]) -> str:
    """Markdown: one row per model variant, overall and per kind."""
    lines = [
        "| model | prompts | sentence acc | NED | char precision | char recall |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, summary in results.items():
        for kind, s in [("all", summary), *summary["by_kind"].items()]:
            label = name if kind == "all" else f"{name} / {kind}"
            lines.append(
                f"| {label} | {s['n']} | {s['sentence_accuracy']:.3f} | {s['ned']:.3f} | "
                f"{s['char_precision']:.3f} | {s['char_recall']:.3f} |"
            )
    return "\n".join(lines) + "\n"


def bootstrap_gain(
    a_rows: list[dict], b_rows: list[dict], field: str, n_boot: int = 2000, seed: int = 0
) -> dict:
    """Paired bootstrap of mean(B) - mean(A) over prompts both runs share: mean and 95% interval."""
    a = {r["id"]: float(r[field]) for r in a_rows}
    b = {r["id"]: float(r[field]) for r in b_rows}
    ids = sorted(a.keys() & b.keys())
    if not ids:
        raise TextsynthError("--compare: the two metrics files share no prompt ids")
    diffs = np.array([b[i] - a[i] for i in ids])
    rng = np.random.default_rng(seed)
    means = diffs[rng.integers(0, len(diffs), size=(n_boot, len(diffs)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"n": len(ids), "gain": float(diffs.mean()), "ci95": [float(low), float(high)]}


def load_metrics(path: Path) -> dict:
    try:
        result = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise TextsynthError(f"{path}: not a readable metrics.json ({err})") from err
    if "rows" not in result:
        raise TextsynthError(
            f"{path}: no 'rows' field; expected a metrics.json written by `textsynth evaluate`"
        )
    return result


def compare(a_path: Path, b_path: Path) -> dict:
    """Gain of B over A in sentence accuracy and NED, with paired-bootstrap 95% intervals."""
    a, b = load_metrics(a_path), load_metrics(b_path)
    rows_a, rows_b = a["rows"], b["rows"]
    return {
        "a": str(a_path),
        "b": str(b_path),
        "sentence_accuracy": bootstrap_gain(
            [{**r, "sentence_correct": float(r["sentence_correct"])} for r in rows_a],
            [{**r, "sentence_correct": float(r["sentence_correct"])} for r in rows_b],
            "sentence_correct",
        ),
        "ned": bootstrap_gain(rows_a, rows_b, "ned"),
    }


def evaluate(
    model: Path,
    output: Path,
    prompts: list[EvalPrompt],
    lora: Path | None = None,
    unet: Path | None = None,
    resolution: int = 1024,
    steps: int = 30,
    guidance: float = 5.0,
    seed: int = 0,
    with_baseline: bool = True,
) -> dict:
    """Generate with base (and fine-tuned) weights, OCR-score, write metrics.json/.md and grid.png."""
    from textsynth.train import kolors

    output.mkdir(parents=True, exist_ok=True)
    pipe = kolors.load_pipeline(model)
    pipe.set_progress_bar_config(disable=True)
    columns: dict[str, list[Any]] = {}
    if (lora is None and unet is None) or with_baseline:
        columns["base"] = generate(pipe, prompts, resolution, steps, seed, guidance)
    if lora is not None:
        if not (Path(lora) / "pytorch_lora_weights.safetensors").is_file():
            raise TextsynthError(
                f"--lora {lora}: no pytorch_lora_weights.safetensors (written by `finetune`)"
            )
        pipe.load_lora_weights(str(lora))
        columns["finetuned"] = generate(pipe, prompts, resolution, steps, seed, guidance)
    elif unet is not None:
        from diffusers import UNet2DConditionModel

        if not (Path(unet) / "config.json").is_file():
            raise TextsynthError(
                f"--unet {unet}: no config.json (expected a folder written by `finetune --full`)"
            )
        pipe.unet = UNet2DConditionModel.from_pretrained(str(unet), local_files_only=True)
        columns["finetuned"] = generate(pipe, prompts, resolution, steps, seed, guidance)

    results, all_rows = {}, {}
    for name, images in columns.items():
        folder = output / name
        folder.mkdir(exist_ok=True)
        for prompt, image in zip(prompts, images, strict=True):
            image.save(folder / f"{prompt.id}.png")
        all_rows[name] = score_images(images, prompts)
        results[name] = summarise(all_rows[name])
    main = "finetuned" if "finetuned" in results else "base"
    report = {
        "model": str(model),
        "weights": str(lora or unet or ""),
        "settings": {"resolution": resolution, "steps": steps, "guidance": guidance, "seed": seed},
        **{k: v for k, v in results[main].items()},
        "rows": all_rows[main],
        "variants": {name: {**results[name], "rows": all_rows[name]} for name in results},
    }
    (output / "metrics.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    (output / "metrics.md").write_text(markdown_table(results), encoding="utf-8")
    save_grid(columns, prompts[:16], output / "grid.png")
    if "base" in results and main == "finetuned":
        gain = {
            field: bootstrap_gain(
                [{**r, "sentence_correct": float(r["sentence_correct"])} for r in all_rows["base"]],
                [{**r, "sentence_correct": float(r["sentence_correct"])} for r in all_rows["finetuned"]],
                field,
            )
            for field in ("sentence_correct", "ned")
        }
        report["gain_over_base"] = gain
        (output / "metrics.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    return report
