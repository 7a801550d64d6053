#!/usr/bin/env bash
# Debian packages that install the photographs listed in manifests/photos.yaml.
# Meant to be folded into scripts/setup.sh next to FONT_PACKAGES; runnable on its own too.
# Safe to rerun: it only installs what is missing.
#
# Installed size (Debian 12, `apt-cache show PKG | grep Installed-Size`), photos used / package:
#   plasma-workspace-wallpapers   91 MiB   11 photos (the rest are abstract renders)
#   mate-backgrounds              45 MiB   12 photos (nature/; abstract/ and desktop/ are not photos)
#   lxqt-themes                   25 MiB   11 photos (+ lxqt-system-theme, 1 MiB, pulled in as a dependency)
#   lomiri-wallpapers-16.04       15 MiB   14 photos
#   palapeli-data                  4 MiB    5 photos
#   total                        ~181 MiB  53 photos (45 MB of image files), ~185 MB to download
# Left out because they hold no photographs: gnome-backgrounds (43), ukui-wallpapers (illustrations),
# sway-backgrounds, xfdesktop4-data, lxde-common, desktop-base; lomiri-wallpapers-20.04 (one photo
# for 11 MiB); enlightenment-data (photos, but 400 MB and packed in .edj files).
set -euo pipefail

PHOTO_PACKAGES=(
  mate-backgrounds lomiri-wallpapers-16.04 plasma-workspace-wallpapers lxqt-themes palapeli-data
)

missing=()
for pkg in "${PHOTO_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing photos: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
