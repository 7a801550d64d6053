"""Plan a job's shards, make the missing ones on local processes or Ray, keep the manifest current.

Each shard is an independent task (its samples depend only on the job's settings and the
shard's plan), so worker count, backend and resume never change the bytes. `render` and
`recaption` are both jobs (textsynth.run.job).
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing as mp
import os
import queue
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from textsynth.config import RenderConfig
from textsynth.errors import TextsynthError
from textsynth.io.manifest_log import ManifestLog
from textsynth.io.shards import (
    Output,
    ShardPlan,
    ShardResult,
    merge_stats,
    new_manifest,
    read_manifest,
    store_returned,
)
from textsynth.run.inputs import changed_inputs
from textsynth.run.job import Job
from textsynth.run.ray_backend import run_ray
from textsynth.run.worker import RenderJob
from textsynth.sampling.context import RenderContext

ProgressFn = Callable[[int], None]


# --- local process pool -------------------------------------------------------------------------------

_worker: dict[str, Any] = {}


def _init_worker(job: Job, out_url: str, progress_queue) -> None:
    _die_with_parent()
    try:
        output = Output(out_url)
        started = job.start()
    except Exception as err:  # reported with the first shard: an initializer's error only breaks the pool
        _worker["error"] = err if isinstance(err, TextsynthError) else f"{type(err).__name__}: {err}"
        return
    _worker.update(job=started, output=output, write=output.shared, queue=progress_queue, pending=0)


def _die_with_parent() -> None:
    """Linux: this worker gets SIGTERM when the coordinator dies, even by SIGKILL, so none is orphaned."""
    import ctypes
    import signal

    # not Linux: no prctl, and the coordinator's own clean-up still stops workers
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


def _report(n: int) -> None:
    _worker["pending"] += n
    if _worker["pending"] >= 8:
        _worker["queue"].put(_worker["pending"])
        _worker["pending"] = 0


def _run_in_worker(plan: ShardPlan) -> ShardResult:
    error = _worker.get("error")
    if isinstance(error, TextsynthError):
        raise error
    if error:
        raise TextsynthError(f"{plan.name}: a worker could not start ({error}); finished shards are kept")
    result = _worker["job"].process(plan, _worker["output"], _report, write=_worker["write"])
    if _worker["pending"]:
        _worker["queue"].put(_worker["pending"])
        _worker["pending"] = 0
    return result


def run_local(
    job: Job, plans: Iterable[ShardPlan], output: Output, workers: int, progress: ProgressFn
) -> Iterator[ShardResult]:
    """Yield shard results as they finish; workers=1 runs in this process."""
    if workers <= 1:
        worker = job.start()
        for plan in plans:
            yield worker.process(plan, output, progress)
        return
    mp_context = mp.get_context("spawn")
    progress_queue = mp_context.Queue()
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=mp_context, initializer=_init_worker,
        initargs=(job, output.url, progress_queue),
    ) as pool:  # fmt: skip
        queue_ = iter(plans)
        pending: dict[Any, ShardPlan] = {}
        try:
            while True:
                # a bounded window of shards in flight: a run of a million shards plans lazily
                for plan in itertools.islice(queue_, 2 * workers - len(pending)):
                    pending[pool.submit(_run_in_worker, plan)] = plan
                if not pending:
                    break
                done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                _drain(progress_queue, progress)
                for future in done:
                    plan = pending.pop(future)
                    yield store_returned(_result(future, plan, pool), output)
            _drain(progress_queue, progress)
        except BaseException:
            # shards in flight are lost; finished ones are already written and in the manifest
            _stop_workers(pool)
            raise


def _result(future, plan: ShardPlan, pool: ProcessPoolExecutor) -> ShardResult:
    """A worker's result, or one TextsynthError naming the shard and why its worker failed."""
    try:
        return future.result()
    except TextsynthError:
        raise
    except BrokenProcessPool:
        codes = sorted({p.exitcode for p in list(getattr(pool, "_processes", {}).values()) if p.exitcode})
        how = f" (exit code {', '.join(map(str, codes))})" if codes else ""
        raise TextsynthError(
            f"{plan.name} (samples {plan.first:09d}-{plan.first + plan.count - 1:09d}): a worker process died"
            f"{how} while rendering it or while starting (a plugin that calls os._exit, a crash, or out of "
            "memory); finished shards are kept, rerun the same command to resume"
        ) from None
    except Exception as err:
        raise TextsynthError(
            f"{plan.name}: rendering failed in a worker ({type(err).__name__}: {err}); finished shards are kept"
        ) from None


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate the worker processes now: shutdown alone waits for the shards they are rendering."""
    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
    # with its workers gone the pool's manager thread ends at once; joining it here keeps interpreter
    # exit from tripping over it (a traceback from threading._shutdown)
    with contextlib.suppress(Exception):
        pool.shutdown(wait=True, cancel_futures=True)


def _drain(progress_queue, progress: ProgressFn) -> None:
    """Pass on the sample counts workers have reported so far."""
    while True:
        try:
            progress(progress_queue.get_nowait())
        except queue.Empty:
            return


# --- the run: resume, manifest, summary --------------------------------------------------------------


@dataclass
class RunSummary:
    out: str
    count: int
    shards: int
    rendered_shards: int
    resumed_shards: int
    seconds: float
    rendered_samples: int = 0  # rendered by this invocation (not the resumed ones)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def rendered_samples_per_s(self) -> float:
        return self.rendered_samples / self.seconds if self.seconds else 0.0


def check_resume(
    manifest: dict[str, Any] | None, job: Job, output: Output, inputs: dict[str, str] | None = None
) -> set[str]:
    """Names of shards already finished; refuse to mix runs with different settings or changed input files."""
    if manifest is None:
        return set()
    settings = job.settings()
    if manifest.get("fingerprint") != job.fingerprint():
        old = manifest.get("config", {})
        changed = sorted(k for k in set(old) | set(settings) if old.get(k) != settings.get(k))
        raise TextsynthError(
            f"{output.path('manifest.json')}: this folder holds a run with different settings "
            f"(changed: {', '.join(changed) or 'version'}); use another --out, or the same settings to resume"
        )
    if inputs is not None and isinstance(manifest.get("inputs"), dict):
        changed = changed_inputs(manifest["inputs"], inputs)
        if changed:
            raise TextsynthError(
                f"{output.path('manifest.json')}: the files this run reads changed since its first shards "
                f"(changed: {', '.join(changed)}); restore them to resume, or render into another --out"
            )
    return {
        name
        for name, info in manifest.get("shards", {}).items()
        if output.exists(name) and output.size(name) == info["bytes"]
    }


def run_render(
    config: RenderConfig, out: str, workers: int = 1, backend: str = "local", ray_address: str | None = None,
    progress: ProgressFn | None = None, ctx: RenderContext | None = None,
) -> RunSummary:  # fmt: skip
    """Render the whole run into `out`, finishing only what is missing.

    `ctx`, when the caller already built it from this config, saves building it again in-process.
    """
    config.validate()  # a config built in Python gets the same checks as one read from YAML
    return run_job(RenderJob(config, ctx), out, workers, backend, ray_address, progress)


def run_job(
    job: Job, out: str, workers: int = 1, backend: str = "local", ray_address: str | None = None,
    progress: ProgressFn | None = None,
) -> RunSummary:  # fmt: skip
    """Run any job into `out` under the folder lock, finishing only the shards that are missing."""
    output = Output(out)
    output.prepare()
    with output.exclusive():
        return _run_into(output, job, workers, backend, ray_address, progress)


def _run_into(
    output: Output, job: Job, workers: int, backend: str, ray_address: str | None, progress: ProgressFn | None
) -> RunSummary:
    started = time.perf_counter()
    output.remove_stale_temporaries()  # safe: we hold the folder, so no other run is writing them
    plans = job.plans()
    manifest = read_manifest(output, strict=True)
    # digests of the files the job reads (templates, photos, ...), for jobs that name them
    inputs = job.inputs() if hasattr(job, "inputs") else None
    finished = check_resume(manifest, job, output, inputs)
    if manifest is None:
        manifest = new_manifest(job.settings(), job.fingerprint(), plans)
        if inputs is not None:
            manifest["inputs"] = inputs
    manifest["shards"] = {k: v for k, v in manifest["shards"].items() if k in finished}
    log = ManifestLog(output, manifest)
    log.fold()  # the entries of a killed run's last shards move into manifest.json
    if hasattr(job, "prepare"):  # optional: files a job writes once per run (render: charset.json)
        job.prepare(output)
    todo = (p for p in plans if p.name not in finished)
    already = sum(manifest["shards"][name]["count"] for name in finished)
    if progress is not None and already:
        progress(already)
    progress = progress or (lambda n: None)
    if backend == "ray":
        results = run_ray(job, todo, output, ray_address, progress, shards=len(plans) - len(finished))
    elif backend == "local":
        results = run_local(job, todo, output, max(1, workers), progress)
    else:
        raise TextsynthError(f"--backend must be 'local' or 'ray', got {backend!r}")
    done = 0
    for result in results:
        log.add(result.name, {
            "count": result.count, "sha256": result.sha256, "bytes": result.bytes, "stats": result.stats,
        })  # fmt: skip
        done += result.count
    totals: dict[str, Any] = {}
    for name in sorted(manifest["shards"]):
        totals = merge_stats(totals, manifest["shards"][name]["stats"])
    manifest["stats"] = totals
    manifest["complete"] = len(manifest["shards"]) == len(plans)
    log.fold()
    return RunSummary(
        out=output.url, count=int(job.settings()["count"]), shards=len(plans), rendered_shards=len(plans) - len(finished),
        resumed_shards=len(finished), seconds=time.perf_counter() - started, rendered_samples=done, stats=totals,
    )  # fmt: skip


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
