"""What the runner runs: a job plans shards, and a worker it starts in each process fills one shard.

`render` and `recaption` are both jobs, so both get the same resume, lock, manifest,
local pool and Ray backend. A job is pickled into every worker process; what is costly
to load (fonts, OCR models) is loaded by `start()` there, once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from textsynth.io.shards import Output, ShardPlan, ShardResult

ProgressFn = Callable[[int], None]


class JobWorker(Protocol):
    def process(
        self, plan: ShardPlan, output: Output, progress: ProgressFn | None = None, write: bool = True
    ) -> ShardResult:
        """Make one shard and write it atomically (or, with write=False, return its bytes in the result)."""
        ...


class Job(Protocol):
    kind: str  # the command that runs it: "render", "recaption"

    def settings(self) -> dict[str, Any]:
        """manifest.json's `config`: every setting that changes output bytes, with seed, count, shard_size."""
        ...

    def fingerprint(self) -> str:
        """Hash of settings(): a resume with another fingerprint is refused."""
        ...

    def plans(self) -> list[ShardPlan]: ...

    def start(self) -> JobWorker:
        """Load what processing needs, in the process that will use it."""
        ...
