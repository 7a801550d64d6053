"""Fine-tune the Kolors UNet (LoRA or full) on textsynth shards, optionally mixed with real shards.

Text embeddings are computed once per caption (on the device, fp16 on a GPU) and cached in
float16 under OUTPUT/cache (or --cache-dir), keyed by the text encoder, so ChatGLM3-6B is not in
memory while the UNet trains. Runs on CUDA when available, else on the CPU; under
`accelerate launch` each process reads its own shards and only the main process writes. Checkpoints go to OUTPUT/checkpoint-N; final weights to
OUTPUT/lora (load with KolorsPipeline.load_lora_weights) or OUTPUT/unet; a run log to
OUTPUT/train_log.json (config, loss curve, words seen).
"""

from __future__ import annotations

import argparse

NAME = "finetune"
HELP = "fine-tune Kolors on shards (LoRA or full UNet) and write a run log"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model", required=True, help="local Kolors-diffusers folder (model_index.json, unet/, ...)"
    )
    parser.add_argument(
        "--shards", required=True, help="synthetic shards, e.g. 'out/shard-{000000..000099}.tar'"
    )
    parser.add_argument(
        "--output", required=True, help="folder for checkpoints, caches, final weights and log"
    )
    parser.add_argument(
        "--real-shards", default=None, help="real image-caption shards to mix in (same format)"
    )
    parser.add_argument(
        "--synthetic-ratio",
        type=float,
        default=None,
        help="share of synthetic samples; only with --real-shards (default there 0.3)",
    )
    parser.add_argument(
        "--resolution", type=int, default=1024, help="training side length; buckets keep ~its area"
    )
    parser.add_argument("--steps", type=int, default=1000, help="optimizer steps")
    parser.add_argument("--batch-size", type=int, default=1, help="samples per micro-batch")
    parser.add_argument(
        "--gradient-accumulation", type=int, default=1, help="micro-batches per optimizer step"
    )
    parser.add_argument("--learning-rate", type=float, default=1e-4, help="peak learning rate")
    parser.add_argument(
        "--lr-scheduler",
        default="constant_with_warmup",
        help="diffusers.optimization schedule: constant_with_warmup, cosine, linear, ...",
    )
    parser.add_argument("--warmup-steps", type=int, default=100, help="learning-rate warm-up steps")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--lora-rank", type=int, default=16, help="LoRA rank on the UNet attention projections")
    mode.add_argument("--full", action="store_true", help="train the whole UNet instead of LoRA")
    parser.add_argument(
        "--use-8bit-adam", action="store_true", help="bitsandbytes AdamW8bit (must be installed)"
    )
    parser.add_argument("--gradient-checkpointing", action="store_true", help="trade compute for UNet memory")
    parser.add_argument(
        "--mixed-precision",
        choices=["no", "fp16", "bf16"],
        default="no",
        help="via accelerate; the frozen UNet, VAE (fp32 under fp16) and text encoder run in it, "
        "LoRA weights stay fp32; fp16 needs a GPU",
    )
    parser.add_argument(
        "--device",
        default="auto",
        help="auto (CUDA when available, else CPU), cpu or cuda; under `accelerate launch` leave it auto",
    )
    parser.add_argument(
        "--caption-dropout",
        type=float,
        default=0.0,
        help="probability of training a sample on the empty prompt (as KolorsPipeline encodes it)",
    )
    parser.add_argument(
        "--snr-gamma",
        type=float,
        default=None,
        help="min-SNR loss weighting with this gamma (diffusers recommends 5.0); off by default",
    )
    parser.add_argument(
        "--noise-offset", type=float, default=0.0, help="per-channel noise offset (e.g. 0.05); 0 = off"
    )
    parser.add_argument(
        "--no-embedding-cache",
        action="store_true",
        help="encode captions on the fly (keeps ChatGLM on the device) instead of caching them",
    )
    parser.add_argument(
        "--cache-dir",
        default=None,
        help="folder for text-embedding and latent caches (default OUTPUT/cache); keyed by model, shareable",
    )
    parser.add_argument("--ema", action="store_true", help="keep an EMA of the trained weights and export it")
    parser.add_argument("--ema-decay", type=float, default=0.9999, help="EMA decay")
    parser.add_argument("--checkpoint-every", type=int, default=500, help="save a checkpoint every N steps")
    parser.add_argument("--keep-checkpoints", type=int, default=2, help="how many recent checkpoints to keep")
    parser.add_argument(
        "--resume", action="store_true", help="continue from the latest checkpoint in --output"
    )
    parser.add_argument(
        "--cache-latents", action="store_true", help="cache VAE latents on disk (uses their mean)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for data order, mixing and noise")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from textsynth.train.device import quiet_libraries

    quiet_libraries()
    from textsynth.train.loop import TrainConfig, train

    ratio = args.synthetic_ratio
    if ratio is None:
        ratio = 0.3 if args.real_shards else 1.0

    config = TrainConfig(
        model=args.model,
        shards=args.shards,
        output=args.output,
        real_shards=args.real_shards,
        synthetic_ratio=ratio,
        resolution=args.resolution,
        steps=args.steps,
        batch_size=args.batch_size,
        gradient_accumulation=args.gradient_accumulation,
        learning_rate=args.learning_rate,
        lr_scheduler=args.lr_scheduler,
        warmup_steps=args.warmup_steps,
        lora_rank=args.lora_rank,
        full=args.full,
        use_8bit_adam=args.use_8bit_adam,
        gradient_checkpointing=args.gradient_checkpointing,
        mixed_precision=args.mixed_precision,
        device=args.device,
        caption_dropout=args.caption_dropout,
        snr_gamma=args.snr_gamma,
        noise_offset=args.noise_offset,
        embedding_cache=not args.no_embedding_cache,
        cache_dir=args.cache_dir,
        ema=args.ema,
        ema_decay=args.ema_decay,
        checkpoint_every=args.checkpoint_every,
        keep_checkpoints=args.keep_checkpoints,
        resume=args.resume,
        cache_latents=args.cache_latents,
        seed=args.seed,
        progress=not args.no_progress,
    )
    train(config)
    return 0
