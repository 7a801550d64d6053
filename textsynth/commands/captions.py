"""Caption quality report for a rendered dataset.

For each caption: length, completeness (share of rendered texts and scene elements
mentioned), relevance, hallucination (anything mentioned that is not in the scene, and any
position or colour that a text's final polygon or drawn colours contradict) and
subjectivity (subjective words), each with a 1-5 score next to the raw figure; then the
averages and the diversity of phrasing (distinct sentence skeletons). Works from the KEY.json records alone, so it is fast.
"""

from __future__ import annotations

import argparse
import sys

NAME = "captions"
HELP = "caption quality report: length, completeness, relevance, hallucination, subjectivity (1-5)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dir", metavar="DIR", help="folder with shard-*.tar files (the --out of `textsynth render`)"
    )
    parser.add_argument(
        "--language", choices=["zh", "en"], default="zh", help="which caption language to check"
    )
    parser.add_argument(
        "--field", help="captions field to check (e.g. short_zh); default: the --language caption"
    )
    parser.add_argument("--samples", type=int, help="check only the first N samples (default: all)")
    parser.add_argument(
        "--json", dest="json_out", help="also write every caption's figures and the averages here"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="print only the averages, not one line per caption"
    )


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from textsynth.errors import TextsynthError
    from textsynth.qa.caption_report import SCALES, caption_report

    if args.samples is not None and args.samples < 1:
        raise TextsynthError(f"--samples must be at least 1, got {args.samples}")
    rows, avg = caption_report(args.dir, args.language, args.samples, args.field)
    if not args.quiet:
        for r in rows:
            s = r.scores
            print(
                f"{r.key}  len {r.length} ({s['length']})  complete {r.completeness:.2f} ({s['completeness']})  "
                f"relevant {r.relevance:.2f} ({s['relevance']})  halluc {len(r.hallucinations)} ({s['hallucination']})"
                f"  subjective {len(r.subjective)} ({s['subjectivity']})"
                + (f"  !! {'; '.join(r.hallucinations)}" if r.hallucinations else "")
            )
    if avg["n"]:
        sc = avg["scores"]
        print(
            f"average over {avg['n']} captions: length {avg['length']:.1f} ({sc['length']:.2f}), "
            f"completeness {avg['completeness']:.3f} ({sc['completeness']:.2f}), relevance {avg['relevance']:.3f} "
            f"({sc['relevance']:.2f}), hallucinations {avg['hallucinations']:.3f} ({sc['hallucination']:.2f}), "
            f"subjective words {avg['subjective']:.3f} ({sc['subjectivity']:.2f})"
        )
    if avg["n"]:
        div = avg["diversity"]
        print(
            f"position/colour claims contradicted by the final polygons and drawn colours: "
            f"{avg['wrong_positions']} positions, {avg['wrong_colors']} colours; captions with any "
            f"hallucination: {avg['captions_with_hallucinations']:.1%}"
        )
        print(
            f"diversity: {div['distinct_caption_skeletons']} distinct caption skeletons in {div['captions']}, "
            f"{div['distinct_sentence_skeletons']} distinct sentence skeletons in {div['sentences']} sentences "
            "(quoted text, colours, positions and numbers masked)"
        )
    print("scales: " + "; ".join(f"{k}: {v}" for k, v in SCALES.items()), file=sys.stderr)
    if args.json_out:
        data = {"averages": avg, "scales": SCALES, "captions": [r.to_json() for r in rows]}
        Path(args.json_out).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0
