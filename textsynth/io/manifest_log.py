"""Keeping manifest.json current at a cost that stays linear in the number of shards.

Rewriting manifest.json after every shard costs O(shards) each time, so O(shards²) over a run
(a million-shard run would write terabytes of JSON). Instead each finished shard's entry is
written as a small file of its own, `manifest.pending/shard-NNNNNN.json` (atomic, like every
file here), and manifest.json is rewritten with the pending entries folded in only once they are
as many as the shards it already lists: the rewrites double in size, so their total is linear.
Readers (`read_manifest`: resume, verify, stats) fold the pending entries in, so a run killed at
any moment resumes from every shard it finished; the end of a run folds them all and removes them.
"""

from __future__ import annotations

import json
from typing import Any

from textsynth.io.shards import PENDING, Output, clear_pending, pending_name, write_manifest

MIN_FOLD = 16  # fold at least this many entries at a time (a small run rewrites manifest.json rarely)


class ManifestLog:
    """The coordinator's manifest: `add` one finished shard at a time, `fold` to rewrite manifest.json."""

    def __init__(self, output: Output, manifest: dict[str, Any]):
        self.output, self.manifest = output, manifest
        self.pending = 0  # entries written as files and not yet in manifest.json

    def fold(self) -> None:
        """Rewrite manifest.json with every entry, then drop the pending files it now holds."""
        write_manifest(self.output, self.manifest)
        if self.pending or self.output.fs.exists(self.output.path(PENDING)):
            clear_pending(self.output)
        self.pending = 0

    def add(self, name: str, entry: dict[str, Any]) -> None:
        if not self.pending:
            self.output.fs.makedirs(self.output.path(PENDING), exist_ok=True)
        data = json.dumps({"name": name, **entry}, ensure_ascii=False, sort_keys=True).encode()
        self.output.write_atomic(pending_name(name), data)
        self.manifest["shards"][name] = entry
        self.pending += 1
        if self.pending >= max(MIN_FOLD, len(self.manifest["shards"]) - self.pending):
            self.fold()
