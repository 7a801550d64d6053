"""Recaption real posters and scene photos: OCR every text line (rapidocr, offline), then write captions
that quote each kept line exactly, with position words, fused with the image's own caption; or, with
--vlm-url, ask a vision-language model on an OpenAI-compatible server for a description and check that
it quotes every line verbatim and nothing else (retried, repaired, or replaced by the fused caption).

INPUT is a folder of images (jpg/png/webp, recursive; a NAME.txt/NAME.json beside an image is its
caption/metadata), a WebDataset .tar, a brace pattern of tars, or a folder of .tar files. The output
follows the shard contract with `source: "real"` records (docs/recaption.md), resumes like `render`,
and is byte-identical for the same input and settings with any --workers (without a VLM).
"""

from __future__ import annotations

import argparse
import sys

NAME = "recaption"
HELP = "OCR real images and write shards with captions that quote their text exactly (optionally via a VLM)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input", metavar="INPUT", help="folder of images, .tar shard, brace pattern or folder of .tar"
    )
    parser.add_argument(
        "--out", required=True, help="output folder (or fsspec URL) for shards and manifest.json"
    )
    parser.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    parser.add_argument("--shard-size", type=int, default=1000, help="input images per shard")
    parser.add_argument("--seed", type=int, default=0, help="seed for the wording of fused captions")
    parser.add_argument(
        "--backend", choices=["local", "ray"], default="local", help="local processes, or Ray actors"
    )
    parser.add_argument("--address", help="Ray cluster address (with --backend ray)")
    parser.add_argument(
        "--min-ocr-score", type=float, default=0.8, help="drop OCR lines recognised with a lower confidence"
    )
    parser.add_argument(
        "--min-text-height", type=float, default=10.0,
        help="drop OCR lines whose characters are smaller than this many pixels",
    )  # fmt: skip
    parser.add_argument(
        "--max-lines", type=int, default=20, help="keep at most this many lines (the largest)"
    )
    parser.add_argument(
        "--keep-textless",
        action="store_true",
        help="keep images with no kept text (default: drop and count them)",
    )
    vlm = parser.add_argument_group(
        "VLM captions (any OpenAI-compatible chat-completions server with image input)"
    )
    vlm.add_argument(
        "--vlm-url", help="server base URL, e.g. http://localhost:8000 (vLLM, SGLang, Ollama, LMDeploy)"
    )
    vlm.add_argument("--vlm-model", help="model name the server serves (required with --vlm-url)")
    vlm.add_argument("--vlm-concurrency", type=int, default=4, help="requests in flight per worker process")
    vlm.add_argument(
        "--vlm-timeout", type=float, default=60.0, help="seconds before a request counts as failed"
    )
    vlm.add_argument(
        "--vlm-retries", type=int, default=3, help="retries of a failed request (timeout, 5xx, 429)"
    )
    vlm.add_argument(
        "--vlm-repairs", type=int, default=2,
        help="times an answer that misquotes the OCR text is sent back before falling back to the fused caption",
    )  # fmt: skip
    vlm.add_argument(
        "--vlm-backoff", type=float, default=1.0, help="seconds before the first retry; doubles each time"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (e.g. in logs)")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from textsynth.errors import TextsynthError
    from textsynth.recaption.inputs import list_inputs
    from textsynth.recaption.job import RecaptionJob
    from textsynth.recaption.texts import Filters
    from textsynth.recaption.vlm import VlmSettings
    from textsynth.run.runner import default_workers, run_job

    if args.workers is not None and args.workers < 1:
        raise TextsynthError(f"--workers must be at least 1, got {args.workers}")
    if args.shard_size < 1:
        raise TextsynthError(f"--shard-size must be at least 1, got {args.shard_size}")
    if not 0.0 <= args.min_ocr_score <= 1.0:
        raise TextsynthError(f"--min-ocr-score must be between 0 and 1, got {args.min_ocr_score}")
    if args.min_text_height < 0 or args.max_lines < 1:
        raise TextsynthError("--min-text-height must be >= 0 and --max-lines >= 1")
    vlm = None
    if args.vlm_url or args.vlm_model:
        if not (args.vlm_url and args.vlm_model):
            raise TextsynthError(
                "--vlm-url and --vlm-model go together (the server's URL and the model it serves)"
            )
        if args.vlm_concurrency < 1 or args.vlm_retries < 0 or args.vlm_repairs < 0 or args.vlm_timeout <= 0:
            raise TextsynthError(
                "--vlm-concurrency must be >= 1, --vlm-retries/--vlm-repairs >= 0, --vlm-timeout > 0"
            )
        vlm = VlmSettings(
            url=args.vlm_url, model=args.vlm_model, timeout=args.vlm_timeout, retries=args.vlm_retries,
            repairs=args.vlm_repairs, backoff=args.vlm_backoff, concurrency=args.vlm_concurrency,
        )  # fmt: skip
    items = list_inputs(args.input)
    job = RecaptionJob(
        input=args.input, items=items, shard_size=args.shard_size, seed=args.seed,
        filters=Filters(args.min_ocr_score, args.min_text_height, args.max_lines),
        keep_textless=args.keep_textless, vlm=vlm,
    )  # fmt: skip
    bar = tqdm(total=len(items), unit="img", disable=args.no_progress, dynamic_ncols=True, desc="recaption")
    try:
        summary = run_job(
            job, args.out, workers=args.workers or default_workers(), backend=args.backend,
            ray_address=args.address, progress=bar.update,
        )  # fmt: skip
    finally:
        bar.close()
    print(summary_lines(summary.stats, summary), file=sys.stderr)
    return 0


def summary_lines(stats: dict, summary) -> str:
    unreadable = sorted(stats.get("unreadable_files", {}))
    lines = [
        f"{stats.get('inputs', 0)} images in, {stats.get('samples', 0)} samples with {stats.get('texts', 0)} text "
        f"lines written in {summary.shards} shards to {summary.out} ({summary.rendered_shards} made, "
        f"{summary.resumed_shards} already done) in {summary.seconds:.1f}s",
        f"without kept text (dropped): {stats.get('textless', 0)}; unreadable: {len(unreadable)}; "
        f"re-encoded to JPEG: {stats.get('reencoded', 0)}",
        "OCR lines dropped: "
        + (", ".join(f"{k} {v}" for k, v in sorted(stats.get("dropped_lines", {}).items())) or "none"),
        "captions: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.get("recaption", {}).items())),
    ]
    if unreadable:
        shown = ", ".join(unreadable[:20]) + (
            f" ... and {len(unreadable) - 20} more" if len(unreadable) > 20 else ""
        )
        lines.append(f"unreadable images (skipped): {shown}")
    return "\n".join(lines)
