#!/usr/bin/env bash
# Installs the training photographs: real photos shipped inside Debian packages, unpacked with
# `apt-get download` + `dpkg -x` (nothing is installed system-wide), filtered and written as JPEG
# to DEST/<package>/ with DEST/MANIFEST.tsv. Idempotent: a second run with the same script version
# does nothing. Only these packages are for training; others are reserved for evaluation.
#
# Which files count as photographs (then the size/colourfulness filter of photo-lib.sh):
#   gcompris-qt-data            WebP images inside the Qt .rcc bundles erase, explore_* and
#                               categorization (its images/ folders other than alphabets and numbers)
#   scratch                     Media/Backgrounds/*/*.jpg (the .gif backgrounds are drawings), except
#                               the drawn or heavily processed ones listed in SCRATCH_DRAWINGS
#   krank                       levels/unera-backgrounds (underwater photos)
#   lomiri-wallpapers-16.04/-20.04  usr/share/backgrounds, except the renders in LOMIRI_RENDERS
#   plasma-workspace-wallpapers the largest image of each photographic wallpaper (listed below;
#                               the others are renders; ColdRipple and Grey are near-grey)
#
# Usage: scripts/install-photos.sh [DEST]   (default: data/photos in the repository)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
DEST=$(realpath -m "${1:-$root/data/photos}")
source "$root/scripts/photo-lib.sh"
VERSION=train-2
SCRATCH_DRAWINGS=" party-room room1 room2 room3 spotlight-stage woods-and-bench school2 graffiti "
LOMIRI_RENDERS=" analogpattern_by_Peter_Nerlich umang_by_Abhishek_Mudgal Fossa_by_Jasper_Roks Infinite-Sea_by_Aury88 Painting-Colors_by__herobrine7gamer "
begin "$VERSION" || exit 0
start=$SECONDS

if fetch_package gcompris-qt-data "$WORK/gcompris"; then
  for bundle in "$WORK"/gcompris/usr/share/gcompris-qt/rcc/{erase,explore_*,categorization}.rcc; do
    python3 "$root/scripts/extract_rcc.py" "$bundle" --out "$WORK/rcc" --match .webp
  done
  while IFS= read -r file; do
    case "$file" in */images/alphabets/*|*/images/numbers/*) continue ;; esac
    activity=$(echo "$file" | sed -n 's|.*/activities/\([^/]*\)/.*|\1|p')
    consider gcompris-qt-data "$file" "${activity}-$(basename "${file%.*}")"
  done < <(find "$WORK/rcc" -name '*.webp' | sort)
fi

if fetch_package scratch "$WORK/scratch"; then
  while IFS= read -r file; do
    name=$(basename "${file%.*}")
    [[ $SCRATCH_DRAWINGS == *" $name "* ]] && continue
    consider scratch "$file" "$(basename "$(dirname "$file")")-$name"
  done < <(find "$WORK/scratch/usr/share/scratch/Media/Backgrounds" -iname '*.jpg' | sort)
fi

if fetch_package krank "$WORK/krank"; then
  while IFS= read -r file; do consider krank "$file" "$(basename "${file%.*}")"; done \
    < <(find "$WORK/krank/usr/share/games/krank/levels/unera-backgrounds" -type f | sort)
fi

for package in lomiri-wallpapers-16.04 lomiri-wallpapers-20.04; do
  if fetch_package "$package" "$WORK/$package"; then
    while IFS= read -r file; do
      name=$(basename "${file%.*}")
      [[ $LOMIRI_RENDERS == *" $name "* ]] || consider "$package" "$file" "$name"
    done < <(find "$WORK/$package/usr/share/backgrounds" -type f | sort)
  fi
done

if fetch_package plasma-workspace-wallpapers "$WORK/plasma"; then
  for name in Altai Autumn BytheWater Canopee Cascade ColorfulCups EveningGlow FallenLeaf Kite MilkyWay OneStandsOut Path summer_1am; do
    largest=$(ls -S "$WORK/plasma/usr/share/wallpapers/$name/contents/images/"* 2>/dev/null | head -1)
    [ -n "$largest" ] && consider plasma-workspace-wallpapers "$largest" "$name"
  done
fi

finish "$VERSION"
echo "done in $((SECONDS - start)) s"
