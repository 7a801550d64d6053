#!/usr/bin/env python3
"""Fetch the faces of fonts_manifest.yaml that have a `source:` into the font dir, one font file per face.

    python3 scripts/fetch_fonts.py [--manifest PATH] [--font-dir DIR] [--cache-dir DIR] [--only ID,...]
                                   [--print-sha]

Sources (the manifest's `source:` field):
  npm:PKG@VERSION            `npm pack` the package, merge all its woff2 unicode-range slices into one TTF
  deb:PKG=VERSION:/PATH      `apt-get download` the .deb and copy one font file out of it verbatim

The font dir is $TEXTSYNTH_FONT_DIR, else ${XDG_DATA_HOME:-~/.local/share}/textsynth/fonts; package
tarballs are cached in the textsynth cache dir ($TEXTSYNTH_CACHE_DIR, else
~/.cache/textsynth)/font-sources. Idempotent: a face whose
file is already there with the manifest's sha256 is skipped. Merging is deterministic (fixed head
dates, glyph order from the sorted slices), so the sha256 is the same on every run and machine that
has the same fontTools version. Exit status 1 when any face failed, with one line saying why.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from textsynth.resources import (  # set-up runs this after installing textsynth
    cache_dir,
    file_sha256,
    font_dir,
)
from textsynth.sources.fonts import FONT_DIR_TOKEN

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = REPO / "fonts_manifest.yaml"


class FetchError(Exception):
    """A face could not be fetched; the message is the one line the user sees."""


def source_cache_dir() -> Path:
    return cache_dir() / "font-sources"


def load_faces(manifest: Path) -> list[dict]:
    try:
        import yaml
    except ImportError:
        raise FetchError("PyYAML is missing: pip install pyyaml (or pip install -e .)") from None
    data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
    faces = [face for face in data.get("faces") or [] if face.get("source")]  # the rest come from apt
    for face in faces:
        for field in ("id", "file", "source"):
            if not face.get(field):
                raise FetchError(f"{manifest}: face {face.get('id')!r}: field {field!r} is missing")
    return faces


def resolve_file(face: dict, fonts: Path) -> Path:
    file = str(face["file"])
    if not file.startswith(FONT_DIR_TOKEN + "/"):
        raise FetchError(f"face {face['id']}: file must start with {FONT_DIR_TOKEN}/, got {file!r}")
    return fonts / file[len(FONT_DIR_TOKEN) + 1 :]


# --------------------------------------------------------------------------- sources


def npm_pack(spec: str, cache: Path) -> Path:
    """The package tarball for PKG@VERSION, packed into `cache` once (npm checks its integrity hash)."""
    name, _, version = spec.rpartition("@")
    if not name or not version:
        raise FetchError(f"npm source must be PKG@VERSION, got {spec!r}")
    tarball = cache / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    if tarball.exists():
        return tarball
    npm = shutil.which("npm")
    if npm is None:
        raise FetchError("npm is not installed: apt-get install npm")
    cache.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "pack", spec, "--pack-destination", str(cache), "--loglevel=error"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not tarball.exists():
        lines = [
            line for line in done.stderr.splitlines() if "complete log" not in line and " code " not in line
        ]
        raise FetchError(f"npm pack {spec} failed: {(lines or ['no output'])[0].removeprefix('npm error ')}")
    return tarball


def npm_slices(tarball: Path, weight: int, dest: Path) -> list[Path]:
    """Extract the package's woff2 files of one weight (Fontsource names them NAME-SUBSET-WEIGHT-normal)."""
    wanted = re.compile(rf"-{weight}-normal\.woff2$")
    with tarfile.open(tarball) as tar:
        members = [m for m in tar.getmembers() if m.isfile() and m.name.endswith(".woff2")]
        if any(wanted.search(m.name) for m in members):
            members = [m for m in members if wanted.search(m.name)]
        for member in members:
            target = dest / Path(member.name).name
            with tar.extractfile(member) as src, open(target, "wb") as out:  # type: ignore[union-attr]
                shutil.copyfileobj(src, out)
    if not members:
        raise FetchError(f"{tarball.name}: no woff2 files in the package")
    return sorted((dest / Path(m.name).name for m in members), key=_natural_key)


def _natural_key(path: Path) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def deb_file(spec: str, cache: Path) -> Path:
    """One file out of a Debian package (deb:PKG=VERSION:/PATH), unpacked into the cache. The first call
    unpacks every file of that folder, so faces that share a package read the .deb once."""
    match = re.fullmatch(r"([a-z0-9][a-z0-9.+-]*)=([^:]+(?::[^:]+)?):(/.+)", spec)
    if match is None:
        raise FetchError(f"deb source must be PKG=VERSION:/PATH, got {spec!r}")
    package, version, member = match.groups()
    deb = next(iter(sorted(cache.glob(f"{package}_*.deb"))), None)
    if deb is None:
        if shutil.which("apt-get") is None:
            raise FetchError(f"apt-get is missing: fetch {package}={version} on a Debian/Ubuntu machine")
        cache.mkdir(parents=True, exist_ok=True)
        # Another release may carry another version of the package; the sha256 check decides if its file will do.
        for wanted in (f"{package}={version}", package):
            done = subprocess.run(["apt-get", "download", wanted], cwd=cache, capture_output=True, text=True)
            deb = next(iter(sorted(cache.glob(f"{package}_*.deb"))), None)
            if done.returncode == 0 and deb is not None:
                break
        else:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise FetchError(f"apt-get download {package} failed (run apt-get update?): {last}")
    unpacked = cache / deb.stem
    if (unpacked / member.lstrip("/")).exists():
        return unpacked / member.lstrip("/")
    folder = "." + str(Path(member).parent) + "/"
    with (
        subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE) as proc,
        tarfile.open(fileobj=proc.stdout, mode="r|") as tar,
    ):
        for item in tar:
            if item.isfile() and item.name.startswith(folder) and "/" not in item.name[len(folder) :]:
                target = unpacked / item.name[2:]
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(item) as src, open(target, "wb") as out:  # type: ignore[union-attr]
                    shutil.copyfileobj(src, out)
    if not (unpacked / member.lstrip("/")).exists():
        raise FetchError(f"{deb.name} has no file {member}")
    return unpacked / member.lstrip("/")


# --------------------------------------------------------------------------- merging


def merge_slices(slices: list[Path]):
    """One TTFont holding every glyph the slices map: the slice with the most glyphs is the base (its
    layout tables stay valid because its glyph ids do not move); other slices add the codepoints the
    font lacks, in slice then codepoint order, so the result is the same every time."""
    from fontTools.ttLib import TTFont

    fonts = [TTFont(str(path), lazy=False) for path in slices]
    for font in fonts:
        if "glyf" not in font:
            raise FetchError(f"{slices[0].parent.name}: only TrueType-outline slices can be merged")
    order = sorted(range(len(fonts)), key=lambda i: (-len(fonts[i].getGlyphOrder()), slices[i].name))
    base = fonts[order[0]]
    for tag in ("hdmx", "LTSH", "VDMX", "kern", "DSIG"):  # indexed by glyph id or signed: stale after merging
        if tag in base:
            del base[tag]
    mapping = dict(base.getBestCmap())
    glyf, hmtx = base["glyf"], base["hmtx"]
    vmtx = base.get("vmtx")
    glyph_order = list(base.getGlyphOrder())
    signatures: dict[tuple[int, str], tuple] = {}

    def signature(font, name: str) -> tuple:
        from fontTools.pens.recordingPen import DecomposingRecordingPen

        key = (id(font), name)
        if key not in signatures:
            pen = DecomposingRecordingPen(font.getGlyphSet())
            font.getGlyphSet()[name].draw(pen)
            signatures[key] = (font["hmtx"][name][0], tuple(pen.value))
        return signatures[key]

    for index in order[1:]:
        src = fonts[index]
        copied: dict[str, str] = {}

        def copy_glyph(name: str, src=src, copied=copied, index=index) -> str:
            if name in copied:
                return copied[name]
            glyph = copy.deepcopy(src["glyf"][name])
            if glyph.isComposite():
                for component in glyph.components:
                    component.glyphName = copy_glyph(component.glyphName)
            target, k = name, 0
            while target in glyf.glyphs:
                if signature(src, name) == signature(base, target):
                    copied[name] = target
                    return target
                k += 1
                target = f"{name}.s{index}_{k}"
            glyf.glyphs[target] = glyph
            glyph_order.append(target)
            base.setGlyphOrder(glyph_order)
            glyf.glyphOrder = glyph_order
            hmtx.metrics[target] = src["hmtx"][name]
            if vmtx is not None:
                vmtx.metrics[target] = _vertical_metrics(src, base, name, glyph)
            copied[name] = target
            return target

        for codepoint, name in sorted(src.getBestCmap().items()):
            if codepoint not in mapping:
                mapping[codepoint] = copy_glyph(name)

    _set_cmap(base, mapping)
    os2 = base["OS/2"]
    for recalc in ("recalcUnicodeRanges", "recalcCodePageRanges"):
        if hasattr(os2, recalc):
            getattr(os2, recalc)(base)
    return base


def _vertical_metrics(src, base, name: str, glyph) -> tuple[int, int]:
    if "vmtx" in src:
        return src["vmtx"][name]
    upm = base["head"].unitsPerEm
    glyph.recalcBounds(base["glyf"])
    top = getattr(glyph, "yMax", 0) if glyph.numberOfContours else 0
    return upm, int(base["OS/2"].sTypoAscender - top) if glyph.numberOfContours else 0


def _set_cmap(font, mapping: dict[int, str]) -> None:
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    bmp = {cp: g for cp, g in mapping.items() if cp <= 0xFFFF}
    tables = []
    for platform, encoding, fmt, cmap in (
        (0, 3, 4, bmp),
        (3, 1, 4, bmp),
        (0, 4, 12, mapping),
        (3, 10, 12, mapping),
    ):
        if fmt == 12 and len(cmap) == len(bmp):
            continue
        sub = CmapSubtable.newSubtable(fmt)
        sub.platformID, sub.platEncID, sub.language = platform, encoding, 0
        sub.cmap = dict(sorted(cmap.items()))
        tables.append(sub)
    tables += [t for t in font["cmap"].tables if t.format == 14]  # variation sequences stay as they were
    font["cmap"].tables = sorted(tables, key=lambda t: (t.platformID, t.platEncID, t.format))


def save_deterministic(font, path: Path) -> None:
    # head.created/modified keep the pinned package's values; fontTools would stamp "now" otherwise.
    font.recalcTimestamp = False
    font.flavor = None
    font.save(str(path), reorderTables=True)


# --------------------------------------------------------------------------- main


def gb2312_hanzi() -> str:
    """The 6,763 hanzi of GB 2312 (rows 16-87), for the coverage note."""
    return bytes(b for hi in range(0xB0, 0xF8) for lo in range(0xA1, 0xFF) for b in (hi, lo)).decode(
        "gb2312", errors="ignore"
    )


def build(face: dict, cache: Path, target: Path) -> str:
    """Write the face's font file to `target` (atomically); returns a short note on what was built."""
    kind, _, spec = str(face["source"]).partition(":")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        if kind == "npm":
            tarball = npm_pack(spec, cache)
            with tempfile.TemporaryDirectory() as work:
                slices = npm_slices(tarball, int(face.get("weight", 400)), Path(work))
                font = merge_slices(slices)
                save_deterministic(font, tmp)
                cmap = font.getBestCmap()
            gb = gb2312_hanzi()
            note = f"{len(slices)} slices, {len(font.getGlyphOrder())} glyphs, GB2312 {sum(ord(c) in cmap for c in gb)}/{len(gb)}"
        elif kind == "deb":
            shutil.copyfile(deb_file(spec, cache), tmp)
            note = "copied from the .deb"
        else:
            raise FetchError(f"face {face['id']}: unknown source kind {kind!r} (npm: or deb:)")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return note


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--manifest", type=Path, default=DEFAULT_MANIFEST, help="font manifest with source: fields"
    )
    parser.add_argument(
        "--font-dir", type=Path, default=None, help="where font files go (default: $TEXTSYNTH_FONT_DIR)"
    )
    parser.add_argument("--cache-dir", type=Path, default=None, help="where package downloads are kept")
    parser.add_argument("--only", default="", help="comma-separated face ids to fetch (default: all)")
    parser.add_argument(
        "--print-sha", action="store_true", help="build and print sha256s without checking them"
    )
    args = parser.parse_args(argv)
    fonts = args.font_dir or font_dir()
    cache = args.cache_dir or source_cache_dir()
    try:
        faces = load_faces(args.manifest)
    except FetchError as err:
        print(f"fetch_fonts: {err}", file=sys.stderr)
        return 1
    only = {s for s in args.only.split(",") if s}
    failed = 0
    for face in faces:
        if only and face["id"] not in only:
            continue
        try:
            target = resolve_file(face, fonts)
            want = str(face.get("sha256") or "").lower()
            if target.exists() and want and file_sha256(target) == want and not args.print_sha:
                print(f"{face['id']}: ok, already in {fonts}")
                continue
            start = time.perf_counter()
            note = build(face, cache, target)
            seconds = time.perf_counter() - start
            got = file_sha256(target)
            size = target.stat().st_size / 1e6
            print(f"{face['id']}: {target.name} {size:.1f} MB in {seconds:.1f} s ({note})")
            if args.print_sha:
                print(f"  sha256: {got}")
            elif want and got != want:
                target.unlink()
                import fontTools

                raise FetchError(
                    f"sha256 {got} != manifest {want} (fontTools {fontTools.version}; "
                    "the manifest's were made with the version named at its top)"
                )
        except FetchError as err:
            failed += 1
            print(f"{face['id']}: FAILED: {err}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
