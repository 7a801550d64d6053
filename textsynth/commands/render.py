"""Render a synthetic Chinese-text dataset into WebDataset shards.

Rerunning the same command into the same --out finishes only the missing shards;
the result is byte-identical to an uninterrupted run, whatever --workers or --backend.
"""

from __future__ import annotations

import argparse
import sys

from textsynth.io.record import IMAGE_FORMATS

NAME = "render"
HELP = "render samples into WebDataset shards (resumable, deterministic)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        required=True,
        help="output folder or fsspec URL (file://, s3://...) for shards and manifest.json",
    )
    parser.add_argument(
        "--count", type=int, help="number of samples to render (default 1000, or the config's)"
    )
    parser.add_argument(
        "--seed", type=int, help="run seed; same seed and config give the same bytes (default 0)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="local worker processes (default: all cores; more than the cores is capped)",
    )
    parser.add_argument("--shard-size", type=int, help="samples per shard (default 1000)")
    parser.add_argument(
        "--size",
        help="image size WIDTHxHEIGHT; templates with aspect ratios keep this area (default 512x512)",
    )
    parser.add_argument(
        "--aspects",
        help="canvas shapes: 'template' (default: each template's own aspects at about --size's area), "
        "'fixed' (every image exactly --size), or a comma list of portrait, square, landscape, banner "
        "or width/height ratios that layout:auto templates draw from (e.g. portrait,landscape,banner,1.5)",
    )
    parser.add_argument("--config", help="YAML file with RenderConfig fields; flags given here override it")
    parser.add_argument(
        "--templates",
        help="comma-separated template names or YAML paths, with optional :weight (e.g. promo_poster:2,my.yaml)",
    )
    parser.add_argument(
        "--backgrounds",
        help="folder of photos (jpg/png/webp, searched recursively) added to the shipped photo set; "
        "every file is checked before rendering starts",
    )
    parser.add_argument(
        "--no-default-photos", action="store_true",
        help="leave out the shipped photo set (photos_manifest.yaml): only --backgrounds photos, if any",
    )  # fmt: skip
    parser.add_argument(
        "--corpus",
        help="word list to use instead of the shipped 50k list (TSV rank/word/freq, or one word per line)",
    )
    parser.add_argument(
        "--fonts-dir", action="append", default=None, help="extra folder of .ttf/.otf/.ttc fonts (repeatable)"
    )
    parser.add_argument(
        "--plugin", action="append", default=None,
        help="Python module or .py file that registers templates/backgrounds/effects; imported in every worker (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--format", choices=list(IMAGE_FORMATS), help="image format inside the shards (default jpg)"
    )
    parser.add_argument(
        "--backend",
        choices=["local", "ray"],
        default="local",
        help="local processes, or Ray tasks (one per shard)",
    )
    parser.add_argument(
        "--address",
        help="Ray cluster address HOST:PORT, ray://HOST:PORT or auto (only with --backend ray; a token-protected "
        "cluster needs RAY_AUTH_MODE=token and RAY_AUTH_TOKEN, see docs/scale.md); default starts Ray locally",
    )
    parser.add_argument(
        "--ocr-check",
        action="store_true",
        default=None,
        help="OCR-read every text item back (rapidocr, slow: ~20 ms per item) and redraw scenes that fail",
    )
    parser.add_argument(
        "--min-ocr-score",
        type=float,
        help="with --ocr-check: the lowest similarity (1 - normalised edit distance) an item may read back with (default 0.5)",
    )
    parser.add_argument(
        "--caption-language", choices=["zh", "en", "short_zh", "short_en", "detailed_zh", "bilingual"],
        help="which caption goes into KEY.txt (all are always in KEY.json's captions) (default: zh)",
    )  # fmt: skip
    parser.add_argument(
        "--script", choices=["simplified", "traditional"],
        help="simplified (default): text as the sources give it, in SC faces only; traditional: converted "
        "with OpenCC (s2tw) and set in TC faces only",
    )  # fmt: skip
    parser.add_argument(
        "--conditioning",
        help="comma-separated maps to add per sample as KEY.<map>.png: glyph (plain black text, same geometry), "
        "position (text polygons, index+1), charseg (16-bit character classes of charset.json)",
    )
    parser.add_argument(
        "--glyph-font",
        help="face of the glyph map: 'own' (each text's own face) or one face id for all texts, e.g. "
        "noto-sans-sc-regular (default: own)",
    )
    parser.add_argument(
        "--contours", action="store_true", default=None,
        help="add each text's `contour` to KEY.json: 16 points along the arc for curved text (CTW1500 / Total-Text style), else its 4-point polygon",
    )  # fmt: skip
    parser.add_argument(
        "--pairs", action="store_true", default=None,
        help="text-editing pairs: each sample also holds KEY.pair.jpg/.txt/.json, the same scene with another primary word",
    )  # fmt: skip
    blocks = parser.add_mutually_exclusive_group()
    blocks.add_argument(
        "--blocklist", metavar="FILE",
        help="terms no sample text may contain, one per line (default: the shipped corpora/blocklist.txt: "
        "profanity, slurs, sexual and political terms); a text holding one is drawn again and counted",
    )  # fmt: skip
    blocks.add_argument("--no-blocklist", action="store_true", help="apply no blocklist to the text")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (e.g. in logs)")


_FLAGS = {
    "count": "--count", "seed": "--seed", "shard_size": "--shard-size", "backgrounds": "--backgrounds",
    "corpus": "--corpus", "image_format": "--format", "ocr_check": "--ocr-check", "min_ocr_score": "--min-ocr-score",
    "caption_language": "--caption-language", "templates": "--templates", "plugins": "--plugin",
    "fonts_dirs": "--fonts-dir", "width": "--size", "height": "--size", "script": "--script",
    "glyph_font": "--glyph-font", "conditioning": "--conditioning", "contours": "--contours", "pairs": "--pairs",
    "aspects": "--aspects",
}  # fmt: skip


def _flag(path: tuple) -> str:
    return _FLAGS.get(path[0], str(path[0])) if path else "(command line)"


def config_from_args(args: argparse.Namespace):
    from textsynth.config import RenderConfig, parse_size, parse_template_weights

    config = RenderConfig.from_yaml(args.config) if args.config else RenderConfig()
    overrides = {
        "count": args.count, "seed": args.seed, "shard_size": args.shard_size, "backgrounds": args.backgrounds,
        "corpus": args.corpus, "image_format": args.format, "ocr_check": args.ocr_check,
        "min_ocr_score": args.min_ocr_score, "caption_language": args.caption_language,
        "script": args.script,
        "glyph_font": args.glyph_font, "contours": args.contours, "pairs": args.pairs, "aspects": args.aspects,
    }  # fmt: skip
    for key, value in overrides.items():
        if value is not None:
            setattr(config, key, value)
    if args.no_default_photos:
        config.default_photos = False
    if args.blocklist or args.no_blocklist:
        config.blocklist = "none" if args.no_blocklist else args.blocklist
    if args.size:
        config.width, config.height = parse_size(args.size)
    if args.conditioning:
        config.conditioning = [k.strip() for k in args.conditioning.split(",") if k.strip()]
    if args.templates:
        config.templates = parse_template_weights(args.templates)
    if args.plugin:
        config.plugins = list(args.plugin)
    if args.fonts_dir:
        config.fonts_dirs = list(args.fonts_dir)
    # the config file was checked as it was read: what fails now came from a flag
    return config.validate("command line", label=_flag)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from textsynth.errors import TextsynthError
    from textsynth.io.shards import Output
    from textsynth.pipeline import build_context
    from textsynth.run.runner import default_workers, run_render

    config = config_from_args(args)
    if args.workers is not None and args.workers < 1:
        raise TextsynthError(f"--workers must be at least 1, got {args.workers}")
    if args.address and args.backend != "ray":
        raise TextsynthError(
            f"--address {args.address}: only used with --backend ray; add --backend ray or drop it"
        )
    Output(args.out, label="--out")  # an unknown scheme or a missing package is reported before any work
    workers = args.workers or default_workers()
    if args.backend == "local" and workers > default_workers():
        print(
            f"textsynth render: note: --workers {workers} is more than the {default_workers()} cores here; "
            f"using {default_workers()}",
            file=sys.stderr,
        )
        workers = default_workers()
    from textsynth.plugins import probe_plugins

    probe_plugins(config.plugins)  # a plugin that ends its process at import must not end this one
    # fail fast on bad templates, fonts, corpus or backgrounds, before any worker starts;
    # with --workers 1 the run renders with this same context
    ctx = build_context(config)
    if config.conditioning:
        from textsynth.render.conditioning import glyph_font_for

        glyph_font_for(ctx.fonts, config.glyph_font)  # an unknown face id fails here, naming the valid ones
    bar = tqdm(total=config.count, unit="img", disable=args.no_progress, dynamic_ncols=True, desc="render")
    try:
        summary = run_render(
            config,
            args.out,
            workers=workers,
            backend=args.backend,
            ray_address=args.address,
            progress=bar.update,
            ctx=ctx,
        )
    finally:
        bar.close()
    stats = summary.stats
    rate = summary.rendered_samples_per_s
    print(
        f"wrote {summary.count} samples in {summary.shards} shards to {summary.out} "
        f"({summary.rendered_shards} rendered, {summary.resumed_shards} already done) in {summary.seconds:.1f}s"
        + (f", {rate:.1f} img/s" if rate else ""),
        file=sys.stderr,
    )
    print(
        f"text items: {stats.get('texts', 0)}; words no font could set (skipped): {stats.get('skipped_words', 0)}; "
        f"scenes redrawn by the quality checks: {stats.get('resampled', 0)}; "
        f"texts drawn again for holding a blocklisted term: {stats.get('blocked_texts', 0)}; "
        f"templates: {', '.join(f'{k} {v}' for k, v in sorted(stats.get('templates', {}).items()))}",
        file=sys.stderr,
    )
    return 0
