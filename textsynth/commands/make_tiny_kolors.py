"""Build a tiny, randomly initialised Kolors (real architecture, Kolors-diffusers layout) for smoke tests.

Its ChatGLM tokenizer is a sentencepiece model trained on the word list, so Chinese captions
tokenize as they would for the real model. The images it generates are noise.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from textsynth.resources import CORPORA_DIR

NAME = "make-tiny-kolors"
HELP = "write a tiny random Kolors model folder to test finetune/evaluate without the real weights"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, help="folder to write (model_index.json, unet/, vae/, ...)")
    parser.add_argument(
        "--words",
        type=Path,
        default=CORPORA_DIR / "words_50k.tsv",
        help="word list (TSV with header rank, word, freq) to train the tokenizer on",
    )
    parser.add_argument("--max-words", type=int, default=None, help="use only the N most frequent words")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random weights")


def run(args: argparse.Namespace) -> int:
    from textsynth.train.tiny import build_tiny_kolors, read_words

    words = read_words(args.words, args.max_words)
    out = build_tiny_kolors(args.dir, words, seed=args.seed)
    print(f"tiny Kolors ({len(words)} words in the tokenizer's training text) written to {out}")
    return 0
