"""Score Chinese text rendering: generate from a fixed prompt set with the base and fine-tuned Kolors,
read every image back with PP-OCR (rapidocr, offline), and report AnyText's sentence accuracy and
NED plus character precision/recall. Writes OUTPUT/metrics.json, metrics.md, grid.png and the images.

With --compare A.json B.json it prints the gain of B over A with paired-bootstrap 95% intervals.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

NAME = "evaluate"
HELP = "OCR-scored text rendering: base vs fine-tuned Kolors (or --compare two metrics.json)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, help="local Kolors-diffusers folder (base model)")
    weights = parser.add_mutually_exclusive_group()
    weights.add_argument(
        "--lora", type=Path, help="LoRA folder written by `textsynth finetune` (OUTPUT/lora)"
    )
    weights.add_argument("--unet", type=Path, help="full UNet folder written by `textsynth finetune --full`")
    parser.add_argument(
        "--output", type=Path, help="folder for metrics.json, metrics.md, grid.png and images"
    )
    parser.add_argument("--n", type=int, default=200, help="number of built-in prompts")
    parser.add_argument("--resolution", type=int, default=1024, help="generated image side")
    parser.add_argument("--steps", type=int, default=30, help="denoising steps")
    parser.add_argument("--guidance", type=float, default=5.0, help="classifier-free guidance scale")
    parser.add_argument("--seed", type=int, default=0, help="seed of the prompt set and the starting noise")
    parser.add_argument(
        "--prompts",
        type=Path,
        help="prompt file: one prompt per line (text to score in “quotes”) or JSON lines",
    )
    parser.add_argument(
        "--train-log",
        type=Path,
        help="train_log.json whose words count as 'seen' (default: next to --lora/--unet)",
    )
    parser.add_argument(
        "--words", type=Path, help="word list TSV for built-in prompts (default: shipped 50k list)"
    )
    parser.add_argument("--no-baseline", action="store_true", help="with --lora/--unet, skip the base model")
    parser.add_argument(
        "--compare", nargs=2, type=Path, metavar=("A.json", "B.json"), help="gain of B over A"
    )


def run(args: argparse.Namespace) -> int:
    from textsynth.errors import TextsynthError
    from textsynth.train import evaluate

    if args.compare:
        result = evaluate.compare(*args.compare)
        for field in ("sentence_accuracy", "ned"):
            r = result[field]
            print(
                f"{field}: gain {r['gain']:+.3f} "
                f"(95% CI {r['ci95'][0]:+.3f} to {r['ci95'][1]:+.3f}, n={r['n']})"
            )
        return 0
    if args.model is None or args.output is None:
        raise TextsynthError("--model and --output are required (unless --compare A.json B.json)")
    if args.prompts:
        prompts = evaluate.read_prompt_file(args.prompts)
    else:
        from textsynth.resources import CORPORA_DIR
        from textsynth.train.tiny import read_words

        words = read_words(args.words or CORPORA_DIR / "words_50k.tsv")
        log_path = args.train_log
        weights = args.lora or args.unet
        if log_path is None and weights is not None and (weights.parent / "train_log.json").is_file():
            log_path = weights.parent / "train_log.json"
        seen: set[str] = set()
        if log_path is not None:
            try:
                seen = set(json.loads(log_path.read_text(encoding="utf-8"))["words_seen"])
            except (OSError, json.JSONDecodeError, KeyError) as err:
                raise TextsynthError(
                    f"--train-log {log_path}: not a train_log.json with 'words_seen' ({err})"
                ) from err
        prompts = evaluate.builtin_prompts(args.n, words, seen, seed=args.seed)
    report = evaluate.evaluate(
        args.model,
        args.output,
        prompts,
        lora=args.lora,
        unet=args.unet,
        resolution=args.resolution,
        steps=args.steps,
        guidance=args.guidance,
        seed=args.seed,
        with_baseline=not args.no_baseline,
    )
    print((args.output / "metrics.md").read_text(encoding="utf-8"), end="")
    for field, gain in report.get("gain_over_base", {}).items():
        low, high = gain["ci95"]
        print(f"gain over base, {field}: {gain['gain']:+.3f} (95% CI {low:+.3f} to {high:+.3f})")
    print(f"wrote {args.output / 'metrics.json'} and {args.output / 'grid.png'}")
    return 0
