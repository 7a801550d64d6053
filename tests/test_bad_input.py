"""Bad input of every kind: one line on stderr naming the file or flag and the field, a non-zero exit,
no traceback, and finished work left as it was."""

from __future__ import annotations

import contextlib
import json
import time

import pytest

from textsynth.cli import main
from textsynth.config import RenderConfig
from textsynth.errors import TextsynthError
from textsynth.templates import load_template


def _render(tmp_path, *extra, out=None):
    return main(
        [
            "render", "--out", str(out or tmp_path / "out"), "--count", "2", "--size", "128x128",
            "--workers", "1", "--no-progress", *extra,
        ]
    )  # fmt: skip


def _one_line(capsys, *expected) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


# --- item 1: --config, every field typed ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("templates: 5\n", ":1: templates: must be a mapping of template name"),
        ("effects: [blur]\n", ":1: effects: must be a mapping of name: probability (e.g. {blur: 0.2})"),
        ("jpeg_quality: [10]\n", ":1: jpeg_quality: must be an integer or a [low, high] pair"),
        ("jpeg_quality: [90, 10]\n", ":1: jpeg_quality: low must not exceed high"),
        ("fonts_dirs: 5\n", ":1: fonts_dirs: must be a list of folders"),
        ("backgrounds: 7\n", ":1: backgrounds: must be a folder of photos"),
        ("corpus: 12\n", ":1: corpus: must be the path of a word list"),
        ("count: true\n", ":1: count: must be a positive integer"),
        ("count: 1.5\n", ":1: count: must be a positive integer"),
        ("photo_background_p: 5\n", ":1: photo_background_p: must be a number in [0.0, 1.0]"),
        ("ocr_check: 'yes'\n", ":1: ocr_check: must be true or false"),
        ("seed: 0\ncolour: red\n", ":2: colour: unknown field; valid fields:"),
        ("size: 5\n", ":1: size: must look like WIDTHxHEIGHT"),
        ("templates: {couplet: -1}\n", ":1: templates.couplet: weight must be a positive number"),
        ("effects: {blur: 2}\n", ":1: effects.blur: must be a number in [0.0, 1.0]"),
        ("plugins: my_plugin\n", ":1: plugins: must be a list of module names"),
        ("image_format: gif\n", ":1: image_format: must be one of jpg, png, webp"),
        ("- count\n", "a config must be a YAML mapping"),
        ("count: 1000000000\nshard_size: 1\n", "shard_size: count 1000000000 in shards of 1 makes more than"),
        ("count: 10000000000\n", ":1: count: must be a positive integer"),
    ],
)
def test_config_field_of_the_wrong_type(tmp_path, capsys, yaml_text, expected):
    config = tmp_path / "run.yaml"
    config.write_text(yaml_text, encoding="utf-8")
    assert main(["render", "--out", str(tmp_path / "out"), "--config", str(config), "--no-progress"]) == 2
    _one_line(capsys, str(config), expected)
    assert not (tmp_path / "out").exists()


def test_config_that_is_a_folder(tmp_path, capsys):
    assert _render(tmp_path, "--config", str(tmp_path)) == 2
    _one_line(capsys, str(tmp_path), "is a folder; expected a config YAML file")


def test_config_not_utf8(tmp_path, capsys):
    config = tmp_path / "run.yaml"
    config.write_bytes(b"count: \xff\xfe\n")
    assert _render(tmp_path, "--config", str(config)) == 2
    _one_line(capsys, str(config), "not UTF-8")


# --- item 3: --templates weights ------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["couplet:-1", "couplet:x", "couplet:0", "couplet:nan", "couplet:inf"])
def test_bad_template_weight_says_weight(tmp_path, capsys, spec):
    assert _render(tmp_path, "--templates", spec) == 2
    line = _one_line(capsys, "--templates", "weight", "must be a positive number")
    assert "unknown template" not in line


# --- item 5: YAML alias bombs ---------------------------------------------------------------------------

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)},"
    f" *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9)
)


@pytest.mark.parametrize("flag", ["--config", "--templates"])
def test_alias_bomb_is_refused_fast(tmp_path, capsys, flag):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(("name: bomb\n" if flag == "--templates" else "") + BOMB, encoding="utf-8")
    assert _render(tmp_path, flag, str(bomb)) == 2
    _one_line(capsys, str(bomb), "aliases")
    load = RenderConfig.from_yaml if flag == "--config" else load_template
    started = time.perf_counter()
    with pytest.raises(TextsynthError, match="aliases"):
        load(bomb)
    assert time.perf_counter() - started < 0.5


def test_font_and_photo_manifests_refuse_aliases(tmp_path):
    from textsynth.sources import fonts, photos

    bomb = tmp_path / "m.yaml"
    bomb.write_text(BOMB, encoding="utf-8")
    for load in (fonts.load_manifest, photos.load_manifest):
        with pytest.raises(TextsynthError, match=r"m\.yaml:\d+: malformed YAML: YAML aliases"):
            load(bomb)


# --- item 2: --out ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("out", "expected"),
    [
        ("foo://bucket/run", "--out foo://bucket/run: unknown URL scheme"),
        ("", "--out: must be a folder or an fsspec URL"),
    ],
)
def test_bad_out(tmp_path, capsys, out, expected):
    assert _render(tmp_path, out=out) == 2 if out else main(["render", "--out", "", "--no-progress"]) == 2
    _one_line(capsys, expected)


def test_out_scheme_whose_package_is_missing_names_the_package(tmp_path, capsys, monkeypatch):
    from fsspec.registry import known_implementations

    monkeypatch.setitem(
        known_implementations, "nopkg",
        {"class": "no_such_pkg_fs.NoFileSystem", "err": "Install no_such_pkg_fs to access nopkg"},
    )  # fmt: skip
    assert _render(tmp_path, out="nopkg://bucket/run") == 2
    _one_line(capsys, "--out nopkg://bucket/run", "Install no_such_pkg_fs")


# --- items 7 and 8: --workers, --address ------------------------------------------------------------------


def test_workers_above_the_core_count_are_capped_with_a_note(tmp_path, capsys, monkeypatch):
    import textsynth.run.runner as runner

    seen = {}
    real = runner.run_render
    monkeypatch.setattr(runner, "run_render", lambda *a, **k: seen.update(k) or real(*a, **k))
    assert _render(tmp_path, "--workers", "1000", "--count", "1") == 0
    err = capsys.readouterr().err
    assert "--workers 1000 is more than the" in err and seen["workers"] == runner.default_workers()


def test_address_without_ray_backend_is_refused(tmp_path, capsys):
    assert _render(tmp_path, "--address", "127.0.0.1:6379") == 2
    _one_line(capsys, "--address 127.0.0.1:6379: only used with --backend ray")


def test_ray_address_that_does_not_answer_fails_fast(tmp_path, capsys):
    pytest.importorskip("ray")
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.perf_counter()
    assert _render(tmp_path, "--backend", "ray", "--address", f"127.0.0.1:{port}") == 2
    assert time.perf_counter() - started < 20
    _one_line(capsys, f"--address 127.0.0.1:{port}: nothing answers there")
    assert not list((tmp_path / "out").glob("shard-*"))


# --- item 6: a huge --count plans lazily ---------------------------------------------------------------


def test_shard_plan_is_lazy_and_matches_the_eager_plan():
    import tracemalloc

    from textsynth.io.shards import ShardPlan, plan_shards

    tracemalloc.start()
    plans = plan_shards(10**9, 1000)
    assert len(plans) == 10**6 and plans[-1] == ShardPlan(999_999, 999_999_000, 1000)
    assert tracemalloc.get_traced_memory()[1] < 1 << 20
    tracemalloc.stop()
    eager = [ShardPlan(i, f, min(7, 23 - f)) for i, f in enumerate(range(0, 23, 7))]
    assert list(plan_shards(23, 7)) == eager and plan_shards(23, 7)[1:3] == eager[1:3]


# --- item 4: templates that used to pass validation and fail while rendering ----------------------------

TEMPLATE = """\
name: probe
slots:
  - role: title
    region: [0.1, 0.1, 0.9, 0.5]
    text: word
decorations:
  - {kind: badge, region: [0.1, 0.6, 0.4, 0.9], params: {points: 12}}
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("text: word", 'text: "words:2-1"', ":5: slots.0.text: words:N or words:N-M needs 1 <= N <= M <= 20"),
        ("text: word", 'text: "words:0"', ":5: slots.0.text: words:N"),
        ("text: word", 'text: "words:1-900000000"', ":5: slots.0.text: words:N"),
        ("points: 12", "opacity: abc", ":7: decorations.0.params.opacity: must be a number in [0.0, 1.0]"),
        (
            "points: 12",
            "points: 30000000",
            ":7: decorations.0.params.points: must be an integer from 0 to 64",
        ),
        ("points: 12", "pointz: 12", ":7: decorations.0.params.pointz: unknown field; valid fields: inner,"),
        ("points: 12", "ring_color: red", ":7: decorations.0.params.ring_color: must be a #rrggbb colour"),
        ("kind: badge", "kind: stripes", ":7: decorations.0.params.points: unknown field"),
        ("text: word", "text: word\n    separator: [1]", ":6: slots.0.separator: must be text"),
        ("text: word", "text: word\n    primary: 'yes'", ":6: slots.0.primary: must be true or false"),
        (
            "name: probe",
            "name: probe\ncanvas: {aspects: 5}",
            ":2: canvas.aspects: must be a list of width/height",
        ),
        ("name: probe", "name: probe\nbackground: {kinds: wood}", ":2: background.kinds: must be a list"),
    ],
)
def test_template_errors_found_at_load_time(tmp_path, capsys, old, new, expected):
    path = tmp_path / "probe.yaml"
    assert old in TEMPLATE
    path.write_text(TEMPLATE.replace(old, new), encoding="utf-8")
    assert _render(tmp_path, "--templates", str(path)) == 2
    _one_line(capsys, f"{path}{expected}")


def test_the_probe_template_itself_renders(tmp_path):
    path = tmp_path / "probe.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    assert _render(tmp_path, "--templates", str(path)) == 0


# --- item 14: an image-patch folder stays inside the template's folder ---------------------------------


def _patch_template(tmp_path, folder: str):
    from PIL import Image

    home = tmp_path / "tpl"
    (home / "stickers").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), "red").save(home / "stickers" / "red.png")
    outside = tmp_path / "private"
    outside.mkdir(exist_ok=True)
    Image.new("RGB", (8, 8), "blue").save(outside / "secret.png")
    path = home / "patch.yaml"
    path.write_text(
        TEMPLATE.replace("kind: badge", "kind: image_patch").replace("points: 12", f"folder: {folder}"),
        encoding="utf-8",
    )
    return path, outside


@pytest.mark.parametrize("folder", ["../private", "/etc", "stickers/../../private"])
def test_image_patch_folder_may_not_escape_the_template(tmp_path, capsys, folder):
    path, _ = _patch_template(tmp_path, folder)
    assert _render(tmp_path, "--templates", str(path)) == 2
    _one_line(capsys, f"{path}:7: decorations.0.params.folder: must be a folder inside the template's folder")


def test_image_patch_symlink_out_of_the_template_is_refused(tmp_path, capsys):
    path, outside = _patch_template(tmp_path, "linked")
    (path.parent / "linked").symlink_to(outside)
    assert _render(tmp_path, "--templates", str(path)) == 2
    _one_line(capsys, "decorations.0.params.folder: must be a folder inside")
    (path.parent / "stickers" / "leak.png").symlink_to(outside / "secret.png")
    from textsynth.templates import load_template

    path.write_text(path.read_text().replace("folder: linked", "folder: stickers"), encoding="utf-8")
    files = load_template(path).decorations[0].files
    assert [f.rsplit("/", 1)[-1] for f in files] == ["red.png"]


# --- item 10: workers that fail or die, plugins that exit, SIGTERM ---------------------------------------

WORKER_ONLY = """
import multiprocessing, os, sys
import numpy as np
from textsynth import register_effect

# a local-pool worker is a multiprocessing child; a Ray worker is started by a raylet, which says so
IN_WORKER = multiprocessing.parent_process() is not None or "RAY_RAYLET_PID" in os.environ
if IN_WORKER and {die!r} == "exit":
    os._exit(7)
if IN_WORKER and {die!r} == "raise":
    raise ValueError("no licence server in workers")

def sample(rng, width, height):
    return {{}}

def apply(image, params):
    if IN_WORKER:
        raise RuntimeError("boom only in workers")
    return image

register_effect("worker_boom_{die}", sample, apply)
"""


def _plugin_run(tmp_path, die: bool, *extra: str):
    plugin = tmp_path / "worker_boom.py"
    plugin.write_text(WORKER_ONLY.format(die=die), encoding="utf-8")
    config = tmp_path / "boom.yaml"
    config.write_text(f"plugins: [{plugin}]\neffects: {{worker_boom_{die}: 1.0}}\n", encoding="utf-8")
    argv = ["render", "--out", str(tmp_path / "out"), "--count", "4", "--shard-size", "2", "--size", "128x128",
            "--templates", "shop_sign", "--config", str(config), "--workers", "2", "--no-progress", *extra]  # fmt: skip
    return main(argv)


def test_plugin_failing_only_in_workers_names_the_sample(tmp_path, capsys):
    assert _plugin_run(tmp_path, die=False) == 2
    _one_line(capsys, "shard-00000", ", sample 00000000", "RuntimeError: boom only in workers")


def test_worker_that_dies_names_the_shard_and_the_cause(tmp_path, capsys):
    assert _plugin_run(tmp_path, die="exit") == 2
    line = _one_line(capsys, "shard-00000", "a worker process died", "rerun the same command")
    assert "BrokenProcessPool" not in line


def test_plugin_failing_to_import_only_in_workers_is_one_line(tmp_path, capsys):
    assert _plugin_run(tmp_path, die="raise") == 2
    _one_line(capsys, "plugin", "worker_boom.py", "ValueError: no licence server in workers")


@pytest.mark.slow
@pytest.mark.parametrize("die", [False, "exit"])
def test_ray_actor_that_fails_or_dies_names_the_shard(tmp_path, capsys, die):
    pytest.importorskip("ray")
    assert _plugin_run(tmp_path, die, "--backend", "ray") == 2
    expected = "the Ray actor rendering it died" if die else "RuntimeError: boom only in workers"
    err = capsys.readouterr().err
    # Ray's own start-up warnings reach pytest's sys.stderr; run as a command they go to the captured fd 2
    lines = [line for line in err.strip().splitlines() if "authentication_token_setup" not in line]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "shard-00000" in lines[0] and expected in lines[0], lines[0]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("import sys\nsys.exit(0)\n", "called sys.exit(0) while being imported"),
        ("import os\nos._exit(0)\n", "ended (exit code 0) before the import finished"),
    ],
)
def test_plugin_that_exits_at_import_is_reported(tmp_path, capsys, body, expected):
    plugin = tmp_path / "quitter.py"
    plugin.write_text(body, encoding="utf-8")
    assert _render(tmp_path, "--plugin", str(plugin)) == 2
    _one_line(capsys, "plugin", "quitter.py", expected)


def _children(pid: int) -> list[int]:
    import os

    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sigterm_to_the_coordinator_stops_its_workers(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "textsynth.cli", "render", "--out", str(out), "--count", "4000",
           "--shard-size", "4", "--size", "128x128", "--workers", "2", "--no-progress", "--templates", "shop_sign"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("shard-*.tar")):
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "no shard within 120 s"
            time.sleep(0.05)
        workers = _children(proc.pid)
        assert workers, "no worker processes found"
        finished = {p.name: p.read_bytes() for p in out.glob("shard-*.tar")}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 143
        err = proc.stderr.read().decode()
        assert "terminated; finished shards are kept" in err and "Traceback" not in err
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in workers):
            assert time.monotonic() < deadline, f"workers left running: {workers}"
            time.sleep(0.1)
        for name, data in finished.items():
            assert (out / name).read_bytes() == data
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


# --- item 11: damaged outputs given to verify, stats, captions, audit, render (resume) -------------------

RENDER_ARGS = ["--count", "4", "--shard-size", "2", "--size", "128x128", "--workers", "1", "--no-progress",
               "--templates", "shop_sign", "--seed", "3"]  # fmt: skip


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("finished") / "out"
    assert main(["render", "--out", str(out), *RENDER_ARGS]) == 0
    return out


def _rewrite_member(shard, member: str, data: bytes) -> None:
    import io
    import tarfile

    with tarfile.open(shard) as tar:
        items = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for info, body in items:
            body = data if info.name == member else body
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    shard.write_bytes(buffer.getvalue())


def _damage(out, kind: str) -> None:
    import json

    manifest = out / "manifest.json"
    if kind == "manifest_types":
        data = json.loads(manifest.read_text())
        data["count"] = "four"
        manifest.write_text(json.dumps(data))
    elif kind == "manifest_shards_list":
        data = json.loads(manifest.read_text())
        data["shards"] = ["shard-000000.tar"]
        manifest.write_text(json.dumps(data))
    elif kind == "manifest_empty":
        manifest.write_bytes(b"")
    elif kind == "shard_is_folder":
        (out / "shard-000001.tar").unlink()
        (out / "shard-000001.tar").mkdir()
    elif kind == "bad_json":
        _rewrite_member(out / "shard-000000.tar", "000000001.json", b"{not json")
    elif kind == "bad_image":
        _rewrite_member(out / "shard-000000.tar", "000000000.jpg", b"\xff\xd8 not a jpeg")


DAMAGE = {
    "manifest_types": "manifest.json: field 'count' must be an integer",
    "manifest_shards_list": "manifest.json: field 'shards' must be a JSON object",
    "manifest_empty": "manifest.json: empty",
    "shard_is_folder": "shard-000001.tar",
    "bad_json": "000000001.json",
    "bad_image": "000000000.jpg",
}
# which commands read what: stats and captions never decode images, audit does not read the manifest
READS = {
    "verify": set(DAMAGE),
    "stats": set(DAMAGE) - {"bad_image"},
    "captions": {"shard_is_folder", "bad_json"},
    "audit": {"shard_is_folder", "bad_json", "bad_image"},
    "render": {"manifest_types", "manifest_shards_list", "manifest_empty", "shard_is_folder"},
}


@pytest.mark.parametrize(("command", "kind"), [(c, k) for c, kinds in READS.items() for k in sorted(kinds)])
def test_damaged_output_gives_a_clean_named_error(finished, tmp_path, capsys, command, kind):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(finished, out)
    _damage(out, kind)
    before = {p.name: p.read_bytes() for p in out.glob("shard-*.tar") if p.is_file()}
    argv = {
        "verify": ["verify", str(out), "--no-progress"],
        "stats": ["stats", str(out), "--no-progress"],
        "captions": ["captions", str(out), "--quiet"],
        "audit": ["audit", str(out), "--report-dir", str(tmp_path)],
        "render": ["render", "--out", str(out), *RENDER_ARGS],
    }[command]
    code = main(argv)
    captured = capsys.readouterr()
    assert code != 0 and "Traceback" not in captured.err
    if command == "verify" and not kind.startswith("manifest"):
        assert DAMAGE[kind] in captured.out  # listed among the problems, the rest still checked
    elif command == "render" and kind == "shard_is_folder":
        assert DAMAGE[kind] in captured.err and "cannot write" in captured.err
    else:
        _one_line(type("C", (), {"readouterr": lambda self: captured})(), DAMAGE[kind])
    after = {p.name: p.read_bytes() for p in out.glob("shard-*.tar") if p.is_file()}
    assert after == before


def test_verify_lists_every_damage_at_once(finished, tmp_path, capsys):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(finished, out)
    for kind in ("shard_is_folder", "bad_json", "bad_image"):
        _damage(out, kind)
    assert main(["verify", str(out), "--no-progress"]) == 1
    listed = capsys.readouterr().out
    for kind in ("shard_is_folder", "bad_json", "bad_image"):
        assert DAMAGE[kind] in listed


# --- item 12: a corrupt photo in --backgrounds is found before rendering starts --------------------------


def test_corrupt_background_photo_is_found_up_front(tmp_path, capsys):
    from PIL import Image

    photos = tmp_path / "photos"
    photos.mkdir()
    Image.new("RGB", (64, 64), "green").save(photos / "good.jpg")
    (photos / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    assert _render(tmp_path, "--backgrounds", str(photos)) == 2
    _one_line(capsys, str(photos), "1 of 2 images cannot be read", "broken.png")
    assert not (tmp_path / "out").exists()


# --- item 13: resume refuses changed input files ---------------------------------------------------------


def test_editing_a_template_between_crash_and_rerun_is_refused(tmp_path, capsys):
    path = tmp_path / "probe.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    args = ["--templates", str(path), "--count", "4", "--shard-size", "2"]
    assert _render(tmp_path, *args) == 0
    out = tmp_path / "out"
    (out / "shard-000001.tar").unlink()  # as if the run had crashed before its last shard
    finished = (out / "shard-000000.tar").read_bytes()
    path.write_text(TEMPLATE.replace("points: 12", "points: 16"), encoding="utf-8")
    capsys.readouterr()
    assert _render(tmp_path, *args) == 2
    _one_line(capsys, "manifest.json", "changed since its first shards", f"template {path}")
    assert (out / "shard-000000.tar").read_bytes() == finished and not (out / "shard-000001.tar").exists()
    path.write_text(TEMPLATE, encoding="utf-8")
    assert _render(tmp_path, *args) == 0  # the same files again: resumes


@pytest.mark.parametrize("what", ["corpus", "plugin", "backgrounds"])
def test_changed_corpus_plugin_or_photos_are_refused(tmp_path, capsys, what):
    from PIL import Image

    corpus = tmp_path / "words.txt"
    corpus.write_text("你好\n世界\n", encoding="utf-8")
    plugin = tmp_path / "noop_plugin.py"
    plugin.write_text("X = 1\n", encoding="utf-8")
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.new("RGB", (64, 64), "green").save(photos / "a.jpg")
    args = {"corpus": ["--corpus", str(corpus)], "plugin": ["--plugin", str(plugin)],
            "backgrounds": ["--backgrounds", str(photos)]}[what]  # fmt: skip
    assert _render(tmp_path, *args, "--count", "4", "--shard-size", "2") == 0
    (tmp_path / "out" / "shard-000001.tar").unlink()
    if what == "corpus":
        corpus.write_text("你好\n中国\n", encoding="utf-8")
    elif what == "plugin":
        plugin.write_text("X = 2\n", encoding="utf-8")
    else:
        Image.new("RGB", (64, 64), "blue").save(photos / "a.jpg")
    capsys.readouterr()
    assert _render(tmp_path, *args, "--count", "4", "--shard-size", "2") == 2
    _one_line(capsys, "changed since its first shards", {"plugin": "plugins"}.get(what, what))


# --- item 14: lock symlink, temporaries, preview --out ---------------------------------------------------


def test_symlinked_lock_file_is_refused_and_its_target_untouched(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me", encoding="utf-8")
    (out / ".textsynth-render.lock").symlink_to(victim)
    assert _render(tmp_path) == 2
    _one_line(capsys, ".textsynth-render.lock", "symbolic link")
    assert victim.read_text(encoding="utf-8") == "keep me"


def test_resume_deletes_only_its_own_temporaries(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    mine = [out / "shard-000001.tar.tmp-12345", out / "manifest.json.tmp-7"]
    users = [out / "notes.tmp-1", out / "shard-000001.tar.tmp-backup", out / "my.tmp-data"]
    for path in (*mine, *users):
        path.write_bytes(b"x")
    assert _render(tmp_path) == 0
    assert not any(p.exists() for p in mine) and all(p.exists() for p in users)


def test_preview_out_checked_before_rendering(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    started = time.perf_counter()
    assert main(["preview", "couplet", "--out", str(blocker / "sub" / "sheet.png"), "--n", "1"]) == 2
    _one_line(capsys, "--out", "cannot create its folder")
    assert main(["preview", "couplet", "--out", str(tmp_path / "sheet.gif"), "--n", "1"]) == 2
    _one_line(capsys, "must end in .png, .jpg or .webp")
    assert time.perf_counter() - started < 10
    assert (
        main(["preview", "couplet", "--out", str(tmp_path / "new" / "sheet.png"), "--n", "1", "--tile", "64"])
        == 0
    )
    assert (tmp_path / "new" / "sheet.png").is_file()


# --- item 15: generated configs and templates -----------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from textsynth.config import RenderConfig as _Config  # noqa: E402

_JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.lists(st.integers(-5, 200), max_size=4),
    st.dictionaries(st.text(max_size=6), st.one_of(st.integers(-3, 3), st.text(max_size=4)), max_size=3),
)  # fmt: skip
_CONFIG_KEYS = sorted({"size", "colour", *(f for f in _Config.__dataclass_fields__)})


def _yaml(data) -> str:
    import yaml

    return yaml.safe_dump(data, allow_unicode=True)


def _assert_named(err: str, path, fields) -> None:
    assert err.startswith(f"{path}"), err
    assert any(f in err for f in fields) or "(top level)" in err or "malformed" in err, err


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(_CONFIG_KEYS), _JUNK, min_size=1, max_size=4))
def test_generated_configs_load_or_name_the_field(tmp_path, data):
    path = tmp_path / "gen.yaml"
    path.write_text(_yaml(data), encoding="utf-8")
    try:
        config = _Config.from_yaml(path)
    except TextsynthError as err:
        _assert_named(str(err), path, data)
    else:
        assert config.validate() is config  # what loads is a config the rest of the code can use


def _template_paths(data, at=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*at, key)
            yield from _template_paths(value, (*at, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield (*at, i)
            yield from _template_paths(value, (*at, i))


_BASE = __import__("yaml").safe_load(TEMPLATE.replace("points: 12", "points: 12, opacity: 0.5"))
_PATHS = list(_template_paths(_BASE))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(_PATHS), junk=_JUNK)
def test_generated_templates_load_or_name_the_field(tmp_path, where, junk):
    import copy

    data = copy.deepcopy(_BASE)
    target = data
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = junk
    path = tmp_path / "gen.yaml"
    path.write_text(_yaml(data), encoding="utf-8")
    try:
        load_template(path)
    except TextsynthError as err:
        _assert_named(str(err), path, [str(k) for k in where])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(_CONFIG_KEYS), _JUNK, min_size=1, max_size=3))
def test_generated_bad_configs_on_the_command_line_keep_finished_shards(finished, tmp_path, capsys, data):
    path = tmp_path / "gen.yaml"
    path.write_text(_yaml(data), encoding="utf-8")
    try:
        _Config.from_yaml(path)
        return  # a valid config: nothing to refuse
    except TextsynthError:
        pass
    before = {p.name: p.read_bytes() for p in finished.iterdir() if p.is_file()}
    capsys.readouterr()
    assert main(["render", "--out", str(finished), "--config", str(path), *RENDER_ARGS[4:]]) == 2
    _one_line(capsys, str(path))
    assert {p.name: p.read_bytes() for p in finished.iterdir() if p.is_file()} == before


@pytest.fixture(scope="module")
def small_ctx():
    from textsynth.pipeline import build_context

    return build_context(_Config(width=96, height=96, templates={"couplet": 1}))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(_PATHS), junk=_JUNK, index=st.integers(0, 1000))
def test_generated_templates_that_load_also_render(small_ctx, tmp_path, where, junk, index):
    """What passes validation renders: no failure halfway through a run (item 4)."""
    import copy
    import dataclasses

    from textsynth.pipeline import make_sample

    data = copy.deepcopy(_BASE)
    target = data
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = junk
    path = tmp_path / "gen.yaml"
    path.write_text(_yaml(data), encoding="utf-8")
    try:
        template = load_template(path)
    except TextsynthError:
        return
    ctx = dataclasses.replace(small_ctx, templates=[template], template_weights=__import__("numpy").ones(1))
    started = time.perf_counter()
    with contextlib.suppress(TextsynthError):
        make_sample(ctx, index)
    assert time.perf_counter() - started < 10


def test_python_api_config_is_checked_too(tmp_path):
    from textsynth.run.runner import run_render

    with pytest.raises(TextsynthError, match=r"config: count: must be a positive integer"):
        run_render(_Config(count="5"), str(tmp_path / "out"))
    with pytest.raises(TextsynthError, match=r"config: shard_size: must be a positive integer .* to 100000"):
        run_render(_Config(shard_size=10**6), str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" * 50_000 + "]" * 50_000, "nested too deeply"),
        ("x: [" + ",".join(["1"] * 30_000) + "]", "more than 20000 YAML nodes"),
        ("x: '" + "汉" * (1 << 20) + "'", "more than the 1048576 bytes"),
    ],
)
def test_oversized_or_deep_yaml_is_refused_quickly(tmp_path, text, expected):
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.process_time()  # CPU seconds: a loaded machine stretches wall time, not work
    with pytest.raises(TextsynthError, match=expected):
        RenderConfig.from_yaml(path)
    assert time.process_time() - started < 3


def test_every_config_field_is_checked():
    """A field added to RenderConfig gets a type check in read_config too."""
    import inspect
    from dataclasses import fields

    import textsynth.config as config_module

    source = inspect.getsource(config_module.read_config)
    unchecked = [f.name for f in fields(_Config) if f'"{f.name}"' not in source]
    assert not unchecked, f"read_config does not check {unchecked}"
    assert _Config.from_mapping({"blocklist": "none"}).blocklist == "none"


@pytest.mark.parametrize("what", ["textsynth code", "libraries"])
def test_a_run_started_by_other_code_or_libraries_is_not_finished_by_these(tmp_path, capsys, what):
    """Speed rounds change pixels: a run begun before an upgrade would mix two renderers' shards."""
    args = ["--count", "4", "--shard-size", "2"]
    assert _render(tmp_path, *args) == 0
    out = tmp_path / "out"
    (out / "shard-000001.tar").unlink()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    started_by = manifest["inputs"][what]
    manifest["inputs"][what] = "0" * 16  # as another version of textsynth or numpy would have written it
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    capsys.readouterr()
    assert _render(tmp_path, *args) == 2
    _one_line(capsys, "changed since its first shards", what)
    manifest["inputs"][what] = started_by
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert _render(tmp_path, *args) == 0  # the same code again: resumes


def test_the_package_digest_follows_every_file_of_the_package(tmp_path):
    from textsynth.run.inputs import package_digest

    (tmp_path / "render").mkdir()
    (tmp_path / "render" / "text.py").write_text("A = 1\n", encoding="utf-8")
    (tmp_path / "__pycache__").mkdir()
    before = package_digest(tmp_path)
    (tmp_path / "__pycache__" / "text.cpython-311.pyc").write_bytes(b"\0")  # compiled files do not count
    assert package_digest(tmp_path) == before
    (tmp_path / "render" / "text.py").write_text("A = 2\n", encoding="utf-8")
    assert package_digest(tmp_path) != before
