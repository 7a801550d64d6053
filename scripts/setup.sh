#!/usr/bin/env bash
# One-time set-up on Debian/Ubuntu: CJK fonts and photos from apt, then textsynth and its extras in a
# virtual environment, .venv/ in this checkout (the system Python refuses pip: PEP 668).
# Safe to rerun: it only installs what is missing.
#   TEXTSYNTH_EXTRAS  extras to install (default dev,ocr,train,ray; render-only: ocr)
#   PYTHON            interpreter to build the venv from (default python3)
#   TEXTSYNTH_VENV    where the venv goes (default .venv); set to "none" to install into the
#                     active interpreter instead (an existing venv or conda env)
set -euo pipefail
cd "$(dirname "$0")/.."

FONT_PACKAGES=(
  fonts-noto-cjk fonts-noto-cjk-extra fonts-lxgw-wenkai fonts-smiley-sans
  fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-ukai fonts-arphic-uming fontconfig
)
# real photographs for backgrounds (photos_manifest.yaml; ~180 MiB installed, licences per photo there)
# npm fetches the Fontsource faces scripts/fetch_fonts.py merges (brush, handwriting, display)
TOOL_PACKAGES=(npm)
PHOTO_PACKAGES=(mate-backgrounds lomiri-wallpapers-16.04 plasma-workspace-wallpapers lxqt-themes palapeli-data)
EXTRAS="${TEXTSYNTH_EXTRAS:-dev,ocr,train,ray}"
BASE_PY="${PYTHON:-python3}"
VENV="${TEXTSYNTH_VENV:-.venv}"

apt_packages=()
for pkg in "${FONT_PACKAGES[@]}" "${PHOTO_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || apt_packages+=("$pkg")
done
command -v npm >/dev/null 2>&1 || apt_packages+=("${TOOL_PACKAGES[@]}")
# Debian/Ubuntu split venv's pip bootstrap into pythonX.Y-venv
if [ "$VENV" != none ] && [ ! -x "$VENV/bin/python" ] && ! "$BASE_PY" -c "import ensurepip" 2>/dev/null; then
  apt_packages+=("python$("$BASE_PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')-venv")
fi
if ((${#apt_packages[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing with apt-get: ${apt_packages[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

if [ "$VENV" = none ]; then
  PY="$BASE_PY"
else
  if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating the virtual environment $VENV"
    "$BASE_PY" -m venv "$VENV"
  fi
  PY="$VENV/bin/python"
fi
PIP=("$PY" -m pip install -q --disable-pip-version-check)
# torch is pinned: an unpinned torch pulls a multi-GB CUDA build
if [[ ",$EXTRAS," == *",train,"* ]] && ! "$PY" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null; then
  "${PIP[@]}" "torch==2.13.0"
fi
# the editable install is skipped when it is already current (same pyproject, same extras)
stamp="$("$PY" -c 'import sys; print(sys.prefix)')/.textsynth-setup"
want="$(sha256sum pyproject.toml | cut -c1-16) $EXTRAS $(pwd)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || ! "$PY" -c "import textsynth" 2>/dev/null; then
  "${PIP[@]}" -e ".[${EXTRAS}]"
  echo "$want" > "$stamp"
fi
# the faces with a `source:` in fonts_manifest.yaml (npm packages merged to TTF, one .deb): once per machine
"$PY" scripts/fetch_fonts.py
"$PY" -m textsynth --help >/dev/null  # fails loudly when the install is broken
# read every font's cmap once now, so the first render (and every test worker) starts warm
"$PY" -c "from textsynth.sources.fonts import FontLibrary; FontLibrary.load()"
echo "setup: done (textsynth ready in $("$PY" -c 'import sys; print(sys.prefix)'))"
