#!/usr/bin/env bash
# One-time set-up on Debian/Ubuntu: CJK fonts from apt, textsynth and its extras from pip.
# Safe to rerun: it only installs what is missing. Set TEXTSYNTH_EXTRAS to choose extras.
set -euo pipefail
cd "$(dirname "$0")/.."

FONT_PACKAGES=(
  fonts-noto-cjk fonts-noto-cjk-extra fonts-lxgw-wenkai fonts-smiley-sans
  fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-ukai fonts-arphic-uming fontconfig
)
EXTRAS="${TEXTSYNTH_EXTRAS:-dev,ocr,train,ray}"

missing=()
for pkg in "${FONT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing fonts: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
# torch is pinned: an unpinned torch pulls a multi-GB CUDA build
if [[ ",$EXTRAS," == *",train,"* ]] && ! "$PY" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null; then
  "$PY" -m pip install -q --disable-pip-version-check "torch==2.13.0"
fi
"$PY" -m pip install -q --disable-pip-version-check -e ".[${EXTRAS}]"
echo "setup: done ($("$PY" -m textsynth.cli --help >/dev/null && echo 'textsynth command ready'))"
