"""Bad input gets one clear line naming what is wrong and what is valid: no traceback, exit 2."""

from __future__ import annotations

import os

import pytest

from textsynth.cli import main


def _render_to(out, *extra):
    return main(
        [
            "render",
            "--out",
            str(out),
            "--count",
            "1",
            "--size",
            "128x128",
            "--workers",
            "1",
            "--no-progress",
            *extra,
        ]
    )


def _render(tmp_path, *extra):
    return main(
        [
            "render",
            "--out",
            str(tmp_path / "out"),
            "--count",
            "2",
            "--size",
            "128x128",
            "--workers",
            "1",
            "--no-progress",
            *extra,
        ]
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--count", "0"], "--count: must be a positive integer"),
        (["--size", "12x12"], "between 64x64"),
        (["--size", "big"], "WIDTHxHEIGHT"),
        (["--templates", "no_such_template"], "unknown template 'no_such_template'; valid:"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--backgrounds", "/no/such/folder"], "/no/such/folder"),
        (["--corpus", "/no/such/words.tsv"], "/no/such/words.tsv"),
    ],
)
def test_bad_flags_give_one_clear_line(tmp_path, capsys, args, expected):
    assert _render(tmp_path, *args) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_malformed_template_names_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nslots:\n  - role: title\n    region: [0.1, 0.1, 0.9]\n", encoding="utf-8")
    assert _render(tmp_path, "--templates", str(bad)) == 2
    err = capsys.readouterr().err
    assert f"{bad}:4" in err and "slots.0.region" in err and "[x0, y0, x1, y1]" in err


def test_broken_yaml_syntax_names_the_line(tmp_path, capsys):
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: broken\nslots: [\n  {role: title\n", encoding="utf-8")
    assert _render(tmp_path, "--templates", str(bad)) == 2
    assert "broken.yaml" in capsys.readouterr().err


def test_unknown_config_field(tmp_path, capsys):
    config = tmp_path / "run.yaml"
    config.write_text("count: 5\ncolour: red\n", encoding="utf-8")
    assert _render(tmp_path, "--config", str(config)) == 2
    err = capsys.readouterr().err
    assert "colour" in err and "valid fields" in err


def test_missing_font_file_names_the_package(tmp_path, capsys):
    manifest = tmp_path / "fonts.yaml"
    manifest.write_text(
        "faces:\n"
        "  - {id: gone, file: /no/such/font.ttf, index: 0, family: Gone, style: sans, weight: 400, script: SC,"
        " license: OFL-1.1, package: fonts-gone, sha256: '" + "0" * 64 + "'}\n",
        encoding="utf-8",
    )
    config = tmp_path / "run.yaml"
    config.write_text(f"fonts_manifest: {manifest}\n", encoding="utf-8")
    assert _render(tmp_path, "--config", str(config)) == 2
    err = capsys.readouterr().err
    assert "fonts-gone" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_out(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert (
        main(["render", "--out", str(locked / "out"), "--count", "1", "--workers", "1", "--no-progress"]) == 2
    )
    assert "cannot write" in capsys.readouterr().err


def test_out_is_a_file(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    assert _render_to(target) == 2
    assert "cannot write" in capsys.readouterr().err


def test_help_explains_every_flag(capsys):
    with pytest.raises(SystemExit):
        main(["render", "--help"])
    out = capsys.readouterr().out
    for flag in (
        "--out",
        "--count",
        "--seed",
        "--workers",
        "--shard-size",
        "--size",
        "--config",
        "--templates",
        "--backgrounds",
    ):
        assert flag in out


def test_unwritable_out_even_as_root(capsys):
    """sysfs refuses new folders for every user, so this runs in CI too."""
    assert _render_to("/sys/textsynth-test-out") == 2
    err = capsys.readouterr().err
    assert "/sys/textsynth-test-out" in err and "cannot write" in err


def test_second_run_into_the_same_folder_is_refused(tmp_path, capsys):
    """Two renders into one --out would delete each other's temporaries: the second one stops."""
    import fcntl

    out = tmp_path / "busy"
    out.mkdir()
    with open(out / ".textsynth-render.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("pid 4242")
        held.flush()
        assert _render_to(out) == 2
        err = capsys.readouterr().err
        assert "another textsynth render (pid 4242) is writing here" in err
        assert not list(out.glob("shard-*"))
    assert _render_to(out) == 0, "the lock goes with its holder"


def test_lock_left_by_a_killed_run_does_not_block(tmp_path):
    """A lock file on disk with nobody holding it (the run was killed) is not a lock."""
    out = tmp_path / "after_kill"
    out.mkdir()
    (out / ".textsynth-render.lock").write_text("pid 99999")
    assert _render_to(out) == 0
