#!/usr/bin/env bash
# Lines for setup.sh, after the pip install (fetch_fonts.py needs fontTools, brotli and PyYAML):
# fetch the npm/Debian faces of manifests/fonts_npm.yaml into ${TEXTSYNTH_FONT_DIR:-~/.local/share/textsynth/fonts}.
# From empty caches: 4 min 54 s wall on 2 cores shared with other jobs (load ~14; 77 s of CPU), ~95 MB
# downloaded (npm tarballs 46 MB, texlive-lang-chinese .deb 49 MB), 64 MB of fonts written; the caches keep
# ~125 MB (plus ~45 MB in npm's own cache). A rerun with the fonts in place takes under 2 s.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# npm packs the Fontsource tarballs; apt-get download fetches texlive-lang-chinese (Fandol fonts) without installing it.
if ! command -v npm >/dev/null 2>&1 || ! compgen -G "/var/lib/apt/lists/*Packages*" >/dev/null; then
  $SUDO apt-get update -qq
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing npm"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
PY="${PYTHON:-python3}"
"$PY" -c "import brotli" 2>/dev/null || "$PY" -m pip install -q --disable-pip-version-check brotli
"$PY" scripts/fetch_fonts.py
