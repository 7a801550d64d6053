"""Generate from a fixed prompt set with the base and fine-tuned Kolors and score the text two ways.

- `whole_image`: textsynth's own quick measure: all text PP-OCR finds in the image, joined in
  reading order, against the prompt's whole target. Not AnyText's protocol.
- `anytext_lines`: AnyText's line protocol (train/anytext_eval.py): each target line located,
  cropped, turned upright and recognised alone; Sen.ACC and NED per line.

Both are reported overall, per kind, and per split (seen/unseen, judged per character), with
character recall on seen and unseen characters separately.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from textsynth.errors import TextsynthError
from textsynth.qa import text_metrics as metrics
from textsynth.train.compare import FORMAT, gains
from textsynth.train.prompt_sets import EvalPrompt, PromptSet, char_is_seen, line_split

MODES = {
    "whole_image": "whole-image OCR: every line PP-OCR finds, joined in reading order, vs the whole target "
    "(textsynth's measure, not AnyText's)",
    "anytext_lines": "AnyText line protocol: each target line located by detection, cropped, rotated if "
    "vertical, recognised alone (PP-OCRv4); Sen.ACC and NED per line",
}


@dataclass(frozen=True)
class GenerationSettings:
    """How images are generated; everything here but dtype/device/offload must match for --compare."""

    resolution: int = 1024
    steps: int = 50  # KolorsPipeline's default
    guidance: float = 5.0
    seed: int = 0
    samples_per_prompt: int = 4  # as AnyText's eval; one image per prompt is too noisy to rank arms
    scheduler: str = ""
    negative_prompt: str | None = None
    dtype: str = ""
    device: str = ""
    offload: bool = False


def noise_seed(seed: int, prompt_id: str, sample: int) -> int:
    """Start noise of one image: a function of (seed, prompt id, sample), so every arm, device and
    subset of the prompt set starts a given prompt from the same noise."""
    key = int(hashlib.sha256(prompt_id.encode("utf-8")).hexdigest()[:15], 16)
    return int(np.random.SeedSequence([seed, key, sample]).generate_state(1)[0])


def generate(pipe: Any, prompts: list[EvalPrompt], settings: GenerationSettings) -> dict[str, list]:
    """`samples_per_prompt` images per prompt, batched per prompt, each from its own CPU generator."""
    import torch

    images = {}
    for prompt in prompts:
        generators = [
            torch.Generator().manual_seed(noise_seed(settings.seed, prompt.id, j))
            for j in range(settings.samples_per_prompt)
        ]
        result = pipe(
            prompt.prompt,
            negative_prompt=settings.negative_prompt,
            height=settings.resolution,
            width=settings.resolution,
            num_inference_steps=settings.steps,
            guidance_scale=settings.guidance,
            num_images_per_prompt=settings.samples_per_prompt,
            generator=generators,
        )
        images[prompt.id] = list(result.images)
    return images


def char_counts(pred: str, target: str) -> dict[str, int]:
    """Target characters and how many were read back (multiset), split into seen and unseen ones."""
    p, t = "".join(pred.split()), "".join(target.split())
    common = Counter(p) & Counter(t)
    counts = {"seen_chars": 0, "seen_hits": 0, "unseen_chars": 0, "unseen_hits": 0}
    for char, n in Counter(t).items():
        kind = "seen" if char_is_seen(char) else "unseen"
        counts[f"{kind}_chars"] += n
        counts[f"{kind}_hits"] += common[char]
    return counts


def score_whole_image(images: dict[str, list], prompts: list[EvalPrompt]) -> list[dict]:
    """One row per image: all OCR text in reading order against the prompt's whole target."""
    from textsynth.qa.ocr import read_text

    rows = []
    for prompt in prompts:
        for sample, image in enumerate(images[prompt.id]):
            pred = read_text(image, vertical=prompt.vertical)
            score = metrics.score_text(pred, prompt.target).to_json()
            rows.append(
                {
                    "id": prompt.id,
                    "sample": sample,
                    "kind": prompt.kind,
                    "split": prompt.split,
                    **score,
                    **char_counts(pred, prompt.target),
                }
            )
    return rows


def score_anytext_lines(images: dict[str, list], prompts: list[EvalPrompt]) -> list[dict]:
    """One row per image × target line (AnyText's protocol, lines located by detection)."""
    from textsynth.train.anytext_eval import locate_lines

    rows = []
    for prompt in prompts:
        for sample, image in enumerate(images[prompt.id]):
            for index, reading in enumerate(locate_lines(image, list(prompt.lines))):
                p, t = "".join(reading.pred.split()), "".join(reading.target.split())
                rows.append(
                    {
                        "id": prompt.id,
                        "sample": sample,
                        "line": index,
                        "kind": prompt.kind,
                        "split": line_split(reading.target),
                        **reading.to_json(),
                        "char_hits": sum((Counter(p) & Counter(t)).values()),
                        "pred_chars": len(p),
                        "target_chars": len(t),
                        **char_counts(reading.pred, reading.target),
                    }
                )
    return rows


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _aggregate(rows: list[dict]) -> dict:
    if not rows:
        return {"n": 0, "prompts": 0}
    total = {k: sum(r[k] for r in rows) for k in ("char_hits", "pred_chars", "target_chars")}
    return {
        "n": len(rows),
        "prompts": len({r["id"] for r in rows}),
        "sentence_accuracy": float(np.mean([bool(r["sentence_correct"]) for r in rows])),
        "ned": float(np.mean([r["ned"] for r in rows])),
        "char_precision": _ratio(total["char_hits"], total["pred_chars"]),
        "char_recall": _ratio(total["char_hits"], total["target_chars"]),
        "char_recall_seen": _ratio(sum(r["seen_hits"] for r in rows), sum(r["seen_chars"] for r in rows)),
        "char_recall_unseen": _ratio(
            sum(r["unseen_hits"] for r in rows), sum(r["unseen_chars"] for r in rows)
        ),
    }


def summarise(rows: list[dict]) -> dict:
    """Overall numbers, and the same per prompt kind and per split (seen/unseen)."""
    return {
        **_aggregate(rows),
        "by_split": {
            s: _aggregate([r for r in rows if r["split"] == s]) for s in sorted({r["split"] for r in rows})
        },
        "by_kind": {
            k: _aggregate([r for r in rows if r["kind"] == k]) for k in sorted({r["kind"] for r in rows})
        },
    }


def save_grid(
    columns: dict[str, dict[str, list]], prompts: list[EvalPrompt], path: Path, cell: int = 256
) -> Path:
    """One row per prompt, one column per model (its first image): never more images than cells."""
    from PIL import Image, ImageDraw

    names = list(columns)
    header = 24
    grid = Image.new("RGB", (cell * len(names), header + cell * len(prompts)), "white")
    draw = ImageDraw.Draw(grid)
    for c, name in enumerate(names):
        draw.text((c * cell + 4, 4), name, fill="black")
        for r, prompt in enumerate(prompts):
            image = columns[name][prompt.id][0]
            grid.paste(image.convert("RGB").resize((cell, cell)), (c * cell, header + r * cell))
    grid.save(path)
    return path


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def markdown_table(variants: dict[str, dict]) -> str:
    """One table per metric mode: rows per model × (all, per split, per kind)."""
    out = []
    for mode, description in MODES.items():
        out += [
            f"### {mode}: {description}",
            "",
            "| model | rows | prompts | Sen.ACC | NED | char recall | seen chars | unseen chars |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, modes in variants.items():
            if mode not in modes:
                continue
            summary = modes[mode]["summary"]
            groups = [("all", summary), *summary["by_split"].items(), *summary["by_kind"].items()]
            for label, s in groups:
                if not s["n"]:
                    continue
                out.append(
                    f"| {name if label == 'all' else f'{name} / {label}'} | {s['n']} | {s['prompts']} | "
                    f"{_fmt(s['sentence_accuracy'])} | {_fmt(s['ned'])} | {_fmt(s['char_recall'])} | "
                    f"{_fmt(s['char_recall_seen'])} | {_fmt(s['char_recall_unseen'])} |"
                )
        out.append("")
    return "\n".join(out)


def resolve_weights(lora: Path | None, unet: Path | None) -> tuple[Path | None, Path | None]:
    """Accept the `finetune --output` folder as well as its lora/ or unet/ subfolder."""
    if lora is not None:
        lora = Path(lora)
        if not (lora / "pytorch_lora_weights.safetensors").is_file() and (lora / "lora").is_dir():
            lora = lora / "lora"
        if not (lora / "pytorch_lora_weights.safetensors").is_file():
            raise TextsynthError(
                f"--lora {lora}: no pytorch_lora_weights.safetensors (give a `finetune --output` folder or its lora/)"
            )
    if unet is not None:
        unet = Path(unet)
        if not (unet / "config.json").is_file() and (unet / "unet" / "config.json").is_file():
            unet = unet / "unet"
        if not (unet / "config.json").is_file():
            raise TextsynthError(
                f"--unet {unet}: no config.json (give a `finetune --full --output` folder or its unet/)"
            )
    return lora, unet


def _place(pipe: Any, device: Any, offload: bool) -> Any:
    pipe.set_progress_bar_config(disable=True)
    if offload:
        pipe.enable_model_cpu_offload(device=device)
    else:
        pipe.to(device)
    return pipe


def evaluate(
    model: Path,
    output: Path,
    prompt_set: PromptSet,
    lora: Path | None = None,
    unet: Path | None = None,
    settings: GenerationSettings | None = None,
    device: str = "auto",
    dtype: str = "auto",
    offload: bool = False,
    with_baseline: bool = True,
    modes: tuple[str, ...] = tuple(MODES),
) -> dict:
    """Generate with base (and fine-tuned) weights, score in each mode, write metrics.json/.md, grid.png."""
    import torch

    from textsynth.train import kolors
    from textsynth.train.device import check_precision, resolve_device, torch_dtype

    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise TextsynthError(f"--metrics {','.join(unknown)}: expected any of {', '.join(MODES)}")
    settings = settings or GenerationSettings()
    if settings.samples_per_prompt < 1:
        raise TextsynthError("--samples-per-prompt must be at least 1")
    lora, unet = resolve_weights(lora, unet)
    place = resolve_device(device)
    precision = dtype if dtype != "auto" else ("fp16" if place.type == "cuda" else "fp32")
    check_precision(place, precision, "--dtype")
    if offload and place.type != "cuda":
        raise TextsynthError("--offload moves models between CPU and GPU: it needs --device cuda")
    weight_dtype = torch_dtype(precision)

    output.mkdir(parents=True, exist_ok=True)
    pipe = _place(kolors.load_pipeline(model, dtype=weight_dtype), place, offload)
    settings = GenerationSettings(
        **{
            **asdict(settings),
            "scheduler": type(pipe.scheduler).__name__,
            "dtype": str(weight_dtype).removeprefix("torch."),
            "device": str(place),
            "offload": offload,
        }
    )
    prompts = prompt_set.prompts
    columns: dict[str, dict[str, list]] = {}
    if (lora is None and unet is None) or with_baseline:
        columns["base"] = generate(pipe, prompts, settings)
    if lora is not None:
        pipe.load_lora_weights(str(lora))
        columns["finetuned"] = generate(pipe, prompts, settings)
    elif unet is not None:
        from diffusers import UNet2DConditionModel

        del pipe
        trained = UNet2DConditionModel.from_pretrained(str(unet), local_files_only=True, dtype=weight_dtype)
        pipe = _place(kolors.load_pipeline(model, dtype=weight_dtype, unet=trained), place, offload)
        columns["finetuned"] = generate(pipe, prompts, settings)
    del pipe
    if place.type == "cuda":
        torch.cuda.empty_cache()

    scorers = {"whole_image": score_whole_image, "anytext_lines": score_anytext_lines}
    variants: dict[str, dict] = {}
    for name, images in columns.items():
        folder = output / name
        folder.mkdir(exist_ok=True)
        for prompt in prompts:
            for j, image in enumerate(images[prompt.id]):
                image.save(folder / f"{prompt.id}-{j}.png")
        variants[name] = {}
        for mode in modes:
            rows = scorers[mode](images, prompts)
            variants[name][mode] = {"summary": summarise(rows), "rows": rows}
    main = "finetuned" if "finetuned" in variants else "base"
    report = {
        "format": FORMAT,
        "model": str(model),
        "weights": str(lora or unet or ""),
        "prompt_set": prompt_set.describe(),
        "settings": asdict(settings),
        "metrics": {m: MODES[m] for m in modes},
        "main": main,
        "variants": variants,
    }
    if "base" in variants and main == "finetuned":
        report["gain_over_base"] = gains(
            {m: v["rows"] for m, v in variants["base"].items()},
            {m: v["rows"] for m, v in variants["finetuned"].items()},
        )
    (output / "metrics.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    (output / "metrics.md").write_text(markdown_table(variants), encoding="utf-8")
    save_grid(columns, prompts[:16], output / "grid.png")
    return report
