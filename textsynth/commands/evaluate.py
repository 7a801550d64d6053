"""Score Chinese text rendering: generate from a fixed, versioned prompt set (the shipped
benchmark_v1, or --prompts FILE) with the base and fine-tuned Kolors, read the images back with
PP-OCR (rapidocr, offline) and report two measures: whole-image OCR, and AnyText's line protocol
(Sen.ACC and NED per located line), each split into seen and unseen characters. Writes
OUTPUT/metrics.json, metrics.md, grid.png and the images.

With --compare A.json B.json it prints the gain of B over A with paired-bootstrap 95% intervals,
and refuses results whose prompt sets, sample counts or generation settings differ.
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "evaluate"
HELP = "OCR-scored text rendering: base vs fine-tuned Kolors (or --compare two metrics.json)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, help="local Kolors-diffusers folder (base model)")
    weights = parser.add_mutually_exclusive_group()
    weights.add_argument(
        "--lora", type=Path, help="LoRA from `textsynth finetune`: its --output folder or the lora/ inside"
    )
    weights.add_argument(
        "--unet", type=Path, help="full UNet from `finetune --full`: its --output folder or the unet/ inside"
    )
    parser.add_argument(
        "--output", type=Path, help="folder for metrics.json, metrics.md, grid.png and images"
    )
    prompts = parser.add_mutually_exclusive_group()
    prompts.add_argument(
        "--benchmark", default="benchmark_v1", help="shipped prompt set (default benchmark_v1, 200 prompts)"
    )
    prompts.add_argument(
        "--prompts",
        type=Path,
        help="your own prompt file: JSON lines {prompt, lines, vertical?, kind?, split?} or one prompt "
        "per line with the text to score in “quotes”",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="only the first N prompts, spread over kinds and splits (smoke tests)",
    )
    parser.add_argument(
        "--samples-per-prompt",
        type=int,
        default=4,
        help="images per prompt (default 4, as AnyText's benchmark: one image per prompt is too noisy to rank arms)",
    )
    parser.add_argument("--resolution", type=int, default=1024, help="generated image side")
    parser.add_argument(
        "--steps", type=int, default=50, help="denoising steps (default 50, KolorsPipeline's own default)"
    )
    parser.add_argument("--guidance", type=float, default=5.0, help="classifier-free guidance scale")
    parser.add_argument("--seed", type=int, default=0, help="seed of the starting noise")
    parser.add_argument(
        "--device", default="auto", help="auto (CUDA when available, else CPU), cpu or cuda[:N]"
    )
    parser.add_argument(
        "--dtype",
        choices=["auto", "fp16", "bf16", "fp32"],
        default="auto",
        help="pipeline precision; auto = fp16 on CUDA, fp32 on the CPU",
    )
    parser.add_argument(
        "--offload", action="store_true", help="enable_model_cpu_offload: fit a small GPU (slower)"
    )
    parser.add_argument(
        "--metrics",
        default="whole_image,anytext_lines",
        help="comma-separated: whole_image (all OCR text vs target), anytext_lines (AnyText's line protocol)",
    )
    parser.add_argument("--no-baseline", action="store_true", help="with --lora/--unet, skip the base model")
    parser.add_argument(
        "--compare", nargs=2, type=Path, metavar=("A.json", "B.json"), help="gain of B over A"
    )


def run(args: argparse.Namespace) -> int:
    from textsynth.train.device import quiet_libraries

    quiet_libraries()
    from textsynth.errors import TextsynthError
    from textsynth.train import compare, evaluate, prompt_sets

    if args.compare:
        result = compare.compare(*args.compare)
        print(f"prompt set {result['prompt_set']['name']} ({result['prompt_set']['n']} prompts)")
        for note in result["notes"]:
            print(f"note: the two runs differ in {note} (compared anyway)")
        print(compare.format_gains(result), end="")
        return 0
    if args.model is None or args.output is None:
        raise TextsynthError("--model and --output are required (unless --compare A.json B.json)")
    chosen = (
        prompt_sets.read_prompt_file(args.prompts) if args.prompts else prompt_sets.benchmark(args.benchmark)
    )
    chosen = prompt_sets.limited(chosen, args.limit)
    settings = evaluate.GenerationSettings(
        resolution=args.resolution,
        steps=args.steps,
        guidance=args.guidance,
        seed=args.seed,
        samples_per_prompt=args.samples_per_prompt,
    )
    report = evaluate.evaluate(
        args.model,
        args.output,
        chosen,
        lora=args.lora,
        unet=args.unet,
        settings=settings,
        device=args.device,
        dtype=args.dtype,
        offload=args.offload,
        with_baseline=not args.no_baseline,
        modes=tuple(m.strip() for m in args.metrics.split(",") if m.strip()),
    )
    print((args.output / "metrics.md").read_text(encoding="utf-8"), end="")
    if "gain_over_base" in report:
        print(compare.format_gains({"gains": report["gain_over_base"]}), end="")
    print(f"wrote {args.output / 'metrics.json'} and {args.output / 'grid.png'}")
    return 0
