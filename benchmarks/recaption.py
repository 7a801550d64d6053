"""Recaption on images whose text is known: exact-line recall/precision, quoting, throughput per core.

    python benchmarks/recaption.py [--n 200] [--workdir /tmp/recap-bench]

Half the images are textsynth renders (10 templates), half photos from photos_manifest.yaml
with corpus words drawn on them (tests/recaption_fixtures.py). Recaption runs in this process,
one worker, no VLM, pinned to one core; images/s per core is images over CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout, and the known-text fixtures


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200, help="images")
    parser.add_argument("--workdir", default="/tmp/recap-bench", help="where images and shards go")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    from recaption_fixtures import line_scores, make_known_text_images

    from textsynth.io.reader import iter_records
    from textsynth.qa.ocr import engine
    from textsynth.recaption.fuse import check_quotes
    from textsynth.recaption.inputs import list_inputs
    from textsynth.recaption.job import RecaptionJob
    from textsynth.run.runner import run_job

    work = Path(args.workdir)
    images = work / "in"
    truth_file = work / "in.truth.json"
    if truth_file.is_file() and len(json.loads(truth_file.read_text())) == args.n:
        truth = json.loads(truth_file.read_text())
    else:
        truth = make_known_text_images(images, args.n, seed=0)
    out = work / "out"
    if out.exists():
        import shutil

        shutil.rmtree(out)
    engine()  # model load is not per-image work
    job = RecaptionJob(input=str(images), items=list_inputs(str(images)), shard_size=50)
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    run_job(job, str(out), workers=1)
    cpu, wall = cpu_seconds() - cpu0, time.perf_counter() - wall0
    records = list(iter_records(str(out)))
    strict = line_scores(records, truth)
    normalised = line_scores(
        [{**r, "texts": [{**t, "text": nfkc(t["text"])} for t in r["texts"]]} for r in records],
        {k: [nfkc(x) for x in v] for k, v in truth.items()},
    )
    by_kind = {
        kind: line_scores(
            [r for r in records if r["origin"].startswith(kind)],
            {k: v for k, v in truth.items() if k.startswith(kind)},
        )
        for kind in ("render/", "photo/")
    }
    quoted = {
        field: sum(check_quotes(r["captions"][field], [t["text"] for t in r["texts"]]).ok for r in records)
        / max(1, len(records))
        for field in ("zh", "en")
    }
    found = {r["origin"]: {t["text"].replace(" ", "") for t in r["texts"]} for r in records}
    missed = [
        (k, line) for k, v in truth.items() for line in v if line.replace(" ", "") not in found.get(k, set())
    ]
    result = {
        "images": args.n, "samples": len(records), "lines": strict["lines"], "found": strict["found"],
        "recall": round(strict["recall"], 4), "precision": round(strict["precision"], 4),
        "recall_nfkc": round(normalised["recall"], 4), "precision_nfkc": round(normalised["precision"], 4),
        "by_kind": {k: {m: round(v[m], 4) for m in ("recall", "precision")} for k, v in by_kind.items()},
        "captions_quoting_every_line": {k: round(v, 4) for k, v in quoted.items()},
        "cpu_s": round(cpu, 1), "wall_s": round(wall, 1), "images_per_cpu_s": round(args.n / cpu, 3),
        "images_per_wall_s_one_core": round(args.n / wall, 3), "missed_examples": missed[:15],
    }  # fmt: skip
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
