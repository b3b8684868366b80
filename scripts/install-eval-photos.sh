#!/usr/bin/env bash
# Installs the held-out evaluation photographs: the photographic wallpapers of mate-backgrounds, a
# package never used for training. Same filter and layout as install-photos.sh.
#
# Usage: scripts/install-eval-photos.sh [DEST]   (default: data/eval in the repository)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
DEST=$(realpath -m "${1:-$root/data/eval}")
source "$root/scripts/photo-lib.sh"
VERSION=eval-1
begin "$VERSION" || exit 0

if fetch_package mate-backgrounds "$WORK/mate"; then
  # Its JPEGs are photographs; the PNGs are renders. Elephants comes in three sizes: keep one.
  while IFS= read -r file; do consider mate-backgrounds "$file" "$(basename "${file%.*}")"; done \
    < <(find "$WORK/mate/usr/share/backgrounds" -iname '*.jpg' ! -name 'Elephants_*' | sort)
fi

finish "$VERSION"
